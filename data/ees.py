"""Benchmarks from Explore Education Statistics (EES) open-data files.

The Department for Education publishes annual figures for England, the regions and every local
authority as CSV files in the EES open-data layout (``time_period``, ``time_identifier``,
``geographic_level``, ``country_code``, ``region_code``, ``old_la_code``, ``new_la_code``,
``la_name`` and one column per indicator). This module turns such a file into benchmark rows for
one authority: England, its region, the average of its ten statistical neighbours and its own
published figure. Which file and column feeds which KPI is data, in ``ees_mapping.toml``.

Pure pandas: no database and no Dash. Problems with a file are returned as :class:`EesProblem`
records (row as a spreadsheet shows it, header = row 1); the loader adds the file name and
rejects the file. Problems with the configuration (a bad mapping file, an unknown authority)
raise :class:`MappingError` or :class:`UnknownAuthority`.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import IO, Any

import pandas as pd

MAPPING_FILE = Path(__file__).with_name("ees_mapping.toml")
NEIGHBOURS_FILE = Path(__file__).with_name("reference") / "sn_model_2025_wide.csv"
NEIGHBOUR_MODEL = "2025 model"

ENGLAND = "England"
REGION = "Region"
NEIGHBOURS = "Statistical neighbours"
PUBLISHED = "Published (DfE)"
COMPARATORS = (ENGLAND, REGION, NEIGHBOURS, PUBLISHED)

BENCHMARK_COLUMNS = ("kpi", "period", "comparator", "value", "symbol", "note", "source")

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

NEIGHBOUR_COUNT = 10
NEIGHBOUR_COLUMNS = (
    "old_la_code",
    "la_name",
    "region_name",
    *(f"sn_{n}" for n in range(1, NEIGHBOUR_COUNT + 1)),
)

_OLD_CODE = re.compile(r"^\d{3}$")
_NEW_CODE = re.compile(r"^[EWSN]\d{8}$")
_NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
_YEAR = re.compile(r"^(\d{4})(\d{2})?$")

ENTRY_FIELDS = frozenset(
    {
        "id",
        "kpi",
        "file",
        "columns",
        "filter",
        "value",
        "numerator",
        "denominator",
        "population",
        "factor",
        "month",
        "span",
    }
)
POPULATION_FIELDS = frozenset({"id", "name", "columns", "filter", "value"})
SPANS = ("point", "year")


class MappingError(ValueError):
    """The mapping file is malformed: the message names the entry and the field."""


class UnknownAuthority(LookupError):
    """An LA code that cannot be found: the message says what to give instead."""


WHOLE = "-"
"""The column of a problem about a whole row or the whole file (as ``data.problems.WHOLE_FILE``)."""


@dataclass(frozen=True)
class EesProblem:
    """One problem with an EES file: spreadsheet row (header = 1), column (WHOLE: row or file)."""

    row: int
    column: str
    message: str


# --------------------------------------------------------------------------------------------
# The mapping file
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PopulationSource:
    """A file and column giving the 0-17 population, for KPIs that are rates per 10,000."""

    id: str
    name: str
    columns: tuple[str, ...]
    filter: tuple[tuple[str, tuple[str, ...]], ...]
    value: str

    @property
    def needed(self) -> tuple[str, ...]:
        """Every column this source reads."""
        return _unique((*(c for c, _ in self.filter), self.value))


@dataclass(frozen=True)
class EesEntry:
    """One mapping from an EES file's column(s) to a KPI (see ``ees_mapping.toml``)."""

    id: str
    kpi: str
    columns: tuple[str, ...]
    month: int
    span: str = "point"
    file: str = ""
    filter: tuple[tuple[str, tuple[str, ...]], ...] = ()
    value: str = ""
    numerator: str = ""
    denominator: tuple[str, ...] = ()
    population: str = ""
    factor: float = 1.0

    @property
    def from_counts(self) -> bool:
        """True when the file gives counts: neighbours are then averaged as sum over sum."""
        return bool(self.numerator)

    @property
    def needed(self) -> tuple[str, ...]:
        """Every column of the file this entry reads."""
        return _unique(
            (*(c for c, _ in self.filter), *([self.value] if self.value else []), *self._count_columns)
        )

    @property
    def _count_columns(self) -> tuple[str, ...]:
        return (self.numerator, *self.denominator) if self.numerator else ()

    def below(self) -> str:
        """The denominator in words: a column, columns added, or the population source."""
        if not self.denominator:
            return f"population ({self.population})"
        if len(self.denominator) == 1:
            return f"`{self.denominator[0]}`"
        return "(" + " + ".join(f"`{c}`" for c in self.denominator) + ")"

    def times(self) -> str:
        return f" × {self.factor:g}" if self.factor != 1 else ""

    def formula(self) -> str:
        """numerator / denominator × factor in words, for the documentation ("" without counts)."""
        return f"`{self.numerator}` / {self.below()}{self.times()}" if self.numerator else ""


@dataclass(frozen=True)
class EesMapping:
    """All entries of the mapping file, in file order."""

    entries: tuple[EesEntry, ...]
    populations: tuple[PopulationSource, ...] = ()

    def population(self, source_id: str) -> PopulationSource:
        return {p.id: p for p in self.populations}[source_id]


def _norm(name: object) -> str:
    """A column name as compared: no byte-order mark, no surrounding spaces, lower case."""
    return str(name).replace("\ufeff", "").strip().casefold()


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _str_list(value: object, where: str, name: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i.strip() for i in items):
        raise MappingError(f"{where}: `{name}` must be a column name or a list of column names")
    return tuple(i.strip() for i in items)


def _filter(value: object, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict) or not value:
        raise MappingError(f'{where}: `filter` must be a table such as {{ population_type = "..." }}')
    return tuple((str(c).strip(), _str_list(v, where, f"filter.{c}")) for c, v in value.items())


def parse_mapping(text: str, source: str = "ees_mapping.toml") -> EesMapping:
    """Parse and check mapping TOML text; raise MappingError naming the bad entry and field."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{source}: not valid TOML: {exc}") from exc
    populations: list[PopulationSource] = []
    for number, item in enumerate(raw.get("population", []), start=1):
        where = f"{source}: population {number} ({item.get('id', '?')})"
        if unknown := set(item) - POPULATION_FIELDS:
            raise MappingError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        for name in ("id", "name", "value"):
            if not isinstance(item.get(name), str) or not item[name].strip():
                raise MappingError(f"{where}: `{name}` is required")
        populations.append(
            PopulationSource(
                id=item["id"],
                name=item["name"],
                columns=_str_list(item.get("columns"), where, "columns"),
                filter=_filter(item.get("filter"), where),
                value=item["value"].strip(),
            )
        )
    entries: list[EesEntry] = []
    seen: set[str] = {p.id for p in populations}
    if len(seen) != len(populations):
        raise MappingError(f"{source}: population ids must be unique")
    for number, item in enumerate(raw.get("entry", []), start=1):
        entries.append(_parse_entry(item, f"{source}: entry {number} ({item.get('id', '?')})", populations))
        if entries[-1].id in seen:
            raise MappingError(f"{source}: entry {number}: id {entries[-1].id!r} is used twice")
        seen.add(entries[-1].id)
    if not entries:
        raise MappingError(f"{source}: no [[entry]] tables")
    return EesMapping(tuple(entries), tuple(populations))


def _parse_entry(item: dict[str, Any], where: str, populations: list[PopulationSource]) -> EesEntry:
    if unknown := set(item) - ENTRY_FIELDS:
        raise MappingError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    for name in ("id", "kpi"):
        if not isinstance(item.get(name), str) or not item[name].strip():
            raise MappingError(f"{where}: `{name}` is required")
    month = item.get("month")
    if not isinstance(month, int) or not 1 <= month <= 12:
        raise MappingError(f"{where}: `month` must be a month number 1-12 (3 for 31 March)")
    span = item.get("span", "point")
    if span not in SPANS:
        raise MappingError(f"{where}: `span` must be one of {', '.join(SPANS)}")
    numerator = item.get("numerator", "")
    value = item.get("value", "")
    if not isinstance(numerator, str) or not isinstance(value, str):
        raise MappingError(f"{where}: `value` and `numerator` must be column names")
    if not value and not numerator:
        raise MappingError(f"{where}: give `value`, or `numerator` with `denominator` or `population`")
    denominator: tuple[str, ...] = ()
    population = item.get("population", "")
    if not isinstance(population, str):
        raise MappingError(f"{where}: `population` must be the id of a [[population]] source")
    if "denominator" in item:
        denominator = _str_list(item["denominator"], where, "denominator")
    if numerator and bool(denominator) == bool(population):
        raise MappingError(f"{where}: `numerator` needs exactly one of `denominator` or `population`")
    if not numerator and (denominator or population):
        raise MappingError(f"{where}: `denominator` and `population` need a `numerator`")
    if population and population not in {p.id for p in populations}:
        raise MappingError(f"{where}: `population` {population!r} is not a [[population]] id")
    factor = item.get("factor", 1)
    if numerator and "factor" not in item:
        raise MappingError(f"{where}: `factor` is required with `numerator` (100, 10000 or 1)")
    if not isinstance(factor, int | float) or isinstance(factor, bool) or factor <= 0:
        raise MappingError(f"{where}: `factor` must be a positive number")
    return EesEntry(
        id=item["id"].strip(),
        kpi=item["kpi"].strip(),
        file=str(item.get("file", "")),
        columns=_str_list(item.get("columns"), where, "columns"),
        filter=_filter(item.get("filter"), where),
        value=value.strip(),
        numerator=numerator.strip(),
        denominator=denominator,
        population=population,
        factor=float(factor),
        month=month,
        span=span,
    )


@cache
def _load_mapping_file(path: Path) -> EesMapping:
    return parse_mapping(path.read_text(encoding="utf-8"), path.name)


def load_mapping(path: str | Path | None = None) -> EesMapping:
    """Read the mapping file (by default the bundled ``data/ees_mapping.toml``)."""
    return _load_mapping_file(Path(path) if path else MAPPING_FILE)


# --------------------------------------------------------------------------------------------
# Recognising files
# --------------------------------------------------------------------------------------------


def is_ees(columns: Iterable[object]) -> bool:
    """True when a header is in the EES open-data layout (time_period, time_identifier, ...)."""
    names = {_norm(c) for c in columns}
    return all(c in names for c in EES_COLUMNS)


def is_neighbour_model(columns: Iterable[object]) -> bool:
    """True when a header is the DfE statistical-neighbour model (old_la_code, SN_1 ... SN_10)."""
    names = {_norm(c) for c in columns}
    return all(c in names for c in NEIGHBOUR_COLUMNS)


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


def read_ees_csv(source: str | Path | IO[str] | IO[bytes]) -> pd.DataFrame:
    """Read an EES CSV as text cells (a byte-order mark is dropped; empty cells stay "")."""
    return pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")


# --------------------------------------------------------------------------------------------
# Authorities and their statistical neighbours
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Neighbour:
    """One statistical neighbour: old 3-digit LA code, name and closeness as the model gives it."""

    old_code: str
    name: str
    closeness: str = ""


@dataclass(frozen=True)
class LocalAuthority:
    """An authority as found: codes, name, region and its statistical neighbours (closest first)."""

    old_code: str
    name: str
    region: str
    neighbours: tuple[Neighbour, ...]
    new_codes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """Name and codes, as messages show them: ``Herefordshire, County of (884, E06000019)``."""
        return f"{self.name} ({', '.join((self.old_code, *self.new_codes))})"


def load_neighbours(path: str | Path | None = None) -> pd.DataFrame:
    """Read the statistical-neighbour file (by default the bundled copy in data/reference/)."""
    return read_ees_csv(Path(path) if path else NEIGHBOURS_FILE)


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


def _columns_by_name(frame: pd.DataFrame) -> dict[str, Any]:
    """Normalised column name -> the frame's own column label (first one wins)."""
    names: dict[str, Any] = {}
    for column in frame.columns:
        names.setdefault(_norm(column), column)
    return names


def _neighbour_table(neighbours: pd.DataFrame) -> dict[str, dict[str, str]]:
    """old code -> {normalised column: text} for the statistical-neighbour file."""
    names = _columns_by_name(neighbours)
    missing = [c for c in NEIGHBOUR_COLUMNS if c not in names]
    if missing:
        raise UnknownAuthority(
            f"the statistical-neighbour file has no column {missing[0]}: expected the DfE model with "
            "old_la_code, la_name, region_name and SN_1 ... SN_10"
        )
    wanted = [c for c in names if c in NEIGHBOUR_COLUMNS or re.fullmatch(r"sn_\d+p", c)]
    table: dict[str, dict[str, str]] = {}
    for values in _cells(neighbours, [names[c] for c in wanted]):
        row = {c: _text(v) for c, v in zip(wanted, values, strict=True)}
        table.setdefault(row["old_la_code"], row)
    return table


def _la_rows(frames: Iterable[pd.DataFrame]) -> list[tuple[str, str, str]]:
    """(old_la_code, new_la_code, la_name) of every local-authority row of the given EES frames."""
    found: list[tuple[str, str, str]] = []
    for frame in frames:
        names = _columns_by_name(frame)
        if not all(c in names for c in ("old_la_code", "new_la_code")):
            continue
        cols = [names["old_la_code"], names["new_la_code"]]
        if "la_name" in names:
            cols.append(names["la_name"])
        for values in _cells(frame, cols):
            texts = [_text(v) for v in values] + [""]
            found.append((texts[0], texts[1], texts[2]))
    return found


def resolve_la(
    code: str,
    neighbours: pd.DataFrame | None = None,
    frames: Iterable[pd.DataFrame] = (),
) -> LocalAuthority:
    """Find an authority by its new (E06000019) or old (884) code, with its region and neighbours.

    The statistical-neighbour file (default: the bundled 2025 model) is keyed by old 3-digit codes
    and gives the name, region and ten neighbours. A new code is translated to the old one through
    the local-authority rows of ``frames`` (EES files); the new codes found there are kept, so an
    authority whose new code changed (North Yorkshire: E10000023, then E06000065) is still found.
    Raises UnknownAuthority with a message saying what to give instead.
    """
    wanted = _text(code).upper()
    table = _neighbour_table(neighbours if neighbours is not None else load_neighbours())
    rows = _la_rows(frames)
    if _NEW_CODE.match(wanted):
        olds = {
            old
            for old_cell, new_cell, _ in rows
            for old, new in zip(_codes(old_cell), _codes(new_cell), strict=False)
            if new.upper() == wanted
        }
        if not olds:
            raise UnknownAuthority(
                f"{wanted} is not in the EES files given, so its old 3-digit LA code is unknown: "
                "give the old code (for example 884 for Herefordshire) or load an EES file with it"
            )
        old_code = sorted(olds)[0]
    elif _OLD_CODE.match(wanted):
        old_code = wanted
    else:
        raise UnknownAuthority(
            f"{code!r} is not an LA code: "
            "give a new code such as E06000019 or an old 3-digit code such as 884"
        )
    if old_code not in table:
        raise UnknownAuthority(
            f"LA code {old_code} is not in the statistical-neighbour file ({NEIGHBOUR_MODEL}); "
            "authorities abolished before 2025 have no neighbours"
        )
    row = table[old_code]
    neighbour_list: list[Neighbour] = []
    for n in range(1, NEIGHBOUR_COUNT + 1):
        other = row.get(f"sn_{n}", "")
        if other:
            name = table.get(other, {}).get("la_name", other)
            neighbour_list.append(Neighbour(other, name, row.get(f"sn_{n}p", "").strip()))
    new_codes = _unique(
        new
        for old_cell, new_cell, _ in rows
        for old, new in zip(_codes(old_cell), _codes(new_cell), strict=False)
        if old == old_code
    )
    # newest first would need the year; sort for a stable order instead
    return LocalAuthority(
        old_code=old_code,
        name=row["la_name"],
        region=row["region_name"],
        neighbours=tuple(neighbour_list),
        new_codes=tuple(sorted(new_codes)),
    )


# --------------------------------------------------------------------------------------------
# Reading and checking a file
# --------------------------------------------------------------------------------------------


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
    names = _columns_by_name(frame)
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
    for entry in parsed.entries:
        if entry.kpi in by_kpi:
            raise MappingError(
                f"entries {by_kpi[entry.kpi]} and {entry.id} both map {entry.kpi} from this file: "
                "give one of them a column the other's file lacks"
            )
        by_kpi[entry.kpi] = entry.id

    filter_columns = _unique(_norm(c) for item in items for c, _ in item.filter)
    indicator_columns = _unique(
        _norm(c) for item in items for c in item.needed if _norm(c) not in filter_columns
    )
    wanted = list(_unique((*GEOGRAPHY_COLUMNS, *filter_columns, *indicator_columns)))
    seen: dict[tuple[str, ...], int] = {}
    for position, values in enumerate(_cells(frame, [names[c] for c in wanted])):
        line = position + 2
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
        elif not all(_OLD_CODE.match(c) for c in _codes(cells["old_la_code"])):
            problem("old_la_code", f"{cells['old_la_code']!r} is not an old 3-digit LA code such as 884")
        if not cells["new_la_code"]:
            problem("new_la_code", "a Local authority row needs new_la_code")
        elif not all(_NEW_CODE.match(c.upper()) for c in _codes(cells["new_la_code"])):
            problem("new_la_code", f"{cells['new_la_code']!r} is not a new LA code such as E06000019")
    return len(parsed.problems) == before


# --------------------------------------------------------------------------------------------
# Population (for rates per 10,000 children)
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Benchmarks
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Figure:
    """One row's figure for one entry: the value, its counts, or why there is none."""

    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    symbol: str = ""
    reason: str = ""  # why value is None
    count_reason: str = ""  # why numerator/denominator are None, naming the column


_Population = dict[tuple[str, int, str, str], tuple[float | None, str]]


def _symbol_reason(symbol: str, where: str = "") -> str:
    """Why a cell gives no number: "c: suppressed ...", "x in cases: not available", ..."""
    if not symbol:
        return f"no figure in {where}" if where else "no figure in the file"
    return f"{symbol} in {where}: {SYMBOLS[symbol]}" if where else f"{symbol}: {SYMBOLS[symbol]}"


def _figure(entry: EesEntry, row: _Row, population: _Population) -> _Figure:
    """The published figure of one row (value column, else numerator / denominator x factor)."""
    numerator = denominator = None
    symbol = reason = count_reason = ""
    if entry.numerator:
        # (number, symbol, reason as a note gives it, reason naming the column)
        parts: list[tuple[float | None, str, str, str]] = []
        for column in (entry.numerator, *entry.denominator):
            number, sym, _ = _classify(row.cells[_norm(column)])
            parts.append((number, sym, _symbol_reason(sym), _symbol_reason(sym, column)))
        if entry.population:
            key = (entry.population, row.year, row.level, _geo_key(row))
            number, sym = population.get(key, (None, ""))
            why = (
                _symbol_reason(sym, "the population estimate")
                if key in population
                else f"no 0–17 population estimate for {row.year}"
            )
            parts.append((number, sym, why, why))
        missing = [p for p in parts if p[0] is None]
        if missing:
            _, symbol, reason, count_reason = missing[0]
        else:
            numerator = parts[0][0]
            denominator = sum(p[0] or 0.0 for p in parts[1:])
            if denominator == 0:
                numerator = denominator = None
                reason = count_reason = "cannot be computed: the denominator is zero"
    if entry.value:
        value, value_symbol, _ = _classify(row.cells[_norm(entry.value)])
        if value is None:
            return _Figure(
                None, numerator, denominator, value_symbol, _symbol_reason(value_symbol), count_reason
            )
        return _Figure(value, numerator, denominator, count_reason=count_reason)
    if numerator is None or denominator is None:
        return _Figure(None, None, None, symbol, reason, count_reason)
    return _Figure(numerator / denominator * entry.factor, numerator, denominator)


def _population_lookup(population: pd.DataFrame | None) -> _Population:
    lookup: _Population = {}
    if population is None or population.empty:
        return lookup
    for source, year, level, code, value, symbol in population[list(POPULATION_COLUMNS)].itertuples(
        index=False, name=None
    ):
        number = None if pd.isna(value) else float(value)
        lookup[(str(source), int(year), str(level), _text(code))] = (number, _text(symbol))
    return lookup


def _span(years: Iterable[int]) -> str:
    ordered = sorted(set(years))
    if not ordered:
        return "no year"
    return str(ordered[0]) if len(ordered) == 1 else f"{ordered[0]}–{ordered[-1]}"


def ees_benchmarks(
    frame: pd.DataFrame,
    source_name: str,
    la_code: str | LocalAuthority,
    neighbours_frame: pd.DataFrame | None = None,
    population: pd.DataFrame | None = None,
    *,
    mapping: EesMapping | None = None,
) -> tuple[pd.DataFrame, list[EesProblem]]:
    """Benchmark rows for one authority from one EES file, and the file's problems.

    ``frame`` is the file as read (text cells best: :func:`read_ees_csv`); ``source_name`` is the
    file's name, kept in the ``source`` column; ``la_code`` a new or old LA code or a resolved
    :class:`LocalAuthority`; ``neighbours_frame`` the statistical-neighbour file (default: the
    bundled copy); ``population`` the concatenated :func:`ees_population` of the files loaded
    together, needed by entries that compute a rate per 10,000 children.

    Rows: kpi, period (YYYY-MM), comparator (England, Region, Statistical neighbours,
    Published (DfE)), value (NaN when there is no figure), symbol (the EES symbol that stood
    instead of a number, else ""), note (plain English: the region's name, how the neighbours
    were averaged, why a figure is absent) and source. With any problem the frame is empty.
    """
    the_mapping = mapping or load_mapping()
    parsed = _read(frame, the_mapping)
    empty = pd.DataFrame({c: pd.Series(dtype=float if c == "value" else object) for c in BENCHMARK_COLUMNS})
    if parsed.problems:
        return empty, parsed.problems

    neighbours = neighbours_frame if neighbours_frame is not None else load_neighbours()
    if isinstance(la_code, LocalAuthority):
        la = la_code
    else:
        wanted = _text(la_code).upper()
        try:
            la = resolve_la(wanted, neighbours, [frame])
        except UnknownAuthority:
            if _NEW_CODE.match(wanted):  # a new code not in this file: the authority is missing
                message = (
                    f"authority {wanted} is not in this file: no Local authority row has new_la_code {wanted}"
                )
                return empty, [EesProblem(1, WHOLE, message)]
            raise
    la_rows = [r for r in parsed.rows if r.level == LOCAL_AUTHORITY and _is_la(r, la)]
    if not la_rows:
        message = f"{la.label} is not in this file: no Local authority row has old_la_code {la.old_code}"
        return empty, [EesProblem(1, WHOLE, message)]

    lookup = _population_lookup(population)
    problems: list[EesProblem] = []
    file_years = {r.year for r in parsed.rows}
    for entry in parsed.entries:
        if entry.population:
            covered = {k[1] for k in lookup if k[0] == entry.population} & file_years
            if not covered:
                source = the_mapping.population(entry.population)
                given = _span(k[1] for k in lookup if k[0] == entry.population)
                problems.append(
                    EesProblem(
                        1,
                        WHOLE,
                        f"{entry.kpi} needs the {source.name} for {_span(file_years)} "
                        f"(given: {given}): load that file in the same command",
                    )
                )
    if problems:
        return empty, problems

    records: list[dict[str, object]] = []
    for entry in parsed.entries:
        records.extend(_entry_benchmarks(entry, parsed, la, lookup, source_name))
    if not records:
        return empty, []
    result = pd.DataFrame.from_records(records, columns=list(BENCHMARK_COLUMNS))
    result["value"] = result["value"].astype(float)
    return result, []


def _is_la(row: _Row, la: LocalAuthority) -> bool:
    return la.old_code in row.old_codes or any(c in row.new_codes for c in la.new_codes)


def _entry_benchmarks(
    entry: EesEntry, parsed: _Parsed, la: LocalAuthority, population: _Population, source: str
) -> list[dict[str, object]]:
    rows = [r for r in parsed.rows if _passes(r.cells, entry.filter)]
    covered = {k[1] for k in population if k[0] == entry.population} if entry.population else None
    out: list[dict[str, object]] = []
    by_year: dict[int, list[_Row]] = {}
    for row in rows:
        by_year.setdefault(row.year, []).append(row)
    la_all = sorted((r for r in rows if r.level == LOCAL_AUTHORITY and _is_la(r, la)), key=lambda r: r.year)
    for year in sorted(by_year):
        if covered is not None and year not in covered:
            continue  # no population estimate for this year: no rate can be computed
        year_rows = by_year[year]
        period = f"{year:04d}-{entry.month:02d}"

        def add(comparator: str, figure: _Figure, note: str, period: str = period) -> None:
            text = "; ".join(t for t in (note, figure.reason if figure.value is None else "") if t)
            out.append(
                {
                    "kpi": entry.kpi,
                    "period": period,
                    "comparator": comparator,
                    "value": math.nan if figure.value is None else figure.value,
                    "symbol": figure.symbol if figure.value is None else "",
                    "note": text,
                    "source": source,
                }
            )

        national = [r for r in year_rows if r.level == NATIONAL]
        if national:
            add(ENGLAND, _figure(entry, national[0], population), "")

        own = _own_row(year_rows, la)
        region_code = own.region_code if own else (la_all[-1].region_code if la_all else "")
        regional = [r for r in year_rows if r.level == REGIONAL and r.region_code == region_code]
        if region_code and regional:
            add(REGION, _figure(entry, regional[0], population), regional[0].region_name)

        neighbour = _neighbour_figure(entry, year_rows, la, population)
        if neighbour is not None:
            add(NEIGHBOURS, neighbour[0], neighbour[1])

        if own is not None:
            joint = (
                f"published jointly for {own.la_name}"
                if len(own.old_codes) > 1 or len(own.new_codes) > 1
                else ""
            )
            add(PUBLISHED, _figure(entry, own, population), joint)
    return out


def _own_row(rows: list[_Row], la: LocalAuthority) -> _Row | None:
    """The authority's row in one year: its own row before a row it shares with another."""
    mine = [r for r in rows if r.level == LOCAL_AUTHORITY and _is_la(r, la)]
    mine.sort(key=lambda r: len(r.old_codes))
    return mine[0] if mine else None


def _neighbour_figure(
    entry: EesEntry, rows: list[_Row], la: LocalAuthority, population: _Population
) -> tuple[_Figure, str] | None:
    """The neighbours' average for one year, and a note saying how it was made."""
    total = len(la.neighbours)
    if not total:
        return None
    used: dict[int, _Figure] = {}
    with_figures: list[Neighbour] = []
    missing: dict[str, list[str]] = {}  # reason -> names, in the model's order
    for neighbour in la.neighbours:
        candidates = [r for r in rows if r.level == LOCAL_AUTHORITY and neighbour.old_code in r.old_codes]
        candidates.sort(key=lambda r: len(r.old_codes))
        if not candidates:
            missing.setdefault("not in the file for this year", []).append(neighbour.name)
            continue
        row = candidates[0]
        figure = _figure(entry, row, population)
        usable = figure.numerator is not None if entry.from_counts else figure.value is not None
        if not usable:
            # the published figure's reason ("c: suppressed ..."), or, where only the counts are
            # missing behind a published figure, which count is missing
            why = figure.reason if figure.value is None else figure.count_reason
            missing.setdefault(why, []).append(neighbour.name)
            continue
        used[row.line] = figure  # an authority reported jointly with another counts once
        with_figures.append(neighbour)
    how = (
        "sum of numerators over sum of denominators" if entry.from_counts else "mean of the published figures"
    )
    absent = "; ".join(f"{', '.join(names)} ({why})" for why, names in missing.items())
    if not used:
        note = f"none of the {total} statistical neighbours had a figure"
        if absent:
            note += f": {absent}"
        return _Figure(None, reason=""), note
    figures = list(used.values())
    if entry.from_counts:
        numerator = sum(f.numerator or 0.0 for f in figures)
        denominator = sum(f.denominator or 0.0 for f in figures)
        value = numerator / denominator * entry.factor if denominator else None
    else:
        value = sum(f.value or 0.0 for f in figures) / len(figures)
    note = f"{how} of {len(with_figures)} of {total} statistical neighbours ({NEIGHBOUR_MODEL})"
    if absent:
        note += f"; no figure for {absent}"
    if value is None:
        return _Figure(None, reason="cannot be computed: the denominators add up to zero"), note
    return _Figure(value), note


# --------------------------------------------------------------------------------------------
# Documentation
# --------------------------------------------------------------------------------------------


def mapping_markdown(mapping: EesMapping | None = None) -> str:
    """The mapping as a Markdown table (docs/benchmarks.md includes it; a test keeps it in step)."""
    the_mapping = mapping or load_mapping()
    lines = [
        "| KPI | file | rows read | England, region and Published (DfE) | statistical neighbours | period |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    days = {3: "31 March", 9: "30 September"}
    for e in the_mapping.entries:
        rows = "; ".join(f"{c} = {' or '.join(v)}" for c, v in e.filter) or "all"
        day = days.get(e.month, f"month {e.month}")
        when = f"YYYY-{e.month:02d} ({'year to ' if e.span == 'year' else ''}{day})"
        published = f"`{e.value}` as published" if e.value else e.formula()
        neighbours = (
            f"Σ `{e.numerator}` / Σ {e.below()}{e.times()}" if e.numerator else f"mean of `{e.value}`"
        )
        lines.append(f"| {e.kpi} | {e.file or e.id} | {rows} | {published} | {neighbours} | {when} |")
    return "\n".join(lines) + "\n"
