"""What the case-file readers share: column names as compared, date cells, duplicate rows."""

from __future__ import annotations

import re

import pandas as pd

from data.readers import RawTable
from data.validate import Checker

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_SPACES = re.compile(r"[\s_]+")


def normalise(name: str) -> str:
    """A column or sheet name as compared: case, spaces (also non-breaking ones and
    underscores) and curly quotes do not matter, so ``Date of Referral `` matches
    ``date of referral`` and ``List_3`` matches ``List 3``."""
    return _SPACES.sub("", name.replace("\ufeff", "").translate(_QUOTES).casefold())


def columns_by_name(table: RawTable, wanted: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """For each canonical name, the table's column that is one of its variants."""
    spelt = {normalise(str(c)): str(c) for c in table.frame.columns}
    found = {}
    for canonical, variants in wanted.items():
        for variant in variants:
            if normalise(variant) in spelt:
                found[canonical] = spelt[normalise(variant)]
                break
    return found


def excel_serial_message(text: str, expected: str) -> str:
    if re.fullmatch(r"[0-9]{5}(\.[0-9]+)?", text):
        return (
            f"{text!r} is not a date ({expected}): it looks like a date saved as a number; format the "
            "cell as a date"
        )
    return f"{text!r} is not a date ({expected})"


def date_column(check: Checker, column: str, *, iso_too: bool) -> pd.Series:
    """The column's cells as dates (NaT where empty); a cell that is not a date is a problem.
    ``DD/MM/YYYY`` always; ``YYYY-MM-DD`` too where ``iso_too`` (an Excel date cell reads so)."""
    cells = check.cells(column)
    dates = pd.to_datetime(cells.where(cells != ""), format="%d/%m/%Y", errors="coerce")
    expected = "DD/MM/YYYY"
    if iso_too:
        iso = pd.to_datetime(cells.where(dates.isna() & (cells != "")), format="%Y-%m-%d", errors="coerce")
        dates = dates.fillna(iso)
        expected = "DD/MM/YYYY or an Excel date"
    bad = (cells != "") & dates.isna()
    check.flag(bad, column, lambda text: excel_serial_message(text, expected))
    return dates.astype("datetime64[ns]")


def duplicate_rows(check: Checker) -> None:
    """A row identical to an earlier one in every cell: ``duplicate of row N``."""
    frame = check.table.frame
    if frame.empty:
        return
    dup = frame.duplicated(keep=False)
    if not dup.any():
        return
    rows = check.table.rows
    first = rows[dup].groupby([frame.loc[dup, c] for c in frame.columns]).transform("min")
    repeat = pd.Series(False, index=frame.index)
    repeat[dup] = rows[dup] != first
    messages = "duplicate of row " + first.reindex(frame.index).fillna(0).astype(int).astype(str)
    check.flag(repeat, "-", messages)
