"""Consistent copies of the database, safe while the dashboard is running.

SQLite uses its online backup API (readers and writers carry on; the copy is one consistent
snapshot). PostgreSQL is backed up with its own tool, ``pg_dump``, which also takes a
consistent snapshot; this command runs it when it is installed.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import make_url

from data.engine import normalise_url, sqlite_path


class BackupError(RuntimeError):
    """The backup could not be made; the message says what to do."""


def backup_database(url: str, target: Path) -> str:
    """Write a copy of the database at ``url`` to ``target``; a one-line summary."""
    source = sqlite_path(url)
    if source is not None:
        return _backup_sqlite(source, target)
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "postgresql":
        # the password goes to pg_dump in its environment, never on a command line others can see
        plain_url = parsed.set(drivername="postgresql", password=None)
        return _backup_postgres(plain_url.render_as_string(hide_password=False), target, parsed.password)
    raise BackupError(f"cannot back up a {parsed.get_backend_name()} database")


def _backup_sqlite(source: Path, target: Path) -> str:
    if not source.exists():
        raise BackupError(f"no database at {source}")
    busy = [p for p in _companions(target) if p.exists()]
    if busy:
        raise BackupError(f"{target} is in use as a database ({busy[0].name} exists): back up to a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    for leftover in (partial, *_companions(partial)):
        leftover.unlink(missing_ok=True)
    try:
        with (
            closing(sqlite3.connect(f"file:{quote(str(source))}?mode=ro", uri=True)) as src,
            closing(sqlite3.connect(partial)) as dst,
        ):
            src.backup(dst)  # one read transaction: a consistent snapshot, loads carry on meanwhile
            dst.execute("PRAGMA journal_mode = DELETE")  # the copy is one self-contained file
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"the backup failed: {exc}") from exc
    if check != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its integrity check: {check}")
    partial.replace(target)
    return f"backed up {source} to {target} ({target.stat().st_size:,} bytes, integrity ok)"


def _companions(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def _backup_postgres(url: str, target: Path, password: str | None = None) -> str:
    if shutil.which("pg_dump") is None:
        raise BackupError(
            "pg_dump is not installed: install the PostgreSQL client tools, or run pg_dump yourself"
        )
    env = {**os.environ, **({"PGPASSWORD": password} if password else {})}
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")  # an earlier backup survives a failed dump
    with partial.open("wb") as out:
        done = subprocess.run(
            ["pg_dump", "--format=custom", "--no-password", url],
            stdout=out,
            stderr=subprocess.PIPE,
            env=env,
            check=False,
        )
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.decode(errors='replace').strip()}")
    partial.replace(target)
    return (
        f"backed up to {target} with pg_dump ({target.stat().st_size:,} bytes; restore into a new "
        f"database with: createdb NEW && pg_restore --no-owner -d NEW {target})"
    )
