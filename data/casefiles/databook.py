"""The wide data book councils keep in Excel: ``kpi, org, measure`` and one column per month.

``measure`` is ``numerator``, ``denominator`` or ``value``; month headers are ``2024-04``,
``Apr 2024``, ``April 2024`` or Excel dates (read as their month). The book is turned into
figures rows and checked by the figures validator, so its errors are the figures file's, named
at the book's own row and month column.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from data.casefiles.common import normalise
from data.problems import Problem
from data.readers import RawTable
from data.validate import Checker, Context, validate_figures

MEASURES = ("numerator", "denominator", "value")
KEYS = ("kpi", "org", "measure")
_ISO = re.compile(r"(\d{4})-(0[1-9]|1[0-2])(?:-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?)?")


def header_month(text: str) -> str | None:
    """``2024-04``, ``Apr 2024``, ``April 2024`` or a date cell (``2024-04-01``) as ``YYYY-MM``."""
    text = text.strip()
    match = _ISO.fullmatch(text)
    if match:
        return f"{match[1]}-{match[2]}"
    for form in ("%b %Y", "%B %Y"):
        try:
            return dt.datetime.strptime(text, form).strftime("%Y-%m")
        except ValueError:
            continue
    return None


def is_databook(header: list[str]) -> bool:
    names = [normalise(h) for h in header if h.strip()]
    months = [h for h in header if h.strip() and normalise(h) not in KEYS]
    return set(KEYS) <= set(names) and bool(months) and any(header_month(h) for h in months)


def databook_figures(table: RawTable, context: Context) -> tuple[pd.DataFrame, list[Problem]]:
    """Figures rows (as :func:`~data.validate.validate_figures` returns them) and every problem."""
    frame = table.frame.set_axis([h.strip() for h in table.header], axis=1)
    names = {normalise(c): c for c in frame.columns}
    key = {k: names[k] for k in KEYS}
    check = Checker(RawTable(table.source, frame, table.rows, list(frame.columns)))
    months: dict[str, str] = {}
    for column in frame.columns:
        if normalise(column) in KEYS:
            continue
        month = header_month(column)
        if month is None:
            message = f"{column!r} is not a month: write 2024-04, Apr 2024, April 2024 or an Excel date"
            check.problems.append(table.problem(1, column, message))
        elif month in months.values():
            first = next(c for c, m in months.items() if m == month)
            check.problems.append(table.problem(1, column, f"the month {month} is also column {first!r}"))
        else:
            months[column] = month
    measure = frame[key["measure"]].str.lower()
    check.flag(
        (measure == "") | ~measure.isin(MEASURES),
        key["measure"],
        lambda v: f"{v!r} is not a measure (numerator, denominator or value)",
    )
    ids = frame[[key["kpi"], key["org"]]].assign(_m=measure)
    dup = ids.duplicated(keep=False)
    if dup.any():
        first_row = table.rows[dup].groupby([ids.loc[dup, c] for c in ids.columns]).transform("min")
        repeat = pd.Series(False, index=frame.index)
        repeat[dup] = table.rows[dup] != first_row
        text = "duplicate of row " + first_row.reindex(frame.index).fillna(0).astype(int).astype(str)
        check.flag(repeat, key["measure"], text + " (same kpi, org and measure)")
    if check.problems:
        return pd.DataFrame(), check.problems
    return _long(table, frame, key, measure, months, context)


def _long(table: RawTable, frame: pd.DataFrame, key: dict[str, str], measure: pd.Series,
          months: dict[str, str], context: Context) -> tuple[pd.DataFrame, list[Problem]]:  # fmt: skip
    records: list[dict[str, str]] = []
    origin: list[dict[str, tuple[int, str]]] = []
    for (kpi, org), group in frame.groupby([key["kpi"], key["org"]], sort=False):
        by_measure = {measure[i]: i for i in group.index}
        first = int(table.rows[group.index[0]])
        for column, month in months.items():
            cells = {m: str(frame.at[i, column]) for m, i in by_measure.items()}
            if not any(cells.values()):
                continue
            records.append({"period": month, "kpi": str(kpi), "org": str(org),
                            **{m: cells.get(m, "") for m in MEASURES}})  # fmt: skip
            where = {m: (int(table.rows[i]), column) for m, i in by_measure.items()}
            where.update({"kpi": (first, key["kpi"]), "org": (first, key["org"]), "period": (first, column)})
            origin.append(where)
    long = pd.DataFrame(records, columns=["period", "kpi", "org", *MEASURES], dtype=str)
    positions = pd.Series(np.arange(len(long)), index=long.index)
    clean, found = validate_figures(RawTable(table.source, long, positions, list(long.columns)), context)
    problems: list[Problem] = []
    seen: set[tuple[int, str, str]] = set()
    for problem in found:
        where = origin[problem.row]
        row, column = where.get(problem.column, where["period"])
        if (row, column, problem.message) not in seen:
            seen.add((row, column, problem.message))
            problems.append(Problem(table.source, row, column, problem.message))
    return clean, problems
