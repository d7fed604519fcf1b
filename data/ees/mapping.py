"""The EES mapping file (``data/ees_mapping.toml``): which file and column feeds which KPI.

:func:`parse_mapping` checks the whole file and reports every problem at once (one
:class:`MappingProblem` per problem: where, a reason code and a message), as the file
validators do; :func:`mapping_markdown` gives the table that docs/benchmarks.md shows.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

MAPPING_FILE = Path(__file__).resolve().parents[1] / "ees_mapping.toml"
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


@dataclass(frozen=True)
class MappingProblem:
    """One problem in the mapping file: where (file and entry), a reason code, and the message."""

    where: str
    reason: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class MappingError(ValueError):
    """The mapping file is malformed: every problem found, one line each naming entry and field."""

    def __init__(self, problems: Sequence[MappingProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


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
    source: str = "ees_mapping.toml"  # the file's name, as problems name it

    def population(self, source_id: str) -> PopulationSource:
        return {p.id: p for p in self.populations}[source_id]


def _norm(name: object) -> str:
    """A column name as compared: no byte-order mark, no surrounding spaces, lower case."""
    return str(name).replace("\ufeff", "").strip().casefold()


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


@dataclass
class _Report:
    """Collects the problems of one place in the mapping file (an entry, a population source)."""

    where: str
    problems: list[MappingProblem]
    found: bool = False

    def __call__(self, reason: str, message: str) -> None:
        self.problems.append(MappingProblem(self.where, reason, message))
        self.found = True


def _str_list(value: object, name: str, report: _Report) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i.strip() for i in items):
        report("not_columns", f"`{name}` must be a column name or a list of column names")
        return ()
    return tuple(i.strip() for i in items)


def _filter(value: object, report: _Report) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict) or not value:
        report("bad_filter", '`filter` must be a table such as { population_type = "..." }')
        return ()
    return tuple((str(c).strip(), _str_list(v, f"filter.{c}", report)) for c, v in value.items())


def _tables(raw: dict[str, Any], name: str, report: _Report) -> list[dict[str, Any]]:
    """The [[name]] tables of the file (a value of another shape is reported)."""
    value = raw.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        report("not_tables", f"`{name}` must be [[{name}]] tables")
        return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
    return value


def _known_fields(item: dict[str, Any], fields: frozenset[str], report: _Report) -> None:
    if unknown := set(item) - fields:
        report("unknown_field", f"unknown field(s) {', '.join(sorted(unknown))}")


def _required(item: dict[str, Any], names: tuple[str, ...], report: _Report) -> None:
    for name in names:
        if not isinstance(item.get(name), str) or not item[name].strip():
            report("required", f"`{name}` is required")


def parse_mapping(text: str, source: str = "ees_mapping.toml") -> EesMapping:
    """Parse and check mapping TOML text; raise MappingError with every problem found, each
    naming its entry and field, as the file validators report every problem at once."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError([MappingProblem(source, "not_toml", f"not valid TOML: {exc}")]) from exc
    problems: list[MappingProblem] = []
    whole = _Report(source, problems)
    populations: list[PopulationSource] = []
    ids: set[str] = set()
    for number, item in enumerate(_tables(raw, "population", whole), start=1):
        report = _Report(f"{source}: population {number} ({item.get('id', '?')})", problems)
        population = _parse_population(item, report)
        _unique_id(item, ids, _Report(f"{source}: population {number}", problems))
        if population is not None:
            populations.append(population)
    items = _tables(raw, "entry", whole)
    entries: list[EesEntry] = []
    for number, item in enumerate(items, start=1):
        report = _Report(f"{source}: entry {number} ({item.get('id', '?')})", problems)
        entry = _parse_entry(item, report, {p.id for p in populations})
        _unique_id(item, ids, _Report(f"{source}: entry {number}", problems))
        if entry is not None:
            entries.append(entry)
    if not items and not whole.found:
        whole("no_entries", "no [[entry]] tables")
    if problems:
        raise MappingError(problems)
    return EesMapping(tuple(entries), tuple(populations), source)


def _unique_id(item: dict[str, Any], ids: set[str], report: _Report) -> None:
    """Report an id used before (by an entry or a population source), then remember it."""
    id_ = item.get("id")
    if not isinstance(id_, str) or not id_.strip():
        return
    key = id_.strip()
    if key in ids:
        report("duplicate_id", f"id {key!r} is used twice")
    ids.add(key)


def _parse_population(item: dict[str, Any], report: _Report) -> PopulationSource | None:
    _known_fields(item, POPULATION_FIELDS, report)
    _required(item, ("id", "name", "value"), report)
    columns = _str_list(item.get("columns"), "columns", report)
    filters = _filter(item.get("filter"), report)
    if report.found:
        return None
    return PopulationSource(
        id=item["id"], name=item["name"], columns=columns, filter=filters, value=item["value"].strip()
    )


def _parse_entry(item: dict[str, Any], report: _Report, population_ids: set[str]) -> EesEntry | None:
    _known_fields(item, ENTRY_FIELDS, report)
    _required(item, ("id", "kpi"), report)
    month = item.get("month", 0)
    if not isinstance(month, int) or isinstance(month, bool) or not 1 <= month <= 12:
        report("bad_month", "`month` must be a month number 1-12 (3 for 31 March)")
    span = item.get("span", "point")
    if span not in SPANS:
        report("bad_span", f"`span` must be one of {', '.join(SPANS)}")
    numerator, value, population = (item.get(name, "") for name in ("numerator", "value", "population"))
    denominator = _str_list(item["denominator"], "denominator", report) if "denominator" in item else ()
    has_denominator = "denominator" in item  # given, even if malformed (reported above)
    if not isinstance(numerator, str) or not isinstance(value, str):
        report("not_column", "`value` and `numerator` must be column names")
    elif not value and not numerator:
        report("no_figure", "give `value`, or `numerator` with `denominator` or `population`")
    elif numerator and has_denominator == bool(population):
        report("one_denominator", "`numerator` needs exactly one of `denominator` or `population`")
    elif not numerator and (has_denominator or population):
        report("no_numerator", "`denominator` and `population` need a `numerator`")
    if not isinstance(population, str):
        report("not_population", "`population` must be the id of a [[population]] source")
    elif population and population not in population_ids:
        report("unknown_population", f"`population` {population!r} is not a [[population]] id")
    factor = item.get("factor", 1)
    if numerator and "factor" not in item:
        report("no_factor", "`factor` is required with `numerator` (100, 10000 or 1)")
    elif not isinstance(factor, int | float) or isinstance(factor, bool) or factor <= 0:
        report("bad_factor", "`factor` must be a positive number")
    columns = _str_list(item.get("columns"), "columns", report)
    filters = _filter(item.get("filter"), report)
    if report.found:
        return None
    return EesEntry(
        id=item["id"].strip(),
        kpi=item["kpi"].strip(),
        file=str(item.get("file", "")),
        columns=columns,
        filter=filters,
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
