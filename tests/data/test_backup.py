"""Backups: ``python -m data backup FILE`` copies the database consistently while the dashboard
reads it and while a load is part-way through, and a restored copy holds every figure (every
revision, every load record) exactly as the source did.

SQLite is copied with its online backup API; PostgreSQL with ``pg_dump`` (restored with
``pg_restore`` into a fresh database). A held load has written some rows, uncommitted, when the
backup runs: the copy must hold none of them, and a second backup after it commits all of them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

import data.revisions
from app import create_app
from callbacks import source
from data import schema
from data.backup import BackupError, backup_database
from data.engine import make_engine, normalise_url
from data.load import load_files
from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
TEAMS = ["ASS1", "ASS2"]
KPIS = {"ASSESSMENTS_45WD": "ratio", "CONTACTS": "count", "REFERRALS": "count", "CIN_VISITS_TIMELY": "ratio"}
MONTHS = [f"2023-{m:02d}" for m in range(1, 13)]
DEADLINE = 60


def figures_file(path: Path, months: list[str], bump: int = 0) -> Path:
    rows = ["period,kpi,org,numerator,denominator,value,commentary"]
    for i, month in enumerate(months):
        for k, (kpi, kind) in enumerate(KPIS.items()):
            for t, team in enumerate(TEAMS):
                n = 10 + (i * 7 + k * 3 + t * 5 + bump) % 30
                note = f"note {month} {team}" if (i + k + t) % 5 == 0 else ""
                rows.append(
                    f"{month},{kpi},{team},{n},{n + 9},,{note}"
                    if kind == "ratio"
                    else f"{month},{kpi},{team},,,{n},"
                )
    path.write_text("\n".join(rows) + "\n")
    return path


def seed(url: str, folder: Path) -> None:
    """Org units, targets, process changes, a year of figures, then late corrections (revisions)."""
    (folder / "changes.csv").write_text(
        "kpi,org,period,note\nASSESSMENTS_45WD,ASS1,2023-06,New triage process\n"
    )
    engine = make_engine(url)
    load_files(
        engine,
        [FIXTURES / "orgs.csv", FIXTURES / "targets.csv", folder / "changes.csv"],
        user="setup",
    )
    load_files(engine, [figures_file(folder / "year.csv", MONTHS)], user="setup")
    load_files(engine, [figures_file(folder / "late.csv", MONTHS[-3:], bump=4)], user="corrections")
    engine.dispose()


def every_row(url: str) -> dict[str, list[tuple]]:
    """Every row of every table (current and superseded), in primary-key order."""
    engine = make_engine(url, read_only=True)
    try:
        with engine.connect() as conn:
            return {
                table.name: [
                    tuple(row) for row in conn.execute(sa.select(table).order_by(*table.primary_key.columns))
                ]
                for table in schema.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def dashboard_downloads(url: str) -> dict[str, bytes]:
    """What the dashboard serves from ``url``: the dataset and every unit's figures."""
    served = create_app(url)
    client = served.server.test_client()
    out = {"dataset": client.get("/api/dataset.csv").data}
    for org in ("LA", "ASS1"):
        for period in ("month", "year"):
            response = client.get(f"/api/figures.csv?org={org}&period={period}")
            assert response.status_code == 200
            out[f"{org} {period}"] = response.data
    served.server.extensions[source.EXTENSION].engine.dispose()
    return out


class HeldLoad(threading.Thread):
    """A load held part-way through writing its rows (inside its transaction) until released."""

    def __init__(self, url: str, paths: list[Path]) -> None:
        super().__init__(daemon=True)
        self.url, self.paths = url, paths
        self.reached, self.release = threading.Event(), threading.Event()
        self.error: BaseException | None = None

    def _progress(self, done: int, total: int) -> None:
        if not self.reached.is_set():
            self.reached.set()
            self.release.wait(DEADLINE)

    def run(self) -> None:
        engine = make_engine(self.url)
        try:
            load_files(engine, self.paths, user="loader", progress=self._progress)
        except BaseException as exc:
            self.error = exc
        finally:
            engine.dispose()
            self.reached.set()


class Reader(threading.Thread):
    """The dashboard being read over and over while the backup runs."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.app = create_app(url)
        self.stop, self.answers, self.failures = threading.Event(), 0, []

    def run(self) -> None:
        client = self.app.server.test_client()
        while not self.stop.is_set():
            response = client.get("/api/figures.csv?kpi=CONTACTS,ASSESSMENTS_45WD")
            if response.status_code != 200:
                self.failures.append(response.get_data(as_text=True)[:200])
            self.answers += 1
            self.stop.wait(0.05)  # a steady stream of readers, leaving the CPU to the others

    def finish(self) -> None:
        self.stop.set()
        self.join(DEADLINE)
        self.app.server.extensions[source.EXTENSION].engine.dispose()


def backup_command(url: str, target: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "data", "--db", url, "backup", str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def pg_dump_available(db_url: str) -> None:
    if not db_url.startswith("sqlite") and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        skip_or_fail("pg_dump and pg_restore (PostgreSQL client tools) are not installed")


@pytest.fixture
def restore(db_url: str) -> Iterator:
    """Restore a backup file and return the URL to read it at (a fresh PostgreSQL database)."""
    made: list[str] = []
    admin = None

    def restore_into_new(backup: Path, folder: Path) -> str:
        nonlocal admin
        if db_url.startswith("sqlite"):
            copy = folder / f"restored-{len(made)}.db"
            shutil.copyfile(backup, copy)  # the backup is one self-contained file
            made.append(str(copy))
            return f"sqlite:///{copy}"
        base = os.environ["TEST_DATABASE_URL"]
        admin = admin or sa.create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
        name = f"csc_restore_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        made.append(name)
        url = sa.engine.make_url(normalise_url(base)).set(database=name)
        plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
        done = subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "-d", plain, str(backup)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return url.render_as_string(hide_password=False)

    yield restore_into_new
    if admin is not None:
        with admin.connect() as conn:
            for name in made:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_backup_while_the_dashboard_reads_and_a_load_runs_restores_exactly(
    db_url: str, tmp_path: Path, pg_dump_available: None, restore, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db_url, tmp_path)
    before = every_row(db_url)
    assert sum(1 for row in before["figures"] if not row[-2]) == 2 * len(KPIS) * 3  # revised rows kept

    monkeypatch.setattr(data.revisions, "CHUNK", 5)  # the load is held after its first 5 rows
    new_month = figures_file(tmp_path / "new.csv", ["2024-01"])
    corrections = figures_file(tmp_path / "fix.csv", MONTHS[:2], bump=9)
    reader = Reader(db_url)
    reader.start()
    load = HeldLoad(db_url, [new_month, corrections])
    load.start()
    try:
        assert load.reached.wait(DEADLINE) and load.error is None, load.error
        during = backup_command(db_url, tmp_path / "during.backup")  # while the load is held
    finally:
        load.release.set()
        load.join(DEADLINE)
    after = every_row(db_url)
    summary = backup_database(db_url, tmp_path / "after.backup")  # the same, called in-process
    reader.finish()

    assert during.returncode == 0, during.stderr
    assert "backed up" in during.stdout
    assert load.error is None and reader.failures == [] and reader.answers > 0
    assert after != before
    assert every_row(restore(tmp_path / "during.backup", tmp_path)) == before  # none of the held load
    assert summary.startswith("backed up")
    restored = restore(tmp_path / "after.backup", tmp_path)
    assert every_row(restored) == after  # all of it, every revision and load record
    assert dashboard_downloads(restored) == dashboard_downloads(db_url)


def test_a_sqlite_backup_copied_into_place_is_the_database(tmp_path: Path) -> None:
    """Restore by copying the backup over the database (app stopped), then load again."""
    live = tmp_path / "live" / "dash.db"
    url = f"sqlite:///{live}"
    seed(url, tmp_path)
    expected = every_row(url)
    downloads = dashboard_downloads(url)
    print(backup_database(url, tmp_path / "copy.backup"))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("copy")] == ["copy.backup"]

    engine = make_engine(url)
    load_files(engine, [figures_file(tmp_path / "later.csv", ["2024-01"])], user="after the backup")
    engine.dispose()
    assert every_row(url) != expected

    for stale in (live, Path(f"{live}-wal"), Path(f"{live}-shm")):  # the app and loader stopped
        stale.unlink(missing_ok=True)
    shutil.copyfile(tmp_path / "copy.backup", live)
    assert every_row(url) == expected
    assert dashboard_downloads(url) == downloads
    engine = make_engine(url)
    load_files(engine, [figures_file(tmp_path / "later.csv", ["2024-01"])], user="again")
    engine.dispose()
    assert len(every_row(url)["figures"]) == len(expected["figures"]) + 2 * len(KPIS)


def test_backup_refuses_to_overwrite_a_database_in_use(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'dash.db'}"
    seed(url, tmp_path)
    in_use = tmp_path / "other.db"
    in_use.write_bytes(b"")
    Path(f"{in_use}-wal").write_bytes(b"")
    with pytest.raises(BackupError, match="in use as a database"):
        backup_database(url, in_use)


def test_backup_of_a_missing_database_is_a_usage_error(tmp_path: Path) -> None:
    done = backup_command(f"sqlite:///{tmp_path / 'none.db'}", tmp_path / "x.backup")
    assert done.returncode == 2
    assert "no database at" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x.backup").exists()


@pytest.mark.postgres
def test_a_failed_pg_dump_keeps_the_previous_backup(postgres_url: str, tmp_path: Path) -> None:
    if not shutil.which("pg_dump"):
        skip_or_fail("pg_dump is not installed")
    target = tmp_path / "nightly.backup"
    target.write_bytes(b"yesterday's backup")
    missing = sa.engine.make_url(postgres_url).set(database="csc_no_such_database")
    with pytest.raises(BackupError, match="pg_dump failed"):
        backup_database(missing.render_as_string(hide_password=False), target)
    assert target.read_bytes() == b"yesterday's backup"
