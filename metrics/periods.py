"""Months, financial years and their labels.

Months are ``YYYY-MM`` strings throughout: they sort correctly and need no time zone. Financial
years run April to March; quarters are Q1 = April–June ... Q4 = January–March.
"""

from __future__ import annotations

import re

import pandas as pd

PERIOD_KINDS = ("month", "quarter", "year", "ytd")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})(?:-([0-9]{2}))?")  # ASCII digits only, as the loader
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def parse_month(text: str) -> str | None:
    """``YYYY-MM`` (or an ISO date, meaning its month) as ``YYYY-MM``; None when not a month."""
    match = _MONTH.fullmatch(text.strip())
    if not match:
        return None
    year, month, day = int(match[1]), int(match[2]), match[3]
    if not 1 <= month <= 12 or year < 1900:
        return None
    if day is not None:
        try:
            pd.Timestamp(year=year, month=month, day=int(day))
        except ValueError:
            return None
    return f"{year:04d}-{month:02d}"


def month_index(month: str) -> int:
    """Months since year 0: consecutive months differ by one."""
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_from_index(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def add_months(month: str, count: int) -> str:
    return month_from_index(month_index(month) + count)


def month_range(first: str, last: str) -> list[str]:
    """Every month from first to last inclusive."""
    return [month_from_index(i) for i in range(month_index(first), month_index(last) + 1)]


def month_name(month: str) -> str:
    """``2019-04`` as ``April 2019``."""
    return f"{MONTH_NAMES[int(month[5:7]) - 1]} {month[:4]}"


def short_month(month: str) -> str:
    """``2023-10`` as ``Oct 2023`` (chart axes and grid headers)."""
    return f"{MONTH_NAMES[int(month[5:7]) - 1][:3]} {month[:4]}"


def period_text(period: str) -> str:
    """A report's period label as people read it: ``Oct 2023`` for a month, others unchanged."""
    return short_month(period) if _MONTH.match(period) and len(period) == 7 else period


def financial_year_start(month: str) -> int:
    """The calendar year in which the month's financial year starts (April)."""
    year, mon = int(month[:4]), int(month[5:7])
    return year if mon >= 4 else year - 1


def financial_year(month: str) -> str:
    """``2024-01`` -> ``2023/24``."""
    start = financial_year_start(month)
    return f"{start}/{(start + 1) % 100:02d}"


def fy_quarter(month: str) -> str:
    """``2024-01`` -> ``2023/24 Q4`` (Q1 = April–June)."""
    quarter = (int(month[5:7]) - 4) % 12 // 3 + 1
    return f"{financial_year(month)} Q{quarter}"


def period_label(month: str, kind: str) -> str:
    """The export label of the period of ``kind`` that contains ``month``."""
    if kind == "month":
        return month
    if kind == "quarter":
        return fy_quarter(month)
    if kind == "year":
        return financial_year(month)
    if kind == "ytd":
        return f"{month} YTD"
    raise ValueError(f"unknown period kind {kind!r}")


def period_start(month: str, kind: str) -> str:
    """The first month of the period of ``kind`` that contains ``month``."""
    if kind == "quarter":
        return add_months(month, -((int(month[5:7]) - 4) % 3))
    if kind == "year":
        return f"{financial_year_start(month):04d}-04"
    if kind in ("month", "ytd"):
        return month
    raise ValueError(f"unknown period kind {kind!r}")


def period_labels(months: pd.Series, kind: str) -> pd.Series:
    """Vectorised :func:`period_label` over a series of months."""
    uniques = {m: period_label(m, kind) for m in months.unique()}
    return months.map(uniques)
