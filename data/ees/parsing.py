"""Recognising and checking an EES open-data file: its header, geography and indicator cells.

A file is an EES file when its header has ``time_period``, ``time_identifier`` and
``geographic_level``; the mapping entries whose columns it has say which KPIs it gives. Files
are read by the project's one reader (:func:`data.readers.read_table`), so an EES file is
decoded, and its rows numbered, exactly as every other file is. Problems with a file are
:class:`EesProblem` records (row as a spreadsheet shows it, header = row 1).

Also the 0-17 population a file provides, for rates per 10,000 children.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from data.ees.mapping import (
    EesEntry,
    EesMapping,
    MappingError,
    MappingProblem,
    PopulationSource,
    _norm,
    _unique,
    load_mapping,
)
from data.readers import RawTable, read_table

SYMBOLS = {
    "c": "suppressed to protect confidentiality",
    "u": "low reliability",
    "x": "not available",
    "z": "not applicable",
    "low": "rounds to zero, but is not zero",
}
"""EES symbols that may stand in an indicator cell instead of a number, with their meaning."""
EES_COLUMNS = ("time_period", "time_identifier", "geographic_level")
"""Columns every EES open-data file has; a header with all of them is in the EES layout."""
GEOGRAPHY_COLUMNS = (
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "region_code",
    "region_name",
    "old_la_code",
    "new_la_code",
    "la_name",
)
"""Columns this module needs to find England, a region and a local authority in a file."""
NATIONAL = "National"
REGIONAL = "Regional"
LOCAL_AUTHORITY = "Local authority"
LEVELS = {"national": NATIONAL, "regional": REGIONAL, "local authority": LOCAL_AUTHORITY}
"""Geographic levels read; rows at other EES levels (e.g. parliamentary constituency) are skipped."""
OLD_CODE = re.compile(r"^\d{3}$")
_NEW_CODE = re.compile(r"^[EWSN]\d{8}$")
_NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
_YEAR = re.compile(r"^(\d{4})(\d{2})?$")
WHOLE = "-"
"""The column of a problem about a whole row or the whole file (as ``data.problems.WHOLE_FILE``)."""


@dataclass(frozen=True)
class EesProblem:
    """One problem with an EES file: spreadsheet row (header = 1), column (WHOLE: row or file)."""

    row: int
    column: str
    message: str


def is_ees(columns: Iterable[object]) -> bool:
    """True when a header is in the EES open-data layout (time_period, time_identifier, ...)."""
    names = {_norm(c) for c in columns}
    return all(c in names for c in EES_COLUMNS)


def _matches(required: Iterable[str], names: set[str]) -> bool:
    return all(_norm(c) in names for c in required)


def ees_entries(columns: Iterable[object], mapping: EesMapping | None = None) -> list[EesEntry]:
    """The mapping entries that apply to a file with this header (none if it is not EES)."""
    names = {_norm(c) for c in columns}
    if not is_ees(names):
        return []
    return [e for e in (mapping or load_mapping()).entries if _matches(e.columns, names)]


def ees_population_sources(
    columns: Iterable[object], mapping: EesMapping | None = None
) -> list[PopulationSource]:
    """The population sources (see the mapping file) that a file with this header provides."""
    names = {_norm(c) for c in columns}
    if not is_ees(names):
        return []
    return [p for p in (mapping or load_mapping()).populations if _matches(p.columns, names)]


def ees_frame(table: RawTable) -> pd.DataFrame:
    """A table as this package reads it: text cells, columns named as the file spells them, and
    the reader's index (spreadsheet row - 2), so problems name the rows a spreadsheet shows."""
    return table.frame.set_axis(table.header, axis=1)


def read_ees_csv(path: str | Path) -> pd.DataFrame:
    """Read an EES file (or the neighbour model) with the project's one reader, as ``ees_frame``.

    Raises :class:`data.problems.InvalidInput` (a ValueError) for a file that cannot be read."""
    return ees_frame(read_table(Path(path)))


def _lines(frame: pd.DataFrame) -> Iterable[int]:
    """The spreadsheet row of each frame row: from the reader's index, else by position."""
    if pd.api.types.is_integer_dtype(frame.index):
        return (frame.index + 2).tolist()
    return range(2, len(frame) + 2)


def _text(value: object) -> str:
    """A cell as text: missing -> "", a whole float (884.0 read by pandas) -> "884"."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    if value is pd.NA:
        return ""
    return str(value).strip()


def _cells(frame: pd.DataFrame, columns: list[Any]) -> list[list[object]]:
    """The frame's cells in these columns, row by row, as plain Python objects."""
    return frame[columns].to_numpy(dtype=object).tolist()


@cache
def _codes(cell: str) -> tuple[str, ...]:
    """Codes in a cell; DfE joins authorities reported together as "940 / 941"."""
    return tuple(part.strip() for part in cell.split("/") if part.strip())


def columns_by_name(frame: pd.DataFrame) -> dict[str, Any]:
    """Normalised column name -> the frame's own column label (first one wins)."""
    names: dict[str, Any] = {}
    for column in frame.columns:
        names.setdefault(_norm(column), column)
    return names


@dataclass(frozen=True)
class _Row:
    line: int
    year: int
    level: str
    country: str
    region_code: str
    region_name: str
    old_cell: str
    old_codes: tuple[str, ...]
    new_codes: tuple[str, ...]
    la_name: str
    cells: dict[str, str]


@dataclass
class _Parsed:
    entries: list[EesEntry]
    populations: list[PopulationSource]
    rows: list[_Row] = field(default_factory=list)
    problems: list[EesProblem] = field(default_factory=list)
    original: dict[str, str] = field(default_factory=dict)

    def column(self, name: str) -> str:
        """The column as the file spells it."""
        return self.original.get(_norm(name), name)


def _year(text: str) -> int | None:
    match = _YEAR.match(text)
    if not match:
        return None
    first = int(match.group(1))
    if match.group(2) is None:
        return first
    # a two-year period such as 202425: the later year
    return first + 1 if (first + 1) % 100 == int(match.group(2)) else None


def _classify(text: str) -> tuple[float | None, str, str]:
    """(number, symbol, error) for an indicator cell; symbol "" for an empty cell."""
    if text == "":
        return None, "", ""
    if text.casefold() in SYMBOLS:
        return None, text.casefold(), ""
    plain = text.replace(",", "")
    if _NUMBER.match(plain):
        number = float(plain)
        if number < 0:
            return None, "", f"negative figure {text}: EES figures are never negative"
        return number, "", ""
    return None, "", f"{text!r} is not a number or an EES symbol (c, u, x, z, low)"


_Filters = tuple[tuple[str, tuple[str, ...]], ...]


@cache
def _filter_sets(filters: _Filters) -> tuple[tuple[str, frozenset[str]], ...]:
    return tuple((_norm(column), frozenset(v.casefold() for v in values)) for column, values in filters)


def _passes(row_cells: Mapping[str, str], filters: _Filters) -> bool:
    """True when a row's cells match an entry's filter (case-insensitively)."""
    return all(row_cells.get(column, "").casefold() in values for column, values in _filter_sets(filters))


def _read(frame: pd.DataFrame, mapping: EesMapping) -> _Parsed:
    """Recognise a file, check its header and rows, and keep the cells the mapping reads."""
    names = columns_by_name(frame)
    parsed = _Parsed(
        entries=ees_entries(names, mapping),
        populations=ees_population_sources(names, mapping),
        original={n: str(c).replace("\ufeff", "").strip() for n, c in names.items()},
    )
    problems = parsed.problems
    if not is_ees(names):
        missing = ", ".join(c for c in EES_COLUMNS if c not in names)
        problems.append(EesProblem(1, WHOLE, f"not an EES open-data file: the header has no {missing}"))
        return parsed
    if not parsed.entries and not parsed.populations:
        problems.append(
            EesProblem(
                1,
                WHOLE,
                "unknown EES file: no entry in ees_mapping.toml recognises its columns; "
                "add an [[entry]] for it (see docs/benchmarks.md)",
            )
        )
        return parsed
    for column in GEOGRAPHY_COLUMNS:
        if column not in names:
            problems.append(
                EesProblem(
                    1, column, f"missing column {column}: needed to find England, regions and authorities"
                )
            )
    items: list[EesEntry | PopulationSource] = [*parsed.entries, *parsed.populations]
    for item in items:
        for column in item.needed:
            if _norm(column) not in names:
                what = item.kpi if isinstance(item, EesEntry) else "the population"
                problems.append(
                    EesProblem(1, column, f"missing column {column}: {what} is read from it ({item.id})")
                )
    if problems:
        parsed.problems = list(dict.fromkeys(problems))
        return parsed
    by_kpi: dict[str, str] = {}
    clashes: list[MappingProblem] = []
    for entry in parsed.entries:
        if entry.kpi in by_kpi:
            message = (
                f"entries {by_kpi[entry.kpi]} and {entry.id} both map {entry.kpi} from this file: "
                "give one of them a column the other's file lacks"
            )
            clashes.append(MappingProblem(mapping.source, "same_kpi", message))
        by_kpi.setdefault(entry.kpi, entry.id)
    if clashes:
        raise MappingError(clashes)

    filter_columns = _unique(_norm(c) for item in items for c, _ in item.filter)
    indicator_columns = _unique(
        _norm(c) for item in items for c in item.needed if _norm(c) not in filter_columns
    )
    wanted = list(_unique((*GEOGRAPHY_COLUMNS, *filter_columns, *indicator_columns)))
    seen: dict[tuple[str, ...], int] = {}
    for line, values in zip(_lines(frame), _cells(frame, [names[c] for c in wanted]), strict=True):
        cells = {c: _text(v) for c, v in zip(wanted, values, strict=True)}
        level = LEVELS.get(cells["geographic_level"].casefold())
        if level is None:
            if not cells["geographic_level"]:
                problems.append(EesProblem(line, parsed.column("geographic_level"), "empty geographic_level"))
            continue
        year = _year(cells["time_period"])
        if year is None:
            problems.append(
                EesProblem(
                    line,
                    parsed.column("time_period"),
                    f"time_period {cells['time_period']!r} is not a year such as 2025 or 202425",
                )
            )
            continue
        if not _geography_ok(level, cells, line, parsed):
            continue
        key = (
            cells["time_period"],
            level,
            cells["country_code"],
            cells["region_code"],
            cells["old_la_code"],
            cells["new_la_code"],
            *(cells[c].casefold() for c in filter_columns),
        )
        if key in seen:
            parts = ["time_period", "geography", *(parsed.column(c) for c in filter_columns)]
            same = f"{', '.join(parts[:-1])} and {parts[-1]}"
            problems.append(EesProblem(line, WHOLE, f"duplicate row: same {same} as row {seen[key]}"))
            continue
        seen[key] = line
        for column in indicator_columns:
            _, _, error = _classify(cells[column])
            if error:
                problems.append(EesProblem(line, parsed.column(column), error))
        parsed.rows.append(
            _Row(
                line=line,
                year=year,
                level=level,
                country=cells["country_code"],
                region_code=cells["region_code"],
                region_name=cells["region_name"],
                old_cell=cells["old_la_code"],
                old_codes=_codes(cells["old_la_code"]),
                new_codes=tuple(c.upper() for c in _codes(cells["new_la_code"])),
                la_name=cells["la_name"],
                cells={c: cells[c] for c in (*filter_columns, *indicator_columns)},
            )
        )
    return parsed


def _geography_ok(level: str, cells: dict[str, str], line: int, parsed: _Parsed) -> bool:
    """Check the geography cells of one row for its level; record problems, return False if any."""
    before = len(parsed.problems)

    def problem(column: str, message: str) -> None:
        parsed.problems.append(EesProblem(line, parsed.column(column), message))

    la_columns = ("old_la_code", "new_la_code", "la_name")
    if level in (NATIONAL, REGIONAL):
        plural = "national" if level == NATIONAL else "regional"
        for column in (("region_code",) if level == NATIONAL else ()) + la_columns:
            if cells[column]:
                problem(column, f"a {level} row has {column} {cells[column]!r}: {plural} rows leave it empty")
        if level == REGIONAL and not cells["region_code"]:
            problem("region_code", "a Regional row needs region_code")
    else:
        if not cells["old_la_code"]:
            problem("old_la_code", "a Local authority row needs old_la_code")
        elif not all(OLD_CODE.match(c) for c in _codes(cells["old_la_code"])):
            problem("old_la_code", f"{cells['old_la_code']!r} is not an old 3-digit LA code such as 884")
        if not cells["new_la_code"]:
            problem("new_la_code", "a Local authority row needs new_la_code")
        elif not all(_NEW_CODE.match(c.upper()) for c in _codes(cells["new_la_code"])):
            problem("new_la_code", f"{cells['new_la_code']!r} is not a new LA code such as E06000019")
    return len(parsed.problems) == before


POPULATION_COLUMNS = ("population", "year", "level", "code", "value", "symbol")


def _geo_key(row: _Row) -> str:
    if row.level == NATIONAL:
        return row.country
    if row.level == REGIONAL:
        return row.region_code
    return row.old_cell


def ees_population(frame: pd.DataFrame, mapping: EesMapping | None = None) -> pd.DataFrame:
    """The 0-17 population a file provides, for entries that compute a rate from it.

    Columns: population (the source id), year, level, code (country, region or old LA code),
    value (NaN when the file gives a symbol) and symbol. Empty when the file provides none or
    has problems (ees_benchmarks reports those). Concatenate the results of several files and
    pass them to ees_benchmarks as ``population``.
    """
    parsed = _read(frame, mapping or load_mapping())
    records: list[tuple[str, int, str, str, float, str]] = []
    if not parsed.problems:
        for source in parsed.populations:
            for row in parsed.rows:
                if _passes(row.cells, source.filter):
                    number, symbol, _ = _classify(row.cells[_norm(source.value)])
                    value = math.nan if number is None else number
                    records.append((source.id, row.year, row.level, _geo_key(row), value, symbol))
    return pd.DataFrame.from_records(records, columns=list(POPULATION_COLUMNS))
