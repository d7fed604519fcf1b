"""Ofsted's Annex A workbook: lists recognised by sheet name, columns by name with the known
variants between years, each list read and checked record by record.

Sheets are ``List 1`` ... ``List 11`` (or ``List_1``...); a column matches whatever its case,
spaces (trailing, non-breaking) and apostrophes (straight or curly). Only the lists figures come
from are read (1, 3, 4, 5, 7 and 8); problems are named ``FILE[List 3]:ROW:COLUMN``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from data.casefiles.common import columns_by_name, date_column, duplicate_rows, normalise
from data.casefiles.workbook import read_sheets, sheet_names
from data.problems import InvalidInput, Problem
from data.readers import RawTable
from data.validate import Checker

_LIST = re.compile(r"list(\d{1,2})")
CHILD = ("Child Unique ID", "Child ID", "Unique ID")
TEAM = ("Allocated Team",)

# list number -> canonical column -> (variants, is a date, must not be empty)
Spec = dict[str, tuple[tuple[str, ...], bool, bool]]
LISTS: dict[int, Spec] = {
    1: {"child": (CHILD, False, True), "contact_date": (("Date of Contact", "Contact Date"), True, True)},
    3: {
        "child": (CHILD, False, True),
        "referral_date": (("Date of Referral", "Referral Date"), True, True),
        "referrals_12m": (
            (
                "Number of Referrals in Last 12 Months",
                "Number of Referrals in the Last 12 Months",
                "Number of Previous Referrals in Last 12 Months",
            ),
            False,
            False,
        ),
    },
    4: {
        "child": (CHILD, False, True),
        "start_date": (
            ("Continuous Assessment Start Date", "Assessment Start Date", "Date of Assessment Start"),
            True,
            True,
        ),
        "authorised_date": (
            (
                "Continuous Assessment Date of Authorisation",
                "Assessment Date of Authorisation",
                "Date of Authorisation",
                "Assessment Authorisation Date",
            ),
            True,
            False,
        ),
    },
    5: {
        "child": (CHILD, False, True),
        "strategy_date": (
            (
                "Strategy discussion initiating Section 47 Enquiry Start Date",
                "Section 47 Enquiry Start Date",
                "Strategy Discussion Date",
                "Date of Strategy Discussion",
            ),
            True,
            True,
        ),
        "icpc_date": (
            ("Date of Initial Child Protection Conference", "Date of ICPC", "ICPC Date"),
            True,
            False,
        ),
    },
    7: {
        "child": (CHILD, False, True),
        "plan_start": (("Child Protection Plan Start Date",), True, True),
        "plan_end": (("Child Protection Plan End Date",), True, False),
        "last_visit": (("Date of the Last Statutory Visit", "Date of Last Statutory Visit"), True, False),
    },
    8: {
        "child": (CHILD, False, True),
        "lac_start": (("Date Started to be Looked After",), True, True),
        "lac_end": (("Date Ceased to be Looked After",), True, False),
        "last_visit": (("Date of Last Social Work Visit",), True, False),
        "placement_start": (("Start Date of Most Recent Placement",), True, False),
        "placement_type": (("Placement Type",), False, False),
    },
}
OPTIONAL = {"referrals_12m", "last_visit", "placement_start", "placement_type"}
# the dates that put a row in a list of events in the extract's period (its start); the other
# dates of the lists (visits, reviews, plan ends) only say how late the extract runs
PERIOD_STARTS = {1: ("contact_date",), 3: ("referral_date",), 4: ("authorised_date",), 5: ("strategy_date",)}
PERIOD_ENDS = {**PERIOD_STARTS, 5: ("strategy_date", "icpc_date"), 7: ("plan_end", "last_visit"),
               8: ("lac_end", "last_visit")}  # fmt: skip


def list_number(sheet: str) -> int | None:
    match = _LIST.fullmatch(normalise(sheet))
    return int(match[1]) if match and 1 <= int(match[1]) <= 11 else None


def is_annex_a(path: Path) -> bool:
    return any(list_number(name) for name in sheet_names(path))


@dataclass(frozen=True)
class AnnexList:
    """One checked list: canonical columns (dates parsed, ``team`` as written), row numbers."""

    number: int
    sheet: str
    source: str
    frame: pd.DataFrame
    rows: pd.Series
    team_column: str | None


def read_annex_a(path: Path, source: str) -> tuple[dict[int, AnnexList], list[str]]:
    """The lists figures come from, checked; notes on lists absent. Raises InvalidInput."""
    tables = read_sheets(path, source, lambda name: list_number(name) in LISTS)
    problems: list[Problem] = []
    lists: dict[int, AnnexList] = {}
    for sheet, table in tables.items():
        number = list_number(sheet)
        assert number is not None
        found, list_problems = _check_list(number, sheet, table)
        problems.extend(list_problems)
        if found is not None:
            lists[number] = found
    if problems:
        raise InvalidInput(problems)
    absent = [f"List {n}" for n in LISTS if n not in lists]
    notes = [f"not in the workbook: {', '.join(absent)} (their figures are not derived)"] if absent else []
    return lists, notes


def _check_list(number: int, sheet: str, table: RawTable) -> tuple[AnnexList | None, list[Problem]]:
    spec = LISTS[number]
    wanted = {name: variants for name, (variants, _, _) in spec.items()}
    columns = columns_by_name(table, {**wanted, "team": TEAM})
    missing = [
        Problem(table.source, 1, variants[0], f"missing column {variants[0]!r}")
        for name, (variants, _, _) in spec.items()
        if name not in columns and name not in OPTIONAL
    ]
    if missing:
        return None, missing
    check = Checker(table)
    frame = pd.DataFrame(index=table.frame.index)
    for name, (_, is_date, required) in spec.items():
        if name not in columns:
            frame[name] = pd.Series(pd.NaT if is_date else "", index=table.frame.index)
            continue
        column = columns[name]
        if required:
            check.flag(check.cells(column) == "", column, f"empty cell: {column} is required")
        frame[name] = date_column(check, column, iso_too=True) if is_date else check.cells(column)
    frame["team"] = check.cells(columns["team"]) if "team" in columns else ""
    _order(
        check,
        frame,
        columns,
        "start_date",
        "authorised_date",
        "the assessment is authorised",
        "before it starts",
    )
    _order(
        check,
        frame,
        columns,
        "strategy_date",
        "icpc_date",
        "the conference is",
        "before the strategy discussion",
    )
    _order(check, frame, columns, "plan_start", "plan_end", "the plan ends", "before it starts")
    _order(
        check,
        frame,
        columns,
        "lac_start",
        "lac_end",
        "the child ceased to be looked after",
        "before starting",
    )
    duplicate_rows(check)
    found = AnnexList(number, sheet, table.source, frame, table.rows, columns.get("team"))
    return found, check.problems


def _order(check: Checker, frame: pd.DataFrame, columns: dict[str, str], first: str, then: str,
           what: str, how: str) -> None:  # fmt: skip
    """A later event dated before the earlier one (an assessment authorised before it started)."""
    if first not in columns or then not in columns:
        return
    wrong = frame[then].notna() & frame[first].notna() & (frame[then] < frame[first])
    day = "%d/%m/%Y"
    messages = (
        f"{what} ("
        + frame[then].dt.strftime(day).fillna("")
        + f") {how} ("
        + frame[first].dt.strftime(day).fillna("")
        + ")"
    )
    check.flag(wrong, columns[then], messages)


def extract_period(lists: dict[int, AnnexList]) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The extract's period: from the earliest date that puts a row in an event list (contact,
    referral, assessment authorisation, strategy discussion) to the latest event date in any
    list (also visits, conferences, plan and care endings); never dates of birth."""
    starts = [lists[n].frame[c] for n, cols in PERIOD_STARTS.items() if n in lists for c in cols]
    ends = [lists[n].frame[c] for n, cols in PERIOD_ENDS.items() if n in lists for c in cols]
    first = pd.concat(starts).min() if starts else None
    last = pd.concat(ends).max() if ends else None
    return (None if pd.isna(first) else first), (None if pd.isna(last) else last)
