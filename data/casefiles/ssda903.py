"""The SSDA903 return's CSV tables: recognised by their header, read and checked record by record.

A table is recognised when its header holds the table's identifying columns (names compared
case- and space-insensitively); other columns are kept and ignored, as the return's layout
gains columns between years. Dates are ``DD/MM/YYYY``. The checks follow the DfE validator's
spirit: a date that is not a date, an empty required cell, an episode ending before it starts,
overlapping episodes of one child, a child in ``episodes`` missing from ``header``, a duplicate
row. Child identifiers appear in messages only, so that an officer can correct the source.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from data.casefiles.common import date_column, duplicate_rows, normalise
from data.problems import Problem
from data.readers import read_table
from data.validate import Checker

# table -> (identifying columns, date columns, columns that must not be empty)
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "header": (("CHILD", "SEX", "DOB", "ETHNIC", "UPN"), ("DOB", "MC_DOB"), ("CHILD",)),
    "episodes": (
        ("CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC", "REC"),
        ("DECOM", "DEC"),
        ("CHILD", "DECOM", "RNE", "LS", "PLACE"),
    ),
    "reviews": (("CHILD", "DOB", "REVIEW", "REVIEW_CODE"), ("DOB", "REVIEW"), ("CHILD", "REVIEW")),
    "oc2": (("CHILD", "DOB", "SDQ_SCORE", "HEALTH_CHECK"), ("DOB",), ("CHILD",)),
    "oc3": (("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"), ("DOB",), ("CHILD",)),
    "uasc": (("CHILD", "SEX", "DOB", "DUC"), ("DOB", "DUC"), ("CHILD",)),
    "missing": (("CHILD", "DOB", "MISSING", "MIS_START"), ("DOB", "MIS_START", "MIS_END"), ("CHILD",)),
    "ad1": (("CHILD", "DOB", "DATE_INT", "DATE_MATCH"), ("DOB", "DATE_INT", "DATE_MATCH"), ("CHILD",)),
    "placed_for_adoption": (
        ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED"),
        ("DOB", "DATE_PLACED", "DATE_PLACED_CEASED"),
        ("CHILD",),
    ),
    "previous_permanence": (("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"), ("DOB",), ("CHILD",)),
    "sw_episodes": (("CHILD", "DOB", "SW_ID", "SW_DECOM"), ("DOB", "SW_DECOM", "SW_DEC"), ("CHILD",)),
}
USED = ("header", "episodes", "reviews", "oc2", "oc3", "missing")  # the tables figures come from


def table_kind(header: list[str]) -> str | None:
    """The SSDA903 table a header belongs to (the one whose identifying columns it has, the most
    specific first), or None."""
    names = {normalise(h) for h in header}
    matches = [k for k, (ids, _, _) in TABLES.items() if {normalise(c) for c in ids} <= names]
    return max(matches, key=lambda k: len(TABLES[k][0])) if matches else None


@dataclass(frozen=True)
class Table:
    """One checked table: the file, its kind, its rows (canonical upper-case column names, dates
    parsed) and the spreadsheet row of each."""

    path: Path
    kind: str
    frame: pd.DataFrame
    rows: pd.Series
    source: str
    columns: dict[str, str]  # canonical name -> as the file spells it


def read_903(path: Path, kind: str) -> tuple[Table, list[Problem]]:
    """Read and check one table (everything but the checks across tables)."""
    raw = read_table(path)
    spelt = {normalise(h): h.strip() for h in raw.header}
    # problems name the columns as the file spells them
    raw = replace(raw, frame=raw.frame.set_axis([h.strip() for h in raw.header], axis=1))
    check = Checker(raw)
    ids, date_columns, required = TABLES[kind]
    canonical = {}
    for name in {*ids, *date_columns, *required, *_wanted(kind)}:
        if normalise(name) in spelt:
            canonical[name] = spelt[normalise(name)]
    for name in required:
        column = canonical[name]
        check.flag(check.cells(column) == "", column, f"empty cell: {name} is required")
    frame = pd.DataFrame(index=raw.frame.index)
    for name, column in canonical.items():
        if name in date_columns:
            frame[name] = date_column(check, column, iso_too=False)
        else:
            frame[name] = check.cells(column)
    duplicate_rows(check)
    table = Table(path, kind, frame, raw.rows, raw.source, canonical)
    if kind == "episodes":
        _episode_checks(check, table, canonical)
    return table, check.problems


def _wanted(kind: str) -> tuple[str, ...]:
    """Columns the definitions use beyond the identifying ones."""
    return {
        "episodes": ("CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC", "REC"),
        "oc2": ("HEALTH_CHECK",),
        "oc3": ("IN_TOUCH", "ACTIV", "ACCOM"),
        "missing": ("MISSING", "MIS_START"),
    }.get(kind, ())


def _day(value: pd.Timestamp) -> str:
    return value.strftime("%d/%m/%Y")


def _episode_checks(check: Checker, table: Table, columns: dict[str, str]) -> None:
    frame = table.frame
    backwards = frame["DEC"].notna() & frame["DECOM"].notna() & (frame["DEC"] < frame["DECOM"])
    check.flag(
        backwards,
        columns["DEC"],
        pd.Series(
            "the episode ends (DEC " + frame["DEC"].dt.strftime("%d/%m/%Y").fillna("")
            + ") before it starts (DECOM " + frame["DECOM"].dt.strftime("%d/%m/%Y").fillna("") + ")",
            index=frame.index,
        ),
    )  # fmt: skip
    known = frame[frame["DECOM"].notna() & (frame["CHILD"] != "")]
    ordered = known.assign(_row=table.rows[known.index]).sort_values(
        ["CHILD", "DECOM", "_row"], kind="stable"
    )
    same_child = ordered["CHILD"].eq(ordered["CHILD"].shift(-1))
    next_start = ordered["DECOM"].shift(-1)
    next_row = ordered["_row"].shift(-1)
    open_ = same_child & ordered["DEC"].isna()
    late = same_child & ordered["DEC"].notna() & (ordered["DEC"] > next_start)
    messages = pd.Series("", index=ordered.index)
    for index in ordered.index[open_ | late]:
        child = str(ordered.at[index, "CHILD"])
        later = f"row {int(next_row[index])}, DECOM {_day(next_start[index])}"
        if open_[index]:
            messages[index] = (
                f"child {child}: the episode has no end date (DEC) but the child has a later episode "
                f"({later}): episodes of one child cannot overlap"
            )
        else:
            messages[index] = (
                f"child {child}: the episode ends {_day(ordered['DEC'][index])}, after the child's next "
                f"episode starts ({later}): episodes of one child cannot overlap"
            )
    check.flag(
        (open_ | late).reindex(frame.index, fill_value=False), columns["DEC"], messages.reindex(frame.index)
    )


def children_in_header(episodes: Table, header: Table) -> list[Problem]:
    """Each child in episodes who is not in header: one problem, at the child's first row."""
    missing = ~episodes.frame["CHILD"].isin(set(header.frame["CHILD"])) & (episodes.frame["CHILD"] != "")
    first = missing & ~episodes.frame["CHILD"].duplicated()
    column = episodes.columns["CHILD"]
    return [
        Problem(
            episodes.source,
            int(episodes.rows[i]),
            column,
            f"child {episodes.frame['CHILD'][i]} is not in the header table ({header.path.name}): "
            "every child in episodes must be in header",
        )
        for i in episodes.frame.index[first]
    ]
