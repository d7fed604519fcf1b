"""Hostile and sloppy input: every file in tests/data/bad/ with what loading it does.

The rule (docs/data-contract.md, "Sloppy and hostile files"): a file that can be read without
guessing is loaded and the summary says how (``FILE: note: ...``); otherwise it is rejected with
``FILE:ROW:COLUMN: message`` lines (exit status 1) and the database is exactly as it was. Also
here: the same outcome when a file is loaded in chunks (the 200 MB file in bounded memory is in
test_hostile_big.py, a file of its own so that it runs on another xdist worker), SQLite's
pragmas, and exports that a spreadsheet cannot run as formulas.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from data import chunked, schema
from data.cli import main
from data.engine import make_engine
from tests.conftest import copy_sqlite
from tests.data.bad import make_corpus

BAD = Path(__file__).resolve().parent / "bad"
ROOT = Path(__file__).resolve().parents[2]
SAVE = "save it from Excel as 'CSV UTF-8 (Comma delimited)' and load that"
DAMAGED = "open it in Excel, save it again, and load the new file"
THOUSANDS = "write it without thousands separators and with a full stop for decimals (1234.5, not 1,234.5)"
SPREADSHEET_ERROR = "is a spreadsheet error, not a number: correct the formula, or leave the cell empty"
SERIAL = "it looks like a date saved as a number (an Excel date serial); write the month as YYYY-MM"
TOO_LARGE = "is too large: numbers must be less than 1,000,000,000,000,000"
UTF16 = (
    "read as UTF-16 text: the file starts with a UTF-16 byte-order mark (as Excel's 'Unicode Text' writes)"
)
PERCENT = "value: percentages written with a % sign were read as numbers (85% as 85)"
WIDER = (
    "cells but the header has 7 columns: a comma inside a number (1,234) or unquoted text splits a "
    "cell in two; remove thousands separators and put text with commas in quotes"
)


@dataclass(frozen=True)
class Accepted:
    """Loaded (exit 0): rows added to the seeded database, and the summary's notes."""

    added: int
    notes: tuple[str, ...] = ()
    kind: str = "figures"
    unchanged: int = 0


@dataclass(frozen=True)
class Rejected:
    """Refused (exit 1, database unchanged): the problems, as ``ROW:COLUMN: message``."""

    problems: tuple[str, ...]


EXPECTED: dict[str, Accepted | Rejected] = {
    # --- encodings: a byte-order mark says how to read the text; no mark and not UTF-8 is a guess
    "cp1252.csv": Rejected(
        (
            "3:commentary: not UTF-8 text (byte 0xE9; perhaps saved as plain 'CSV', which is not "
            f"UTF-8): {SAVE}",
        )
    ),
    "utf8-bom-crlf.csv": Accepted(3),
    "excel-unicode-text.txt": Accepted(
        3, (UTF16, "read as tab-separated: the header row has tabs between its names and no commas")
    ),
    "utf16-be-bom.csv": Accepted(3, (UTF16,)),
    "utf16-no-bom.csv": Rejected(
        (
            "1:-: this looks like UTF-16 text without a byte-order mark, which cannot be read without "
            f"guessing: {SAVE}",
        )
    ),
    "utf16-bad-surrogate.txt": Rejected((f"5:kpi: not valid UTF-16 text: {SAVE}",)),
    "mac-cr-only.csv": Accepted(3),
    "nul-in-cell.csv": Rejected(
        (f"2:commentary: a NUL character, which text never holds (binary data?): {SAVE}",)
    ),
    # --- separators: taken from the header row when it is the only one there
    "semicolon.csv": Accepted(
        3, ("read as semicolon-separated: the header row has semicolons between its names and no commas",)
    ),
    "tab.tsv": Accepted(
        3, ("read as tab-separated: the header row has tabs between its names and no commas",)
    ),
    "excel-sep-line.csv": Accepted(3, ("the first line 'sep=;' names the separator: read with ';'",)),
    "semicolon-and-tab-header.csv": Rejected(
        (
            "1:-: the header row has both semicolons and tabs, so which one separates the cells is "
            f"unclear: {SAVE}",
        )
    ),
    "semicolon-decimal-comma.csv": Rejected((f"2:value: '18,5' is not a number: {THOUSANDS}",)),
    # --- numbers: read as written, or refused with what to do
    "thousands-quoted.csv": Rejected((f"2:value: '1,234' is not a number: {THOUSANDS}",)),
    "thousands-unquoted.csv": Rejected((f"3:-: this row has 8 {WIDER}",)),
    "percent-value.csv": Accepted(2, (PERCENT,)),
    "percent-elsewhere.csv": Rejected(
        (
            "2:value: '85%' is not a number: leave out the % sign",
            "3:numerator: '40%' is not a number: leave out the % sign",
        )
    ),
    "formula-text.csv": Rejected(
        ("2:value: '=A1+1' is a formula, not a number: save the file with the formula's result",)
    ),
    "excel-errors.csv": Rejected(
        (
            f"2:value: '#DIV/0!' {SPREADSHEET_ERROR}",
            f"3:numerator: '#N/A' {SPREADSHEET_ERROR}",
        )
    ),
    "nan-and-infinity.csv": Rejected(
        (
            "2:value: 'NaN' is not a number",
            "3:value: 'inf' is not a number",
            "4:numerator: '-Infinity' is not a number",
        )
    ),
    "huge-numbers.csv": Rejected(
        (
            f"2:value: '1e308' {TOO_LARGE}",
            f"3:value: '1e400' {TOO_LARGE}",
            f"4:denominator: '123456789012345678901234567890' {TOO_LARGE}",
        )
    ),
    "scientific-notation.csv": Accepted(1),
    # --- months: YYYY-MM or an ISO date; anything else would be a guess
    "excel-serial-months.csv": Rejected((f"2:period: '45292' is not a month (YYYY-MM): {SERIAL}",)),
    "month-names.csv": Rejected(
        (
            "2:period: 'Jun-19' is not a month (YYYY-MM)",
            "3:period: 'Jun 2019' is not a month (YYYY-MM)",
            "4:period: '06/2019' is not a month (YYYY-MM)",
        )
    ),
    "iso-dates.csv": Accepted(1, ("period: dates were read as their month (2024-06-15 as 2024-06)",)),
    "non-ascii-digits.csv": Rejected(("2:period: '٢٠٢٤-٠١' is not a month (YYYY-MM)",)),
    # --- structure
    "empty.csv": Rejected(("1:-: the file is empty: expected a header row",)),
    "whitespace-only.csv": Rejected(("1:-: the file is empty: expected a header row",)),
    "bom-only.csv": Rejected(("1:-: the file is empty: expected a header row",)),
    "header-only.csv": Accepted(0, ("the file has a header row but no data rows: nothing to load",)),
    "duplicate-columns.csv": Rejected(("1:value: duplicate column 'value'",)),
    "blank-column-name.csv": Rejected(
        ("2:(G): column G has no name in row 1 but holds data: name the column or clear its cells",)
    ),
    "trailing-empty-columns.csv": Accepted(3, ("ignored 2 empty column(s) with no name in row 1: H, I",)),
    "totals-row.csv": Rejected(("5:org: unknown org unit 'Total'",)),
    "trailing-blank-rows.csv": Accepted(3),
    "blank-rows-then-error.csv": Rejected(("4:value: 'x' is not a number",)),
    "short-rows.csv": Accepted(1),
    "unclosed-quote.csv": Rejected(
        (
            '3:-: a cell in this row opens a quote (") that is never closed, so the rest of the file '
            "would be read into it: check the quotes in this row",
        )
    ),
    "leading-blank-line.csv": Rejected(("1:-: row 1 is empty: the column names must be in row 1",)),
    "line-break-in-header.csv": Rejected(  # a line break in a name is shown as a space: one line each
        (
            "1:per iod: unknown column 'per iod' (a figures file has: period, kpi, org, numerator, "
            "denominator, value, commentary, provenance)",
            "1:period: missing column 'period'",
        )
    ),
    "title-above-header.csv": Rejected(
        (
            "1:-: row 1 has 2 cells but every row below has more: row 1 must hold the column names "
            "(remove any title above them)",
        )
    ),
    "multiline-commentary.csv": Rejected(("3:value: 'x' is not a number",)),  # row 3: records, not lines
    # --- not CSV text at all: what the content is, not what the name says
    "zip-renamed.csv": Rejected(
        ("1:-: a zip archive (holding figures.csv), not a CSV file: unzip it and load the file inside",)
    ),
    "gzip-renamed.csv": Rejected((f"1:-: a gzip-compressed file, not a CSV file or .xlsx workbook: {SAVE}",)),
    "png-renamed.csv": Rejected((f"1:-: a PNG image, not a CSV file or .xlsx workbook: {SAVE}",)),
    "pdf-renamed.csv": Rejected((f"1:-: a PDF document, not a CSV file or .xlsx workbook: {SAVE}",)),
    "random-binary.csv": Rejected((f"1:-: not a CSV file (it holds binary data): {SAVE}",)),
    "html-renamed.csv": Rejected((f"1:-: a web page (HTML), not a CSV file: {SAVE}",)),
    "password-protected.xlsx": Rejected(
        (
            "1:-: the workbook is protected with a password: open it in Excel, remove the password "
            "(File > Info > Protect Workbook > Encrypt with Password), save it, and load it again",
        )
    ),
    "excel-97.xls": Rejected(
        (
            "1:-: an Excel 97-2003 workbook (.xls), which cannot be read: save it as an Excel Workbook "
            "(.xlsx) or as 'CSV UTF-8 (Comma delimited)' and load that",
        )
    ),
    "corrupt.xlsx": Rejected((f"1:-: the workbook is damaged or incomplete and cannot be read: {DAMAGED}",)),
    "workbook-renamed.csv": Accepted(
        3, ("the file is an Excel workbook although its name ends .csv: read as .xlsx",)
    ),
    "text-named.xlsx": Accepted(3, ("the file is text although its name ends .xlsx: read as CSV",)),
    # --- workbooks
    "several-sheets.xlsx": Accepted(3, ("read the first sheet, 'Figures'; not read: 'Notes', 'Pivot'",)),
    "merged-cells.xlsx": Rejected(("2:org: cells C2:C3 are merged: unmerge them and fill in each cell",)),
    "date-cells.xlsx": Accepted(
        2, ("Excel date cells were read as dates (a month column takes each date's month)",)
    ),
    "serial-number-months.xlsx": Rejected((f"2:period: '45292' is not a month (YYYY-MM): {SERIAL}",)),
    "formulas-saved.xlsx": Accepted(
        1, ("1 cell(s) hold formulas: read as the results saved in the workbook",)
    ),
    "formulas-not-saved.xlsx": Rejected(
        (
            "2:value: a formula with no saved result (the workbook was not saved by Excel): open it in "
            "Excel, save it, and load it again",
        )
    ),
    "error-cells.xlsx": Rejected(
        (
            f"2:value: '#DIV/0!' {SPREADSHEET_ERROR}",
            f"3:numerator: '#N/A' {SPREADSHEET_ERROR}",
        )
    ),
    "percent-format.xlsx": Accepted(
        1, ("cells formatted as percentages were read as the percentages shown (0.8 as 80%)", PERCENT)
    ),
    "empty-sheet.xlsx": Rejected(("1:-: the first sheet is empty: expected a header row",)),
    "header-in-row-2.xlsx": Rejected(("1:-: row 1 is empty: the column names must be in row 1",)),
    "huge-dimension.xlsx": Accepted(3),  # claims A1:XFD1048576: read as the 4 rows it holds
    "value-right-of-header.xlsx": Rejected(
        ("2:(H): column H has no name in row 1 but holds data: name the column or clear its cells",)
    ),
    # --- names and text a spreadsheet would run
    "données juin.csv": Accepted(3),
    "orgs-injection.csv": Accepted(0, kind="orgs", unchanged=5),
    "figures-injection.csv": Accepted(1),
}


def run(url: str, *args: object) -> int:
    return main(["--db", url, *(str(a) for a in args)])


def snapshot(url: str) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table: the database 'exactly as it was'."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            present = set(sa.inspect(conn).get_table_names())
            return {
                name: sorted(tuple(str(v) for v in row) for row in conn.execute(sa.select(table)))
                for name, table in schema.metadata.tables.items()
                if name in present
            }
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def seeded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SQLite database :func:`seeded` gives, loaded once for the module: copied, never written."""
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    with contextlib.redirect_stdout(io.StringIO()):
        assert run(f"sqlite:///{path}", "load", BAD / "orgs-injection.csv") == 0
    return path


@pytest.fixture
def seeded(db_url: str, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest) -> str:
    """A database holding the corpus's org units (including INJ, named '@SUM(1+1)'): on SQLite
    a copy of one loaded for the module (the load stores a report: the expensive part)."""
    if db_url.startswith("sqlite:///"):
        return copy_sqlite(request.getfixturevalue("seeded_sqlite"), Path(db_url.removeprefix("sqlite:///")))
    assert run(db_url, "load", BAD / "orgs-injection.csv") == 0
    capsys.readouterr()
    return db_url


def test_the_corpus_is_what_make_corpus_writes(tmp_path):
    made = {p.name: p.read_bytes() for p in make_corpus.write(tmp_path)}
    committed = {p.name: p.read_bytes() for p in BAD.iterdir() if p.is_file() and p.suffix != ".py"}
    assert sorted(made) == sorted(committed)
    assert [name for name in made if made[name] != committed[name]] == []
    assert make_corpus.corpus() == make_corpus.corpus()  # deterministic
    assert len(made) >= 40


def test_every_corpus_file_has_an_expected_outcome():
    files = {p.name for p in BAD.iterdir() if p.is_file() and p.suffix != ".py"}
    assert sorted(files) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(seeded: str, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = BAD / name
    expected = EXPECTED[name]
    before = snapshot(seeded)
    status = run(seeded, "load", path)
    out, err = capsys.readouterr()
    if isinstance(expected, Rejected):
        assert (status, out) == (1, "")
        n = len(expected.problems)
        assert err.splitlines() == [
            *(f"{path}:{p}" for p in expected.problems),
            f"{n} problem(s) found: nothing was written",
        ]
        assert snapshot(seeded) == before
        return
    assert status == 0, err
    kind = expected.kind.replace("_", " ")
    counts = f"{expected.added} added, 0 revised, {expected.unchanged} unchanged"
    if expected.added == 0:
        counts += " (nothing changed)"
    assert [line for line in out.splitlines() if line.startswith(f"{path}:")] == [
        f"{path}: {kind}: {counts}",
        *(f"{path}: note: {n}" for n in expected.notes),
    ]


def test_what_accepted_files_stored(seeded: str) -> None:
    """Accepted sloppy files store exactly the figures a clean file would."""
    for name in ("excel-unicode-text.txt", "semicolon.csv", "workbook-renamed.csv", "mac-cr-only.csv"):
        assert run(seeded, "load", BAD / name) == 0
    engine = make_engine(seeded)
    with engine.connect() as conn:
        t = schema.figures
        rows = conn.execute(
            sa.select(t.c.period, t.c.kpi, t.c.org, t.c.numerator, t.c.denominator, t.c.value, t.c.commentary)
            .where(t.c.is_current == sa.true())
            .order_by(t.c.period, t.c.kpi)
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("2024-01", "ASSESSMENTS_45WD", "ASS1", 40.0, 50.0, None, "Café visits resumed"),
        ("2024-01", "LAC_COUNT", "LA", None, None, 330.0, "Stable"),
        ("2024-02", "LAC_COUNT", "LA", None, None, 332.0, None),
    ]
    assert run(seeded, "load", BAD / "percent-format.xlsx") == 0  # 0.8 formatted 80%: value 80
    assert run(seeded, "load", BAD / "date-cells.xlsx") == 0  # 29 Feb 2024 as a date: 2024-02
    engine = make_engine(seeded)
    with engine.connect() as conn:
        values = dict(
            conn.execute(
                sa.select(t.c.kpi + " " + t.c.period, t.c.value).where(t.c.is_current == sa.true())
            ).all()
        )
    engine.dispose()
    assert values["ASSESSMENTS_45WD 2024-01"] == 80.0
    assert values["LAC_COUNT 2024-02"] == 332.0


def test_a_non_ascii_path_with_spaces_under_a_c_locale(tmp_path):
    db = f"sqlite:///{tmp_path / 'base de données.db'}"
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": ""}
    for name in ("orgs-injection.csv", "données juin.csv"):
        done = subprocess.run(
            [sys.executable, "-m", "data", "--db", db, "load", str(BAD / name)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    assert done.stdout.decode().startswith(f"{BAD / 'données juin.csv'}: figures: 3 added")


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        (
            "orgs.csv",
            "code,name,parent,type\nLA,Council,,authority\n" + "T" * 65 + ",Team,LA,team\n",
            "3:code",
        ),
        (
            "benchmarks.csv",
            "kpi,period,comparator,value\nLAC_COUNT,2024-03," + "E" * 129 + ",5\n",
            "2:comparator",
        ),
    ],
)
def test_over_long_codes_are_refused_cleanly(db_url, tmp_path, capsys, name, text, where):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    before = snapshot(db_url)
    assert run(db_url, "load", path) == 1
    limit = 64 if name == "orgs.csv" else 128
    assert capsys.readouterr().err.splitlines()[0] == f"{path}:{where}: too long: at most {limit} characters"
    assert snapshot(db_url) == before


# --- chunked loading gives the same outcome as loading whole ---------------------------------------

CHUNKY = make_corpus.figures(
    ["2024-01", "LAC_COUNT", "LA", "", "", "330", "Line one\nline two"],
    ["", "", "", "", "", "", ""],
    ["2024-01", "ASSESSMENTS_45WD", "ASS1", "40", "50", "80%", ""],
    ["2024-02", "LAC_COUNT", "LA", "", "", "332", ""],
    ["2024-02", "ASSESSMENTS_45WD", "ASS1", "41", "50", "", "é"],
    ["2024-03", "LAC_COUNT", "LA", "", "", "335", ""],
    ["2024-03", "ASSESSMENTS_45WD", "ASS2", "4", "5", "", ""],
)


def in_chunks(monkeypatch: pytest.MonkeyPatch, rows: int) -> None:
    """From now on, load every file in chunks of ``rows`` rows."""
    monkeypatch.setattr(chunked, "STREAM_BYTES", 0)
    monkeypatch.setattr(chunked, "CHUNK_ROWS", rows)


def outcome(url: str, path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], list[str]]:
    status = run(url, "load", path)
    out, err = capsys.readouterr()
    return status, [line for line in out.splitlines() if line.startswith(str(path))], err.splitlines()


@pytest.mark.parametrize("rows", [1, 2, 3, 100])
def test_chunks_load_what_a_whole_file_loads(seeded, tmp_path, capsys, monkeypatch, rows):
    whole_db = f"sqlite:///{tmp_path / 'whole.db'}"
    assert run(whole_db, "load", BAD / "orgs-injection.csv") == 0
    first = tmp_path / "first.csv"
    first.write_text(CHUNKY, encoding="utf-8")
    second = tmp_path / "second.csv"  # revises one figure, keeps the rest
    second.write_text(CHUNKY.replace("332", "333"), encoding="utf-8")
    capsys.readouterr()
    expected = [outcome(whole_db, p, capsys) for p in (first, second)]
    in_chunks(monkeypatch, rows)
    got = [outcome(seeded, p, capsys) for p in (first, second)]
    assert got == expected
    assert expected[0][1][0].endswith("figures: 6 added, 0 revised, 0 unchanged")
    assert expected[1][1][0].endswith("figures: 0 added, 1 revised, 5 unchanged")
    assert snapshot(seeded)["figures"] == snapshot(whole_db)["figures"]


@pytest.mark.parametrize("rows", [1, 2, 4])
def test_chunks_report_every_problem_with_its_row(seeded, tmp_path, capsys, monkeypatch, rows):
    path = tmp_path / "bad.csv"
    path.write_text(
        make_corpus.figures(
            ["2024-01", "LAC_COUNT", "LA", "", "", "330", "Line one\nline two"],
            ["2024-01", "LAC_COUNT", "XYZ", "", "", "1", ""],
            ["", "", "", "", "", "", ""],
            ["2024-02", "LAC_COUNT", "LA", "", "", "x", ""],
            ["2024-01", "LAC_COUNT", "LA", "", "", "331", ""],  # repeats row 2, maybe in another chunk
            ["2024-03", "LAC_COUNT", "LA", "", "", "85%", ""],
        ),
        encoding="utf-8",
    )
    expected = [
        "3:org: unknown org unit 'XYZ'",
        "5:value: 'x' is not a number",
        "6:period: duplicate of row 2 (same period, kpi and org)",
        "7:value: '85%' is not a number: leave out the % sign",
    ]
    before = snapshot(seeded)
    in_chunks(monkeypatch, rows)
    status, _, err = outcome(seeded, path, capsys)
    assert status == 1
    assert err == [*(f"{path}:{p}" for p in expected), "4 problem(s) found: nothing was written"]
    assert snapshot(seeded) == before


def test_a_file_that_breaks_part_way_reports_only_why(seeded, tmp_path, capsys, monkeypatch):
    path = tmp_path / "broken.csv"
    path.write_text(
        make_corpus.figures(["2024-01", "LAC_COUNT", "LA", "", "", "x", ""], *make_corpus.GOOD)
        + "2024-04,LAC_COUNT,LA,,,1,234,\n",
        encoding="utf-8",
    )
    in_chunks(monkeypatch, 2)
    status, _, err = outcome(seeded, path, capsys)
    assert (status, err[0]) == (1, f"{path}:6:-: this row has 8 {WIDER}")


# --- SQLite's settings -----------------------------------------------------------------------------


def test_sqlite_runs_in_wal_mode_with_normal_sync_and_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as conn:
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
        }
    engine.dispose()
    assert pragma == {"journal_mode": "wal", "synchronous": 1, "busy_timeout": 30_000, "foreign_keys": 1}


# --- exports a spreadsheet cannot run ----------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HYPERLINK = '=HYPERLINK("http://example.com/x","Click")'


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_nothing_runs(text: str) -> list[dict[str, str]]:
    """No cell of a CSV starts like a formula, except numbers (a negative number stays a number)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(FORMULA_STARTS) or _number(cell), (column, cell)
    return rows


@pytest.fixture
def injected(seeded: str, tmp_path: Path) -> str:
    """INJ ('@SUM(1+1)') with referrals that swing enough for a negative lower SPC limit."""
    values = [0, 9, 0, 12, 1, 0, 10, 0, 11, 0, 1, 14, 0, 8]
    months = [f"{2023 + (i // 12)}-{i % 12 + 1:02d}" for i in range(len(values))]
    path = tmp_path / "referrals.csv"
    path.write_text(
        make_corpus.figures(
            *(
                [m, "REFERRALS", "INJ", "", "", str(v), "-5 since last month" if i == 0 else ""]
                for i, (m, v) in enumerate(zip(months, values, strict=True))
            )
        ),
        encoding="utf-8",
    )
    assert run(seeded, "load", BAD / "figures-injection.csv", path) == 0
    return seeded


def test_cli_export_neutralises_formulas_but_not_numbers(injected, tmp_path):
    out = tmp_path / "export.csv"
    assert run(injected, "export", "--org", "INJ", "--kpi", "LAC_COUNT", "--out", out) == 0
    (row,) = assert_nothing_runs(out.read_text(encoding="utf-8"))
    assert (row["org_name"], row["commentary"], row["value"]) == ("'@SUM(1+1)", "'" + HYPERLINK, "5")
    assert run(injected, "export", "--org", "INJ", "--kpi", "REFERRALS", "--out", out) == 0
    rows = assert_nothing_runs(out.read_text(encoding="utf-8"))
    assert rows[0]["commentary"] == "'-5 since last month"
    lower = [float(r["spc_lower"]) for r in rows if r["spc_lower"]]
    assert lower and min(lower) < 0  # negative numbers are written as numbers, unquoted
    assert all(r["org_name"] == "'@SUM(1+1)" for r in rows)


def test_downloads_neutralise_formulas(injected):
    from app import create_app

    client = create_app(injected).server.test_client()
    dataset = assert_nothing_runs(client.get("/api/dataset.csv").get_data(as_text=True))
    commentary = {r["kpi"] + " " + r["period"]: r["commentary"] for r in dataset if r["org"] == "INJ"}
    assert commentary["LAC_COUNT 2024-01"] == "'" + HYPERLINK
    assert commentary["REFERRALS 2023-01"] == "'-5 since last month"
    figures = assert_nothing_runs(client.get("/api/figures.csv?org=INJ&kpi=LAC_COUNT").get_data(as_text=True))
    assert figures[0]["org_name"] == "'@SUM(1+1)"
