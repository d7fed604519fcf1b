"""Database connections: the URL to use, and engines set up the same way everywhere.

SQLite runs in WAL mode (readers never wait for a load), with foreign keys on and a busy
timeout; write transactions start with ``BEGIN IMMEDIATE`` so two loads serialise instead of
failing half-way. PostgreSQL goes through psycopg 3.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

DEFAULT_DB_FILE = Path(__file__).resolve().parent / "dashboard.db"
BUSY_TIMEOUT_MS = 30_000


class NoDatabase(RuntimeError):
    """A read-only open of a SQLite file that does not exist."""


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
    PostgreSQL sessions to read-only transactions.
    """
    url = normalise_url(url or default_url())
    if not is_sqlite(url):
        options = "-c default_transaction_read_only=on" if read_only else ""
        args = {"options": options} if options else {}
        return sa.create_engine(url, pool_pre_ping=True, connect_args=args)
    path = sqlite_path(url)
    if read_only and path is not None:
        if not path.exists():
            raise NoDatabase(
                f"no database at {path}: build the demo (python -m data demo) or load files first"
            )
        engine = sa.create_engine(
            f"sqlite:///file:{path}?mode=ro&uri=true", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}
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
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
