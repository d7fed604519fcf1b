"""Writing rows as revisions: the one write path of every loader (files, EES, chunks).

A load is recorded first; each incoming row is compared with the current row of its key: new
keys are inserted, changed ones supersede the old row (kept, with ``superseded_by`` naming the
load), identical ones are left alone. Rows go in through plain ``executemany`` of tuples (COPY
on PostgreSQL), the fast path measured in toolchain.md; table and column names come from the
schema, values are always bound parameters.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from data import schema
from data.readers import RawTable

Progress = Callable[[int, int], None]
CHUNK = 50_000

KEYS: dict[str, tuple[list[str], list[str]]] = {
    "orgs": (["code", "valid_from"], ["name", "parent", "type", "closed"]),
    "figures": (["kpi", "org", "period"], ["numerator", "denominator", "value", "commentary"]),
    "targets": (["kpi", "org", "valid_from"], ["target", "tolerance"]),
    "benchmarks": (["kpi", "period", "comparator", "org"], ["value", "symbol", "note"]),
    "process_changes": (["kpi", "org", "period"], ["note"]),
    "commentary": (["kpi", "org", "period"], ["text"]),
    "actions": (
        ["action_id"],
        ["title", "description", "owner", "due", "status", "kpis", "org", "starts_process"],
    ),
}


@dataclass(frozen=True)
class LoadSummary:
    """What one file did to the database."""

    file: str
    kind: str
    added: int
    revised: int
    unchanged: int
    load_id: int | None
    notes: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        kind = self.kind.replace("_", " ")
        text = f"{self.file}: {kind}: {self.added} added, {self.revised} revised, {self.unchanged} unchanged"
        if self.load_id is None:
            text += " (nothing changed)"
        return "\n".join([text, *(f"{self.file}: note: {n}" for n in self.notes)])


def file_sha256(path: Path) -> str:
    """The file's checksum, read a megabyte at a time (files may be hundreds of megabytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def start_load(conn: sa.Connection, path: Path, kind: str, user: str, note: str = "", **counts: int) -> int:
    """Record a load of ``path`` (file name, checksum, time, user); its id."""
    loads = schema.loads
    return int(
        conn.execute(
            loads.insert()
            .values(
                file_name=path.name,
                sha256=file_sha256(path),
                kind=kind,
                loaded_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                loaded_by=user,
                note=note,
                **counts,
            )
            .returning(loads.c.id)
        ).scalar_one()
    )


def write_rows(
    conn: sa.Connection,
    kind: str,
    clean: pd.DataFrame,
    table: RawTable,
    path: Path,
    *,
    user: str,
    progress: Progress | None = None,
) -> LoadSummary:
    """Record a load and apply its rows as revisions; drop the load record if nothing changed."""
    loads = schema.loads
    load_id = start_load(conn, path, kind, user, "; ".join(table.notes))
    added, revised, unchanged = apply_revisions(conn, kind, clean, load_id, progress)
    if added == revised == 0:
        conn.execute(loads.delete().where(loads.c.id == load_id))
        return LoadSummary(table.source, kind, 0, 0, unchanged, None, tuple(table.notes))
    conn.execute(
        loads.update()
        .where(loads.c.id == load_id)
        .values(rows_added=added, rows_revised=revised, rows_unchanged=unchanged)
    )
    return LoadSummary(table.source, kind, added, revised, unchanged, load_id, tuple(table.notes))


def apply_revisions(
    conn: sa.Connection,
    kind: str,
    incoming: pd.DataFrame,
    load_id: int,
    progress: Progress | None = None,
    *,
    current: pd.DataFrame | None = None,
) -> tuple[int, int, int]:
    """Insert new keys, supersede changed ones, leave identical ones: (added, revised, unchanged).

    ``current``: the current rows for the incoming keys, when the caller has them (chunked loads).
    """
    table = schema.FACT_TABLES[kind]
    keys, values = KEYS[kind]
    if current is None:
        current = current_rows(conn, table, keys, values, incoming)
    merged = incoming.merge(current, on=keys, how="left", suffixes=("", "_old"), indicator=True)
    is_new = merged["_merge"] == "left_only"
    if incoming.attrs.get("keep_commentary") and "commentary" in values:
        merged["commentary"] = merged["commentary"].where(is_new, merged["commentary_old"])
    changed = pd.Series(False, index=merged.index)
    for column in values:
        new, old = merged[column], merged[f"{column}_old"]
        same = (new == old) | (new.isna() & old.isna())
        changed |= ~same
    changed &= ~is_new
    superseded = merged.loc[changed, "id"].astype(int).tolist()
    if superseded:
        conn.execute(
            table.update()
            .where(table.c.id == sa.bindparam("old_id"))
            .values(is_current=False, superseded_by=load_id),
            [{"old_id": i} for i in superseded],
        )
    rows = merged.loc[is_new | changed, keys + values].assign(load_id=load_id, is_current=True)
    bulk_insert(conn, table, rows, progress)
    return int(is_new.sum()), int(changed.sum()), int((~is_new & ~changed).sum())


def current_rows(
    conn: sa.Connection, table: sa.Table, keys: list[str], values: list[str], incoming: pd.DataFrame
) -> pd.DataFrame:
    query = sa.select(table.c.id, *(table.c[c] for c in keys + values)).where(table.c.is_current == sa.true())
    if "period" in keys and len(incoming):
        query = query.where(table.c.period.in_(sorted(incoming["period"].unique())))
    result = conn.execute(query)
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    for column in values:
        if column in frame and incoming[column].dtype.kind == "f":
            frame[column] = frame[column].astype(float)
    return frame


def _cells(column: pd.Series) -> list[object]:
    """A column as Python values, missing ones (NaN, None, NA) as None: what the driver binds."""
    values = column.to_numpy(dtype=object, copy=True)
    missing = column.isna().to_numpy()
    if missing.any():
        values[missing] = None
    return values.tolist()


def bulk_insert(conn: sa.Connection, table: sa.Table, rows: pd.DataFrame, progress: Progress | None) -> None:
    """Plain executemany of tuples (COPY on PostgreSQL): the fast path measured in toolchain.md."""
    if rows.empty:
        return
    columns = list(rows.columns)
    records = list(zip(*(_cells(rows[c]) for c in columns), strict=True))
    total = len(records)
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for start in range(0, total, CHUNK):
                for record in records[start : start + CHUNK]:
                    copy.write_row(record)
                if progress:
                    progress(min(start + CHUNK, total), total)
        return
    marks = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"
    for start in range(0, total, CHUNK):
        conn.exec_driver_sql(sql, records[start : start + CHUNK])
        if progress:
            progress(min(start + CHUNK, total), total)
