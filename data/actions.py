"""Improvement actions: the fields and their checks, the CSV file kind, and writing them.

An action is revisioned like a figure (key ``action_id``): every change is a new version with the
load (who, when) that made it. An action that "starts a new process" from a month also records a
process change for each of its KPIs and its unit from that month, so SPC starts a new baseline.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from data import schema
from data.problems import Problem
from data.queries import ACTION_COLUMNS
from data.readers import RawTable
from data.revisions import LoadSummary, apply_revisions, start_load
from metrics.catalogue import Catalogue
from metrics.periods import parse_month

STATUSES = ("open", "done", "dropped")
LIMITS = {"title": 200, "owner": 200, "description": 4000}
REQUIRED = ("title", "owner", "due", "status", "kpis", "org")


def field_problems(record: Mapping[str, Any], catalogue: Catalogue, orgs: set[str]) -> list[tuple[str, str]]:
    """(column, message) for each field of an action that is wrong; none for a good action."""
    found: list[tuple[str, str]] = []
    for column in REQUIRED:
        if not str(record.get(column) or "").strip():
            found.append((column, f"{column} is required"))
    for column, limit in LIMITS.items():
        if len(str(record.get(column) or "")) > limit:
            found.append((column, f"{column} is longer than {limit} characters"))
    due = str(record.get("due") or "").strip()
    if due:
        try:
            dt.date.fromisoformat(due)
        except ValueError:
            found.append(("due", f"due must be a date written YYYY-MM-DD, not {due[:20]!r}"))
    status = str(record.get("status") or "").strip()
    if status and status not in STATUSES:
        found.append(("status", f"status must be one of {', '.join(STATUSES)}, not {status[:20]!r}"))
    for code in split_kpis(record.get("kpis")):
        if code not in catalogue:
            found.append(("kpis", f"unknown KPI code {code[:64]!r}"))
    org = str(record.get("org") or "").strip()
    if org and org not in orgs:
        found.append(("org", f"unknown org unit {org[:64]!r}"))
    start = str(record.get("starts_process") or "").strip()
    if start and parse_month(start) is None:
        found.append(
            ("starts_process", f"starts_process must be a month written YYYY-MM, not {start[:20]!r}")
        )
    return found


def split_kpis(value: Any) -> list[str]:
    """KPI codes from a list or from text separated by commas, semicolons or spaces."""
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value or "").replace(";", ",").replace(" ", ",")
    return [v.strip() for v in text.split(",") if v.strip()]


def clean_record(record: Mapping[str, Any]) -> dict[str, str]:
    """The stored form of a checked action: text fields stripped, KPIs joined by commas."""
    out = {c: str(record.get(c) or "").strip() for c in ACTION_COLUMNS}
    out["kpis"] = ",".join(split_kpis(record.get("kpis")))
    start = out["starts_process"]
    out["starts_process"] = (parse_month(start) or "") if start else ""
    return out


def validate_actions(table: RawTable, context: Any) -> tuple[pd.DataFrame, list[Problem]]:
    """An actions CSV (``title,owner,due,status,kpis,org[,starts_process,description]``)."""
    problems: list[Problem] = []
    orgs = set(context.orgs["code"]) if len(context.orgs) else set()
    good = []
    seen: dict[tuple[str, str], int] = {}
    for position, cells in enumerate(table.frame.to_dict("records")):
        record = {str(k): v for k, v in cells.items()}
        row = int(table.rows.iloc[position])
        found = field_problems(record, context.catalogue, orgs)
        key = (str(record.get("org", "")).strip(), str(record.get("title", "")).strip())
        if key in seen:
            found.append(("title", f"the same title and org as row {seen[key]}"))
        seen.setdefault(key, row)
        problems += [table.problem(row, column, message) for column, message in found]
        if not found:
            good.append(clean_record(record))
    return pd.DataFrame(good, columns=ACTION_COLUMNS), problems


def next_action_id(conn: sa.Connection) -> int:
    return (
        int(
            conn.execute(sa.select(sa.func.coalesce(sa.func.max(schema.actions.c.action_id), 0))).scalar_one()
        )
        + 1
    )


def current_action(conn: sa.Connection, action_id: int) -> dict[str, str] | None:
    t = schema.actions
    row = conn.execute(
        sa.select(*(t.c[c] for c in ACTION_COLUMNS)).where(
            t.c.action_id == action_id, t.c.is_current == sa.true()
        )
    ).first()
    return None if row is None else dict(row._mapping)


def apply_actions(conn: sa.Connection, rows: pd.DataFrame, load_id: int) -> tuple[int, int, int]:
    """Write actions (with ``action_id``) as revisions, and their process changes, under one load."""
    counts = apply_revisions(conn, "actions", rows[["action_id", *ACTION_COLUMNS]], load_id)
    starts = rows[rows["starts_process"] != ""]
    changes = [
        {
            "kpi": kpi,
            "org": r.org,
            "period": r.starts_process,
            "note": f"Action {r.action_id}: {r.title}"[:500],
        }
        for r in starts.itertuples()
        for kpi in str(r.kpis).split(",")
    ]
    if changes:
        frame = pd.DataFrame(changes).drop_duplicates(["kpi", "org", "period"], keep="last")
        apply_revisions(conn, "process_changes", frame, load_id)
    return counts


def write_loaded(
    conn: sa.Connection, clean: pd.DataFrame, table: RawTable, path: Path, *, user: str
) -> LoadSummary:
    """An actions file: rows match stored actions by org and title (revised), others are new."""
    loads = schema.loads
    load_id = start_load(conn, path, "actions", user, "; ".join(table.notes))
    t = schema.actions
    stored = {
        (r.org, r.title): int(r.action_id)
        for r in conn.execute(sa.select(t.c.action_id, t.c.org, t.c.title).where(t.c.is_current == sa.true()))
    }
    next_id = next_action_id(conn)
    ids = []
    for org, title in zip(clean["org"], clean["title"], strict=True):
        if (org, title) not in stored:
            stored[(org, title)] = next_id
            next_id += 1
        ids.append(stored[(org, title)])
    rows = clean.assign(action_id=ids)
    added, revised, unchanged = apply_actions(conn, rows, load_id)
    if added == revised == 0:
        conn.execute(loads.delete().where(loads.c.id == load_id))
        return LoadSummary(table.source, "actions", 0, 0, unchanged, None, tuple(table.notes))
    conn.execute(
        loads.update()
        .where(loads.c.id == load_id)
        .values(rows_added=added, rows_revised=revised, rows_unchanged=unchanged)
    )
    return LoadSummary(table.source, "actions", added, revised, unchanged, load_id, tuple(table.notes))


def actions_csv(actions: pd.DataFrame) -> str:
    """The actions file format (loads back unchanged), formula-like text neutralised."""
    from data.export import neutralise

    out = actions[ACTION_COLUMNS].map(neutralise) if len(actions) else pd.DataFrame(columns=ACTION_COLUMNS)
    buffer = io.StringIO()
    out.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def overdue(actions: pd.DataFrame, today: dt.date | None = None) -> pd.Series:
    """True for open actions whose due date has passed."""
    day = (today or dt.date.today()).isoformat()
    if actions.empty:
        return pd.Series(dtype=bool)
    return (actions["status"] == "open") & (actions["due"].astype(str) < day)
