"""Build the bundled demo database from code (fixed seed), through the ordinary loader.

The demo goes through exactly the validation and revision logic that real files do: the
frames from :mod:`data.demo_frames` are written as CSV files and loaded, then a second file of
late-recorded corrections is loaded so the history shows revisions. The database is labelled
as illustrative wherever it appears.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import sqlalchemy as sa

from data import schema
from data.demo_frames import DEMO_LABEL, build_demo
from data.engine import make_engine, sqlite_path
from data.load import load_files
from data.settings import DEMO_LABEL_KEY, set_setting

REFERENCE = Path(__file__).resolve().parent / "reference"
DEMO_USER = "demo builder"


def build_demo_database(url: str, seed: int = 42) -> str:
    """(Re)build the demo database at ``url``; a one-line summary.

    A SQLite file is built beside the target and moved into place in one step, so a running
    dashboard sees the old database or the new one, never a half-built one.
    """
    path = sqlite_path(url)
    if path is None:
        _build(url, seed, drop_first=True)
        return f"demo database built at {url}"
    building = path.with_name(path.name + ".building")
    for leftover in _sqlite_files(building):
        leftover.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{building}")
    try:
        _build_with(engine, seed)
    finally:
        engine.dispose()  # the last connection to close checkpoints and removes the WAL file
    for stale in _sqlite_files(path)[1:]:
        stale.unlink(missing_ok=True)
    building.replace(path)
    return f"demo database built at {path} ({DEMO_LABEL.lower()})"


def _sqlite_files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def _build(url: str, seed: int, *, drop_first: bool) -> None:
    engine = make_engine(url)
    try:
        if drop_first:
            with engine.begin() as conn:
                schema.metadata.drop_all(conn)
        _build_with(engine, seed)
    finally:
        engine.dispose()


def _build_with(engine: sa.Engine, seed: int) -> None:
    demo = build_demo(seed)
    with tempfile.TemporaryDirectory(prefix="demo-") as folder:
        first = []
        for name in ("orgs", "targets", "process_changes", "figures"):
            first.append(Path(folder) / f"demo_{name}.csv")
            getattr(demo, name).to_csv(first[-1], index=False)
        benchmarks = REFERENCE / "demo_benchmarks.csv"
        if benchmarks.exists():
            first.append(benchmarks)
        load_files(engine, first, user=DEMO_USER)
        revisions = Path(folder) / "demo_late_recording.csv"
        demo.revisions.to_csv(revisions, index=False)
        load_files(engine, [revisions], user=DEMO_USER)
    with engine.begin() as conn:
        set_setting(conn, DEMO_LABEL_KEY, DEMO_LABEL)
