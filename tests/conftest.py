"""Shared fixtures: databases (SQLite always, PostgreSQL when TEST_DATABASE_URL is set), Redis
(TEST_REDIS_URL, default redis://127.0.0.1:6379/0, with a key prefix per test), files.

With ``CI=true`` nothing may be skipped: a missing PostgreSQL, Redis or Chromium fails the run
instead.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from data import schema
from data.demo import build_demo_database
from data.engine import make_engine, normalise_url
from metrics.catalogue import Catalogue, load_catalogue

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
EXAMPLES = SHARED / "spec" / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def skip_or_fail(reason: str) -> None:
    """Skip locally; in CI a missing component is a failure, never a silent skip."""
    if IN_CI:
        pytest.fail(f"CI must run this test: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test session (and xdist worker)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        skip_or_fail("TEST_DATABASE_URL is not set (a PostgreSQL URL)")
    admin = sa.create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
    name = f"csc_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        skip_or_fail(f"PostgreSQL at TEST_DATABASE_URL is not reachable: {exc}")
    url = sa.engine.make_url(normalise_url(base)).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def redis_url() -> str:
    """The Redis the shared-cache tests use (TEST_REDIS_URL); skipped (failed in CI) if it does
    not answer."""
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis at {url} is not answering: {exc}")
    return url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; every key under it is deleted afterwards."""
    import redis

    prefix = f"csc-test-{uuid.uuid4().hex[:10]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    with engine.begin() as conn:
        schema.metadata.drop_all(conn)
    engine.dispose()
    yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a small input file (text as a spreadsheet would save it) and return its path."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text.lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database (``python -m data demo``), built once for the whole run: the xdist
    workers share one build (the first to ask builds it under a lock). Read it or copy it
    (:func:`demo_copy`); never write to it."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the workers of this run
    path = root / "demo-template" / "demo.db"
    path.parent.mkdir(exist_ok=True)
    with (root / "demo-template.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not path.exists():
                build_demo_database(f"sqlite:///{path}")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return path


def demo_copy(tmp_path_factory: pytest.TempPathFactory, demo_database: Path, name: str = "demo") -> str:
    """A private copy of the demo database in a new temporary folder: its URL (the same as
    ``build_demo_database`` there, without building it again)."""
    path = tmp_path_factory.mktemp(name) / "demo.db"
    shutil.copyfile(demo_database, path)
    return f"sqlite:///{path}"


def copy_sqlite(source: Path, target: Path) -> str:
    """Copy a prepared SQLite database (no connection open on it) to ``target``: its URL.
    Cheaper than building it again when building it stores a report."""
    connection = sqlite3.connect(source)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


def static_html_of(node: object) -> list[str]:
    """The HTML of every table in Dash's JSON form of components (or a whole callback answer):
    pages send their tables as text (layouts/static_html.py)."""
    if isinstance(node, list):
        return [t for part in node for t in static_html_of(part)]
    if not isinstance(node, dict):
        return []
    found = [node["data-html"]] if isinstance(node.get("data-html"), str) else []
    return found + [t for value in node.values() for t in static_html_of(value)]
