"""Read CSV and ``.xlsx`` files into frames of text cells, keeping spreadsheet row numbers.

Every cell arrives as text so that validation, not the parser, decides what is a number: a
cell like ``1,234`` or ``#N/A`` must be reported, never silently coerced.

What a file is comes from its content, not its name (an ``.xlsx`` workbook renamed ``.csv`` is
read as a workbook). The rule for sloppy files: where the file itself says how to read it
without guessing (a byte-order mark, a separator that is the only one in the header row, an
Excel date or percentage cell, a formula's saved result), it is read and the load summary says
so (:attr:`RawTable.notes`); where reading it would mean guessing (text that is not UTF-8 and
has no byte-order mark, a row with more cells than the header, merged cells, a formula with no
saved result), the file is rejected with the row and column and what to do. The decisions are
listed in ``docs/data-contract.md`` ("Sloppy and hostile files").

Large CSV files are read in chunks by :func:`iter_tables` so memory stays bounded; row numbers
are those of the whole file.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from data.problems import WHOLE_FILE, InvalidInput, Problem

SNIFF_BYTES = 1 << 16
BLOCK_BYTES = 1 << 20
MAX_LINE_PROBLEMS = 100  # encoding problems listed one per row, then summed up
SAVE_AS_CSV = "save it from Excel as 'CSV UTF-8 (Comma delimited)' and load that"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# A workbook is a zip: what it inflates to is checked before parsing (a 1 MB "zip bomb" held 1 GiB
# of sheet XML). Python's zipfile never inflates a member past its declared size (it stops there
# and the checksum then fails), so the declared sizes bound the actual ones.
MAX_INFLATED_BYTES = 500 * 1024 * 1024  # configurable: the most a workbook may inflate to
MAX_INFLATION_RATIO = 100  # ... and at most this many times the file's size
MAX_MEMBERS = 1_000  # parts in the zip (a workbook has a few dozen)

# (mark, codec that reads the mark, codec for the bytes after it, name for the load summary);
# UTF-32 first: its little-endian mark starts like UTF-16's.
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8", ""),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16-be", "UTF-16"),
)
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2 compound file: .xls, or an encrypted .xlsx
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
BINARY_MAGICS = (
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "a program"),
    (b"MZ\x90\x00", "a Windows program"),
    (b"{\\rtf", "a Rich Text (RTF) document"),
)
MARKUP_STARTS = (
    (b"<!doctype html", "a web page (HTML)"),
    (b"<html", "a web page (HTML)"),
    (b"<?xml", "an XML file (perhaps an Excel 2003 XML spreadsheet)"),
)
SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}
CONTROL_BYTES = bytes([*range(9), 11, 12, *range(14, 32)])
_SEP_LINE = re.compile(
    r'"?sep=([,;\t|])"?[,;\t|]*'
)  # Excel's "sep=;" first line: names the separator outright
_QUOTED = re.compile(r'"[^"]*"')
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_FIRST_LINE = re.compile(r"[^\r\n]*")


@dataclass(frozen=True)
class RawTable:
    """A file's cells as text: columns are the header names lower-cased and stripped."""

    source: str
    frame: pd.DataFrame
    rows: pd.Series  # spreadsheet row number of each frame row
    header: list[str]
    notes: list[str] = field(default_factory=list)

    def problem(self, row: int, column: str, message: str) -> Problem:
        return Problem(self.source, row, column, message)


def read_table(path: Path, source: str | None = None) -> RawTable:
    """The file's header and data rows; blank rows are dropped but keep their numbering."""
    (table,) = iter_tables(path, source)
    if table.frame.empty:
        table.notes.append("the file has a header row but no data rows: nothing to load")
    return table


def iter_tables(
    path: Path, source: str | None = None, *, chunk_rows: int | None = None
) -> Generator[RawTable, None, None]:
    """The file as tables of at most ``chunk_rows`` rows (one table when None; a workbook's
    sheet is read whole, its tables built a chunk at a time). Every table has the same header,
    columns and notes; rows keep the numbers they have in the whole file. Raises InvalidInput
    (possibly part-way through)."""
    source = source or str(path)
    head = _sniff(path, source)
    if head.workbook:
        header, rows, notes, body = _read_workbook(path, source)
        step = chunk_rows or max(len(rows), 1)
        columns: _Columns | None = None
        for start in range(0, max(len(rows), 1), step):
            frame = body(start, min(start + step, len(rows)))  # built a chunk at a time
            columns = columns or _Columns.from_header(source, header, [frame])
            yield columns.table(source, frame, rows[start : start + step], [*head.notes, *notes])
        if columns is not None and columns.problems:
            raise InvalidInput(columns.problems)
        return
    yield from _read_text(path, source, head, chunk_rows)


def read_header(path: Path) -> list[str]:
    """The header as :func:`read_table` reads it (the named columns of row 1), reading no more
    of the file than it takes: a workbook's first row, a CSV's first line. [] where the file
    cannot be read (reading it whole says why)."""
    try:
        head = _sniff(path, str(path))
        if not head.workbook:
            tables = _read_text(path, str(path), head, 1)
            try:
                return next(tables).header
            finally:
                tables.close()
        with path.open("rb") as handle, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = _book_reader(handle)
            reader.read()
            try:
                sheets = [s for s in reader.sheets if not s[3]]
                grid = _first_row(reader.wb, reader, sheets[0][2])
            finally:
                reader.wb.close()
    except InvalidInput:
        return []
    except Exception:  # a damaged workbook: reading it whole says why
        return []
    if not grid.rows or grid.rows[0] != 1:
        return []
    cells = {c: texts[0] for c, (positions, texts) in grid.columns.items() if positions[0] == 0}
    header = [_CONTROL_CHARACTERS.sub(" ", cells[c]) for c in sorted(cells)]
    return [h for h in header if h.strip()]


def sheet_names(path: Path) -> list[str]:
    """A workbook's sheet names, chart sheets included ([] when it is not a workbook that opens)."""
    try:
        with path.open("rb") as handle, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = _book_reader(handle)
            reader.read()
            reader.wb.close()
            return [s[0] for s in reader.sheets]
    except Exception:  # not a workbook, or a damaged one: the ordinary reader says which
        return []


# --- what kind of file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Head:
    """What the first bytes say: a workbook, or text in an encoding (with notes on both)."""

    workbook: bool
    codec: str = "utf-8-sig"  # reads the whole file, byte-order mark included
    bare: str = "utf-8"  # reads the bytes after the mark
    skip: int = 0  # length of the byte-order mark
    notes: tuple[str, ...] = ()


def _whole(source: str, message: str, row: int = 1) -> InvalidInput:
    return InvalidInput([Problem(source, row, WHOLE_FILE, message)])


def _sniff(path: Path, source: str) -> _Head:
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
            size = handle.seek(0, io.SEEK_END)
    except FileNotFoundError:
        raise _whole(source, "no such file") from None
    except IsADirectoryError:
        raise _whole(source, "this is a folder, not a file") from None
    except PermissionError:
        raise _whole(source, "the file cannot be read (permission denied)") from None
    except OSError as exc:
        raise _whole(source, f"the file cannot be read ({exc.strerror or exc})") from None
    suffix = path.suffix.lower()
    if head.startswith(ZIP_MAGICS):
        return _sniff_zip(path, source, suffix)
    if head.startswith(CFB_MAGIC):
        if ENCRYPTED_PACKAGE in path.read_bytes():
            raise _whole(
                source,
                "the workbook is protected with a password: open it in Excel, remove the password "
                "(File > Info > Protect Workbook > Encrypt with Password), save it, and load it again",
            )
        raise _whole(
            source,
            "an Excel 97-2003 workbook (.xls), which cannot be read: save it as an Excel Workbook "
            "(.xlsx) or as 'CSV UTF-8 (Comma delimited)' and load that",
        )
    for magic, what in BINARY_MAGICS:
        if head.startswith(magic):
            raise _whole(source, f"{what}, not a CSV file or .xlsx workbook: {SAVE_AS_CSV}")
    found = next((m for m in BYTE_ORDER_MARKS if head.startswith(m[0])), None)
    mark, codec, bare, name = found or (b"", "utf-8-sig", "utf-8", "")
    body = head[len(mark) :]
    lowered = body.lstrip().lower()
    for start, what in MARKUP_STARTS:
        if lowered.startswith(start):
            raise _whole(source, f"{what}, not a CSV file: {SAVE_AS_CSV}")
    if bare == "utf-8" and _looks_binary(body):
        raise _whole(source, _binary_message(body))
    if size <= SNIFF_BYTES and not body.decode(bare, errors="ignore").strip():
        raise _whole(source, "the file is empty: expected a header row")
    notes = []
    if suffix in WORKBOOK_SUFFIXES:
        notes.append(f"the file is text although its name ends {suffix}: read as CSV")
    if name:
        notes.append(
            f"read as {name} text: the file starts with a {name} byte-order mark "
            "(as Excel's 'Unicode Text' writes)"
        )
    return _Head(False, codec, bare, len(mark), tuple(notes))


def _looks_binary(body: bytes) -> bool:
    """Control characters (NUL and the like) are more than a stray one in text: a binary file.
    A few stray ones are reported row by row instead."""
    controls = len(body) - len(body.translate(None, CONTROL_BYTES))
    return controls > max(8, len(body) // 100)


def _binary_message(body: bytes) -> str:
    pairs = len(body) // 2
    odd_zeros, even_zeros = body[1::2].count(0), body[0::2].count(0)
    if pairs and max(odd_zeros, even_zeros) > 0.3 * pairs and min(odd_zeros, even_zeros) < 0.05 * pairs:
        return (
            "this looks like UTF-16 text without a byte-order mark, which cannot be read without "
            f"guessing: {SAVE_AS_CSV}"
        )
    return f"not a CSV file (it holds binary data): {SAVE_AS_CSV}"


def _sniff_zip(path: Path, source: str, suffix: str) -> _Head:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = [m.filename for m in members]
            inflated = sum(m.file_size for m in members)
            mimetype = b""
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 1000:
                mimetype = archive.read("mimetype")[:100]
    except Exception:  # a damaged or hostile archive makes zipfile fail in many ways
        if suffix in WORKBOOK_SUFFIXES:
            raise _whole(
                source,
                "the workbook is damaged or incomplete and cannot be read: open it in Excel, "
                "save it again, and load the new file",
            ) from None
        raise _whole(source, f"a damaged zip archive, not a CSV file: {SAVE_AS_CSV}") from None
    _check_inflation(path, source, len(members), inflated)
    if "xl/workbook.xml" in names:
        notes: tuple[str, ...] = ()
        if suffix not in WORKBOOK_SUFFIXES:
            ending = f"ends {suffix}" if suffix else "has no extension"
            notes = (f"the file is an Excel workbook although its name {ending}: read as .xlsx",)
        return _Head(True, notes=notes)
    if b"opendocument.spreadsheet" in mimetype:
        raise _whole(
            source,
            "an OpenDocument spreadsheet (.ods): save it as an Excel Workbook (.xlsx) or as "
            "'CSV UTF-8' and load that",
        )
    if "word/document.xml" in names:
        raise _whole(source, f"a Word document, not a CSV file or .xlsx workbook: {SAVE_AS_CSV}")
    inside = ", ".join(n for n in names[:3] if not n.endswith("/"))
    holding = f" (holding {inside}{', ...' if len(names) > 3 else ''})" if inside else ""
    raise _whole(source, f"a zip archive{holding}, not a CSV file: unzip it and load the file inside")


def _check_inflation(path: Path, source: str, members: int, inflated: int) -> None:
    """Refuse a zip with too many parts or that would inflate past the limits, before parsing."""
    if members > MAX_MEMBERS:
        raise _whole(
            source,
            f"the file is a zip of {members:,} parts (a workbook has a few dozen, at most "
            f"{MAX_MEMBERS:,} are read): save the sheet as a new workbook or as CSV UTF-8",
        )
    limit = min(MAX_INFLATED_BYTES, MAX_INFLATION_RATIO * path.stat().st_size)
    if inflated > limit:
        raise _whole(
            source,
            f"the file would unpack to {inflated / 2**20:,.0f} MB, more than the {limit / 2**20:,.0f} MB "
            f"read for a file of its size (at most {MAX_INFLATION_RATIO} times the file, "
            f"{MAX_INFLATED_BYTES // 2**20} MB in all): a damaged or hostile workbook; save the sheet "
            "as CSV UTF-8 and load that",
        )


# --- CSV text ------------------------------------------------------------------------------------


def _read_text(
    path: Path, source: str, head: _Head, chunk_rows: int | None
) -> Generator[RawTable, None, None]:
    first = _first_line(path, head)
    skiprows = 0
    notes = list(head.notes)
    if not first.strip():
        raise _whole(source, "row 1 is empty: the column names must be in row 1")
    declared = _SEP_LINE.fullmatch(first.strip())
    if declared:
        separator = declared[1]
        skiprows = 1
        notes.append(f"the first line {first.strip()!r} names the separator: read with {separator!r}")
        first = _first_line(path, head, skip_lines=1)
    else:
        separator, note = _separator(source, first)
        if note:
            notes.append(note)
    _check_text(path, source, head, separator, first)
    options: dict[str, Any] = {
        "sep": separator,
        "header": None,
        "dtype": str,
        "keep_default_na": False,
        "na_filter": False,
        "skip_blank_lines": False,
        "index_col": False,
        "encoding": head.codec,
        "skiprows": skiprows,
        "engine": "c",
    }
    columns: _Columns | None = None
    try:
        with pd.read_csv(path, chunksize=chunk_rows or None, iterator=True, **options) as reader:
            while True:
                try:
                    # the first read of a chunk also takes the header row
                    frame = reader.read(chunk_rows + (columns is None)) if chunk_rows else reader.read()
                except StopIteration:
                    break
                if columns is not None and frame.empty:
                    break
                rows = frame.index.to_numpy() + 1  # header=None: the header is index 0, row 1
                if columns is None:
                    header = [str(v) for v in frame.iloc[0].tolist()] if len(frame) else []
                    frame, rows = frame.iloc[1:], rows[1:]
                    columns = _Columns.from_header(source, header, [frame])
                yield columns.table(source, frame, rows, notes)
                if not chunk_rows:
                    break
        if columns is not None and columns.problems:
            raise InvalidInput(columns.problems)
    except pd.errors.ParserError as exc:
        raise InvalidInput(_parse_problems(path, source, head, separator, skiprows, str(exc))) from None
    except pd.errors.EmptyDataError:
        raise _whole(source, "the file is empty: expected a header row") from None


def _first_line(path: Path, head: _Head, skip_lines: int = 0) -> str:
    with path.open("rb") as handle:
        handle.seek(head.skip)
        text = handle.read(SNIFF_BYTES).decode(head.bare, errors="replace")
    for _ in range(skip_lines):
        match = re.search(r"\r\n|\r|\n", text)
        text = text[match.end() :] if match else ""
    match = _FIRST_LINE.match(text)
    return match[0] if match else ""


def _separator(source: str, line: str) -> tuple[str, str]:
    """The separator the header row uses: a comma (the contract), or else the only one of
    semicolon and tab it holds; ("," , "") when the header has none of them."""
    bare = _QUOTED.sub("", line)
    found = [s for s in SEPARATORS if s in bare]
    if "," in found or not found:
        return ",", ""
    if len(found) > 1:
        raise _whole(
            source,
            "the header row has both semicolons and tabs, so which one separates the cells is "
            f"unclear: {SAVE_AS_CSV}",
        )
    name = SEPARATORS[found[0]]
    return found[0], f"read as {name}-separated: the header row has {name}s between its names and no commas"


def _check_text(path: Path, source: str, head: _Head, separator: str, header_line: str) -> None:
    """The whole file decodes in its encoding and holds no NUL character (one streaming pass)."""
    decoder = codecs.getincrementaldecoder(head.bare)(errors="strict")
    utf8 = head.bare == "utf-8"
    clean = True
    with path.open("rb") as handle:
        handle.seek(head.skip)
        while clean and (block := handle.read(BLOCK_BYTES)):
            if utf8 and b"\x00" in block:
                clean = False
                break
            try:
                text = decoder.decode(block)
            except UnicodeDecodeError:
                clean = False
                break
            if not utf8 and "\x00" in text:
                clean = False
        if clean:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                clean = False
    if not clean:
        names = _split_header(header_line, separator)
        if utf8:
            raise InvalidInput(_utf8_problems(path, source, head, separator, names))
        raise InvalidInput(_wide_text_problems(path, source, head, separator, names))


def _split_header(line: str, separator: str) -> list[str]:
    try:
        cells = next(csv.reader([line], delimiter=separator), [])
        return [_CONTROL_CHARACTERS.sub(" ", c).strip().lower() for c in cells]
    except csv.Error:
        return []


def _column_at(prefix: str, separator: str, names: list[str]) -> str:
    """The name of the column in which a line's text ``prefix`` ends."""
    try:
        cells = next(csv.reader([prefix], delimiter=separator), [""])
    except csv.Error:
        return WHOLE_FILE
    index = len(cells) - 1
    return (names[index] or "(blank)") if index < len(names) else WHOLE_FILE


def _binary_lines(handle: io.BufferedReader) -> Iterator[bytes]:
    """Lines split at \\r\\n, \\r or \\n, read block by block."""
    rest = b""
    while block := handle.read(BLOCK_BYTES):
        data = rest + block
        held = b"\r" if data.endswith(b"\r") else b""  # may be the first half of \r\n
        parts = re.split(rb"\r\n|\r|\n", data[: len(data) - len(held)])
        rest = parts.pop() + held
        yield from parts
    if rest:
        yield rest.removesuffix(b"\r")


def _utf8_problems(path: Path, source: str, head: _Head, separator: str, names: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    more = 0
    with path.open("rb") as handle:
        handle.seek(head.skip)
        for number, line in enumerate(_binary_lines(handle), start=1):
            zero = line.find(b"\x00")
            try:
                line.decode("utf-8")
                bad = -1
            except UnicodeDecodeError as exc:
                bad = exc.start
            if zero < 0 and bad < 0:
                continue
            if len(problems) >= MAX_LINE_PROBLEMS:
                more += 1
                continue
            at = min(p for p in (zero, bad) if p >= 0)
            column = _column_at(line[:at].decode("latin-1"), separator, names)
            if at == zero:
                message = f"a NUL character, which text never holds (binary data?): {SAVE_AS_CSV}"
            else:
                message = (
                    f"not UTF-8 text (byte 0x{line[at]:02X}; perhaps saved as plain 'CSV', which is "
                    f"not UTF-8): {SAVE_AS_CSV}"
                )
            problems.append(Problem(source, number, column, message))
    if more:
        last = problems[-1]
        problems.append(
            Problem(source, last.row, WHOLE_FILE, f"and {more} more rows with the same kind of problem")
        )
    return problems or [Problem(source, 1, WHOLE_FILE, f"not UTF-8 text: {SAVE_AS_CSV}")]


def _wide_text_problems(
    path: Path, source: str, head: _Head, separator: str, names: list[str]
) -> list[Problem]:
    """The first place a UTF-16 or UTF-32 file goes wrong (the file was meant to be read whole)."""
    data = path.read_bytes()[head.skip :]
    try:
        text = data.decode(head.bare)
        at, message = text.index("\x00"), "a NUL character, which text never holds"
    except UnicodeDecodeError as exc:
        text = data[: exc.start].decode(head.bare, errors="replace")
        at, message = len(text), f"not valid {head.bare[:6].upper()} text"
    lines = re.split(r"\r\n|\r|\n", text[:at])
    column = _column_at(lines[-1], separator, names)
    return [Problem(source, len(lines), column, f"{message}: {SAVE_AS_CSV}")]


def _parse_problems(
    path: Path, source: str, head: _Head, separator: str, skiprows: int, error: str
) -> list[Problem]:
    """Rows the CSV parser refused: more cells than the header, or a quote never closed."""
    problems: list[Problem] = []
    with path.open(encoding=head.codec, newline="") as handle:
        for _ in range(skiprows):
            handle.readline()
        reader = csv.reader(handle, delimiter=separator)
        width = 0
        last = 0
        try:
            for number, record in enumerate(reader, start=1):
                last = number
                if number == 1:
                    width = len(record)
                elif len(record) > width:
                    problems.append(
                        Problem(
                            source,
                            number,
                            WHOLE_FILE,
                            f"this row has {len(record)} cells but the header has {width} columns: "
                            "a comma inside a number (1,234) or unquoted text splits a cell in two; "
                            "remove thousands separators and put text with commas in quotes",
                        )
                    )
        except csv.Error as exc:
            problems.append(Problem(source, last + 1, WHOLE_FILE, f"cannot be read as CSV ({exc})"))
    if len(problems) > 1 and len(problems) == last - 1:  # every row is wider than row 1
        return [
            Problem(
                source,
                1,
                WHOLE_FILE,
                f"row 1 has {width} cells but every row below has more: row 1 must hold the column "
                "names (remove any title above them)",
            )
        ]
    if "EOF inside string" in error or not problems:
        unclosed = re.search(r"EOF inside string starting at row (\d+)", error)
        if unclosed:
            problems.append(
                Problem(
                    source,
                    int(unclosed[1]) + 1,
                    WHOLE_FILE,
                    'a cell in this row opens a quote (") that is never closed, so the rest of the '
                    "file would be read into it: check the quotes in this row",
                )
            )
        elif not problems:
            first = error.strip().splitlines()[-1] if error.strip() else "unknown error"
            problems.append(Problem(source, 1, WHOLE_FILE, f"cannot be read as CSV ({first})"))
    return problems


# --- columns and rows ----------------------------------------------------------------------------


@dataclass
class _Columns:
    """The header's columns as kept for every chunk of one file.

    A column with no name in row 1 is ignored while it is empty (Excel saves stray formatted
    columns that way, and cells typed to the right of a table make them); a cell with data in
    one is reported where it is, once per column.
    """

    header: list[str]
    keep: list[int]
    dropped: list[int]
    problems: list[Problem] = field(default_factory=list)  # raised after the last chunk
    reported: set[int] = field(default_factory=set)

    @classmethod
    def from_header(cls, source: str, header: list[str], frames: list[pd.DataFrame]) -> _Columns:
        # a line break or other control character is never part of a column name; kept, it
        # would split a FILE:ROW:COLUMN line in two
        header = [_CONTROL_CHARACTERS.sub(" ", h) for h in header]
        if not any(h.strip() for h in header):
            if any(len(f) for f in frames):
                raise _whole(source, "row 1 is empty: the column names must be in row 1")
            raise _whole(source, "the file is empty: expected a header row")
        keep = [i for i, name in enumerate(header) if name.strip()]
        dropped = [i for i, name in enumerate(header) if not name.strip()]
        return cls(header, keep, dropped)

    def notes(self) -> list[str]:
        empty = [_letters(i) for i in self.dropped if i not in self.reported]
        if not empty:
            return []
        return [f"ignored {len(empty)} empty column(s) with no name in row 1: {', '.join(empty)}"]

    def table(self, source: str, frame: pd.DataFrame, rows: np.ndarray, notes: list[str]) -> RawTable:
        for index in self.dropped:
            hits = _data_mask(frame, index)
            if index not in self.reported and hits.any():
                self.reported.add(index)
                letter = _letters(index)
                message = (
                    f"column {letter} has no name in row 1 but holds data: name the column or clear its cells"
                )
                self.problems.append(Problem(source, int(rows[np.argmax(hits)]), f"({letter})", message))
        cells = {position: _text(frame.iloc[:, index]) for position, index in enumerate(self.keep)}
        tidy = pd.DataFrame(cells, index=frame.index)
        blank = np.ones(len(tidy), dtype=bool)
        for column in cells.values():
            blank &= (column == "").to_numpy()
        tidy, rows = tidy[~blank], rows[~blank]
        tidy.index = pd.Index(rows - 2)  # as a whole file read with its header gives
        names = [self.header[i].strip().lower() for i in self.keep]
        tidy.columns = pd.Index(names)
        header = [self.header[i] for i in self.keep]
        return RawTable(source, tidy, pd.Series(rows, index=tidy.index), header, [*notes, *self.notes()])


def _text(column: pd.Series) -> pd.Series:
    return column.astype(str).str.strip()


def _data_mask(frame: pd.DataFrame, index: int) -> np.ndarray:
    if index >= frame.shape[1]:
        return np.zeros(len(frame), dtype=bool)
    return (_text(frame.iloc[:, index]) != "").to_numpy()


def _letters(index: int) -> str:
    """Spreadsheet column letters of a 0-based column index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# --- .xlsx workbooks -----------------------------------------------------------------------------


def _read_workbook(path: Path, source: str) -> tuple[list[str], np.ndarray, list[str], _Body]:
    """The first worksheet's header, row numbers, notes and body (its text cells, by rows).

    The workbook's parts (sheet names, styles) are read by openpyxl; the sheet itself and the
    shared strings by :mod:`data.sheetxml`, streamed, or, for a sheet written in a way that
    module does not read, by openpyxl's own streaming parser (the same cells, slower)."""
    damaged = (
        "the workbook is damaged and cannot be read ({}): open it in Excel, save it again, and "
        "load the new file"
    )
    with path.open("rb") as handle:  # a file object: openpyxl judges a path by its name
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                reader = _book_reader(handle)
                reader.read()
        except Exception as exc:  # a damaged workbook makes the parser fail in many ways
            raise _whole(source, damaged.format(type(exc).__name__)) from None
        book = reader.wb
        try:
            return _read_first_sheet(book, reader, source)
        except InvalidInput:
            raise
        except Exception as exc:
            raise _whole(source, damaged.format(type(exc).__name__)) from None
        finally:
            book.close()


def _book_reader(handle: Any) -> Any:
    """openpyxl's workbook reader, taking only what the first sheet needs: the sheets' names,
    states and parts (openpyxl's read-only sheets would parse a sheet without a ``<dimension>``
    in full just to size it) and where the shared strings are (read when a cell needs them)."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.xml.constants import SHARED_STRINGS

    class Reader(ExcelReader):
        sheets: list[tuple[str, str, str, bool]]  # name, state, part, is a chart sheet
        strings_part: str | None = None

        def read_strings(self) -> None:
            found = self.package.find(SHARED_STRINGS)
            self.strings_part = found.PartName[1:] if found is not None else None
            self.shared_strings: list[str] = []

        def read_worksheets(self) -> None:
            self.sheets = []
            for sheet, rel in self.parser.find_sheets():
                if rel.target in self.valid_files:
                    self.sheets.append((sheet.name, sheet.state, rel.target, "chartsheet" in rel.Type))

    return Reader(handle, read_only=True, keep_vba=False, data_only=True, keep_links=False)


def _read_first_sheet(book: Any, reader: Any, source: str) -> tuple[list[str], np.ndarray, list[str], _Body]:
    from openpyxl.utils.cell import range_boundaries

    from data import sheetxml

    sheets = [s for s in reader.sheets if not s[3]]
    if not sheets:
        raise _whole(source, "the workbook has no worksheet: expected the figures on the first sheet")
    title, state, part, _ = sheets[0]
    notes = []
    if len(reader.sheets) > 1:
        others = ", ".join(repr(s[0]) for s in reader.sheets if s[0] != title)
        hidden = " (a hidden sheet)" if state != "visible" else ""
        notes.append(f"read the first sheet, {title!r}{hidden}; not read: {others}")
    percent_styles = _percent_styles(book)
    strings: list[list[str]] = []

    def shared() -> list[str]:
        if not strings:
            strings.append(_shared_strings(book._archive, reader.strings_part))
        return strings[0]

    try:
        grid = _fast_grid(book, part, shared, percent_styles)
    except sheetxml.Damaged as exc:
        damaged = "the workbook is damaged and cannot be read ({}): open it in Excel, save it again, and "
        damaged += "load the new file"
        raise _whole(source, damaged.format(exc)) from None
    except sheetxml.Unusual:
        grid = _openpyxl_grid(book, part, shared(), percent_styles)
    if not grid.rows:
        raise _whole(source, "the first sheet is empty: expected a header row")
    if grid.rows[0] != 1:
        raise _whole(source, "row 1 is empty: the column names must be in row 1")
    width = max(grid.columns)
    header_cells = {c: texts[0] for c, (positions, texts) in grid.columns.items() if positions[0] == 0}
    header = [_CONTROL_CHARACTERS.sub(" ", header_cells.get(c, "")) for c in range(1, width + 1)]
    names = [h.strip().lower() or "(blank)" for h in header]
    problems = []
    at = {row: i for i, row in enumerate(grid.rows)} if grid.merged else {}
    for ref in grid.merged:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        if (min_col, min_row) != (max_col, max_row) and _grid_cell(grid, at.get(min_row), min_col):
            problems.append(
                Problem(
                    source,
                    min_row,
                    names[min_col - 1] if min_col <= width else WHOLE_FILE,
                    f"cells {ref} are merged: unmerge them and fill in each cell",
                )
            )
    saved = 0
    for row_number, column, has_result in grid.formulas:
        if has_result:
            saved += 1
        elif column <= width:
            problems.append(
                Problem(
                    source,
                    row_number,
                    names[column - 1],
                    "a formula with no saved result (the workbook was not saved by Excel): open it "
                    "in Excel, save it, and load it again",
                )
            )
    if problems:
        raise InvalidInput(problems)
    if saved:
        notes.append(f"{saved} cell(s) hold formulas: read as the results saved in the workbook")
    if "date" in grid.kinds:
        notes.append("Excel date cells were read as dates (a month column takes each date's month)")
    if "percent" in grid.kinds:
        notes.append("cells formatted as percentages were read as the percentages shown (0.8 as 80%)")
    rows = np.frombuffer(grid.rows, dtype=np.int64)[1:].copy()
    return header, rows, notes, lambda start, stop: _frame(grid, width, start, stop)


_Body = Callable[[int, int], pd.DataFrame]  # the frame of data rows start to stop (0-based)


def _frame(grid: Any, width: int, start: int, stop: int) -> pd.DataFrame:
    """Data rows ``start`` to ``stop`` of the grid (row 1, the header, is not one) as text."""
    if stop <= start:
        return pd.DataFrame(columns=range(width), dtype=str)
    body: dict[int, np.ndarray] = {}
    for column in range(1, width + 1):
        cells = np.full(stop - start, "", dtype=object)
        if column in grid.columns:
            positions, texts = grid.columns[column]
            index = np.frombuffer(positions, dtype=np.intc)
            low, high = np.searchsorted(index, [start + 1, stop + 1])
            cells[index[low:high] - 1 - start] = texts[low:high]
        body[column - 1] = cells
    return pd.DataFrame(body, columns=range(width), dtype=str)


def _grid_cell(grid: Any, position: int | None, column: int) -> str:
    if position is None or column not in grid.columns:
        return ""
    positions, texts = grid.columns[column]
    found = np.searchsorted(np.frombuffer(positions, dtype=np.intc), position)
    return texts[found] if found < len(positions) and positions[found] == position else ""


def _shared_strings(archive: zipfile.ZipFile, part: str | None) -> list[str]:
    from data import sheetxml

    if part is None:
        return []
    try:
        return sheetxml.shared_strings(archive, part)
    except sheetxml.Unusual:
        from openpyxl.reader.strings import read_string_table

        with archive.open(part) as handle:
            return list(read_string_table(handle))


def _fast_grid(book: Any, part: str, shared: Any, percent_styles: set[int], first_row: bool = False) -> Any:
    from openpyxl.utils.datetime import from_excel, from_ISO8601

    from data import sheetxml

    styles = sheetxml.Styles(
        percent=frozenset(str(i) for i in percent_styles),
        dates=frozenset(str(i) for i in book._date_formats),
        durations=frozenset(str(i) for i in book._timedelta_formats),
        epoch=book.epoch,
    )
    return sheetxml.read_sheet(
        book._archive, part, shared, styles, _number_text, from_excel, from_ISO8601, first_row=first_row
    )


def _first_row(book: Any, reader: Any, part: str) -> Any:
    from data import sheetxml

    def shared() -> list[str]:
        return _shared_strings(book._archive, reader.strings_part)

    try:
        return _fast_grid(book, part, shared, _percent_styles(book), first_row=True)
    except sheetxml.Unusual:
        return _openpyxl_grid(book, part, shared(), _percent_styles(book))


def _openpyxl_grid(book: Any, part: str, strings: list[str], percent_styles: set[int]) -> Any:
    """The sheet read by openpyxl's streaming parser (for XML the fast path does not read)."""
    from data import sheetxml

    parser = _sheet_parser(book, _Part(part, strings))
    cells: dict[int, dict[int, tuple[str, str]]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _, row in parser.parse():
            for cell in row:
                text, kind = _cell_text(cell, percent_styles)
                if text:
                    cells.setdefault(cell["row"], {})[cell["column"]] = (text, kind)
    grid = sheetxml.Grid()
    for number in sorted(cells):
        for column, (text, kind) in sorted(cells[number].items()):
            grid.add(number, column, text, kind)
    grid.formulas = parser.formulas
    grid.merged = [m.ref for m in getattr(parser.merged_cells, "mergeCell", None) or []]
    return grid


@dataclass(frozen=True)
class _Part:
    """What :func:`_sheet_parser` needs of a sheet."""

    _worksheet_path: str
    _shared_strings: list[str]


def _sheet_parser(book: Any, sheet: Any) -> Any:
    """openpyxl's streaming sheet parser, also noting formula cells and whether each has a saved
    result (``data_only`` alone cannot tell a formula without one from an empty cell)."""
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        formulas: list[tuple[int, int, bool]]

        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell: dict[str, Any] = super().parse_cell(element)
            if element.find(FORMULA_TAG) is not None:
                self.formulas.append((cell["row"], cell["column"], cell["value"] is not None))
            return cell

    source = book._archive.open(sheet._worksheet_path)
    parser = Parser(
        source,
        sheet._shared_strings,
        data_only=True,
        epoch=book.epoch,
        date_formats=book._date_formats,
        timedelta_formats=book._timedelta_formats,
    )
    parser.formulas = []
    return parser


def _percent_styles(book: Any) -> set[int]:
    from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

    styles = set()
    for index, style in enumerate(book._cell_styles):
        number = style.numFmtId
        if number < BUILTIN_FORMATS_MAX_SIZE:
            text = BUILTIN_FORMATS.get(number, "General")
        else:
            custom = number - BUILTIN_FORMATS_MAX_SIZE
            text = book._number_formats[custom] if custom < len(book._number_formats) else ""
        if "%" in re.sub(r'"[^"]*"|\\.', "", str(text)):
            styles.add(index)
    return styles


def _cell_text(cell: dict[str, Any], percent_styles: set[int]) -> tuple[str, str]:
    """A cell as the text a CSV export would hold, and what kind of cell it was."""
    value = cell["value"]
    if value is None:
        return "", ""
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), "bool"
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d"), "date"
    if isinstance(value, dt.time | dt.timedelta):
        return str(value), "time"
    if isinstance(value, int | float):
        if cell.get("style_id") in percent_styles:
            return _number_text(round(value * 100, 10)) + "%", "percent"
        return _number_text(value), "number"
    return str(value), "text"


def _number_text(value: float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)
