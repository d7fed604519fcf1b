"""``python -m data derive`` and ``load`` with case files and data books: what derive writes is
what load loads, in one transaction, with the sources and checksums on the load."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from data import schema
from data.cli import main
from data.load import load_files
from data.problems import InvalidInput
from data.revisions import file_sha256
from tests.data.casefiles.conftest import ANNEX_A, SSDA903


def run(*argv: str) -> int:
    return main([str(a) for a in argv])


def loads(engine: sa.Engine) -> pd.DataFrame:
    if not sa.inspect(engine).has_table("loads"):
        return pd.DataFrame()
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(sa.select(schema.loads)).mappings().all())


def figure_count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(schema.figures)).scalar_one())


def test_derive_writes_figures_with_provenance_and_no_database(
    tmp_path: Path,
    orgs_file: Path,
    alias_file: Path,
    clean_903: list[Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "none.db"
    out = tmp_path / "figures.csv"
    status = run(
        "--db", f"sqlite:///{db}", "derive", orgs_file, alias_file, *clean_903, ANNEX_A, "--out", out
    )
    assert status == 0
    assert not db.exists()
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "period,kpi,org,numerator,denominator,value,provenance"
    assert "2018-03,LAC_COUNT,LA,,,1157,SSDA903 2017/18: episodes.csv (derived-1)" in text.splitlines()
    err = capsys.readouterr().err
    assert f"{ANNEX_A}: note: 2020-09 only partly covered (from 16/09/2020): not derived" in err
    assert err.strip().endswith("figure(s) derived: nothing was written to the database")


def test_derive_on_the_sample_lists_its_errors(
    samples: Path, orgs_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("--db", "sqlite:///:memory:", "derive", orgs_file, *sorted(SSDA903.glob("*.csv"))) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == "74 problem(s) found: nothing was written"


def test_derive_refuses_files_it_does_not_derive(
    tmp_path: Path, orgs_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = tmp_path / "figures.csv"
    figures.write_text("period,kpi,org,numerator,denominator,value\n2024-04,CONTACTS,LA,,,5\n")
    assert run("--db", "sqlite:///:memory:", "derive", orgs_file, figures) == 1
    assert capsys.readouterr().err.splitlines()[0].startswith(f"{figures}:1:-: not a case file")


def test_load_derives_in_one_transaction_and_records_sources(
    engine: sa.Engine, tmp_path: Path, orgs_file: Path, alias_file: Path, clean_903: list[Path]
) -> None:
    paths = [orgs_file, alias_file, *clean_903, ANNEX_A]
    summaries = load_files(engine, paths, user="tester")
    by_file = {s.file: s for s in summaries}
    assert by_file[str(clean_903[0])].added > 0 and by_file[str(ANNEX_A)].added > 0
    recorded = loads(engine).set_index("file_name")
    note = recorded.loc["episodes.csv", "note"]
    assert recorded.loc["episodes.csv", "sha256"] == file_sha256(clean_903[0])
    for path in clean_903:
        assert f"{path.name} (sha256 {file_sha256(path)}, " in note
    assert "derived by rules derived-1" in recorded.loc["Annex_A.xlsx", "note"]
    stored = figure_count(engine)
    # what derive writes is what load loaded: the derived file loads unchanged
    out = tmp_path / "derived.csv"
    assert run("--db", engine.url.render_as_string(hide_password=False), "derive", *paths, "--out", out) == 0
    again = load_files(engine, [out], user="tester")
    assert again[0].added == again[0].revised == 0 and again[0].unchanged == stored - 0
    assert load_files(engine, paths, user="tester")[-1].load_id is None  # the same files twice: nothing
    assert figure_count(engine) == stored


def test_any_problem_in_a_case_file_writes_nothing(engine: sa.Engine, samples: Path, orgs_file: Path) -> None:
    with pytest.raises(InvalidInput):
        load_files(engine, [orgs_file, *sorted(SSDA903.glob("*.csv"))], user="tester")
    assert loads(engine).empty


def _databook(path: Path, rows: list[list[object]], months: list[object]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["kpi", "org", "measure", *months])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


MONTHS: list[object] = ["2024-04", "May 2024", "June 2024", dt.datetime(2024, 7, 1)]


def test_the_wide_data_book_loads_as_figures_with_revisions(
    engine: sa.Engine, tmp_path: Path, orgs_file: Path
) -> None:
    rows: list[list[object]] = [
        ["CONTACTS", "LA", "value", 100, 110, 120, 130],
        ["ASSESSMENTS_45WD", "LA", "numerator", 80, 85, None, 90],
        ["ASSESSMENTS_45WD", "LA", "denominator", 100, 100, None, 100],
    ]
    book = _databook(tmp_path / "book.xlsx", rows, MONTHS)
    summaries = load_files(engine, [orgs_file, book], user="tester")
    assert (summaries[-1].added, summaries[-1].revised) == (7, 0)
    rows[0][4] = 111
    _databook(book, rows, MONTHS)
    assert (load_files(engine, [book], user="tester")[0].revised) == 1
    with engine.connect() as conn:
        current = conn.execute(
            sa.select(schema.figures.c.value).where(
                schema.figures.c.kpi == "CONTACTS",
                schema.figures.c.period == "2024-05",
                schema.figures.c.is_current == sa.true(),
            )
        ).scalar_one()
    assert current == 111


def test_data_book_errors_name_the_row_and_the_month_column(
    engine: sa.Engine, tmp_path: Path, orgs_file: Path
) -> None:
    rows: list[list[object]] = [
        ["CONTACTS", "LA", "value", 100, -5, 120, 130],
        ["ASSESSMENTS_45WD", "LA", "numerator", 80, 101, None, 90],
        ["ASSESSMENTS_45WD", "LA", "denominator", 100, 100, None, 0],
        ["CONTACTS", "NOWHERE", "values", 1, 2, 3, 4],
    ]
    book = _databook(tmp_path / "book.xlsx", rows, MONTHS)
    with pytest.raises(InvalidInput) as caught:
        load_files(engine, [orgs_file, book], user="tester")
    assert [str(p) for p in caught.value.problems] == [
        f"{book}:5:measure: 'values' is not a measure (numerator, denominator or value)",
    ]
    rows[3][2] = "value"
    _databook(book, rows, [*MONTHS[:3], "Q2"])
    with pytest.raises(InvalidInput) as caught:
        load_files(engine, [orgs_file, book], user="tester")
    assert [str(p) for p in caught.value.problems] == [
        f"{book}:1:Q2: 'Q2' is not a month: write 2024-04, Apr 2024, April 2024 or an Excel date"
    ]
    _databook(book, rows, MONTHS)
    with pytest.raises(InvalidInput) as caught:
        load_files(engine, [orgs_file, book], user="tester")
    assert [str(p) for p in caught.value.problems] == [
        f"{book}:2:May 2024: a count cannot be negative: -5",
        f"{book}:3:May 2024: numerator 101 is greater than its denominator",
        f"{book}:3:2024-07-01: numerator 90 is greater than its denominator",
        f"{book}:4:2024-07-01: a denominator must be greater than 0",
        f"{book}:5:org: unknown org unit 'NOWHERE'",
    ]
    assert loads(engine).empty


@pytest.mark.parametrize(
    "argv", [["--year", "2019/21"], ["--year", "2019"], ["--from", "Jun-19"], ["--population", "-3"]]
)
def test_bad_derive_options_are_usage_errors(orgs_file: Path, argv: list[str]) -> None:
    assert run("derive", orgs_file, *argv) == 2
