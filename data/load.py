"""Loading files: validate, then write every file of a command in one transaction.

A file is loaded whole or not at all; any problem in any file of the command rolls the whole
command back. Unchanged rows are left alone, changed ones become new revisions (the old row is
kept, marked superseded by this load), so loading the same file twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa

from data import schema
from data.findings import check_and_record
from data.migrate import ensure_schema
from data.problems import InvalidInput, Problem
from data.queries import read_orgs
from data.readers import RawTable, read_table
from data.validate import VALIDATORS, Context, check_columns, detect_kind
from metrics.catalogue import Catalogue, load_catalogue

if TYPE_CHECKING:
    from data.ees_load import EesBatch

Progress = Callable[[int, int], None]
CHUNK = 50_000
PG_LOAD_LOCK = 7_340_021

KEYS: dict[str, tuple[list[str], list[str]]] = {
    "orgs": (["code", "valid_from"], ["name", "parent", "type", "closed"]),
    "figures": (["kpi", "org", "period"], ["numerator", "denominator", "value", "commentary"]),
    "targets": (["kpi", "org", "valid_from"], ["target", "tolerance"]),
    "benchmarks": (["kpi", "period", "comparator"], ["value", "symbol", "note"]),
    "process_changes": (["kpi", "org", "period"], ["note"]),
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


def this_month() -> str:
    return dt.date.today().strftime("%Y-%m")


def load_files(
    engine: sa.Engine,
    paths: Sequence[Path],
    *,
    dry_run: bool = False,
    user: str | None = None,
    month: str | None = None,
    catalogue: Catalogue | None = None,
    progress: Progress | None = None,
) -> list[LoadSummary]:
    """Validate and load files in one transaction; raise InvalidInput (nothing written) on any problem."""
    catalogue = catalogue or load_catalogue()
    user = user or _user()
    summaries: list[LoadSummary] = []
    problems: list[Problem] = []
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            if conn.dialect.name == "postgresql":  # before the schema, so two first loads cannot clash
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(PG_LOAD_LOCK)))
            ensure_schema(conn, catalogue)
            from data.ees_load import EesBatch  # builds on write_rows below

            batch = EesBatch(paths)  # EES files are read together: rates need the LA file's population
            for path in paths:
                try:
                    summaries.append(
                        load_file(
                            conn,
                            path,
                            catalogue,
                            user=user,
                            month=month or this_month(),
                            progress=progress,
                            ees_batch=batch,
                        )
                    )
                except InvalidInput as exc:
                    problems.extend(exc.problems)
            if problems:
                raise InvalidInput(problems)
            if not dry_run:
                summaries = _record_findings(conn, summaries, catalogue, month or this_month())
        except BaseException:
            transaction.rollback()
            raise
        if dry_run:
            transaction.rollback()
        else:
            transaction.commit()
    return summaries


def _record_findings(
    conn: sa.Connection, summaries: list[LoadSummary], catalogue: Catalogue, month: str
) -> list[LoadSummary]:
    """Run the data-quality checks on the database as loaded; record what is new against the
    command's last load (a command that changed nothing caused nothing). A note on the checks
    (cut short on a very large database) goes on that load and its summary."""
    load_ids = [s.load_id for s in summaries if s.load_id is not None]
    if not load_ids:
        return summaries
    last = max(load_ids)
    note = check_and_record(conn, last, catalogue, today_month=month).note
    if not note:
        return summaries
    loads = schema.loads
    noted = sa.case((loads.c.note == "", note), else_=loads.c.note + "; " + note)
    conn.execute(loads.update().where(loads.c.id == last).values(note=noted))
    return [replace(s, notes=(*s.notes, note)) if s.load_id == last else s for s in summaries]


def load_file(
    conn: sa.Connection,
    path: Path,
    catalogue: Catalogue,
    *,
    user: str,
    month: str,
    progress: Progress | None = None,
    ees_batch: EesBatch | None = None,
) -> LoadSummary:
    """Validate one file against the database as it stands in this transaction, then write it.

    EES open-data files and the statistical-neighbour model are recognised by their header first
    and loaded by :mod:`data.ees_load` (benchmarks for the configured authority).
    """
    from data import chunked  # a large figures file: validated and written chunk by chunk

    if chunked.is_large(path):
        summary = chunked.load_large_file(conn, path, catalogue, user=user, month=month, progress=progress)
        if summary is not None:
            return summary
    table = read_table(path)
    from data import ees_load  # builds on write_rows below

    if ees_load.recognises(table):
        batch = ees_batch or ees_load.EesBatch([path])
        return ees_load.load_ees_file(conn, path, table, catalogue, batch, user=user, progress=progress)
    kind = detect_kind(table)
    column_problems = check_columns(table, kind)
    if column_problems:
        raise InvalidInput(column_problems)
    context = Context(catalogue, read_orgs(conn), month)
    clean, problems = VALIDATORS[kind.name](table, context)
    if problems:
        raise InvalidInput(problems)
    return write_rows(conn, kind.name, clean, table, path, user=user, progress=progress)


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
    load_id = conn.execute(
        loads.insert()
        .values(
            file_name=path.name,
            sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
            kind=kind,
            loaded_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            loaded_by=user,
            note="; ".join(table.notes),
        )
        .returning(loads.c.id)
    ).scalar_one()
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
        current = _current_rows(conn, table, keys, values, incoming)
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
    _bulk_insert(conn, table, rows, progress)
    return int(is_new.sum()), int(changed.sum()), int((~is_new & ~changed).sum())


def _current_rows(
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


def _bulk_insert(conn: sa.Connection, table: sa.Table, rows: pd.DataFrame, progress: Progress | None) -> None:
    """Plain executemany of tuples (COPY on PostgreSQL): the fast path measured in toolchain.md."""
    if rows.empty:
        return
    columns = list(rows.columns)
    lists = [rows[c].astype(object).where(rows[c].notna(), None).tolist() for c in columns]
    records = list(zip(*lists, strict=True))
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


def _user() -> str:
    try:
        return os.environ.get("DASHBOARD_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
