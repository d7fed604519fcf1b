"""Database connections: the URL to use, and engines set up the same way everywhere.

SQLite runs in WAL mode (readers never wait for a load), with foreign keys on and a busy
timeout; write transactions start with ``BEGIN IMMEDIATE`` so two loads serialise instead of
failing half-way. PostgreSQL goes through psycopg 3.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import make_url

DEFAULT_DB_FILE = Path(__file__).resolve().parent / "dashboard.db"
BUSY_TIMEOUT_MS = 30_000


class NoDatabase(RuntimeError):
    """A read-only open of a SQLite file that does not exist."""


class ReadOnlyOpenError(RuntimeError):
    """A SQLite database in WAL mode that this process can neither open read-only nor share."""


WAL_READ_ONLY = (
    "cannot open the SQLite database read-only: in WAL mode SQLite needs its -wal and -shm files "
    "beside the database, or write access to the folder to create them. Give this user write "
    "access to the folder (the database file itself can stay read-only), or use PostgreSQL "
    "(see docs/operations.md)"
)


def default_url() -> str:
    """``DATABASE_URL`` from the environment, else the bundled SQLite file."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_DB_FILE}"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def is_sqlite(url: str) -> bool:
    return make_url(normalise_url(url)).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL (None for in-memory or other engines)."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def make_engine(url: str | None = None, *, read_only: bool = False) -> sa.Engine:
    """An engine for ``url`` (default: :func:`default_url`).

    ``read_only`` opens SQLite files read-only (the web process never needs to write) and sets
    PostgreSQL sessions to read-only, repeatable-read transactions (one snapshot per transaction,
    as SQLite's WAL readers already have).
    """
    url = normalise_url(url or default_url())
    if not is_sqlite(url):
        if not read_only:
            return sa.create_engine(url, pool_pre_ping=True)
        # Read-only sessions, and one snapshot per transaction: a page reads several tables and
        # must see them as of one moment, never half a load that commits in between.
        return sa.create_engine(
            url,
            pool_pre_ping=True,
            isolation_level="REPEATABLE READ",
            connect_args={"options": "-c default_transaction_read_only=on"},
        )
    path = sqlite_path(url)
    if read_only and path is not None:
        if not path.exists():
            raise NoDatabase(
                f"no database at {path}: build the demo (python -m data demo) or load files first"
            )
        uri = f"file:{quote(str(path))}?mode=ro"  # quoted: a '#', '?' or '%' in a folder name is fine
        engine = sa.create_engine(
            "sqlite://",
            creator=lambda: sqlite3.connect(
                uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
            ),
            poolclass=sa.pool.QueuePool,
        )
    else:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    _configure_sqlite(engine, read_only=read_only)
    return engine


def _configure_sqlite(engine: sa.Engine, *, read_only: bool) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if not read_only:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        else:
            try:
                cursor.execute("PRAGMA schema_version")
            except sqlite3.OperationalError as exc:
                if "readonly" not in str(exc):
                    raise
                raise ReadOnlyOpenError(WAL_READ_ONLY) from exc
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
