"""ETL benchmark: load a valid 1,000,000-row figures file end to end, against the floor.

The floor is the fastest possible write of the same rows into the same table (same indexes) in
one transaction: raw ``sqlite3`` ``executemany`` on SQLite, ``COPY`` through psycopg on
PostgreSQL. Each measurement runs in a fresh process so its peak memory (VmHWM) is its own.

    python bench/etl.py                       # SQLite, 1,000,000 rows
    python bench/etl.py --rows 200000 --pg postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COUNT_KPIS = ["CONTACTS", "REFERRALS", "ASSESSMENTS_COMPLETED", "S47_ENQUIRIES", "ICPC_HELD", "CP_PLANS"]
RATIO_KPIS = ["ASSESSMENTS_45WD", "CP_VISITS_TIMELY", "LAC_VISITS_TIMELY", "SUPERVISION_TIMELY"]


def make_files(folder: Path, rows: int) -> tuple[Path, Path]:
    """An org file (one authority and its teams) and a figures file of ``rows`` valid rows."""
    import numpy as np
    import pandas as pd

    from metrics.periods import month_range

    kpis = COUNT_KPIS + RATIO_KPIS
    teams = [f"T{i:04d}" for i in range(-(-rows // (len(kpis) * 300)))]
    orgs = folder / "orgs.csv"
    orgs.write_text(
        "code,name,parent,type\nLA,Bench Council,,authority\n"
        + "".join(f"{t},Team {t},LA,team\n" for t in teams)
    )
    months_needed = -(-rows // (len(kpis) * len(teams)))
    months = month_range("2000-01", "2026-12")[-months_needed:]
    grid = pd.MultiIndex.from_product([months, kpis, teams], names=["period", "kpi", "org"]).to_frame(
        index=False
    )
    grid = grid.iloc[:rows]
    assert len(grid) == rows, f"made {len(grid)} rows, not {rows}"
    rng = np.random.default_rng(42)
    is_ratio = grid["kpi"].isin(RATIO_KPIS).to_numpy()
    den = rng.integers(1, 60, len(grid))
    num = (den * rng.uniform(0.5, 1.0, len(grid))).astype(int)
    count = rng.integers(0, 500, len(grid))
    grid["numerator"] = np.where(is_ratio, num.astype(str), "")
    grid["denominator"] = np.where(is_ratio, den.astype(str), "")
    grid["value"] = np.where(is_ratio, "", count.astype(str))
    figures = folder / "figures.csv"
    grid.to_csv(figures, index=False)
    return orgs, figures


MEASURE = r"""
import json, re, resource, sys, time
sys.path.insert(0, {root!r})
mode, url, orgs, figures = sys.argv[1:5]
from pathlib import Path
from data.engine import make_engine
from data import load as load_module, report_store
from data.load import load_files
engine = make_engine(url)
load_files(engine, [Path(orgs)], month="2026-12")
spent = {{"report": 0.0, "checks": 0.0}}
def timed(name, func):
    def run(*args, **kwargs):
        began = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - began
    return run
report_store.rebuild = timed("report", report_store.rebuild)
load_module.check_and_record = timed("checks", load_module.check_and_record)
if mode == "floor":
    import pandas as pd
    frame = pd.read_csv(figures, dtype=str, keep_default_na=False)
    rows = []
    for p, k, o, n, d, v in frame.itertuples(index=False):
        num, den, val = (float(x) if x else None for x in (n, d, v))
        rows.append((k, o, p, num, den, val, None, 1, True))
    cols = "kpi, org, period, numerator, denominator, value, commentary, load_id, is_current"
if mode == "memory":
    load_files(engine, [Path(figures)], month="2026-12")
    from data.queries import read_dataset
    from metrics.catalogue import load_catalogue
    from metrics.report import build_report
    dataset = read_dataset(engine, revisions=False)
start = time.perf_counter()
if mode == "memory":  # the same report computed in memory with pandas, nothing written
    build_report(dataset, load_catalogue())
elif mode == "load":
    load_files(engine, [Path(figures)], month="2026-12")
elif url.startswith("sqlite"):
    import sqlite3
    con = sqlite3.connect(url.removeprefix("sqlite:///"))
    with con:
        con.executemany(f"INSERT INTO figures ({{cols}}) VALUES (?,?,?,?,?,?,?,?,?)", rows)
    con.close()
else:
    import psycopg
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as con:
        with con.cursor().copy(f"COPY figures ({{cols}}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
seconds = time.perf_counter() - start
with open("/proc/self/status") as status_file:  # VmHWM: ru_maxrss carries the parent's over exec
    peak = int(re.search(r"VmHWM:\s+(\d+) kB", status_file.read()).group(1)) / 1024
print(json.dumps({{"seconds": seconds, "peak_mb": peak, **spent}}))
"""


def measure(mode: str, url: str, orgs: Path, figures: Path) -> dict[str, float]:
    code = MEASURE.format(root=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", code, mode, url, str(orgs), str(figures)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def fresh_url(kind: str, folder: Path, pg: str | None, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / (name + '.db')}"
    import sqlalchemy as sa

    from data.engine import normalise_url

    admin = sa.create_engine(normalise_url(pg or ""), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "bench_{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "bench_{name}"')
    admin.dispose()
    return (
        sa.engine.make_url(normalise_url(pg or ""))
        .set(database=f"bench_{name}")
        .render_as_string(hide_password=False)
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pg", help="also measure PostgreSQL at this URL (load against COPY)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-etl-") as tmp:
        folder = Path(tmp)
        orgs, figures = make_files(folder, args.rows)
        size = figures.stat().st_size / 1e6
        print(f"figures file: {args.rows:,} rows, {size:.1f} MB")
        kinds = ["sqlite"] + (["postgresql"] if args.pg else [])
        for kind in kinds:
            floor = measure("floor", fresh_url(kind, folder, args.pg, "floor"), orgs, figures)
            load = measure("load", fresh_url(kind, folder, args.pg, "load"), orgs, figures)
            memory = measure("memory", fresh_url(kind, folder, args.pg, "memory"), orgs, figures)
            write = load["seconds"] - load["report"] - load["checks"]
            what = "raw sqlite3 executemany" if kind == "sqlite" else "psycopg COPY"
            print(
                f"{kind}: floor ({what}, one transaction): "
                f"{floor['seconds']:.2f} s, peak {floor['peak_mb']:.0f} MB"
            )
            print(
                f"{kind}: python -m data load (parse, validate, write): "
                f"{load['seconds']:.2f} s, peak {load['peak_mb']:.0f} MB"
            )
            print(
                f"{kind}:   of which writing the figures {write:.2f} s, building and storing the report "
                f"{load['report']:.2f} s, data-quality checks {load['checks']:.2f} s"
            )
            print(f"{kind}: ratio write / floor = {write / floor['seconds']:.2f} (goal: at most 2.0)")
            print(
                f"{kind}: the same report in memory with pandas (nothing stored): {memory['seconds']:.2f} s; "
                f"ratio stored report / in memory = {load['report'] / memory['seconds']:.2f}"
            )


if __name__ == "__main__":
    main()
