"""The EES mapping file (``data/ees_mapping.toml``): which file and column feeds which KPI.

:func:`parse_mapping` checks the whole file and reports every problem at once (one
:class:`MappingProblem` per problem: where, a reason code and a message), as the file
validators do; :func:`mapping_markdown` gives the table that docs/benchmarks.md shows.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
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


class MappingError(ValueError):
    """The mapping file is malformed: the message names the entry and the field."""


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
