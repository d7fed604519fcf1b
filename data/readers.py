"""Read CSV and ``.xlsx`` files into frames of text cells, keeping spreadsheet row numbers.

Every cell arrives as text so that validation, not the parser, decides what is a number: a
cell like ``1,234`` or ``#N/A`` must be reported, never silently coerced.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from data.problems import WHOLE_FILE, InvalidInput, Problem


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
    source = source or str(path)
    if not path.exists():
        raise InvalidInput([Problem(source, 1, WHOLE_FILE, "no such file")])
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        header, frame, notes = _read_xlsx(path, source)
    else:
        header, frame, notes = _read_csv(path, source)
    names = [h.strip().lower() for h in header]
    frame.columns = pd.Index(names)
    frame = frame.map(lambda v: v.strip() if isinstance(v, str) else v)
    blank = (frame == "").all(axis=1)
    frame = frame[~blank]
    rows = pd.Series(frame.index + 2, index=frame.index)
    return RawTable(source, frame, rows, header, notes)


def _read_csv(path: Path, source: str) -> tuple[list[str], pd.DataFrame, list[str]]:
    raw = path.read_bytes()
    if not raw.strip():
        raise InvalidInput([Problem(source, 1, WHOLE_FILE, "the file is empty: expected a header row")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InvalidInput(
            [
                Problem(
                    source, line, WHOLE_FILE, "not UTF-8 text: save the file as 'CSV UTF-8' and load it again"
                )
            ]
        ) from exc
    if "\x00" in text:
        raise InvalidInput([Problem(source, 1, WHOLE_FILE, "not a CSV file (binary content)")])
    from io import StringIO

    frame = pd.read_csv(
        StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False, na_filter=False
    )
    return [str(c) for c in frame.columns], frame.reset_index(drop=True), []


def _read_xlsx(path: Path, source: str) -> tuple[list[str], pd.DataFrame, list[str]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InvalidInput(
            [Problem(source, 1, WHOLE_FILE, f"not a readable .xlsx workbook ({exc})")]
        ) from exc
    sheet = book.worksheets[0]
    rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    if not rows:
        raise InvalidInput(
            [Problem(source, 1, WHOLE_FILE, "the first sheet is empty: expected a header row")]
        )
    header = rows[0]
    width = len(header)
    while width and header[width - 1] == "":
        width -= 1
    body = [(r + [""] * width)[:width] for r in rows[1:]]
    frame = pd.DataFrame(body, columns=range(width), dtype=object)
    return header[:width], frame, []


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
