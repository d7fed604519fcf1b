"""Hostile input, continued: the 200 MB file in bounded memory (see test_hostile.py). A file of
its own, so that ``--dist loadfile`` runs this one long load on another worker than the corpus.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from data import schema
from data.cli import main
from data.engine import make_engine
from metrics.catalogue import load_catalogue
from tests.data.bad import make_corpus

ROOT = Path(__file__).resolve().parents[2]


def run(url: str, *args: object) -> int:
    return main(["--db", url, *(str(a) for a in args)])


# --- the 200 MB file ------------------------------------------------------------------------------

PEAK = """
import re, sys
from data.cli import main
status = main(sys.argv[1:])
with open("/proc/self/status") as status_file:
    print(int(re.search(r"VmHWM:\\s+(\\d+) kB", status_file.read()).group(1)) * 1024, file=sys.stderr)
sys.exit(status)
"""
"""The loader's own peak (VmHWM, of this process's memory since exec). Not ``ru_maxrss``: Linux
carries that across exec from the process that started it, so a pytest worker grown past the
limit by earlier tests (467 MiB in one CI run; the loader itself peaks at about 250) failed it."""


BIG_MB = 64
"""Four chunks of 16 MB (about 580,000 rows). At 200 MB (1.8 million rows) the load, with the
report it stores for every unit, KPI and period, took eight minutes on two busy cores."""
PEAK_LIMIT = 350 * 2**20
"""Peak memory of the whole load: the interpreter and libraries take about 150 MiB, a chunk and a
report batch (one KPI here) the rest. Reading the file whole would take several times the file's
size (a 64 MB file is about 600 MB as a frame)."""


@pytest.mark.slow
def test_a_200_mb_file_loads_in_bounded_memory(tmp_path, record_property):
    """Validated and written in chunks: peak memory well under 4x the file (measured: about
    1.0x, most of it Python and pandas themselves, then one chunk), and row numbers hold
    across chunks. Rows carry 80 characters of commentary, so the 200 MB are 1.8 million rows
    (a file of bare figures would be 5.7 million: measured at 1.5x, but four minutes here)."""
    catalogue = load_catalogue()
    kpis = [(k.code, k.unit) for k in catalogue]
    (tmp_path / "orgs.csv").write_text(make_corpus.big_orgs(), encoding="utf-8")
    big = tmp_path / "big figures.csv"
    rows = make_corpus.write_big_figures(big, BIG_MB * 1024 * 1024, kpis, commentary=80)
    size = big.stat().st_size
    db = f"sqlite:///{tmp_path / 'big.db'}"
    assert run(db, "load", tmp_path / "orgs.csv") == 0
    done = subprocess.run(
        [sys.executable, "-c", PEAK, "--db", db, "load", str(big)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    peak = int(done.stderr.strip().splitlines()[-1])
    record_property("peak_rss_bytes", peak)
    print(f"\nbig file: {size / 2**20:.0f} MiB, {rows:,} rows, peak RSS {peak / 2**20:.0f} MiB")
    assert f"figures: {rows} added, 0 revised, 0 unchanged" in done.stdout
    assert peak < PEAK_LIMIT
    engine = make_engine(db)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.figures)).scalar_one() == rows
    engine.dispose()
    # the same file with one bad cell at the end: rejected, with the row number of the whole file
    with big.open("a", encoding="utf-8") as out:
        out.write("2024-01,LAC_COUNT,LA,,,oops,\n")
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert run(other, "load", tmp_path / "orgs.csv") == 0
    done = subprocess.run(
        [sys.executable, "-m", "data", "--db", other, "validate", str(big)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stderr.splitlines()) == (
        1,
        [f"{big}:{rows + 2}:value: 'oops' is not a number", "1 problem(s) found: nothing was written"],
    )
