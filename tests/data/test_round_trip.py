"""Exact round trips (issue 14, item 4): the whole-dataset download loads back unchanged.

Formula-like text, and text opening with whitespace or a control character the reader strips, is
written with a leading quote (data.export.neutralise) and the loader takes it off again
(data.export.restore), so no commentary gains a quote or loses a character per round trip; a cell
holding a carriage return is written in double quotes. Numbers are written exactly
(data.export.format_exact), so a figure like 1/3 reads back as the same float.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.engine import make_engine
from data.export import export_csv, neutralise, restore
from data.load import load_files
from data.queries import read_figures

PREFIXES = ["", "=", "+", "-", "@", "\t", "\r", "'", "''", "'=", "'-", "' ", "=HYPERLINK("]
# what the reader strips from a cell's ends: whitespace and the control characters Python counts as it
PREFIXES += [
    " ",
    "  ",
    "\n",
    "\r\n",
    "\r\r",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1f",
    "\x85",
    "\xa0",
    "\u2028",
    "\u3000",
]
PREFIXES += ["'\r", "'\t", "''\r", "\r'", " '=", "\r="]
BODY = r"[A-Za-z0-9 ,.;'=+@()\r\n\t\"-]{0,20}[A-Za-z]"  # never ends in whitespace: the reader strips it
TEXTS = st.tuples(st.sampled_from(PREFIXES), st.from_regex(BODY, fullmatch=True)).map("".join)
COLUMNS = ["period", "kpi", "org", "numerator", "denominator", "value", "commentary"]


@given(text=st.text(max_size=30) | TEXTS)
def test_restore_undoes_neutralise(text: str) -> None:
    assert restore(neutralise(text)) == text


@pytest.mark.parametrize(
    ("text", "written"),
    [("=1+2", "'=1+2"), ("'=1+2", "''=1+2"), ("''=1", "'''=1"), ("'tis", "'tis"), ("'", "'"), ("ok", "ok")],
)
def test_only_text_that_would_change_is_quoted(text: str, written: str) -> None:
    assert (neutralise(text), restore(written)) == (written, text)


def figures_frame(commentary: list[str]) -> pd.DataFrame:
    months = [f"{2020 + i // 12}-{i % 12 + 1:02d}" for i in range(len(commentary))]
    return pd.DataFrame(
        {
            "period": months,
            "kpi": "REFERRALS",
            "org": "LA",
            "numerator": float("nan"),
            "denominator": float("nan"),
            "value": [float(i) for i in range(len(commentary))],
            "commentary": commentary,
        }
    )


DOWNLOAD_PREFIXES = PREFIXES
LOADABLE = TEXTS


def dataset_csv(url: str) -> str:
    """What ``GET /api/dataset.csv`` writes (callbacks.api.dataset_csv), without the web app."""
    figures = read_figures(make_engine(url)).sort_values(["period", "kpi", "org"])
    return export_csv(figures[COLUMNS], exact=True)


def load_back(folder: Path, commentary: list[str]) -> tuple[str, str]:
    url = f"sqlite:///{folder / 'rt.db'}"
    (folder / "orgs.csv").write_text("code,name,parent,type\nLA,Council,,authority\n", encoding="utf-8")
    first = folder / "first.csv"
    first.write_text(export_csv(figures_frame(commentary), exact=True), encoding="utf-8")
    engine = make_engine(url)
    load_files(engine, [folder / "orgs.csv", first], month="2026-01")
    assert read_figures(engine).sort_values("period")["commentary"].tolist() == commentary
    download = dataset_csv(url)
    again = folder / "dataset.csv"
    again.write_text(download, encoding="utf-8")
    (summary,) = load_files(engine, [again], month="2026-01")
    counts = (summary.added, summary.revised, summary.unchanged, summary.load_id)
    assert counts == (0, 0, len(commentary), None)
    assert read_figures(engine).sort_values("period")["commentary"].tolist() == commentary
    engine.dispose()
    return url, download


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(commentary=st.lists(LOADABLE, min_size=1, max_size=6))
def test_the_dataset_loads_back_with_nothing_changed(tmp_path_factory, commentary):
    url, download = load_back(tmp_path_factory.mktemp("dataset"), commentary)
    assert dataset_csv(url) == download


def test_the_download_over_http_loads_back_with_nothing_changed(tmp_path):
    from app import create_app

    commentary = [p + "x" for p in DOWNLOAD_PREFIXES]
    url, download = load_back(tmp_path, commentary)
    served = create_app(url).server.test_client().get("/api/dataset.csv").get_data(as_text=True)
    assert served == download


def ratio_frame(pairs: list[tuple[float, float]]) -> pd.DataFrame:
    months = [f"{2000 + i // 12}-{i % 12 + 1:02d}" for i in range(len(pairs))]
    numerators = [float(n) for n, _ in pairs]
    denominators = [float(max(n, d)) for n, d in pairs]  # a percentage: numerator <= denominator
    return pd.DataFrame(
        {
            "period": months,
            "kpi": "ASSESSMENTS_45WD",
            "org": "LA",
            "numerator": numerators,
            "denominator": denominators,
            "value": [100 * n / d for n, d in zip(numerators, denominators, strict=True)],
            "commentary": "",
        }
    )


FLOATS = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)
NUMBERS = FLOATS | st.integers(0, 10**6).map(float) | st.integers(1, 999).map(lambda n: n / 3)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(NUMBERS, NUMBERS.filter(lambda d: d > 0)), min_size=1, max_size=6))
def test_figures_load_back_as_the_same_floats(tmp_path_factory, pairs):
    """1/3 is written with every digit it needs: reloading the download changes nothing."""
    folder = tmp_path_factory.mktemp("floats")
    url = f"sqlite:///{folder / 'rt.db'}"
    (folder / "orgs.csv").write_text("code,name,parent,type\nLA,Council,,authority\n", encoding="utf-8")
    frame = ratio_frame(pairs)
    first = folder / "first.csv"
    first.write_text(export_csv(frame, exact=True), encoding="utf-8")
    engine = make_engine(url)
    load_files(engine, [folder / "orgs.csv", first], month="2026-01")
    stored = read_figures(engine).sort_values("period")
    assert stored["numerator"].tolist() == frame["numerator"].tolist()
    assert stored["denominator"].tolist() == frame["denominator"].tolist()
    download = dataset_csv(url)
    again = folder / "dataset.csv"
    again.write_text(download, encoding="utf-8")
    (summary,) = load_files(engine, [again], month="2026-01")
    assert (summary.added, summary.revised, summary.unchanged) == (0, 0, len(pairs))
    assert dataset_csv(url) == download
    engine.dispose()


def test_a_third_is_written_exactly_in_the_download_and_to_four_places_in_the_export():
    frame = ratio_frame([(1.0, 3.0)])
    assert "33.33333333333333" in export_csv(frame, exact=True)
    assert ",33.3333," in export_csv(frame)
