"""Fuzzing the loader: any figures file is a clean load or a clean rejection, never a crash.

Hypothesis writes figures files mixing valid cells with hostile ones (thousands separators,
percent signs, formulas, spreadsheet errors, NaN, huge numbers, other scripts' digits, stray
quotes, control characters), in different encodings, separators and line endings, sometimes
truncated or with bytes spliced in, and sometimes plain random bytes. Each goes through
``data.cli.main`` as ``python -m data load FILE``: exit 0, or exit 1 with only
``FILE:ROW:COLUMN: message`` lines and the database exactly as it was. 1,000 examples in CI
(``CI=true``), fewer locally. The same files on PostgreSQL, loaded in chunks, and damaged
workbooks are in test_fuzz_more.py (a file of its own, so the two run on two xdist workers).
"""

from __future__ import annotations

import contextlib
import csv
import gc
import hashlib
import io
import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from data.cli import main
from metrics.catalogue import load_catalogue
from tests.conftest import IN_CI
from tests.data.bad import make_corpus

EXAMPLES = 1000 if IN_CI else 150
POSTGRES_EXAMPLES = 100 if IN_CI else 25
HEADER = make_corpus.HEADER
KPIS = ["LAC_COUNT", "ASSESSMENTS_45WD", "CASELOAD_AVG", "REFERRALS", "CIN_RATE", "PROCEEDINGS_WEEKS"]
ORGS = ["LA", "SFS", "ASS1", "ASS2"]
HOSTILE = [
    "", " ", "1,234", "1 234", "85%", "85 %", "=A1+1", "+1", "-1", "@SUM(1)", "#DIV/0!", "#N/A",
    "NaN", "nan", "inf", "-Infinity", "1e308", "1e400", "-0", "0x1A", "1_000", "½", "١٢", "１２",
    "Total", '"', '""', "'", "\t", "\r", "\n", "\x00", "\x1a", "\ufeff", "\u00a0", "\u2028",
    "Jun-19", "Jun 2019", "45292", "2024-13", "2024-02-30", "1899-12", "2099-01", "0000-00",
    "٢٠٢٤-٠١", "2024-1", "2024/01", " 2024-01 ", "x" * 300,
]  # fmt: skip
MONTHS = [f"{y}-{m:02d}" for y in (2023, 2024) for m in range(1, 13)]

UNITS = {k.code: (k.unit, k.factor) for k in load_catalogue() if k.code in KPIS}
hostile = st.sampled_from(HOSTILE)
anything = st.text(max_size=8)
numbers = st.one_of(
    st.integers(0, 200).map(str),
    st.integers(-(10**18), 10**18).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
    hostile,
    anything,
)
CELLS = {
    "period": st.one_of(st.sampled_from(MONTHS), hostile, anything),
    "kpi": st.one_of(st.sampled_from(KPIS), hostile, anything),
    "org": st.one_of(st.sampled_from(ORGS), hostile, anything),
    "numerator": numbers,
    "denominator": numbers,
    "value": numbers,
    "commentary": st.one_of(st.text(max_size=40), hostile),
}


@st.composite
def good_rows(draw: st.DrawFn) -> dict[str, str]:
    """A row a careful officer would write (a date for a month, a % sign on a percentage)."""
    kpi = draw(st.sampled_from(KPIS))
    unit, factor = UNITS[kpi]
    month = draw(st.sampled_from(MONTHS))
    row = {
        "period": draw(st.sampled_from([month, month + "-01", month + "-28"])),
        "kpi": kpi,
        "org": draw(st.sampled_from(ORGS)),
        "numerator": "",
        "denominator": "",
        "value": "",
        "commentary": draw(st.one_of(st.just(""), st.text(max_size=40))),
    }
    if unit == "count":
        row["value"] = str(draw(st.integers(0, 10**6)))
    else:
        denominator = draw(st.integers(1, 10**4))
        numerator = draw(st.integers(0, denominator if unit == "percent" else 10**5))
        value = factor * numerator / denominator
        row["numerator"], row["denominator"] = str(numerator), str(denominator)
        row["value"] = draw(
            st.sampled_from(["", f"{value:.4f}", *([f"{value:.2f}%"] if unit == "percent" else [])])
        )
    return row


@st.composite
def figures_files(draw: st.DrawFn) -> bytes:
    """The bytes of a figures file: careful rows, then a few hostile cells, a broken header,
    another encoding, separator or line ending, truncation or spliced-in bytes; or random bytes."""
    if draw(st.integers(0, 19)) == 0:
        return draw(st.binary(max_size=400))
    columns = draw(st.permutations(HEADER if draw(st.booleans()) else HEADER[:6]))
    header = [draw(st.sampled_from([c, c, c.upper(), f" {c} ", c.title()])) for c in columns]
    odd_header = draw(st.integers(0, 14))
    if odd_header == 0:
        header.append(draw(st.sampled_from(["", "value", "colour", "Unnamed: 7", "period"])))
    elif odd_header == 1:
        header.pop(draw(st.integers(0, len(header) - 1)))
    rows = [draw(good_rows()) for _ in range(draw(st.integers(0, 6)))]
    cells = [[row.get(c.strip().lower(), "") for c in header] for row in rows]
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]))):
        if cells:
            i, j = draw(st.integers(0, len(cells) - 1)), draw(st.integers(0, len(header) - 1))
            cells[i][j] = draw(CELLS.get(header[j].strip().lower(), anything))
    for i in range(len(cells)):
        if draw(st.integers(0, 19)) == 0:
            cells[i] = cells[i][: draw(st.integers(0, len(cells[i])))] or [""]
    separator = draw(st.sampled_from([",", ",", ",", ";", "\t"]))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    out = io.StringIO()
    if draw(st.integers(0, 4)):
        quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
        writer = csv.writer(out, delimiter=separator, lineterminator=ending, quoting=quoting)
        writer.writerows([header, *cells])
    else:  # no quoting at all: separators and quotes in cells break the structure
        out.write("".join(separator.join(r) + ending for r in [header, *cells]))
    text = out.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    data = text.encode(encoding, errors="replace" if encoding == "cp1252" else "surrogatepass")
    mangle = draw(st.integers(0, 14))
    if mangle == 0 and data:
        data = data[: draw(st.integers(0, len(data)))]
    elif mangle == 1:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=6)) + data[at:]
    return data


def digest(db: Path) -> str:
    """Every row of every table (the database 'exactly as it was')."""
    connection = sqlite3.connect(db)
    try:
        tables = [
            r[0]
            for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        text = repr([(t, connection.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()) for t in tables])
    finally:
        connection.close()
    return hashlib.sha256(text.encode()).hexdigest()


PROBLEM = re.compile(r"\d+:.*: .+")
SUMMARY = re.compile(r"\d+ problem\(s\) found: nothing was written")


def load(url: str, path: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["--db", url, "load", str(path)])
    return status, out.getvalue(), err.getvalue()


def check_outcome(status: int, out: str, err: str, path: Path, before: str, after: str) -> None:
    """Exit 0 with a summary, or exit 1 with only problem lines and nothing written."""
    assert status in (0, 1), (status, err)
    if status == 0:
        assert err == ""
        assert out.startswith(f"{path}: "), out
        return
    lines = err.splitlines()
    assert out == ""
    assert SUMMARY.fullmatch(lines[-1]), lines[-1]
    assert lines[:-1], err
    for line in lines[:-1]:
        assert line.startswith(f"{path}:") and PROBLEM.fullmatch(line[len(f"{path}:") :]), line
        assert "Traceback" not in line
    assert after == before


def seed_orgs(tmp_path: Path) -> tuple[str, Path]:
    """A database in ``tmp_path`` holding the corpus's org units: its URL, and the folder."""
    db = tmp_path / "fuzz.db"
    orgs = tmp_path / "orgs.csv"
    orgs.write_text(make_corpus.ORGS, encoding="utf-8")
    url = f"sqlite:///{db}"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["--db", url, "load", str(orgs)]) == 0
    return url, tmp_path


@pytest.fixture
def fuzz_db(tmp_path: Path) -> tuple[str, Path]:
    return seed_orgs(tmp_path)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=figures_files())
def test_any_figures_file_is_a_clean_load_or_a_clean_rejection(fuzz_db, data):
    url, folder = fuzz_db
    path = folder / "figures.csv"
    path.write_bytes(data)
    before = digest(folder / "fuzz.db")
    status, out, err = load(url, path)
    event("loaded" if status == 0 else "rejected")
    check_outcome(status, out, err, path, before, digest(folder / "fuzz.db"))
    gc.collect(0)
