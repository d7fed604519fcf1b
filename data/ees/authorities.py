"""Local authorities and their statistical neighbours (the DfE statistical-neighbour model).

An authority is found by its new (E06000019) or old (884) code; the model, keyed by old
3-digit codes, gives its name, region and ten closest neighbours.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from data.ees.mapping import _norm, _unique
from data.ees.parsing import _NEW_CODE, OLD_CODE, _cells, _codes, _text, columns_by_name, read_ees_csv

NEIGHBOURS_FILE = Path(__file__).resolve().parents[1] / "reference" / "sn_model_2025_wide.csv"
NEIGHBOUR_MODEL = "2025 model"
NEIGHBOUR_COUNT = 10
NEIGHBOUR_COLUMNS = (
    "old_la_code",
    "la_name",
    "region_name",
    *(f"sn_{n}" for n in range(1, NEIGHBOUR_COUNT + 1)),
)


class UnknownAuthority(LookupError):
    """An LA code that cannot be found: the message says what to give instead."""


def is_neighbour_model(columns: Iterable[object]) -> bool:
    """True when a header is the DfE statistical-neighbour model (old_la_code, SN_1 ... SN_10)."""
    names = {_norm(c) for c in columns}
    return all(c in names for c in NEIGHBOUR_COLUMNS)


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


def _neighbour_table(neighbours: pd.DataFrame) -> dict[str, dict[str, str]]:
    """old code -> {normalised column: text} for the statistical-neighbour file."""
    names = columns_by_name(neighbours)
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
        names = columns_by_name(frame)
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
    elif OLD_CODE.match(wanted):
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
