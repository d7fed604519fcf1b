"""Writes from the dashboard and scripts: commentary and improvement actions.

Each write is one transaction on the writer's engine: the user is read again and their role and
unit checked (:func:`metrics.access.require`), the change is recorded as a load whose
``loaded_by`` is the user (the revision model of figures), audited, and ended by
:func:`data.load.finish_load` so derived data follows the facts. A refused or invalid write
changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from data import actions, audit, schema
from data.load import PG_LOAD_LOCK, finish_load, this_month
from data.queries import read_orgs
from data.revisions import LoadSummary, apply_revisions
from data.users import get_user
from metrics.access import UPLOAD, WRITE, User, require
from metrics.catalogue import Catalogue, load_catalogue
from metrics.periods import parse_month

MAX_COMMENTARY = 4000


class WriteError(ValueError):
    """A write with fields that cannot be stored: ``problems`` is (field, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))


class NotFound(LookupError):
    """No such record."""


@dataclass(frozen=True)
class Written:
    """What a write did: the load that recorded it (None when nothing changed) and the record."""

    load_id: int | None
    record: dict[str, Any]


@contextmanager
def writing(engine: sa.Engine) -> Iterator[sa.Connection]:
    """One write transaction, serialised with loads (the PostgreSQL load lock)."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(PG_LOAD_LOCK)))
        yield conn


def checked_user(conn: sa.Connection, email: str, capability: str, unit: str | None) -> User:
    """The user as stored now, allowed ``capability`` for ``unit`` (else Forbidden)."""
    user = get_user(conn, email)
    require(user, capability, unit, read_orgs(conn))
    assert user is not None
    return user


def _record_load(conn: sa.Connection, name: str, kind: str, user: str, payload: Mapping[str, Any]) -> int:
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    loads = schema.loads
    return int(
        conn.execute(
            loads.insert()
            .values(
                file_name=name[:300],
                sha256=hashlib.sha256(body).hexdigest(),
                kind=kind,
                loaded_at=audit.now(),
                loaded_by=user,
                note="written in the dashboard",
            )
            .returning(loads.c.id)
        ).scalar_one()
    )


def _finish(
    conn: sa.Connection, load_id: int, kind: str, counts: tuple[int, int, int], catalogue: Catalogue
) -> int | None:
    """Keep the load record if something changed (then run finish_load), else drop it."""
    added, revised, unchanged = counts
    loads = schema.loads
    if added == revised == 0:
        conn.execute(loads.delete().where(loads.c.id == load_id))
        return None
    conn.execute(
        loads.update()
        .where(loads.c.id == load_id)
        .values(rows_added=added, rows_revised=revised, rows_unchanged=unchanged)
    )
    summary = LoadSummary(kind, kind, added, revised, unchanged, load_id)
    finish_load(conn, [summary], catalogue, this_month())
    return load_id


def write_commentary(
    engine: sa.Engine,
    email: str,
    fields: Mapping[str, Any],
    *,
    address: str,
    catalogue: Catalogue | None = None,
) -> Written:
    """Write (or replace) the commentary for a KPI x unit x month; every version is kept."""
    catalogue = catalogue or load_catalogue()
    kpi, org = str(fields.get("kpi") or "").strip(), str(fields.get("org") or "").strip()
    text = fields.get("text")
    raw_period = str(fields.get("period") or "").strip()
    period = parse_month(raw_period) if len(raw_period) == 7 else None
    problems = []
    if kpi not in catalogue:
        problems.append(("kpi", f"unknown KPI code {kpi[:64]!r}"))
    if period is None:
        problems.append(("period", f"period must be a month written YYYY-MM, not {raw_period[:20]!r}"))
    elif period > this_month():
        problems.append(("period", f"{period} is in the future"))
    if not isinstance(text, str):
        problems.append(("text", "text must be a string"))
    elif len(text) > MAX_COMMENTARY:
        problems.append(("text", f"text is longer than {MAX_COMMENTARY} characters"))
    with writing(engine) as conn:
        checked_user(conn, email, WRITE, org)
        if org not in set(read_orgs(conn).get("code", pd.Series(dtype=str))):
            problems.append(("org", f"unknown org unit {org[:64]!r}"))
        if problems:
            raise WriteError(problems)
        assert isinstance(text, str) and period is not None
        record = {"kpi": kpi, "org": org, "period": period, "text": text.strip()}
        load_id = _record_load(conn, f"commentary {kpi} {org} {period}", "commentary", email, record)
        counts = apply_revisions(conn, "commentary", pd.DataFrame([record]), load_id)
        kept = _finish(conn, load_id, "commentary", counts, catalogue)
        if kept is not None:
            audit.record(conn, email, "commentary.write", f"{kpi} {org} {period}", address, record, kept)
    return Written(kept, record)


def create_action(
    engine: sa.Engine,
    email: str,
    fields: Mapping[str, Any],
    *,
    address: str,
    catalogue: Catalogue | None = None,
) -> Written:
    """A new improvement action (status ``open`` unless given)."""
    catalogue = catalogue or load_catalogue()
    fields = {"status": "open", **fields}
    unknown = sorted(set(fields) - {*actions.ACTION_COLUMNS})
    with writing(engine) as conn:
        checked_user(conn, email, WRITE, str(fields.get("org") or "").strip())
        orgs = set(read_orgs(conn).get("code", pd.Series(dtype=str)))
        problems = [(u[:40], "unknown field") for u in unknown] + actions.field_problems(
            fields, catalogue, orgs
        )
        if problems:
            raise WriteError(problems)
        record = {"action_id": actions.next_action_id(conn), **actions.clean_record(fields)}
        load_id = _record_load(conn, f"action {record['action_id']}", "actions", email, record)
        counts = actions.apply_actions(conn, pd.DataFrame([record]), load_id)
        kept = _finish(conn, load_id, "actions", counts, catalogue)
        audit.record(conn, email, "actions.create", f"action {record['action_id']}", address, record, kept)
    return Written(kept, record)


def update_action(
    engine: sa.Engine,
    email: str,
    action_id: int,
    changes: Mapping[str, Any],
    *,
    address: str,
    catalogue: Catalogue | None = None,
) -> Written:
    """Change some fields of an action; the user must be allowed its unit before and after."""
    catalogue = catalogue or load_catalogue()
    unknown = sorted(set(changes) - {*actions.ACTION_COLUMNS})
    with writing(engine) as conn:
        before = actions.current_action(conn, action_id)
        if before is None:
            get_user(conn, email)  # nothing to check against: the caller answers 404
            raise NotFound(f"no action {action_id}")
        checked_user(conn, email, WRITE, before["org"])
        merged = {**before, **changes}
        checked_user(conn, email, WRITE, str(merged.get("org") or "").strip())
        orgs = set(read_orgs(conn).get("code", pd.Series(dtype=str)))
        problems = [(u[:40], "unknown field") for u in unknown] + actions.field_problems(
            merged, catalogue, orgs
        )
        if problems:
            raise WriteError(problems)
        record = {"action_id": action_id, **actions.clean_record(merged)}
        load_id = _record_load(conn, f"action {action_id}", "actions", email, record)
        counts = actions.apply_actions(conn, pd.DataFrame([record]), load_id)
        kept = _finish(conn, load_id, "actions", counts, catalogue)
        if kept is not None:
            audit.record(conn, email, "actions.update", f"action {action_id}", address, dict(changes), kept)
    return Written(kept, record)


def require_officer(engine: sa.Engine, email: str) -> User:
    """The user, if an officer or admin (uploads), else Forbidden."""
    with engine.connect() as conn:
        user = get_user(conn, email)
    require(user, UPLOAD)
    assert user is not None
    return user


def today() -> dt.date:
    return dt.date.today()
