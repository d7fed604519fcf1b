"""Fuzzing the loader, continued (test_fuzz.py has the strategies and the SQLite run): the same
figures files on PostgreSQL, the same files loaded in chunks agree with whole loads, and damaged
workbooks are a clean load or a clean rejection. A file of its own so that ``--dist loadfile``
runs it on another worker than test_fuzz.py.
"""

from __future__ import annotations

import contextlib
import gc
import io
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from data import chunked, schema
from data.cli import main
from data.engine import make_engine
from tests.conftest import copy_sqlite
from tests.data.bad import make_corpus
from tests.data.test_fuzz import (
    EXAMPLES,
    HEADER,
    POSTGRES_EXAMPLES,
    check_outcome,
    digest,
    figures_files,
    load,
    seed_orgs,
)


@pytest.fixture
def fuzz_db(tmp_path: Path) -> tuple[str, Path]:
    return seed_orgs(tmp_path)


@pytest.mark.postgres
@settings(
    max_examples=POSTGRES_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=figures_files())
def test_postgresql_takes_the_same_files_cleanly(postgres_url, tmp_path, data):
    """The same on PostgreSQL, which refuses what SQLite lets through (NUL characters, over-long
    text, NaN in some places): the loader must refuse it first."""
    from tests.data.test_hostile import snapshot

    orgs = tmp_path / "orgs.csv"
    if not orgs.exists():
        engine = make_engine(postgres_url)
        with engine.begin() as conn:
            schema.metadata.drop_all(conn)
        engine.dispose()
        orgs.write_text(make_corpus.ORGS, encoding="utf-8")
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["--db", postgres_url, "load", str(orgs)]) == 0
    path = tmp_path / "figures.csv"
    path.write_bytes(data)
    before = repr(snapshot(postgres_url))
    status, out, err = load(postgres_url, path)
    check_outcome(status, out, err, path, before, repr(snapshot(postgres_url)))
    gc.collect(0)


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding only the corpus's org units, loaded once: copied, never written."""
    folder = tmp_path_factory.mktemp("seeded")
    orgs = folder / "orgs.csv"
    orgs.write_text(make_corpus.ORGS, encoding="utf-8")
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["--db", f"sqlite:///{folder / 'template.db'}", "load", str(orgs)]) == 0
    return folder / "template.db"


@settings(
    max_examples=EXAMPLES // 10,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=figures_files(), rows=st.integers(1, 4))
def test_chunked_loads_agree_with_whole_loads(tmp_path_factory, seeded_template, data, rows):
    """The same file loaded whole and in chunks of ``rows`` rows: same exit status, summary and
    problems (a repeat of a row that itself has a problem is found within a chunk only), and
    the same figures stored. Both start from a copy of one database seeded with the org units."""
    folder = tmp_path_factory.mktemp("chunks")
    path = folder / "figures.csv"
    path.write_bytes(data)
    outcomes = []
    for name, size in (("whole", None), ("chunks", rows)):
        url = copy_sqlite(seeded_template, folder / f"{name}.db")
        saved = chunked.STREAM_BYTES, chunked.CHUNK_ROWS
        if size:
            chunked.STREAM_BYTES, chunked.CHUNK_ROWS = 0, size
        try:
            status, out, err = load(url, path)
        finally:
            chunked.STREAM_BYTES, chunked.CHUNK_ROWS = saved
        connection = sqlite3.connect(folder / f"{name}.db")
        stored = connection.execute(
            "SELECT period, kpi, org, numerator, denominator, value, commentary FROM figures "
            "WHERE is_current ORDER BY period, kpi, org"
        ).fetchall()
        connection.close()
        summary = [line for line in out.splitlines() if line.startswith(str(path))]
        outcomes.append((status, summary, err.splitlines(), stored))
    (whole, whole_summary, whole_err, whole_rows), (status, summary, err, rows_) = outcomes
    assert (status, summary, rows_) == (whole, whole_summary, whole_rows)
    if status == 1:
        repeat = re.compile(r".*:period: duplicate of row \d+ \(same period, kpi and org\)")
        assert [e for e in err if not repeat.fullmatch(e)][:-1] == [
            e for e in whole_err if not repeat.fullmatch(e)
        ][:-1]
        assert set(err) - set(whole_err) <= {err[-1]}
    gc.collect(0)


@st.composite
def damaged_workbooks(draw: st.DrawFn) -> bytes:
    """A figures workbook with its sheet's XML (or its styles or shared parts) cut, spliced or
    overwritten, then zipped again (valid checksums, so the damage reaches the XML parser)."""
    rows: list[list[object]] = [HEADER, *make_corpus.GOOD]
    good = make_corpus.workbook({"Figures": rows}, formats={"F2": "0%"})
    with zipfile.ZipFile(io.BytesIO(good)) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    name = draw(st.sampled_from(sorted(parts)))
    xml = parts[name]
    start = draw(st.integers(0, len(xml)))
    end = draw(st.integers(start, min(len(xml), start + 40)))
    insert = draw(
        st.one_of(st.binary(max_size=20), st.sampled_from([b"<", b">", b"</c>", b'r="ZZZ99999999"', b"&x;"]))
    )
    parts[name] = xml[:start] + insert + xml[end:]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for part, content in parts.items():
            target.writestr(part, content)
    return out.getvalue()


@settings(
    max_examples=EXAMPLES // 5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=damaged_workbooks())
def test_a_damaged_workbook_is_a_clean_load_or_a_clean_rejection(fuzz_db, data):
    url, folder = fuzz_db
    path = folder / "figures.xlsx"
    path.write_bytes(data)
    before = digest(folder / "fuzz.db")
    status, out, err = load(url, path)
    event("loaded" if status == 0 else "rejected")
    check_outcome(status, out, err, path, before, digest(folder / "fuzz.db"))
