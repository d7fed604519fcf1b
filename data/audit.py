"""The audit log: one row for every write (who, when, what, from where), never changed."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd
import sqlalchemy as sa

from data import schema
from data.queries import Source, _frame

COMMAND_LINE = "command line"


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def record(
    conn: sa.Connection,
    who: str,
    action: str,
    target: str,
    address: str,
    detail: dict[str, Any] | None = None,
    load_id: int | None = None,
) -> None:
    """Add one audit row inside the caller's transaction (so it commits with the write, or not at all)."""
    conn.execute(
        schema.audit.insert().values(
            at=now(),
            who=who,
            action=action,
            target=target,
            detail=json.dumps(detail or {}, sort_keys=True, ensure_ascii=False),
            address=address[:64],
            load_id=load_id,
        )
    )


def read_audit(source: Source, limit: int | None = None) -> pd.DataFrame:
    """The audit log, newest first."""
    if isinstance(source, sa.Engine):
        with source.connect() as conn:
            return read_audit(conn, limit)
    t = schema.audit
    if not sa.inspect(source).has_table("audit"):
        return pd.DataFrame(columns=[c.name for c in t.columns])
    query = sa.select(t.c.id, t.c.at, t.c.who, t.c.action, t.c.target, t.c.detail, t.c.address, t.c.load_id)
    query = query.order_by(t.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return _frame(source, query)
