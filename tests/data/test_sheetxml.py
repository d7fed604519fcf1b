"""The fast workbook reader (data.sheetxml) reads every cell as openpyxl's parser does (issue 14)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data import readers, sheetxml
from data.problems import InvalidInput

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
WORKBOOKS = sorted(p.name for p in BAD.glob("*.xlsx"))


def both(path: Path) -> tuple[object, object]:
    """(fast, openpyxl) grids of the first sheet, as comparable values."""
    with path.open("rb") as handle:
        reader = readers._book_reader(handle)
        reader.read()
        book = reader.wb
        part = next(s for s in reader.sheets if not s[3])[2]
        styles = readers._percent_styles(book)

        def shared() -> list[str]:
            return readers._shared_strings(book._archive, reader.strings_part)

        fast = readers._fast_grid(book, part, shared, styles)
        slow = readers._openpyxl_grid(book, part, shared(), styles)
        book.close()

    def value(grid: sheetxml.Grid) -> object:
        columns = {c: (list(p), t) for c, (p, t) in grid.columns.items()}
        return list(grid.rows), columns, grid.kinds, grid.formulas, grid.merged

    return value(fast), value(slow)


@pytest.mark.parametrize(
    "name", [n for n in WORKBOOKS if n not in ("corrupt.xlsx", "password-protected.xlsx", "text-named.xlsx")]
)
def test_the_fast_reader_reads_the_corpus_as_openpyxl_does(name):
    fast, slow = both(BAD / name)
    assert fast == slow


CELLS = (
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12).filter(
        lambda t: not openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.search(t)
    )
    | st.sampled_from(["<a>", "&amp;", "x & y", "\r\nz", "\rq", " lead", "_x000D_", "x005F_x", "'=1"])
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.booleans()
    | st.dates(dt.date(1950, 1, 1), dt.date(2040, 1, 1))
    | st.none()
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.lists(CELLS, min_size=1, max_size=4), min_size=1, max_size=6), write_only=st.booleans()
)
def test_the_fast_reader_reads_any_cells_as_openpyxl_does(tmp_path_factory, rows, write_only):
    """Shared strings (a normal workbook) and inline strings (write-only), entities, line ends."""
    path = tmp_path_factory.mktemp("book") / "book.xlsx"
    book = openpyxl.Workbook(write_only=write_only)
    sheet = book.create_sheet() if write_only else book.active
    sheet.append(["a", "b", "c", "d"])
    for row in rows:
        sheet.append(row)
    if not write_only:
        sheet["F3"] = "=1+2"
        sheet["B2"].number_format = "0%"
    book.save(path)
    fast, slow = both(path)
    assert fast == slow


def test_cells_written_in_another_order_are_read_too():
    done = '<row r="1"><c t="inlineStr" r="B1"><is><t>x</t></is></c><c s="0" r="C1"><v>2</v></c></row>'
    assert [(c[0] + c[1], c[3]) for c in sheetxml._cells_of(done)] == [("B1", "inlineStr"), ("C1", "")]


def test_a_sheet_written_otherwise_is_read_by_openpyxl(tmp_path):
    """A namespace prefix: the fast path gives way and the file reads the same."""
    path = tmp_path / "prefixed.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["period", "kpi"])
    book.active.append(["2024-01", "REFERRALS"])
    book.save(path)
    plain = readers.read_table(path).frame
    import zipfile

    with zipfile.ZipFile(path) as source:
        parts = {n: source.read(n) for n in source.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = sheet.replace("<worksheet xmlns=", "<x:worksheet xmlns:x=").replace(
        "</worksheet>", "</x:worksheet>"
    )
    for tag in ("sheetData", "row", "c", "v", "is", "t", "sheetPr", "dimension", "sheetViews", "sheetView"):
        sheet = sheet.replace(f"<{tag}", f"<x:{tag}").replace(f"</{tag}>", f"</x:{tag}>")
    for tag in ("selection", "sheetFormatPr", "pageMargins", "outlinePr", "pageSetUpPr"):
        sheet = sheet.replace(f"<{tag}", f"<x:{tag}")
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    assert readers.read_table(path).frame.equals(plain)


def test_a_sheet_that_is_not_well_formed_is_damaged(tmp_path):
    path = tmp_path / "broken.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["period", "kpi"])
    book.save(path)
    import zipfile

    with zipfile.ZipFile(path) as source:
        parts = {n: source.read(n) for n in source.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(b"</sheetData>", b"<row>")
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    with pytest.raises(InvalidInput, match="damaged"):
        readers.read_table(path)


def test_the_header_is_read_without_the_rows(tmp_path):
    path = tmp_path / "figures.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Period", " kpi ", None, "org"])
    book.active.append(["2024-01", "REFERRALS", None, "LA"])
    book.save(path)
    assert readers.read_header(path) == readers.read_table(path).header == ["Period", " kpi ", "org"]


def test_a_workbook_is_read_in_chunks_as_a_whole(tmp_path):
    """iter_tables builds a workbook's tables a chunk at a time (bounded memory while a large
    workbook is validated): the chunks together are the whole table, row numbers kept."""
    path = tmp_path / "chunks.xlsx"
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["period", "kpi", "org", "value"])
    for i in range(10):
        sheet.append(["2024-01", "REFERRALS", f"T{i}", i] if i != 4 else [])  # row 6 blank
    sheet.append([None, None, None, None, 7])  # a cell in a column with no name
    book.save(path)
    whole = next(readers.iter_tables(path))
    chunks: list[readers.RawTable] = []
    with pytest.raises(InvalidInput) as raised:  # the unnamed column, reported after the last chunk
        chunks.extend(readers.iter_tables(path, chunk_rows=3))
    assert [(p.row, p.column) for p in raised.value.problems] == [(12, "(E)")]
    assert [len(c.frame) for c in chunks] == [3, 3, 3, 0]
    joined = pd.concat([c.frame for c in chunks])
    assert joined.equals(whole.frame)
    assert (
        pd.concat([c.rows for c in chunks]).tolist() == whole.rows.tolist() == [2, 3, 4, 5, 7, 8, 9, 10, 11]
    )


def test_numbers_written_with_their_type_are_read_as_numbers():
    """openpyxl writes t="n" on a number cell: the fast path reads it as one, leading zeros dropped."""
    styles = sheetxml.Styles(frozenset({"3"}), frozenset(), frozenset(), dt.datetime(1899, 12, 30))
    sheet = sheetxml._Sheet(list, styles, str, dt.datetime, dt.datetime.fromisoformat)
    sheet.cells('<row r="1"><c r="A1" t="n"><v>007</v></c><c r="B1" t="n"><v>12</v></c></row>')
    assert sheet.grid.columns[1][1] == ["7"] and sheet.grid.columns[2][1] == ["12"]
    assert sheet.grid.kinds == {"number"}
