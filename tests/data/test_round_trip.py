"""Exact round trips (issue 14, item 4): the whole-dataset download loads back unchanged.

Formula-like text is written with a leading quote (data.export.neutralise) and the loader takes
it off again (data.export.restore), so no commentary gains a quote per round trip.
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
TEXTS = st.tuples(
    st.sampled_from(PREFIXES), st.from_regex(r"[A-Za-z0-9 ,.;'=+@()-]{0,20}[A-Za-z]", fullmatch=True)
).map("".join)
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


DOWNLOAD_PREFIXES = [p for p in PREFIXES if p != "\r"]  # a cell opening with CR: see CHANGELOG (left)
LOADABLE = st.tuples(
    st.sampled_from(DOWNLOAD_PREFIXES),
    st.from_regex(r"[A-Za-z0-9 ,.;'=+@()-]{0,20}[A-Za-z]", fullmatch=True),
).map("".join)


def dataset_csv(url: str) -> str:
    """What ``GET /api/dataset.csv`` writes (callbacks.api.dataset_csv), without the web app."""
    figures = read_figures(make_engine(url)).sort_values(["period", "kpi", "org"])
    return export_csv(figures[COLUMNS])


def load_back(folder: Path, commentary: list[str]) -> tuple[str, str]:
    url = f"sqlite:///{folder / 'rt.db'}"
    (folder / "orgs.csv").write_text("code,name,parent,type\nLA,Council,,authority\n", encoding="utf-8")
    first = folder / "first.csv"
    first.write_text(export_csv(figures_frame(commentary)), encoding="utf-8")
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
