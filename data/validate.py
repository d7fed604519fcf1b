"""Validation of each kind of input file: every problem at once, nothing written.

Each ``validate_*`` function takes a :class:`~data.readers.RawTable` and returns the clean rows
to write plus the problems found. Checks are vectorised (a million-row file validates in about
a second); messages are built only for the rows that fail.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.actions import validate_actions
from data.export import restore
from data.problems import Problem
from data.readers import RawTable
from metrics.catalogue import Catalogue
from metrics.orgtree import authorities, tree_by_month

ORG_TYPES = ("group", "authority", "service", "team")
CODE_LENGTH = 64  # data.schema: org_units.code
COMPARATOR_LENGTH = 128  # data.schema: benchmarks.comparator
TEXT_LENGTH = 2_000  # commentary, names and notes (docs/data-contract.md): a figure's note, not a book
VALUE_TOLERANCE = 0.1
# Text columns a download writes with a neutralising quote (data.export.neutralise): the loader
# takes the quote off again, so a download loads back unchanged. Numbers and months are never quoted.
TEXT_COLUMNS = ("kpi", "org", "code", "parent", "name", "comparator", "commentary", "note")


@dataclass(frozen=True)
class Kind:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


KINDS = {
    k.name: k
    for k in (
        Kind("orgs", ("code", "name", "parent", "type"), ("from", "closed")),
        Kind(
            "figures",
            ("period", "kpi", "org", "numerator", "denominator", "value"),
            ("commentary", "provenance"),  # provenance: written by `derive`, read and not stored
        ),
        Kind("targets", ("kpi", "from", "target", "tolerance"), ("org",)),
        Kind("benchmarks", ("kpi", "period", "comparator", "value"), ("note", "org")),
        Kind("process_changes", ("kpi", "org", "period", "note")),
        Kind(
            "actions", ("title", "owner", "due", "status", "kpis", "org"), ("starts_process", "description")
        ),
    )
}


@dataclass(frozen=True)
class Context:
    """What validation checks against: the catalogue, the org units stored, and this month."""

    catalogue: Catalogue
    orgs: pd.DataFrame  # code, name, parent, type, from, closed (current versions)
    this_month: str


class Checker:
    """Collects problems for one table; flags are masks over its rows."""

    def __init__(self, table: RawTable) -> None:
        self.table = table
        for column in TEXT_COLUMNS:
            if column in table.frame:
                cells = table.frame[column]
                quoted = cells.str.startswith("'")
                if quoted.any():
                    table.frame[column] = cells.where(~quoted, cells[quoted].map(restore))
        self.problems: list[Problem] = []
        self.bad = pd.Series(False, index=table.frame.index)

    def flag(self, mask: pd.Series, column: str, message: str | Callable[[str], str] | pd.Series) -> None:
        """Report ``message`` (text, a function of the cell's text, or one text per row) where mask."""
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        self.bad |= mask
        hits = mask[mask].index
        frame = self.table.frame
        cells = frame.loc[hits, column].astype(str) if column in frame else pd.Series("", index=hits)
        for index in hits:
            if isinstance(message, str):
                text = message
            elif isinstance(message, pd.Series):
                text = str(message[index])
            else:
                text = message(cells[index])
            self.problems.append(self.table.problem(int(self.table.rows[index]), column, text))

    def cells(self, column: str) -> pd.Series:
        return self.table.frame[column]


def detect_kind(table: RawTable) -> Kind:
    """The kind whose required columns the header matches best."""
    names = set(table.frame.columns)
    return max(KINDS.values(), key=lambda k: (len(names & set(k.required)), -len(set(k.required) - names)))


def check_columns(table: RawTable, kind: Kind) -> list[Problem]:
    """Missing, unknown, duplicated and blank columns (all reported on row 1)."""
    problems = []
    seen: set[str] = set()
    for original, name in zip(table.header, table.frame.columns, strict=True):
        if name == "" or name.startswith("unnamed:"):
            problems.append(table.problem(1, original or "(blank)", "a column has no name"))
        elif name in seen:
            problems.append(table.problem(1, original, f"duplicate column {original!r}"))
        elif name not in kind.columns:
            expected = ", ".join(kind.columns)
            problems.append(
                table.problem(
                    1, original, f"unknown column {original!r} (a {kind.name} file has: {expected})"
                )
            )
        seen.add(name)
    for column in kind.required:
        if column not in seen:
            problems.append(table.problem(1, column, f"missing column {column!r}"))
    return problems


MAX_NUMBER = 1e15  # beyond this a float no longer holds every whole number exactly
_NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_PERCENT = rf"({_NUMBER}) ?%"
SPREADSHEET_ERRORS = {
    "#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!",
    "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
}  # fmt: skip


def parse_numbers(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers from text cells; the mask of non-empty cells that are not finite numbers below
    :data:`MAX_NUMBER` (``1e308`` is a number, but not a figure anyone measured)."""
    present = cells != ""
    numbers = pd.to_numeric(cells.where(present), errors="coerce").astype(float)
    bad = present & ~(np.isfinite(numbers) & (numbers.abs() < MAX_NUMBER))
    return numbers.where(~bad), bad


def number_problem(text: str) -> str:
    """Why a non-empty cell is not a usable number, and what to do about it."""
    cell = repr(text)
    if text.upper() in SPREADSHEET_ERRORS:
        return f"{cell} is a spreadsheet error, not a number: correct the formula, or leave the cell empty"
    if text.startswith("="):
        return f"{cell} is a formula, not a number: save the file with the formula's result"
    if re.fullmatch(_NUMBER, text):
        return f"{cell} is too large: numbers must be less than 1,000,000,000,000,000"
    if re.fullmatch(_PERCENT, text):
        return f"{cell} is not a number: leave out the % sign"
    if re.fullmatch(r"[+-]?[0-9][0-9,. \u00a0\u202f]*[0-9]", text):
        return (
            f"{cell} is not a number: write it without thousands separators and with a full stop "
            "for decimals (1234.5, not 1,234.5)"
        )
    return f"{cell} is not a number"


def month_problem(text: str) -> str:
    """Why a non-empty cell is not a month, and what to do about it."""
    if re.fullmatch(r"[0-9]{5}(\.[0-9]+)?", text):
        return (
            f"{text!r} is not a month (YYYY-MM): it looks like a date saved as a number (an Excel "
            "date serial); write the month as YYYY-MM"
        )
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}(-[0-9]{2})?", text):
        return (
            f"{text!r} is in the form YYYY-MM but out of range: the year must be 1900 or later, "
            "the month 01 to 12, and a date's day must exist"
        )
    return f"{text!r} is not a month (YYYY-MM)"


def parse_months(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``YYYY-MM`` (or ``YYYY-MM-DD``) cells as ``YYYY-MM``; the mask of bad non-empty cells."""
    shape = cells.str.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])(-[0-9]{2})?")
    is_date = cells.str.len() == 10
    dates = pd.to_datetime(cells.where(shape & is_date), format="%Y-%m-%d", errors="coerce")
    good = shape & (~is_date | dates.notna()) & (cells.str[:4] >= "1900")
    return cells.str[:7].where(good, ""), (cells != "") & ~good


def _required(check: Checker, column: str, mask: pd.Series | None = None, why: str = "") -> None:
    empty = check.cells(column) == ""
    if mask is not None:
        empty &= mask
    check.flag(empty, column, f"empty cell: {column} is required{why}")


def _month_column(check: Checker, column: str, context: Context, *, future_ok: bool = False) -> pd.Series:
    months, bad = parse_months(check.cells(column))
    check.flag(bad, column, month_problem)
    dated = ~bad & (check.cells(column).str.len() == 10)
    excel_dates = any(n.startswith("Excel date cells were read") for n in check.table.notes)
    if dated.any() and not excel_dates:
        note = f"{column}: dates were read as their month (2024-06-15 as 2024-06)"
        if note not in check.table.notes:
            check.table.notes.append(note)
    if not future_ok:
        check.flag(months > context.this_month, column, lambda v: f"{v} is in the future")
    return months


def _number_column(check: Checker, column: str, percent: pd.Series | None = None) -> pd.Series:
    """Numbers of a column; where ``percent`` (a percentage KPI's value), ``85%`` means 85."""
    cells = check.cells(column)
    if percent is not None:
        signed = percent & cells.str.endswith("%")
        signed &= cells.where(signed, "").str.fullmatch(_PERCENT)
        if signed.any():
            cells = cells.where(~signed, cells.str.removesuffix("%").str.rstrip())
            note = f"{column}: percentages written with a % sign were read as numbers (85% as 85)"
            if note not in check.table.notes:
                check.table.notes.append(note)
    numbers, bad = parse_numbers(cells)
    formatted = WORKBOOK_PERCENT_NOTE in check.table.notes  # a workbook's percentage cells
    check.flag(bad, column, _workbook_number_problem if formatted else number_problem)
    return numbers


WORKBOOK_PERCENT_NOTE = "cells formatted as percentages were read as the percentages shown (0.8 as 80%)"


def _workbook_number_problem(text: str) -> str:
    """In a workbook a ``180%`` was a number in a cell formatted as a percentage: nobody typed a
    % sign, so the advice is about the cell's format."""
    if re.fullmatch(_PERCENT, text):
        return (
            f"{text!r} is a cell formatted as a percentage, but this column takes a plain number: "
            "format the cell as a number (Format Cells > Number) and enter the figure itself"
        )
    return number_problem(text)


def _max_length(check: Checker, column: str, limit: int) -> None:
    """Codes and names the schema keys on have a length limit (PostgreSQL enforces it)."""
    check.flag(check.cells(column).str.len() > limit, column, f"too long: at most {limit} characters")


def _known(check: Checker, column: str, known: set[str], what: str, also: tuple[str, ...] = ()) -> None:
    cells = check.cells(column)
    check.flag((cells != "") & ~cells.isin(known | set(also)), column, lambda v: f"unknown {what} {v!r}")


def _duplicates(check: Checker, keys: pd.DataFrame, what: str, column: str) -> None:
    dup = keys.duplicated(keep=False)
    if not dup.any():
        return
    rows = check.table.rows
    first = rows[dup].groupby([keys.loc[dup, c] for c in keys.columns]).transform("min").reindex(rows.index)
    repeat = dup & (rows != first)
    messages = "duplicate of row " + first.fillna(0).astype(int).astype(str) + f" (same {what})"
    check.flag(repeat, column, messages)


def validate_figures(table: RawTable, context: Context) -> tuple[pd.DataFrame, list[Problem]]:
    """Figures rows ready to write (period, kpi, org, numerator, denominator, value, commentary)."""
    check = Checker(table)
    catalogue = context.catalogue
    for column in ("period", "kpi", "org"):
        _required(check, column)
    months = _month_column(check, "period", context)
    _known(check, "kpi", set(catalogue.by_code), "KPI code")
    _known(check, "org", set(context.orgs["code"]), "org unit")
    kpi = check.cells("kpi")
    unit = kpi.map({k.code: k.unit for k in catalogue}).fillna("")
    numerator = _number_column(check, "numerator")
    denominator = _number_column(check, "denominator")
    value = _number_column(check, "value", percent=unit == "percent")
    ratio = unit.isin(["percent", "rate", "average", "days", "weeks"])
    count = unit == "count"
    for column in ("numerator", "denominator"):
        _required(check, column, ratio, " for a ratio KPI")
        check.flag(
            count & (check.cells(column) != ""),
            column,
            f"must be empty for a count KPI ({column} is not used)",
        )
        check.flag(
            ratio & (numerator if column == "numerator" else denominator).lt(0),
            column,
            lambda v: f"cannot be negative: {v}",
        )
    _required(check, "value", count, " for a count KPI")
    check.flag(count & value.lt(0), "value", lambda v: f"a count cannot be negative: {v}")
    check.flag(
        count & value.ge(0) & (value % 1 != 0), "value", lambda v: f"a count must be a whole number: {v}"
    )
    check.flag(ratio & denominator.eq(0), "denominator", "a denominator must be greater than 0")
    over = (unit == "percent") & (numerator > denominator)
    check.flag(over, "numerator", lambda v: f"numerator {v} is greater than its denominator")
    factor = kpi.map({k.code: k.factor for k in catalogue}).astype(float)
    computed = factor * numerator / denominator.where(denominator > 0)
    disagree = ratio & value.notna() & computed.notna() & ((value - computed).abs() > VALUE_TOLERANCE)
    shown = computed.map(lambda x: _fmt(x) if pd.notna(x) else "")
    messages = "value " + check.cells("value") + " disagrees with numerator/denominator (" + shown + ")"
    check.flag(disagree, "value", messages)
    _closed_units(check, months, context)
    _duplicates(
        check, pd.DataFrame({"p": months, "k": kpi, "o": check.cells("org")}), "period, kpi and org", "period"
    )
    if "commentary" in table.frame:
        _max_length(check, "commentary", TEXT_LENGTH)
    commentary = (
        table.frame["commentary"] if "commentary" in table.frame else pd.Series("", index=table.frame.index)
    )
    clean = pd.DataFrame(
        {
            "period": months,
            "kpi": kpi,
            "org": check.cells("org"),
            "numerator": numerator.where(ratio),
            "denominator": denominator.where(ratio),
            "value": value,
            "commentary": commentary.where(commentary != "", None),
        }
    )
    if "commentary" not in table.frame:
        clean.attrs["keep_commentary"] = True
    return clean[~check.bad], check.problems


def _fmt(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".")


def _closed_units(check: Checker, months: pd.Series, context: Context) -> None:
    """Figures for a month when the unit was not open (before its first version or after closing)."""
    known = months != ""
    if not known.any() or context.orgs.empty:
        return
    pairs = pd.DataFrame({"org": check.cells("org"), "period": months})[known].drop_duplicates()
    tree = tree_by_month(context.orgs, sorted(pairs["period"].unique()))
    open_pairs = pd.MultiIndex.from_frame(tree[["org", "period"]])
    cells = pd.MultiIndex.from_arrays([check.cells("org"), months])
    closed = known & check.cells("org").isin(set(context.orgs["code"])) & ~cells.isin(open_pairs)
    check.flag(closed, "org", lambda v: f"org unit {v!r} was not open in that month")


def validate_targets(table: RawTable, context: Context) -> tuple[pd.DataFrame, list[Problem]]:
    check = Checker(table)
    for column in ("kpi", "from", "target", "tolerance"):
        _required(check, column)
    _known(check, "kpi", set(context.catalogue.by_code), "KPI code")
    polarity = check.cells("kpi").map({k.code: k.polarity for k in context.catalogue})
    check.flag(
        polarity == "none", "kpi", lambda v: f"{v} is a context measure (no polarity): it takes no target"
    )
    months = _month_column(check, "from", context, future_ok=True)
    target = _number_column(check, "target")
    tolerance = _number_column(check, "tolerance")
    check.flag(tolerance.lt(0), "tolerance", lambda v: f"a tolerance cannot be negative: {v}")
    org = table.frame["org"] if "org" in table.frame else pd.Series("", index=table.frame.index)
    if "org" in table.frame:
        _known(check, "org", set(context.orgs["code"]), "org unit")
    _duplicates(
        check, pd.DataFrame({"k": check.cells("kpi"), "o": org, "f": months}), "kpi, org and from", "from"
    )
    clean = pd.DataFrame(
        {
            "kpi": check.cells("kpi"),
            "org": org,
            "valid_from": months,
            "target": target,
            "tolerance": tolerance,
        }
    )
    return clean[~check.bad], check.problems


def _authority_column(check: Checker, column: str, context: Context) -> None:
    """Cells naming a unit that is not an authority (empty cells pass: every authority)."""
    cells = check.cells(column)
    known = set(context.orgs["code"])
    heads = set(authorities(context.orgs))
    kinds = dict(zip(context.orgs["code"], context.orgs["type"], strict=True))
    check.flag((cells != "") & ~cells.isin(known), column, lambda v: f"unknown org unit {v!r}")
    check.flag(
        cells.isin(known) & ~cells.isin(heads),
        column,
        lambda v: (
            f"{v!r} is a {kinds.get(v) or 'unit'}, not an authority: a benchmark belongs to an "
            "authority (or, with org empty, to every authority)"
        ),
    )


def validate_benchmarks(table: RawTable, context: Context) -> tuple[pd.DataFrame, list[Problem]]:
    check = Checker(table)
    for column in ("kpi", "period", "comparator", "value"):
        _required(check, column)
    _max_length(check, "comparator", COMPARATOR_LENGTH)
    _known(check, "kpi", set(context.catalogue.by_code), "KPI code")
    if "note" in table.frame:
        _max_length(check, "note", TEXT_LENGTH)
    months = _month_column(check, "period", context)
    value = _number_column(check, "value")
    # org (optional): the authority a comparator is for; empty, every authority
    org = check.cells("org") if "org" in table.frame else pd.Series("", index=table.frame.index)
    if "org" in table.frame:
        _authority_column(check, "org", context)
    keys = pd.DataFrame({"k": check.cells("kpi"), "p": months, "c": check.cells("comparator"), "o": org})
    what = "kpi, period, comparator and org" if "org" in table.frame else "kpi, period and comparator"
    _duplicates(check, keys, what, "comparator")
    note = table.frame["note"] if "note" in table.frame else pd.Series("", index=table.frame.index)
    clean = pd.DataFrame(
        {
            "kpi": check.cells("kpi"),
            "period": months,
            "comparator": check.cells("comparator"),
            "org": org,
            "value": value,
            "symbol": None,
            "note": note.where(note != "", None),
        }
    )
    return clean[~check.bad], check.problems


def validate_process_changes(table: RawTable, context: Context) -> tuple[pd.DataFrame, list[Problem]]:
    check = Checker(table)
    for column in ("kpi", "org", "period", "note"):
        _required(check, column)
    _max_length(check, "note", TEXT_LENGTH)
    _known(check, "kpi", set(context.catalogue.by_code), "KPI code", also=("*",))
    _known(check, "org", set(context.orgs["code"]), "org unit")
    months = _month_column(check, "period", context, future_ok=True)
    keys = pd.DataFrame({"k": check.cells("kpi"), "o": check.cells("org"), "p": months})
    _duplicates(check, keys, "kpi, org and period", "period")
    clean = pd.DataFrame(
        {"kpi": check.cells("kpi"), "org": check.cells("org"), "period": months, "note": check.cells("note")}
    )
    return clean[~check.bad], check.problems


def validate_orgs(table: RawTable, context: Context) -> tuple[pd.DataFrame, list[Problem]]:
    """Org unit versions; the tree they make with the stored units must have one root, no cycle."""
    check = Checker(table)
    for column in ("code", "name", "type"):
        _required(check, column)
    _max_length(check, "code", CODE_LENGTH)
    _max_length(check, "name", TEXT_LENGTH)
    check.flag(
        (check.cells("type") != "") & ~check.cells("type").isin(ORG_TYPES),
        "type",
        lambda v: f"unknown type {v!r} (expected one of: {', '.join(ORG_TYPES)})",
    )
    blank = pd.Series("", index=table.frame.index)
    starts = _month_column(check, "from", context, future_ok=True) if "from" in table.frame else blank
    closed = _month_column(check, "closed", context, future_ok=True) if "closed" in table.frame else blank
    check.flag(check.cells("parent") == check.cells("code"), "parent", "a unit cannot be its own parent")
    _duplicates(check, pd.DataFrame({"c": check.cells("code"), "f": starts}), "code and from", "code")
    clean = pd.DataFrame(
        {
            "code": check.cells("code"),
            "valid_from": starts,
            "name": check.cells("name"),
            "parent": check.cells("parent"),
            "type": check.cells("type"),
            "closed": closed,
        }
    )
    stored = context.orgs.rename(columns={"from": "valid_from"})
    merged = pd.concat([stored, clean[~check.bad]], ignore_index=True)
    merged = merged.drop_duplicates(["code", "valid_from"], keep="last")
    known_codes = set(merged["code"])
    check.flag(
        (check.cells("parent") != "") & ~check.cells("parent").isin(known_codes),
        "parent",
        lambda v: f"unknown parent {v!r}",
    )
    _tree_shape(check, merged.rename(columns={"valid_from": "from"}))
    return clean[~check.bad], check.problems


def _tree_shape(check: Checker, versions: pd.DataFrame) -> None:
    """One root (an authority, or a group above authorities) or several authority roots; groups
    only at the top, with only authorities under them; no cycle, in every month where the
    structure changes."""
    codes = check.cells("code")
    latest = versions.sort_values("from").drop_duplicates("code", keep="last")
    type_of = dict(zip(latest["code"], latest["type"], strict=True))
    roots = versions.loc[versions["parent"] == "", "code"].unique()
    several_authorities = all(type_of.get(r) == "authority" for r in roots)
    if len(roots) > 1 and not several_authorities:
        first = next((r for r in roots if r not in set(codes)), roots[0])
        extra = codes.isin(set(roots) - {first}) & (check.cells("parent") == "")
        check.flag(
            extra, "parent", lambda v: f"a second root (the root is {first!r}): give this unit a parent"
        )
    elif len(roots) == 0 and len(versions):
        check.flag(
            codes == codes.iloc[0], "parent", "no root: exactly one unit (the authority) has no parent"
        )
    kinds, parents = check.cells("type"), check.cells("parent")
    parent_kind = parents.map(lambda p: type_of.get(p, ""))
    check.flag(
        (kinds == "group") & (parents != ""),
        "parent",
        "a group is the top of the tree: leave its parent empty",
    )
    check.flag(
        (parent_kind == "group") & (kinds != "authority") & (kinds != ""),
        "type",
        lambda v: f"only an authority can sit under a group, not a {v}",
    )
    check.flag(
        (kinds == "authority") & (parents != "") & (parent_kind != "group"),
        "parent",
        lambda v: f"an authority sits at the top of the tree or under a group, not under {v!r}",
    )
    for month in sorted({m for m in versions["from"] if m}) or ["0000-01"]:
        current = versions[versions["from"].le(month) | (versions["from"] == "")]
        current = current.sort_values("from").drop_duplicates("code", keep="last")
        parent = dict(zip(current["code"], current["parent"], strict=True))
        for code in parent:
            seen = [code]
            step = parent.get(code, "")
            while step and step in parent and step not in seen:
                seen.append(step)
                step = parent[step]
            if step == code:
                path = " → ".join([*seen, code])
                check.flag(codes == code, "parent", f"org units form a cycle: {path}")


VALIDATORS: dict[str, Callable[[RawTable, Context], tuple[pd.DataFrame, list[Problem]]]] = {
    "orgs": validate_orgs,
    "figures": validate_figures,
    "targets": validate_targets,
    "benchmarks": validate_benchmarks,
    "process_changes": validate_process_changes,
    "actions": validate_actions,
}
