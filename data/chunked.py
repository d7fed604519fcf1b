"""Large figures files, validated and written chunk by chunk so that memory stays bounded.

:func:`data.load.load_file` hands a file larger than :data:`STREAM_BYTES` here. It is read
:data:`CHUNK_ROWS` rows at a time (:func:`data.readers.iter_tables`); each chunk is validated
exactly as a whole file is and written inside the command's one transaction, so a problem in
any chunk still rejects the whole command and leaves the database as it was. What spans chunks:

- row numbers are those of the whole file;
- a duplicate ``period, kpi, org`` in two chunks is found from one integer key per clean row
  (month, KPI and org numbered), kept sorted for the whole file (12 bytes a row), before the
  chunk is written;
- revisions: rows for months that had no current figures when the load began are new (the
  usual case: a new month, or a first backfill), with nothing to look up; other rows are
  compared with the current rows for exactly their keys, joined through a temporary table, so
  memory does not grow with the database either.

Once a problem is found, later chunks are still validated (every problem is reported at once)
but no longer written. Other kinds of file (org units, targets...) are small and need the
whole file at once (the org tree): they are read whole.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from data import ees_load, schema
from data.problems import InvalidInput, Problem
from data.queries import read_orgs
from data.readers import RawTable, iter_tables
from data.revisions import LoadSummary, Progress, apply_revisions, bulk_insert, start_load
from data.validate import Context, check_columns, detect_kind, validate_figures
from metrics.catalogue import Catalogue

STREAM_BYTES = 16 * 1024 * 1024  # about 400,000 figures rows
CHUNK_ROWS = 200_000  # about 8 MB of figures: bigger saves little time, costs memory
_VALUES = ["numerator", "denominator", "value", "commentary"]
_KEY_TABLE = sa.Table(
    "load_chunk_keys",
    sa.MetaData(),
    sa.Column("kpi", sa.String(64)),
    sa.Column("org", sa.String(64)),
    sa.Column("period", sa.String(7)),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


def is_large(path: Path) -> bool:
    """True for a file big enough to be loaded in chunks."""
    try:
        return path.is_file() and path.stat().st_size > STREAM_BYTES
    except OSError:
        return False


def load_large_file(
    conn: sa.Connection,
    path: Path,
    catalogue: Catalogue,
    *,
    user: str,
    month: str,
    progress: Progress | None = None,
) -> LoadSummary | None:
    """Load a large figures file chunk by chunk: its LoadSummary, or None when the file is of
    another kind (the caller then reads it whole). Raises InvalidInput, nothing kept."""
    tables = iter_tables(path, chunk_rows=CHUNK_ROWS)
    first = next(tables)
    kind = detect_kind(first)
    if ees_load.recognises(first) or kind.name != "figures":
        tables.close()
        return None
    column_problems = check_columns(first, kind)
    if column_problems:
        raise InvalidInput(column_problems)
    context = Context(catalogue, read_orgs(conn), month)
    coder = _KeyCoder(catalogue, context.orgs)
    load_id = start_load(conn, path, "figures", user)
    figures = schema.figures
    stored = sa.select(figures.c.period).where(figures.c.is_current == sa.true()).distinct()
    stored_months = set(conn.execute(stored).scalars())
    seen = _SeenKeys()
    key_table = False
    notes: list[str] = []
    problems: list[Problem] = []
    counts = np.zeros(3, dtype=np.int64)
    done, total = 0, _estimated_rows(path)
    try:
        for table in itertools.chain([first], tables):
            notes.extend(n for n in table.notes if n not in notes)
            if table.frame.empty:
                continue
            clean, found = validate_figures(table, context)
            notes.extend(n for n in table.notes if n not in notes)
            problems.extend(found)
            problems.extend(seen.repeats(first, coder.encode(clean), table.rows.loc[clean.index]))
            if not problems:
                old = clean["period"].isin(stored_months)
                if old.any() and not key_table:
                    conn.execute(sa.text(f"DROP TABLE IF EXISTS {_KEY_TABLE.name}"))
                    _KEY_TABLE.create(conn)
                    key_table = True
                current = _current_rows(conn, clean[old] if old.any() else clean.iloc[:0])
                counts += apply_revisions(conn, "figures", clean, load_id, None, current=current)
            done += len(table.frame)
            if progress:
                progress(done, max(total, done + 1))
    except InvalidInput as exc:  # the file cannot be read: only why, as when it is read whole
        raise InvalidInput(exc.problems) from None
    if problems:
        raise InvalidInput(problems)
    if not done:
        notes.append("the file has a header row but no data rows: nothing to load")
    if progress:
        progress(done, done)
    if key_table:
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {_KEY_TABLE.name}"))
    added, revised, unchanged = (int(c) for c in counts)
    loads = schema.loads
    if added == revised == 0:
        conn.execute(loads.delete().where(loads.c.id == load_id))
        return LoadSummary(first.source, kind.name, 0, 0, unchanged, None, tuple(notes))
    conn.execute(
        loads.update()
        .where(loads.c.id == load_id)
        .values(rows_added=added, rows_revised=revised, rows_unchanged=unchanged, note="; ".join(notes))
    )
    return LoadSummary(first.source, kind.name, added, revised, unchanged, load_id, tuple(notes))


def _estimated_rows(path: Path) -> int:
    """Rows in the file, estimated from its size and its first megabyte (for progress only)."""
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    lines = max(head.count(b"\n"), 1)
    return max(1, int(path.stat().st_size * lines / max(len(head), 1)) - 1)


def _current_rows(conn: sa.Connection, clean: pd.DataFrame) -> pd.DataFrame:
    """The current figures for exactly the chunk's keys (as ``data.revisions.current_rows`` gives)."""

    figures, keys = schema.figures, _KEY_TABLE
    columns = ["id", "kpi", "org", "period", *_VALUES]
    if clean.empty:
        frame = pd.DataFrame([], columns=columns)
    else:
        conn.execute(keys.delete())
        bulk_insert(conn, keys, clean[["kpi", "org", "period"]], None)
        same = [figures.c[c] == keys.c[c] for c in ("kpi", "org", "period")]
        query = (
            sa.select(*(figures.c[c] for c in columns))
            .join(keys, sa.and_(*same))
            .where(figures.c.is_current == sa.true())
        )
        frame = pd.DataFrame(conn.execute(query).fetchall(), columns=columns)
    for column in _VALUES:
        if clean[column].dtype.kind == "f":
            frame[column] = frame[column].astype(float)
    return frame


class _KeyCoder:
    """``period, kpi, org`` of clean rows as one integer each (every code is known by then)."""

    def __init__(self, catalogue: Catalogue, orgs: pd.DataFrame) -> None:
        self.kpis = {code: i for i, code in enumerate(sorted(catalogue.by_code))}
        codes = sorted(set(orgs["code"])) if not orgs.empty else []
        self.orgs = {code: i for i, code in enumerate(codes)}

    def encode(self, clean: pd.DataFrame) -> np.ndarray:
        if clean.empty:
            return np.zeros(0, dtype=np.int64)
        month = self._numbered(clean["period"], lambda p: int(p[:4]) * 12 + int(p[5:7]))
        kpi = self._numbered(clean["kpi"], self.kpis.__getitem__)
        org = self._numbered(clean["org"], self.orgs.__getitem__)
        return (month * len(self.kpis) + kpi) * max(len(self.orgs), 1) + org

    @staticmethod
    def _numbered(cells: pd.Series, number: Callable[[str], int]) -> np.ndarray:
        """``number`` of each cell, worked out once per distinct value."""
        codes, uniques = pd.factorize(cells)
        return np.array([number(str(u)) for u in uniques], dtype=np.int64)[codes]


class _SeenKeys:
    """The keys of every clean row so far, sorted, with their row numbers."""

    def __init__(self) -> None:
        self.keys = np.zeros(0, dtype=np.int64)
        self.rows = np.zeros(0, dtype=np.int32)

    def repeats(self, table: RawTable, keys: np.ndarray, rows: pd.Series) -> list[Problem]:
        """Rows of a chunk repeating the key of a row in an earlier chunk (the validator finds
        repeats within a chunk), with the validator's message; then remember the chunk's keys."""
        numbers = rows.to_numpy(np.int32)
        problems = []
        if len(self.keys) and len(keys):
            at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
            for index in np.flatnonzero(self.keys[at] == keys):
                earlier = int(self.rows[at[index]])
                message = f"duplicate of row {earlier} (same period, kpi and org)"
                problems.append(table.problem(int(numbers[index]), "period", message))
        order = np.argsort(keys, kind="stable")
        # merge the sorted chunk in after equal keys already seen (they are earlier rows)
        at = np.searchsorted(self.keys, keys[order], side="right") + np.arange(len(keys))
        merged_keys = np.empty(len(self.keys) + len(keys), dtype=np.int64)
        merged_rows = np.empty(len(merged_keys), dtype=np.int32)
        old = np.ones(len(merged_keys), dtype=bool)
        old[at] = False
        merged_keys[old], merged_keys[at] = self.keys, keys[order]
        merged_rows[old], merged_rows[at] = self.rows, numbers[order]
        self.keys, self.rows = merged_keys, merged_rows
        return problems
