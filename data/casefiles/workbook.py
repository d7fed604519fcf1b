"""Every worksheet of an ``.xlsx`` workbook as text cells (Annex A has eleven lists).

The cells are read as :mod:`data.readers` reads a first sheet (dates as ``YYYY-MM-DD``,
formulas as their saved results, openpyxl's streaming parser in read-only mode); a formula
without a saved result or merged cells are problems named ``FILE[SHEET]:ROW:COLUMN``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from data import readers
from data.problems import WHOLE_FILE, InvalidInput, Problem
from data.readers import _CONTROL_CHARACTERS, RawTable, _cell_text, _percent_styles, _sheet_parser

NO_SAVED_RESULT = (
    "a formula with no saved result (the workbook was not saved by Excel): open it in Excel, save it, "
    "and load it again"
)


def sheet_names(path: Path) -> list[str]:
    """The workbook's sheet names ([] when it cannot be opened as a workbook), without reading
    any sheet."""
    return readers.sheet_names(path)


def sheet_source(source: str, sheet: str) -> str:
    return f"{source}[{sheet}]"


def read_sheets(path: Path, source: str, wanted: Callable[[str], bool]) -> dict[str, RawTable]:
    """The sheets whose names ``wanted`` accepts, by name; InvalidInput with every problem."""
    import openpyxl

    problems: list[Problem] = []
    tables: dict[str, RawTable] = {}
    with path.open("rb") as handle, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except Exception as exc:
            message = f"the workbook is damaged and cannot be read ({type(exc).__name__})"
            raise InvalidInput([Problem(source, 1, WHOLE_FILE, message)]) from None
        try:
            styles = _percent_styles(book)
            for sheet in book.worksheets:
                if not wanted(sheet.title):
                    continue
                try:
                    tables[sheet.title] = _read_sheet(book, sheet, sheet_source(source, sheet.title), styles)
                except InvalidInput as exc:
                    problems.extend(exc.problems)
        finally:
            book.close()
    if problems:
        raise InvalidInput(problems)
    return tables


def _read_sheet(book: Any, sheet: Any, source: str, styles: set[int]) -> RawTable:
    from openpyxl.utils.cell import range_boundaries

    parser = _sheet_parser(book, sheet)
    cells: dict[int, dict[int, str]] = {}
    for _, row in parser.parse():
        for cell in row:
            text, _kind = _cell_text(cell, styles)
            if text:
                cells.setdefault(cell["row"], {})[cell["column"]] = text.strip()
    header_cells = cells.pop(1, {})
    if not header_cells:
        raise InvalidInput(
            [Problem(source, 1, WHOLE_FILE, "row 1 is empty: the column names must be in row 1")]
        )
    width = max(max(r) for r in [header_cells, *cells.values()])
    header = [_CONTROL_CHARACTERS.sub(" ", header_cells.get(c, "")).strip() for c in range(1, width + 1)]
    names = [h or "(blank)" for h in header]
    problems = []
    for merged in getattr(parser.merged_cells, "mergeCell", None) or []:
        min_col, min_row, max_col, max_row = range_boundaries(merged.ref)
        if (min_col, min_row) != (max_col, max_row) and min_col <= width:
            message = f"cells {merged.ref} are merged: unmerge them and fill in each cell"
            problems.append(Problem(source, min_row, names[min_col - 1], message))
    for row_number, column, has_result in parser.formulas:
        if not has_result and column <= width and header[column - 1]:
            problems.append(Problem(source, row_number, names[column - 1], NO_SAVED_RESULT))
    if problems:
        raise InvalidInput(problems)
    numbers = sorted(cells)
    keep = [i for i, name in enumerate(header) if name]
    body = [[cells[r].get(c + 1, "") for c in keep] for r in numbers]
    frame = (
        pd.DataFrame(body, columns=range(len(keep)), dtype=str)
        if body
        else pd.DataFrame(columns=range(len(keep)), dtype=str)
    )
    frame.columns = pd.Index([header[i] for i in keep])
    frame.index = pd.Index(np.array(numbers, dtype=np.int64) - 2)
    rows = pd.Series(np.array(numbers, dtype=np.int64), index=frame.index)
    return RawTable(source, frame, rows, [header[i] for i in keep])
