"""Crash safety: a load killed part-way (SIGKILL) leaves all of its file or none of it.

``python -m data load big.csv`` runs in a subprocess on a SQLite file and is killed at moments
spread over the load: first early (a tenth of the time a load left to finish took), then as
its write-ahead log passes 20%, 45%, 70% and 95% of the size it reached in that full load (so
the kills land mid-write however fast the machine is). The file is large enough to be loaded
in chunks (written as it is read): the loader runs with :data:`data.chunked.STREAM_BYTES` and
``CHUNK_ROWS`` scaled down eightfold (2 MiB, 25,000 rows), so a 3 MB file is three chunks, as
a 17 MB file is with the shipped settings, and each kill costs an eighth of the time. After
each kill the database passes ``PRAGMA integrity_check``, holds every row of the file or none,
has a load record only with its rows, and takes the next load.
"""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from data import chunked
from metrics.catalogue import load_catalogue
from tests.data.bad import make_corpus

ROOT = Path(__file__).resolve().parents[2]
WAL_FRACTIONS = (0.2, 0.45, 0.7, 0.95)
STREAM_BYTES = chunked.STREAM_BYTES // 8
CHUNK_ROWS = chunked.CHUNK_ROWS // 8
LOADER = """
import sys
from data import chunked
from data.cli import main
chunked.STREAM_BYTES, chunked.CHUNK_ROWS = int(sys.argv[1]), int(sys.argv[2])
sys.exit(main(sys.argv[3:]))
"""
"""``python -m data`` with the chunking thresholds given first."""


def loader(db: Path, path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            LOADER,
            str(STREAM_BYTES),
            str(CHUNK_ROWS),
            "--db",
            f"sqlite:///{db}",
            "load",
            str(path),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wal_size(db: Path) -> int:
    try:
        return Path(f"{db}-wal").stat().st_size
    except FileNotFoundError:
        return 0


def state(db: Path) -> tuple[str, int, int, str]:
    """integrity_check, figures rows, figures loads recorded, journal mode (opening recovers)."""
    connection = sqlite3.connect(db)
    try:
        return (
            connection.execute("PRAGMA integrity_check").fetchone()[0],
            connection.execute("SELECT count(*) FROM figures").fetchone()[0],
            connection.execute("SELECT count(*) FROM loads WHERE kind = 'figures'").fetchone()[0],
            connection.execute("PRAGMA journal_mode").fetchone()[0],
        )
    finally:
        connection.close()


@pytest.mark.slow
def test_a_load_killed_part_way_leaves_all_or_nothing(tmp_path):
    kpis = [(k.code, k.unit) for k in load_catalogue()]
    orgs = tmp_path / "orgs.csv"
    orgs.write_text(make_corpus.big_orgs(), encoding="utf-8")
    big = tmp_path / "big.csv"
    rows = make_corpus.write_big_figures(big, STREAM_BYTES + 1_000_000, kpis)
    assert STREAM_BYTES < big.stat().st_size < 2 * STREAM_BYTES + 1_000_000
    assert rows > 2 * CHUNK_ROWS  # three chunks
    template = tmp_path / "template.db"
    seeded = loader(template, orgs)
    assert seeded.wait() == 0
    finished = tmp_path / "finished.db"
    shutil.copy(template, finished)
    started = time.monotonic()
    process = loader(finished, big)
    peak = 0
    while process.poll() is None:
        peak = max(peak, wal_size(finished))
        time.sleep(0.02)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    duration = time.monotonic() - started
    assert state(finished) == ("ok", rows, 1, "wal")
    assert peak > 1_000_000

    outcomes = []
    for number, fraction in enumerate((None, *WAL_FRACTIONS)):
        db = tmp_path / f"killed-{number}.db"
        shutil.copy(template, db)
        process = loader(db, big)
        if fraction is None:
            time.sleep(duration / 10)
        else:
            while process.poll() is None and wal_size(db) < fraction * peak:
                time.sleep(0.01)
        written = wal_size(db)
        process.send_signal(signal.SIGKILL)
        code = process.wait()
        integrity, figures, loads, mode = state(db)
        outcomes.append((fraction, code, written, figures))
        assert (integrity, mode) == ("ok", "wal")
        assert figures in (0, rows), (fraction, figures)
        assert loads == (1 if figures else 0)
    print(
        f"\nload of {rows:,} rows: {duration:.1f} s; kills (WAL fraction, exit, WAL bytes, rows): {outcomes}"
    )
    mid_write = [o for o in outcomes if o[1] == -signal.SIGKILL and o[2] > 1_000_000 and o[3] == 0]
    assert len(mid_write) >= 3, outcomes  # the last may land after the commit: then all rows

    # a killed load leaves a database that takes the next load
    last = tmp_path / f"killed-{len(WAL_FRACTIONS)}.db"
    small = tmp_path / "small.csv"
    small.write_text("period,kpi,org,numerator,denominator,value\n2024-01,LAC_COUNT,T001,,,7\n")
    assert loader(last, small).wait() == 0
    assert state(last)[:1] == ("ok",)
