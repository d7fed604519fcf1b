"""The KPI catalogue: KPI definitions read from ``kpis.toml`` into frozen dataclasses.

KPIs are data, not code: adding one is one entry in ``kpis.toml``. The catalogue is checked
when it is loaded (unique codes, known units, polarities and rules), so a bad entry stops the
application at start-up rather than showing a wrong number later.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOGUE_FILE = Path(__file__).with_name("kpis.toml")

UNITS = ("count", "percent", "rate", "average", "days", "weeks")
RATIO_UNITS = ("percent", "rate", "average", "days", "weeks")
POLARITIES = ("up", "down", "none")
OVER_TIME = ("sum", "last")
UNIT_FACTORS = {"percent": 100.0, "rate": 10_000.0, "average": 1.0, "days": 1.0, "weeks": 1.0}

FIELDS = (
    "code",
    "name",
    "stage",
    "definition",
    "unit",
    "polarity",
    "over_time",
    "numerator",
    "denominator",
    "source",
    "england",
    "timescale",
    "committee",
)
REQUIRED = ("code", "name", "stage", "definition", "unit", "polarity", "over_time", "source")


class CatalogueError(ValueError):
    """The catalogue file is malformed: the message names the entry and the field."""


@dataclass(frozen=True)
class Kpi:
    """One key performance indicator, as the catalogue defines it."""

    code: str
    name: str
    stage: str
    definition: str
    unit: str
    polarity: str
    over_time: str
    source: str
    numerator: str = ""
    denominator: str = ""
    england: str = ""
    timescale: str = ""
    committee: bool = False  # a headline indicator of the scrutiny committee's pack

    @property
    def is_ratio(self) -> bool:
        """True when the value is computed from a numerator and a denominator."""
        return self.unit in RATIO_UNITS

    @property
    def factor(self) -> float:
        """Multiplier from numerator/denominator to the value in the KPI's unit."""
        return UNIT_FACTORS.get(self.unit, 1.0)


@dataclass(frozen=True)
class Catalogue:
    """All KPIs in catalogue order, with their stages in order of the child's journey."""

    kpis: tuple[Kpi, ...]

    def __getitem__(self, code: str) -> Kpi:
        return self.by_code[code]

    def __contains__(self, code: object) -> bool:
        return code in self.by_code

    def __iter__(self) -> Iterator[Kpi]:
        return iter(self.kpis)

    def __len__(self) -> int:
        return len(self.kpis)

    @property
    def by_code(self) -> dict[str, Kpi]:
        return {k.code: k for k in self.kpis}

    @property
    def committee(self) -> tuple[Kpi, ...]:
        """The headline indicators of the committee pack (``committee = true``), in catalogue order."""
        return tuple(k for k in self.kpis if k.committee)

    @property
    def stages(self) -> tuple[str, ...]:
        """Stages in the order they first appear (the order of the child's journey)."""
        return tuple(dict.fromkeys(k.stage for k in self.kpis))


def parse_catalogue(text: str, source: str = "kpis.toml") -> Catalogue:
    """Parse and check catalogue TOML text; raise CatalogueError naming the bad entry."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{source}: not valid TOML: {exc}") from exc
    entries = raw.get("kpi")
    if not isinstance(entries, list) or not entries:
        raise CatalogueError(f"{source}: no [[kpi]] entries")
    kpis: list[Kpi] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise CatalogueError(f"{source}: KPI entry {number} is not a table")
        where = f"{source}: KPI entry {number} ({entry.get('code', '?')})"
        unknown = set(entry) - set(FIELDS)
        if unknown:
            raise CatalogueError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        for field in REQUIRED:
            if not str(entry.get(field, "")).strip():
                raise CatalogueError(f"{where}: missing {field}")
        checks = (("unit", UNITS), ("polarity", POLARITIES), ("over_time", OVER_TIME))
        for field, allowed in checks:
            if entry[field] not in allowed:
                raise CatalogueError(f"{where}: {field} {entry[field]!r} is not one of {', '.join(allowed)}")
        if not isinstance(entry.get("committee", False), bool):
            raise CatalogueError(f"{where}: committee must be true or false")
        values: dict = {k: v if k == "committee" else str(v).strip() for k, v in entry.items()}
        if values["code"] in seen:
            raise CatalogueError(f"{where}: duplicate code {values['code']}")
        if values["unit"] in RATIO_UNITS and not (values.get("numerator") and values.get("denominator")):
            raise CatalogueError(f"{where}: a {values['unit']} KPI needs numerator and denominator")
        seen.add(values["code"])
        kpis.append(Kpi(**values))
    return Catalogue(tuple(kpis))


@cache
def load_catalogue(path: Path = CATALOGUE_FILE) -> Catalogue:
    """The project's catalogue, read once per process."""
    return parse_catalogue(path.read_text(encoding="utf-8"), source=path.name)


MARKDOWN_NOTE = (
    "Generated from `metrics/kpis.toml` by `make docs` (`python -m metrics.catalogue_docs`). "
    "Do not edit this file by hand: edit `metrics/kpis.toml` and regenerate it."
)
_UNIT_NOTES = {
    "count": "a number of children, cases or events",
    "percent": "100 × numerator / denominator",
    "rate": "10,000 × numerator / denominator, the denominator being the 0–17 population",
    "average": "numerator / denominator",
    "days": "average duration: total days / number of cases",
    "weeks": "average duration: total weeks / number of cases",
}
_POLARITY_NOTES = {
    "up": "higher is better",
    "down": "lower is better",
    "none": "context measure, no RAG rating",
}
_OVER_TIME_NOTES = {
    "sum": "a flow: months add up (ratio KPIs add numerators and denominators)",
    "last": "a stock or rolling measure: a quarter or year takes its last month",
}


def _cell(value: str) -> str:
    """A value as one Markdown table cell: one line, pipes escaped, an em dash when empty."""
    text = " ".join(value.split()).replace("|", "\\|")
    return text or "—"


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else ""
    return str(value)


def catalogue_markdown(catalogue: Catalogue) -> str:
    """The catalogue as Markdown (docs/kpis.md): one section per stage, one table per KPI."""
    lines = ["# KPI catalogue", "", MARKDOWN_NOTE, ""]
    lines.append(f"{len(catalogue)} KPIs in {len(catalogue.stages)} stages of the child's journey.")
    lines += ["", "Values of `unit`:", ""]
    lines += [f"- `{unit}`: {_UNIT_NOTES.get(unit, unit)}" for unit in UNITS]
    lines += ["", "Values of `polarity`:", ""]
    lines += [f"- `{polarity}`: {_POLARITY_NOTES.get(polarity, polarity)}" for polarity in POLARITIES]
    lines += ["", "Values of `over_time` (how months combine into a quarter or year):", ""]
    lines += [f"- `{rule}`: {_OVER_TIME_NOTES.get(rule, rule)}" for rule in OVER_TIME]
    lines += ["", "Across org units, counts add and ratio KPIs add numerators and denominators.", ""]
    for stage in catalogue.stages:
        title = stage[:1].upper() + stage[1:]
        lines += [f"## {title}", ""]
        for kpi in catalogue:
            if kpi.stage != stage:
                continue
            lines += [f"### {_cell(kpi.name)} (`{kpi.code}`)", "", "| Field | Value |", "| --- | --- |"]
            lines += [f"| `{field}` | {_cell(_text(getattr(kpi, field)))} |" for field in FIELDS]
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
