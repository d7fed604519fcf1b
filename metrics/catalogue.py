"""The KPI catalogue: KPI definitions read from ``kpis.toml`` into frozen dataclasses.

KPIs are data, not code: adding one is one entry in ``kpis.toml``. The catalogue is checked
when it is loaded (unique codes, known units, polarities and rules), so a bad entry stops the
application at start-up rather than showing a wrong number later.
"""

from __future__ import annotations

import tomllib
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

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.kpis)

    def __len__(self) -> int:
        return len(self.kpis)

    @property
    def by_code(self) -> dict[str, Kpi]:
        return {k.code: k for k in self.kpis}

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
        if entry["code"] in seen:
            raise CatalogueError(f"{where}: duplicate code {entry['code']}")
        if entry["unit"] in RATIO_UNITS and not (entry.get("numerator") and entry.get("denominator")):
            raise CatalogueError(f"{where}: a {entry['unit']} KPI needs numerator and denominator")
        seen.add(entry["code"])
        kpis.append(Kpi(**{k: str(v).strip() for k, v in entry.items()}))
    return Catalogue(tuple(kpis))


@cache
def load_catalogue(path: Path = CATALOGUE_FILE) -> Catalogue:
    """The project's catalogue, read once per process."""
    return parse_catalogue(path.read_text(encoding="utf-8"), source=path.name)
