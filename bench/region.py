"""Region benchmark on PostgreSQL: 1 and 20 authorities, each 40 teams x 45 KPIs x 120 months.

For each shape it builds a PostgreSQL database from bench/scaled.py's frames (the org units,
targets, process changes and benchmarks, then one figures load per authority, as authorities
would load them; every authority shares every KPI with the group), then measures in one run:

- the load of one authority's new month (``python -m data load``'s code, one transaction,
  report and regional view rebuilt);
- one authority's scorecard (``/api/scorecard.csv``, the rows the page draws) and the regional
  view (``/api/region.csv``) at p50 and p95, 20 clients over ``gunicorn -w 2``: first everyone
  on one view (the meeting's case: the cache answers after the first), then each request a
  distinct view (a month and period; a KPI and month), so the database answers;
- the peak resident memory of a web worker after serving them.

Goals (issue 13): the month's load at 20 authorities within 1.5 x the load at 1; scorecard p95 at
20 within 1.5 x its p95 at 1; regional view p95 under 300 ms; worker RSS at 20 within 1.3 x RSS
at 1. The ratios are of two runs of this script's own measurements, on the same machine.

    python bench/region.py [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
                           [--authorities 1,20] [--requests 400] [--clients 20] [--keep | --reuse]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from harness import Call, Gunicorn, fmt_ms, run_clients, serving  # noqa: E402
from scaled import Layout, scaled_frames  # noqa: E402

from data.engine import make_engine  # noqa: E402
from data.load import load_files  # noqa: E402
from data.migrate import ensure_schema  # noqa: E402
from data.shares import change_shares  # noqa: E402
from metrics.catalogue import load_catalogue  # noqa: E402
from metrics.periods import add_months  # noqa: E402

NEW_MONTH = "2026-10"
LAST_MONTH = "2026-09"


def database_url(base: str, name: str) -> str:
    return base.rsplit("/", 1)[0] + "/" + name


def fresh_database(base: str, name: str) -> str:
    admin = sa.create_engine(
        base.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return database_url(base, name)


def build(url: str, authorities: int, folder: Path) -> tuple[float, int, str]:
    """Load the scaled frames as authorities would; seconds, figures, the first authority."""
    layout = Layout(1, authorities)
    frames = scaled_frames(42, layout)
    engine = make_engine(url)
    started = time.perf_counter()
    try:
        setup = []
        for name in ("orgs", "targets", "process_changes"):
            setup.append(folder / f"{name}.csv")
            frames[name].to_csv(setup[-1], index=False)
        benchmarks = ROOT / "data" / "reference" / "demo_benchmarks.csv"
        load_files(
            engine, [*setup, *([benchmarks] if benchmarks.exists() else [])], user="bench", month=NEW_MONTH
        )
        figures = frames["figures"]
        heads = [layout.authority(a) for a in range(authorities)]
        head_of = owner_of(frames["orgs"], heads)
        for head in heads:
            path = folder / f"figures-{head}.csv"
            figures[figures["org"].map(head_of) == head].to_csv(path, index=False)
            load_files(engine, [path], user="bench", month=NEW_MONTH)
        catalogue = load_catalogue()
        with engine.begin() as conn:
            for head in heads if authorities > 1 else []:
                change_shares(conn, head, None, catalogue, share=True, who="bench")
    finally:
        engine.dispose()
    return time.perf_counter() - started, len(frames["figures"]), heads[0]


def owner_of(orgs: pd.DataFrame, heads: list[str]) -> dict[str, str]:
    parent = dict(zip(orgs["code"], orgs["parent"], strict=False))
    found = {}
    for code in parent:
        step = code
        while step and step not in heads:
            step = parent.get(step, "")
        found[code] = step
    return found


def month_file(url: str, head: str, units: list[str], folder: Path) -> tuple[Path, str]:
    """The authority's next month: its latest month's figures nudged, as a figures file."""
    engine = make_engine(url, read_only=True)
    query = sa.text(
        "SELECT kpi, org, numerator, denominator, value FROM figures "
        "WHERE is_current AND period = :p AND org = ANY(:units)"
    )
    with engine.connect() as conn:
        latest = conn.execute(
            sa.text("SELECT max(period) FROM figures WHERE org = ANY(:u)"), {"u": units}
        ).scalar()
        rows = pd.DataFrame(conn.execute(query, {"p": latest, "units": units}).fetchall())
    engine.dispose()
    new_month = add_months(str(latest), 1)
    rng = np.random.default_rng(7)
    nudge = rng.uniform(0.97, 1.0, len(rows))
    rows["numerator"] = np.floor(rows["numerator"] * nudge)
    rows["value"] = np.rint(rows["value"] * nudge)
    rows.insert(0, "period", new_month)
    rows["commentary"] = ""
    path = folder / f"{head}-{new_month}.csv"
    rows.to_csv(path, index=False)
    return path, new_month


def serve_and_measure(url: str, head: str, grouped: bool, folder: Path, args: argparse.Namespace) -> dict:
    months = [add_months(LAST_MONTH, -i) for i in range(24)]
    periods = ("month", "quarter", "ytd", "year")
    scorecards = [
        Call("scorecard", "GET", f"/api/scorecard.csv?org={head}&period={p}&month={m}")
        for m in months
        for p in periods
    ]
    kpis = [k.code for k in load_catalogue()]
    regions = [Call("region", "GET", f"/api/region.csv?kpi={k}&month={m}") for m in months[:12] for k in kpis]
    env = {"DATABASE_URL": url, "AUTH_MODE": "none", "HOST": "127.0.0.1"}
    server = Gunicorn("app:server", env, folder, f"region-{head}")
    out: dict = {}
    with serving(server):
        for name, calls in (("scorecard", scorecards), *((("region", regions),) if grouped else ())):
            spread = [calls[i] for i in np.random.default_rng(3).permutation(len(calls))]
            # the meeting's case: everyone on this month's view (after the first, from the cache)
            for phase, chosen in (("same", [calls[0]]), ("distinct", spread)):
                result = run_clients(server.base, chosen, args.clients, args.requests)[name]
                if result.errors:
                    raise SystemExit(f"{name}: {len(result.errors)} errors, e.g. {result.errors[0]}")
                out[f"{name} {phase}"] = (result.pct(50), result.pct(95))
        out["rss"] = max(server.peak_rss_kib().values()) / 1024
    return out


def existing(base: str, name: str, authorities: int) -> tuple[str, int, str] | None:
    """A database this script built before (``--reuse``), brought to the current schema."""
    url = database_url(base, name)
    try:
        engine = make_engine(url)
        with engine.begin() as conn:
            ensure_schema(conn)  # as an operator upgrading the program does
            figures = conn.execute(sa.text("SELECT count(*) FROM figures WHERE is_current")).scalar_one()
        engine.dispose()
    except sa.exc.OperationalError:
        return None
    return (url, int(figures), Layout(1, authorities).authority(0)) if figures else None


def run(base: str, authorities: int, args: argparse.Namespace) -> dict:
    name = f"bench_region_{authorities}"
    with tempfile.TemporaryDirectory(prefix="region-") as tmp:
        folder = Path(tmp)
        found = existing(base, name, authorities) if args.reuse else None
        if found:
            url, figures, head = found
            print(f"{authorities} authorities: reusing {name} ({figures:,} figures)", flush=True)
        else:
            url = fresh_database(base, name)
            built, figures, head = build(url, authorities, folder)
            print(f"{authorities} authorities: {figures:,} figures loaded in {built:.0f} s", flush=True)
        engine = make_engine(url, read_only=True)
        with engine.connect() as conn:
            units = [
                r[0]
                for r in conn.execute(
                    sa.text("SELECT DISTINCT org FROM figures WHERE org = :h OR org LIKE :p"),
                    {"h": head, "p": f"{head}-%" if authorities > 1 else "%"},
                )
            ]
        engine.dispose()
        new, month = month_file(url, head, units, folder)
        started = time.perf_counter()
        load_files(make_engine(url), [new], user="bench", month=add_months(month, 1))
        loaded = time.perf_counter() - started
        print(
            f"  {head}'s new month ({len(pd.read_csv(new)):,} figures) loaded in {loaded:.2f} s", flush=True
        )
        measured = serve_and_measure(url, head, authorities > 1, folder, args)
    if not (args.keep or args.reuse):
        admin = sa.create_engine(
            base.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    return {"figures": figures, "load": loaded, **measured}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--authorities", default="1,20")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--reuse", action="store_true", help="reuse (and keep) databases built before")
    args = parser.parse_args()
    shapes = [int(n) for n in args.authorities.split(",")]
    runs = {n: run(args.pg, n, args) for n in shapes}
    small, big = min(shapes), max(shapes)
    a, b = runs[small], runs[big]
    print(f"\n| {'':38} | {small} LA | {big} LA | ratio | goal |")
    print("|---|---|---|---|---|")
    print(f"| figures | {a['figures']:,} | {b['figures']:,} | | |")
    load = f"{a['load']:.2f} s | {b['load']:.2f} s | {b['load'] / a['load']:.2f}×"
    print(f"| one authority's new month, load | {load} | ≤ 1.5× |")
    for phase, words in (("same", "one view, cached"), ("distinct", "distinct views")):
        x, y = a[f"scorecard {phase}"], b[f"scorecard {phase}"]
        print(f"| scorecard p50, {words} | {fmt_ms(x[0])} | {fmt_ms(y[0])} | {y[0] / x[0]:.2f}× | |")
        print(f"| scorecard p95, {words} | {fmt_ms(x[1])} | {fmt_ms(y[1])} | {y[1] / x[1]:.2f}× | ≤ 1.5× |")
        if f"region {phase}" in b:
            r = b[f"region {phase}"]
            print(
                f"| regional view p50 / p95, {words} | | {fmt_ms(r[0])} / {fmt_ms(r[1])} | | p95 < 300 ms |"
            )
    print(
        f"| worker peak RSS | {a['rss']:.0f} MB | {b['rss']:.0f} MB | {b['rss'] / a['rss']:.2f}× | ≤ 1.3× |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
