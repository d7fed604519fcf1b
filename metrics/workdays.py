"""Working days in England and Wales: weekdays that are not bank holidays.

The bank holidays come from the maintained ``holidays`` package (England's calendar, which is
also Wales's), never from a hand-typed list, so a moved or added holiday (a coronation, a
jubilee) is right once the package is updated.
"""

from __future__ import annotations

import functools

import holidays
import numpy as np
import pandas as pd


@functools.lru_cache(maxsize=64)
def _bank_holidays(first_year: int, last_year: int) -> tuple[np.datetime64, ...]:
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return tuple(sorted(np.datetime64(day, "D") for day in calendar))


def bank_holidays(start: pd.Series, end: pd.Series) -> np.ndarray:
    """England and Wales bank holidays in the years the two date columns span."""
    years = pd.concat([start, end]).dropna().dt.year
    if years.empty:
        return np.array([], dtype="datetime64[D]")
    return np.array(_bank_holidays(int(years.min()), int(years.max()) + 1), dtype="datetime64[D]")


def working_days_after(start: pd.Series, end: pd.Series) -> pd.Series:
    """Working days after ``start`` up to and including ``end`` (0 on the same day; NaN where
    either date is missing; negative when ``end`` is earlier)."""
    known = start.notna() & end.notna()
    result = pd.Series(np.nan, index=start.index)
    if not known.any():
        return result
    first = start[known].to_numpy().astype("datetime64[D]") + 1
    last = end[known].to_numpy().astype("datetime64[D]") + 1
    result[known] = np.busday_count(first, last, holidays=bank_holidays(start, end))
    return result
