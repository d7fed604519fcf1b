"""Loading files: validate, then write every file of a command in one transaction.

A file is loaded whole or not at all; any problem in any file of the command rolls the whole
command back. Unchanged rows are left alone, changed ones become new revisions (the old row is
kept, marked superseded by this load), so loading the same file twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from data import actions, audit, chunked, ees_load, report_store, schema
from data.casefiles.batch import CaseFiles, Options
from data.casefiles.commands import load_case_files
from data.findings import check_and_record
from data.migrate import ensure_schema
from data.problems import InvalidInput, Problem
from data.queries import read_orgs
from data.readers import RawTable, read_table
from data.revisions import LoadSummary, Progress, write_rows
from data.validate import VALIDATORS, Context, check_columns, detect_kind
from metrics.access import User
from metrics.catalogue import Catalogue, load_catalogue
from metrics.orgtree import authority_map, descendants

PG_LOAD_LOCK = 7_340_021


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
    case_options: Options | None = None,
    address: str = audit.COMMAND_LINE,
    writer: User | None = None,
) -> list[LoadSummary]:
    """Validate and load files in one transaction; raise InvalidInput (nothing written) on any problem.

    Case files (SSDA903 tables, Annex A workbooks, data books, team aliases) are derived after
    the other files, so org units loaded by the same command label their figures. Each file that
    changed something is recorded in the audit log (``address``: where from). ``writer``: the
    signed-in user of a web upload, whose unit limits the units a file may name (None: the
    command line, which may load for every authority)."""
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
            batch = ees_load.EesBatch(
                paths
            )  # EES files are read together: rates need the LA file's population
            cases = CaseFiles(paths)
            for path in paths:
                if path in cases.claimed:
                    continue
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
                            writer=writer,
                        )
                    )
                except InvalidInput as exc:
                    problems.extend(exc.problems)
            if cases:
                try:
                    summaries.extend(
                        load_case_files(
                            conn,
                            cases,
                            catalogue,
                            user=user,
                            month=month or this_month(),
                            options=case_options,
                            progress=progress,
                        )
                    )
                except InvalidInput as exc:
                    problems.extend(exc.problems)
            if problems:
                raise InvalidInput(problems)
            if not dry_run:
                for summary in summaries:
                    if summary.load_id is not None:
                        detail = {"kind": summary.kind, "added": summary.added, "revised": summary.revised}
                        audit.record(conn, user, "load", summary.file, address, detail, summary.load_id)
                summaries = finish_load(conn, summaries, catalogue, month or this_month())
        except BaseException:
            transaction.rollback()
            raise
        if dry_run:
            transaction.rollback()
        else:
            transaction.commit()
    return summaries


def finish_load(
    conn: sa.Connection, summaries: list[LoadSummary], catalogue: Catalogue, month: str
) -> list[LoadSummary]:
    """The end of every write, inside its transaction: every writer (files, the browser, scripts)
    calls this once after writing facts, so what is derived from the facts follows them.

    First the stored report of every KPI the command touched is rebuilt (all of it when the
    report was built with other rules or another catalogue); then the data-quality checks run on
    the database as loaded and what they found new is recorded against the command's last load
    (a command that changed nothing caused nothing). A note on the checks (cut short on a very
    large database) goes on that load and its summary."""
    load_ids = [s.load_id for s in summaries if s.load_id is not None]
    if not load_ids:
        if not report_store.is_current(conn, catalogue):
            report_store.rebuild(conn, catalogue)
        return summaries
    touched = report_store.touched(conn, load_ids, catalogue)
    if report_store.is_current(conn, catalogue):
        report_store.rebuild(conn, catalogue, touched.kpis, touched.authorities)
    else:
        report_store.rebuild(conn, catalogue)
    last = max(load_ids)
    note = check_and_record(conn, last, catalogue, today_month=month, authorities=touched.authorities).note
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
    ees_batch: ees_load.EesBatch | None = None,
    writer: User | None = None,
) -> LoadSummary:
    """Validate one file against the database as it stands in this transaction, then write it.

    EES open-data files and the statistical-neighbour model are recognised by their header first
    and loaded by :mod:`data.ees_load` (benchmarks for the configured authority).
    """
    if chunked.is_large(path):  # a large figures file: validated and written chunk by chunk
        summary = chunked.load_large_file(conn, path, catalogue, user=user, month=month, progress=progress)
        if summary is not None:
            return summary
    table = ees_batch.tables.get(path) if ees_batch else None  # an EES file the batch has read
    table = table or read_table(path)
    if ees_load.recognises(table):
        batch = ees_batch or ees_load.EesBatch([path])
        return ees_load.load_ees_file(conn, path, table, catalogue, batch, user=user, progress=progress)
    kind = detect_kind(table)
    column_problems = check_columns(table, kind)
    if column_problems:
        raise InvalidInput(column_problems)
    context = Context(catalogue, read_orgs(conn), month)
    clean, problems = VALIDATORS[kind.name](table, context)
    if not problems and writer is not None:
        problems = unit_problems(clean, table, kind.name, writer, context.orgs)
    if problems:
        raise InvalidInput(problems)
    if kind.name == "actions":
        return actions.write_loaded(conn, clean, table, path, user=user)
    return write_rows(conn, kind.name, clean, table, path, user=user, progress=progress)


def unit_problems(
    clean: pd.DataFrame, table: RawTable, kind: str, writer: User, stored: pd.DataFrame
) -> list[Problem]:
    """A writer of one unit may load rows only for that unit and the units below it: a file
    naming units of two authorities is refused unless the writer may write both."""
    column = "code" if kind == "orgs" else "org"
    if not writer.org or writer.at_least("admin") or column not in clean:
        return []
    if kind == "benchmarks":  # a benchmark without an org (England, say) is no unit's, as before
        clean = clean[clean["org"] != ""]
    tree = stored
    if kind == "orgs":
        tree = pd.concat([stored, clean.rename(columns={"valid_from": "from"})], ignore_index=True)
    allowed = descendants(tree, writer.org) if writer.org in set(tree["code"]) else set()
    head_of = authority_map(tree)
    mine = f"you may load only for {writer.org} and the units below it"
    problems = []
    row_of = table.rows.to_dict()
    for index, unit in clean[column].items():
        if unit in allowed:
            continue
        head = head_of.get(str(unit), "")
        where = f" (in {head})" if head and head != unit else ""
        text = (
            f"{mine}, not {unit}{where}"
            if unit
            else f"a row for every unit applies to every authority: {mine}"
        )
        problems.append(table.problem(int(row_of[index]), column, text))
    return problems


def _user() -> str:
    try:
        return os.environ.get("DASHBOARD_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
