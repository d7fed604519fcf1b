"""Consistent copies of the database, safe while the dashboard is running.

SQLite uses its online backup API (readers and writers carry on; the copy is one consistent
snapshot). PostgreSQL is backed up with its own tool, ``pg_dump``, which also takes a
consistent snapshot; this command runs it when it is installed.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

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
        return _backup_postgres(
            parsed.set(drivername="postgresql").render_as_string(hide_password=False), target
        )
    raise BackupError(f"cannot back up a {parsed.get_backend_name()} database")


def _backup_sqlite(source: Path, target: Path) -> str:
    if not source.exists():
        raise BackupError(f"no database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(partial) as dst:
        src.backup(dst)
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
    if check != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its integrity check: {check}")
    partial.replace(target)
    return f"backed up {source} to {target} ({target.stat().st_size:,} bytes, integrity ok)"


def _backup_postgres(url: str, target: Path) -> str:
    if shutil.which("pg_dump") is None:
        raise BackupError(
            "pg_dump is not installed: install the PostgreSQL client tools, or run pg_dump yourself"
        )
    with target.open("wb") as out:
        done = subprocess.run(
            ["pg_dump", "--format=custom", url], stdout=out, stderr=subprocess.PIPE, check=False
        )
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.decode(errors='replace').strip()}")
    return f"backed up to {target} with pg_dump (restore with: pg_restore --clean -d DATABASE {target})"
