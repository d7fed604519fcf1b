"""One way to ask for report rows: a query parsed once from a mapping, the same rules everywhere.

The page's URL query, ``/api/figures.csv`` and ``python -m data export`` all give a mapping of
parameter names to text (a list where a parameter may repeat); :func:`parse_query` checks every
value, collects every problem as a :class:`QueryProblem` record (parameter, reason code, value,
message, as pandera and frictionless report validation) and raises :class:`InvalidQuery` with all
of them, or returns a :class:`~metrics.report.ReportQuery`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from metrics.catalogue import Catalogue
from metrics.errors import UserError
from metrics.periods import PERIOD_KINDS
from metrics.report import ReportQuery

QUERY_PARAMS = ("kpi", "org", "from", "to", "period")
MAX_VALUES = 200
MAX_CODE = 64  # the longest KPI or org unit code the database holds
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$", re.ASCII)


class Reason(StrEnum):
    """Why a parameter was refused."""

    UNKNOWN_PARAMETER = "unknown_parameter"
    UNKNOWN_KPI = "unknown_kpi"
    BAD_MONTH = "bad_month"
    MONTH_OUT_OF_RANGE = "month_out_of_range"
    BAD_PERIOD = "bad_period"
    FROM_AFTER_TO = "from_after_to"
    TOO_MANY = "too_many"
    TOO_LONG = "too_long"
    ONE_ONLY = "one_only"


@dataclass(frozen=True)
class QueryProblem:
    """One thing wrong with one parameter of a query."""

    parameter: str
    reason: Reason
    value: str
    message: str

    def __str__(self) -> str:
        return f"{self.parameter}: {self.message}"


class InvalidQuery(UserError):
    """A query with problems; carries every one, in parameter order."""

    def __init__(self, problems: list[QueryProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def parse_month_param(name: str, raw: str) -> tuple[str | None, QueryProblem | None]:
    """A month written ``YYYY-MM`` (ASCII digits only), from 1900-01 to 9999-12."""
    shown = raw[:20]
    match = _MONTH.match(raw.strip())
    if not match:
        return None, QueryProblem(
            name, Reason.BAD_MONTH, shown, f"must be a month written YYYY-MM, not {shown!r}"
        )
    year, month = int(match[1]), int(match[2])
    if not (1 <= month <= 12 and year >= 1900):
        return None, QueryProblem(
            name,
            Reason.MONTH_OUT_OF_RANGE,
            shown,
            f"{shown!r} is written YYYY-MM but is not a month from 1900-01 on",
        )
    return f"{year:04d}-{month:02d}", None


def values_of(mapping: Mapping[str, str | Iterable[str] | None], name: str) -> list[str]:
    """Every value of ``name``: repeated, or comma-separated, blanks dropped."""
    raw = mapping.get(name)
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    return [v.strip() for item in items for v in str(item).split(",") if v.strip()]


def parse_query(
    mapping: Mapping[str, str | Iterable[str] | None],
    catalogue: Catalogue,
    *,
    allowed: Iterable[str] = QUERY_PARAMS,
    many_orgs: bool = False,
) -> tuple[ReportQuery, tuple[str, ...]]:
    """The query a mapping asks for, and its units (one, or several where ``many_orgs``; empty
    for the authority); :class:`InvalidQuery` with every problem otherwise."""
    problems: list[QueryProblem] = []
    allowed = tuple(allowed)
    for name in mapping:
        if name not in allowed:
            problems.append(
                QueryProblem(
                    str(name)[:40],
                    Reason.UNKNOWN_PARAMETER,
                    str(name)[:40],
                    f"unknown parameter: use {', '.join(allowed)}",
                )
            )
    codes: dict[str, list[str]] = {}
    for name in ("kpi", "org"):
        found = values_of(mapping, name)
        if len(found) > MAX_VALUES:
            problems.append(QueryProblem(name, Reason.TOO_MANY, "", f"at most {MAX_VALUES} values"))
            found = []
        long = [v for v in found if len(v) > MAX_CODE]
        if long:
            problems.append(
                QueryProblem(name, Reason.TOO_LONG, long[0][:20], f"a code is at most {MAX_CODE} characters")
            )
        codes[name] = list(dict.fromkeys(v for v in found if len(v) <= MAX_CODE))
    for code in codes["kpi"]:
        if code not in catalogue:
            problems.append(QueryProblem("kpi", Reason.UNKNOWN_KPI, code, f"unknown KPI code {code!r}"))
    if len(codes["org"]) > 1 and not many_orgs:
        problems.append(QueryProblem("org", Reason.ONE_ONLY, "", "give one org unit code"))
    months: dict[str, str | None] = {}
    for name in ("from", "to"):
        raw = values_of(mapping, name)
        months[name] = None
        if len(raw) > 1:
            problems.append(QueryProblem(name, Reason.ONE_ONLY, "", "give one month"))
        elif raw:
            months[name], problem = parse_month_param(name, raw[0])
            if problem:
                problems.append(problem)
    if months["from"] and months["to"] and months["from"] > months["to"]:
        problems.append(
            QueryProblem(
                "from",
                Reason.FROM_AFTER_TO,
                months["from"],
                f"from {months['from']} is after to {months['to']}",
            )
        )
    period_values = values_of(mapping, "period")
    period = period_values[0] if period_values else "month"
    if len(period_values) > 1 or period not in PERIOD_KINDS:
        problems.append(
            QueryProblem(
                "period", Reason.BAD_PERIOD, period[:20], f"must be one of {', '.join(PERIOD_KINDS)}"
            )
        )
    if problems:
        raise InvalidQuery(problems)
    orgs = tuple(codes["org"])
    query = ReportQuery(
        kpis=tuple(codes["kpi"]) or None,
        org=orgs[0] if len(orgs) == 1 else None,
        start=months["from"],
        end=months["to"],
        period=period,
    )
    return query, orgs
