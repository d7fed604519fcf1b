"""The configured authority and its statistical neighbours, kept in the settings table.

``python -m data config --la CODE`` stores the authority whose benchmarks EES files are read
for (see docs/benchmarks.md). A new code (E06000019) is translated to the old 3-digit code (884)
through the bundled lookup ``data/reference/la_codes.csv``, so no EES file is needed to configure.

A database of several authorities (org units of type ``authority``) keeps one configuration per
authority: ``python -m data config --la CODE --org AUTHORITY``, in the same settings with the
authority's code after an ``@`` (``la_code@LA1``; :func:`setting_key`). A database of one
authority (or of no org units yet) keeps the keys without a suffix, as it always has.

Settings used (all text):

- ``la_code``: the old 3-digit code, the key everything else is derived from;
- ``la_name``, ``la_new_code``, ``la_region``, ``la_neighbours``: for display only, refreshed
  whenever the authority or the neighbour model changes;
- ``neighbour_model``: the statistical-neighbour model file loaded with ``python -m data load``
  (its CSV text), replacing the bundled 2025 model; empty: the bundled model is used;
- ``neighbour_model_name``: the name of that file.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from data import ees
from data.settings import get_setting, set_setting
from metrics import orgtree
from metrics.errors import UserError

LA_CODES_FILE = Path(__file__).resolve().parent / "reference" / "la_codes.csv"
LA_CODE_KEY = "la_code"
DISPLAY_KEYS = ("la_name", "la_new_code", "la_region", "la_neighbours")
MODEL_KEY = "neighbour_model"
MODEL_NAME_KEY = "neighbour_model_name"
BUNDLED_MODEL = f"the bundled DfE {ees.NEIGHBOUR_MODEL}, {ees.NEIGHBOURS_FILE.name}"
CONFIGURE = "run `python -m data config --la CODE` (e.g. E06000019 or 884)"


UnknownAuthority = ees.UnknownAuthority


class NotConfigured(LookupError):
    """No authority has been configured (the message says how to configure one)."""


class NotAnAuthority(UserError, LookupError):
    """``--org`` names no authority of the database (the message says which there are)."""


def setting_key(key: str, org: str = "") -> str:
    """The settings key of ``key`` for the authority ``org`` ("": the database's one authority).
    Keys are at most 64 characters: a long unit code is replaced by a digest of it."""
    if not org:
        return key
    named = f"{key}@{org}"
    return named if len(named) <= 64 else f"{key}#{hashlib.sha256(org.encode()).hexdigest()[:32]}"


def org_units(conn: sa.Connection) -> pd.DataFrame:
    """The org units stored (empty before any org units file is loaded)."""
    from data.queries import read_orgs

    if not sa.inspect(conn).has_table("org_units"):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ("code", "parent", "type", "from")})
    return read_orgs(conn)


def authority_units(conn: sa.Connection) -> list[str]:
    """The codes of the database's authorities (units of type ``authority``, or the root)."""
    return orgtree.authorities(org_units(conn))


def config_org(conn: sa.Connection, org: str | None) -> str:
    """Which authority's configuration ``--org`` names: "" in a database of one authority (its
    keys have no suffix), else the authority. Several authorities need ``--org``
    (:class:`metrics.orgtree.SeveralAuthorities`); a unit that is not one is
    :class:`NotAnAuthority`."""
    orgs = org_units(conn)
    heads = orgtree.authorities(orgs)
    if org is None or org == "":
        if len(heads) > 1:
            raise orgtree.SeveralAuthorities(heads)
        return ""
    if org not in heads:
        listed = f"the authorities are {', '.join(heads)}" if heads else "no org units are loaded yet"
        if org in set(orgs["code"]):
            latest = orgs.sort_values("from").drop_duplicates("code", keep="last")
            kind = str(dict(zip(latest["code"], latest["type"], strict=True)).get(org) or "unit")
            raise NotAnAuthority(f"{org} is a {kind}, not an authority: {listed}")
        raise NotAnAuthority(f"unknown authority {org!r}: {listed}")
    return "" if len(heads) == 1 else org


@dataclass(frozen=True)
class NeighbourModel:
    """The statistical-neighbour model in use: the file as read, and where it came from."""

    frame: pd.DataFrame
    label: str
    loaded: bool  # True: a file loaded with `python -m data load`; False: the bundled model


@cache
def load_la_codes() -> pd.DataFrame:
    """The bundled old/new LA code lookup (old_la_code, new_la_code, la_name, first/last year)."""
    return ees.read_ees_csv(LA_CODES_FILE)


def newest_code(old_code: str) -> str:
    """The new code an old code was last published with ("" when the lookup has none)."""
    codes = load_la_codes()
    rows = codes[codes["old_la_code"] == old_code].sort_values(["last_year", "first_year"])
    return str(rows["new_la_code"].iloc[-1]) if len(rows) else ""


def model_rows(frame: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """old code -> (name, region, SN_1 ... SN_10) of a neighbour-model file, to compare models."""
    names = ees.columns_by_name(frame)
    rows: dict[str, tuple[str, ...]] = {}
    for values in frame[[names[c] for c in ees.NEIGHBOUR_COLUMNS]].itertuples(index=False, name=None):
        cells = tuple(str(v).strip() for v in values)
        rows.setdefault(cells[0], cells[1:])
    return rows


@cache
def _bundled() -> tuple[pd.DataFrame, dict[str, tuple[str, ...]]]:
    frame = ees.load_neighbours()
    return frame, model_rows(frame)


def model_of(frame: pd.DataFrame, name: str) -> NeighbourModel:
    """A model read from a file called ``name``; the bundled model when it lists the same neighbours."""
    bundled, rows = _bundled()
    if model_rows(frame) == rows:
        return NeighbourModel(bundled, BUNDLED_MODEL, False)
    return NeighbourModel(frame, name, True)


def neighbour_model(conn: sa.Connection) -> NeighbourModel:
    """The loaded statistical-neighbour model if there is one, else the bundled one."""
    text = get_setting(conn, MODEL_KEY)
    if text:
        return model_of(_stored_model(text), get_setting(conn, MODEL_NAME_KEY, "a loaded model"))
    return NeighbourModel(_bundled()[0], BUNDLED_MODEL, False)


def model_text(frame: pd.DataFrame) -> str:
    """A model file as read (:func:`data.ees.ees_frame`) as the CSV text kept in the settings."""
    return frame.to_csv(index=False, lineterminator="\n")


def _stored_model(text: str) -> pd.DataFrame:
    """The model kept in the settings, as text cells. Not user input: the loader read that file
    with :func:`data.readers.read_table`, checked it and stored it as plain CSV (``model_text``;
    earlier versions the file's own UTF-8 text), so this simple parse cannot meet a sloppy file."""
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def resolve(code: str, neighbours: pd.DataFrame) -> ees.LocalAuthority:
    """An authority by new or old code, with its neighbours in ``neighbours`` (UnknownAuthority)."""
    try:
        return ees.resolve_la(code, neighbours, [load_la_codes()])
    except ees.UnknownAuthority as exc:
        wanted = code.strip().upper()
        if re.fullmatch(r"[EWSN]\d{8}", wanted) and wanted not in set(load_la_codes()["new_la_code"]):
            raise ees.UnknownAuthority(
                f"{wanted} is not the new code of an English local authority in the DfE statistics "
                f"({LA_CODES_FILE.name}): give a code such as E06000019, or the old 3-digit code (884)"
            ) from exc
        raise


def configured_authority(
    conn: sa.Connection, neighbours: pd.DataFrame | None = None, org: str = ""
) -> ees.LocalAuthority:
    """The configured authority with its neighbours (NotConfigured, UnknownAuthority); ``org``:
    the configuration of that authority of several ("": the database's one)."""
    how = f"run `python -m data config --la CODE --org {org}`" if org else CONFIGURE
    missing = f"no authority is configured for {org}: {how}" if org else f"no authority is configured: {how}"
    if not sa.inspect(conn).has_table("settings"):
        raise NotConfigured(missing)
    code = get_setting(conn, setting_key(LA_CODE_KEY, org))
    if not code:
        raise NotConfigured(missing)
    return resolve(code, neighbour_model(conn).frame if neighbours is None else neighbours)


def configured_authorities(
    conn: sa.Connection, neighbours: pd.DataFrame | None = None
) -> dict[str, ees.LocalAuthority]:
    """Each configured authority with its neighbours, by org unit ("": the database's one
    authority, whose keys have no suffix). With several authorities, those configured (an
    authority not configured gets no benchmarks of its own); NotConfigured when none is."""
    heads = authority_units(conn)
    if len(heads) <= 1:
        return {"": configured_authority(conn, neighbours)}
    has_settings = sa.inspect(conn).has_table("settings")
    found = {
        org: configured_authority(conn, neighbours, org)
        for org in heads
        if has_settings and get_setting(conn, setting_key(LA_CODE_KEY, org))
    }
    if not found:
        raise NotConfigured(
            f"no authority is configured: run `python -m data config --la CODE --org AUTHORITY` for "
            f"each authority ({', '.join(heads)})"
        )
    return found


def configure(conn: sa.Connection, code: str, org: str = "") -> tuple[str, ees.LocalAuthority]:
    """Store the authority (new or old code): (the old code configured before, or "", the authority).
    ``org``: the authority of several it is for (:func:`config_org`; "": the database's one).

    Raises UnknownAuthority for a code that is not found, storing nothing.
    """
    la = resolve(code, neighbour_model(conn).frame)
    before = get_setting(conn, setting_key(LA_CODE_KEY, org))
    set_setting(conn, setting_key(LA_CODE_KEY, org), la.old_code)
    store_display(conn, la, org)
    return before, la


def store_display(conn: sa.Connection, la: ees.LocalAuthority, org: str = "") -> None:
    """Write the authority's name, new code, region and neighbours for display."""
    set_setting(conn, setting_key("la_name", org), la.name)
    set_setting(conn, setting_key("la_new_code", org), newest_code(la.old_code))
    set_setting(conn, setting_key("la_region", org), la.region)
    neighbours = "; ".join(f"{n.name} ({n.old_code})" for n in la.neighbours)
    set_setting(conn, setting_key("la_neighbours", org), neighbours)


def describe(conn: sa.Connection, org: str | None = None) -> str:
    """The configuration in a few lines, for ``python -m data config``: of the database's one
    authority, or of every authority of several (``org``: only that one's)."""
    heads = authority_units(conn)
    if len(heads) > 1:
        shown = heads if org is None else [org]
        return "\n\n".join(_describe_one(conn, o, f"{o}: ") for o in shown)
    return _describe_one(conn, "")


def _describe_one(conn: sa.Connection, org: str, prefix: str = "") -> str:
    try:
        la = configured_authority(conn, org=org)
    except NotConfigured as exc:
        return (
            f"{org}: not configured: run `python -m data config --la CODE --org {org}`" if org else str(exc)
        )
    model = neighbour_model(conn)
    codes = ", ".join(c for c in (la.old_code, newest_code(la.old_code)) if c)
    lines = [
        f"{prefix}authority: {la.name} ({codes})",
        f"region: {la.region}",
        f"statistical neighbours ({model.label}):",
        *(
            f"  {i}. {n.name} ({n.old_code}){f', {n.closeness}' if n.closeness else ''}"
            for i, n in enumerate(la.neighbours, start=1)
        ),
    ]
    return "\n".join(lines)
