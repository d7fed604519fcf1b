"""Dashboard benchmark at several sizes of the scaled dataset, in one run (issue 9).

For each size (bench/scaled.py ``--size``: 1 = 40 teams, about 188,000 figures; 8 = 320 teams,
about 1.5 million; 45 KPIs x 120 months at every size), served by ``gunicorn -w 2`` on loopback:

1. **First page of a fresh server**: a gunicorn started anew (it has served nothing) and a fresh
   Chromium (empty cache) opening the scorecard; the time from the start of navigation until the
   scorecard is rendered (its first card heading is in the page), the median of a few servers.
2. **Every page**, then the scorecard and KPI trend callbacks at ``--clients`` concurrent clients
   (the exact request bodies Chromium sends, captured from a real browser session) against the
   floor (bench/floor_app.py: the same callbacks returning the dashboard's own output,
   precomputed, on a second ``gunicorn -w 2``), then the scorecard of every unit and the trend of
   every KPI (each view cold in the per-process cache), then every page again.
3. **Peak RSS of a web worker** after all that: VmHWM of each worker process (/proc/PID/status).
4. **A new month's load**: ``python -m data load`` of one more month's figures file
   (``scaled.new_month_file``: every series of the latest month, nudged) on a copy of the
   database, in a fresh process, with the stored report's rebuild timed separately.

It then prints one table with the goals of issue 9, the ratios computed from this run:
worker RSS at the largest size at most 1.3 x the smallest; first page under 1.0 s at every size;
scorecard and trend p95 at most 1.5 x the floor; the month's load at the largest size at most
8.5/8 x the size ratio x the smallest's (8.5 x for sizes 1 and 8: linear, no worse).

    python bench/dashboard.py [--sizes 1,8] [--requests 200] [--clients 20] [--first-samples 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import (  # noqa: E402  (bench/ is not a package)
    Call,
    Gunicorn,
    Result,
    callback_call,
    capture_callbacks,
    dash_ok,
    first_load,
    fmt_ms,
    median,
    run_clients,
    serving,
    visit_pages,
)
from scaled import NEW_MONTH, build_scaled_database, default_db, new_month_file  # noqa: E402

GOAL_RSS_RATIO = 1.3
GOAL_FIRST_PAGE_S = 1.0
GOAL_FLOOR_RATIO = 1.5
GOAL_MONTH_SLOPE = 8.5 / 8  # the month load may grow with the size, linearly, no worse
TREND_PATH = "/kpi?kpi=CP_VISITS_TIMELY&org=LA"
PAGES = [
    "/",
    "/exceptions",
    "/kpi",
    "/compare",
    "/teams",
    "/quality",
    "/data",
    "/pack",
    "/actions",
    "/upload",
    "/glossary",
    "/accessibility",
]
FLOORS = {"scorecard callback": "floor (scorecard size)", "trend callback": "floor (trend size)"}
HEADER = f"  {'request':<30} {'n':>5} {'errors':>6} {'p50':>9} {'p95':>9} {'p95/floor':>9}"
HEADER += f" {'rate':>9} {'size':>10}"


def with_search(captured: dict, search: str) -> dict:
    """The captured request with another URL query (what the browser sends for another view)."""
    body = json.loads(captured["body"])
    body["inputs"][0]["value"] = search
    return {"path": captured["path"], "body": json.dumps(body, separators=(",", ":"))}


def output_of(data: bytes) -> object:
    (output,) = json.loads(data)["response"].values()
    return output["children"]


def line(result: Result, floor: Result | None = None) -> str:
    ratio = f"{result.pct(95) / floor.pct(95):.2f}x" if floor and result.latencies else ""
    rate = len(result.latencies) / result.wall if result.wall else 0
    size = f"{sum(result.sizes) / len(result.sizes) / 1024:.1f} KB" if result.sizes else "-"
    return (
        f"  {result.name:<30} {result.count:5d} {len(result.errors):6d} {fmt_ms(result.pct(50)):>9} "
        f"{fmt_ms(result.pct(95)):>9} {ratio:>9} {rate:7.1f}/s {size:>10}"
    )


def measure(base: str, calls: list[Call], clients: int, total: int) -> Result:
    """One phase: ``total`` requests of these calls (one kind, or several views of one kind)."""
    merged = Result(calls[0].name)
    for result in run_clients(base, calls, clients, total).values():
        merged.add(result)
    for error in sorted(set(merged.errors))[:3]:
        print(f"    error: {error}")
    return merged


def load_average() -> str:
    """Other work on the same cores shows in every latency: say how busy the machine was."""
    one, five = Path("/proc/loadavg").read_text().split()[:2]
    return f"load average {one} (1 min), {five} (5 min)"


def distinct_views(database: Path, captured: dict) -> dict[str, list[Call]]:
    """The scorecard of every open unit, the trend of every KPI: many views, each cached cold."""
    from data.engine import make_engine
    from data.queries import read_orgs
    from metrics.catalogue import load_catalogue

    month = json.loads(captured["scorecard"]["body"])["inputs"][0]["value"].split("month=")[1][:7]
    engine = make_engine(f"sqlite:///{database}", read_only=True)
    try:
        orgs = read_orgs(engine)
    finally:
        engine.dispose()
    units = [c for c, closed in zip(orgs["code"], orgs["closed"], strict=True) if not closed]
    name = f"scorecard, {len(units)} units"
    scorecards = [
        callback_call(name, with_search(captured["scorecard"], "?" + urlencode(q)), dash_ok)
        for q in ({"org": u, "period": "month", "month": month} for u in units)
    ]
    search = json.loads(captured["trend"]["body"])["inputs"][0]["value"]
    catalogue = list(load_catalogue())
    trends = [
        callback_call(
            f"trend, {len(catalogue)} KPIs",
            with_search(captured["trend"], search.replace("kpi=CP_VISITS_TIMELY", f"kpi={k.code}")),
            dash_ok,
        )
        for k in catalogue
    ]
    return {scorecards[0].name: scorecards, trends[0].name: trends}


def first_pages(env: dict[str, str], folder: Path, tag: str, samples: int) -> list[dict[str, float]]:
    """The scorecard in a fresh Chromium on a freshly started server, ``samples`` times."""
    loads = []
    for i in range(samples):
        server = Gunicorn("app:server", env, folder, f"first-{tag}-{i}")
        with serving(server):  # serving() waited for /_dash-layout only: no figures read yet
            loads.append(first_load(server.base, "/", "table.scorecard"))
    return loads


def serve_and_measure(database: Path, env: dict[str, str], folder: Path, tag: str, args) -> dict:  # type: ignore[no-untyped-def]
    """Every page, the callbacks against the floor, every view, every page again; worker peaks."""
    main_server = Gunicorn("app:server", env, folder, f"dashboard-{tag}")
    out: dict = {}
    with serving(main_server):
        seconds = visit_pages(main_server.base, PAGES)
        print(
            "  every page opened in Chromium (s to network idle; nan: not idle in 30 s): "
            + ", ".join(f"{path} {t:.1f}" for path, t in seconds.items())
        )
        captured = capture_callbacks(
            main_server.base,
            {"scorecard": "/", "trend": TREND_PATH},
            {"scorecard": '{"page":"scorecard"', "trend": '{"page":"trend"'},
        )
        scorecard = callback_call("scorecard callback", captured["scorecard"], dash_ok)
        trend = callback_call("trend callback", captured["trend"], dash_ok)
        payloads = {}
        for name, call in (("scorecard", scorecard), ("trend", trend)):
            status, data = call.send(main_server.base)
            assert dash_ok(status, data) is None, f"{name}: {dash_ok(status, data)}"
            payloads[name] = output_of(data)
        (folder / f"floor-{tag}.json").write_text(json.dumps(payloads))
        floor_server = Gunicorn(
            "floor_app:server",
            {"FLOOR_PAYLOADS": str(folder / f"floor-{tag}.json")},
            folder,
            f"floor-{tag}",
            pythonpath=str(ROOT / "bench"),
        )
        with serving(floor_server):
            floor_sc = callback_call("floor (scorecard size)", captured["scorecard"], dash_ok)
            floor_tr = callback_call("floor (trend size)", captured["trend"], dash_ok)
            run_clients(floor_server.base, [floor_sc, floor_tr], args.clients, args.clients * 2)
            run_clients(main_server.base, [scorecard, trend], args.clients, args.clients * 2)
            phases = [
                (floor_sc, floor_server.base),
                (floor_tr, floor_server.base),
                (scorecard, main_server.base),
                (trend, main_server.base),
            ]
            results = {call.name: Result(call.name) for call, _ in phases}
            for round_ in range(args.rounds):  # spread each kind over the run: the load drifts
                for call, base in phases:
                    share = args.requests // args.rounds + (round_ < args.requests % args.rounds)
                    results[call.name].add(measure(base, [call], args.clients, share))
        print(
            f"  {args.requests} requests of each callback at {args.clients} clients, in {args.rounds} rounds"
        )
        print(HEADER)
        for name, result in results.items():
            print(line(result, results.get(FLOORS.get(name, ""))))
        print("  cold per-view cache (another view on every request, first seen by each worker):")
        for name, view_calls in distinct_views(database, captured).items():
            result = measure(
                main_server.base, view_calls, args.clients, max(args.view_requests, len(view_calls))
            )
            result.name = name
            print(line(result))
        visit_pages(main_server.base, PAGES)
        peaks = main_server.peak_rss_kib()
        now = main_server.rss_kib()
    print(
        "  web workers, peak RSS (VmHWM) after serving every page: "
        + ", ".join(
            f"pid {pid} {kib / 1024:.0f} MB (now {now.get(pid, 0) / 1024:.0f} MB)"
            for pid, kib in peaks.items()
        )
    )
    out["rss_mb"] = max(peaks.values()) / 1024 if peaks else float("nan")
    out["ratios"] = {name: results[name].pct(95) / results[floor].pct(95) for name, floor in FLOORS.items()}
    out["p95"] = {name: results[name].pct(95) for name in (*FLOORS, *FLOORS.values())}
    out["errors"] = sum(len(r.errors) for r in results.values())
    return out


MONTH_LOAD = r"""
import json, re, resource, sys, time
sys.path.insert(0, {root!r})
url, path = sys.argv[1:3]
from pathlib import Path
from data import load as load_module, report_store
from data.engine import make_engine
from data.load import load_files
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
engine = make_engine(url)
start, cpu = time.perf_counter(), time.process_time()
(summary,) = load_files(engine, [Path(path)], user="bench", month="2026-11")
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
with open("/proc/self/status") as status_file:  # VmHWM: ru_maxrss carries the parent's over exec
    peak = int(re.search(r"VmHWM:\s+(\d+) kB", status_file.read()).group(1)) / 1024
print(json.dumps({{"seconds": seconds, "cpu": cpu, "peak_mb": peak, "added": summary.added, **spent}}))
"""


def month_load(database: Path, folder: Path, tag: str) -> dict[str, float]:
    """One new month's figures file loaded into a copy of ``database``, in a fresh process."""
    copy = folder / f"month-{tag}.db"
    shutil.copyfile(database, copy)
    for suffix in ("-wal", "-shm"):
        if Path(f"{database}{suffix}").exists():
            shutil.copyfile(f"{database}{suffix}", f"{copy}{suffix}")
    month_file = new_month_file(copy, folder)
    done = subprocess.run(
        [sys.executable, "-c", MONTH_LOAD.format(root=str(ROOT)), f"sqlite:///{copy}", str(month_file)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    month_file.unlink()
    for leftover in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
        leftover.unlink(missing_ok=True)
    return result


def run_size(size: int, args, folder: Path) -> dict:  # type: ignore[no-untyped-def]
    database = default_db(size)
    print(f"\n== size {size}x ==")
    print(build_scaled_database(database, args.seed, size=size))
    env = {"DATABASE_URL": f"sqlite:///{database}"}
    tag = f"{size}x"
    loads = first_pages(env, folder, tag, args.first_samples)
    shown = sorted(t["shown"] for t in loads)
    print(
        f"  first page of a fresh server in a fresh Chromium: scorecard rendered at "
        f"{', '.join(f'{s:.2f}' for s in shown)} s (median {median(shown):.2f} s); last response "
        f"{median([t['quiet'] for t in loads]):.2f} s, networkidle {median([t['idle'] for t in loads]):.2f} s"
    )
    out = serve_and_measure(database, env, folder, tag, args)
    out["first_s"] = median(shown)
    month = month_load(database, folder, tag)
    print(
        f"  load of one new month ({NEW_MONTH}, {int(month['added']):,} figures): {month['seconds']:.1f} s "
        f"(cpu {month['cpu']:.1f} s, peak {month['peak_mb']:.0f} MB), of which the stored report "
        f"{month['report']:.1f} s, data-quality checks {month['checks']:.1f} s"
    )
    out["month"] = month
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,8", help="sizes of bench/scaled.py, comma-separated")
    parser.add_argument("--requests", type=int, default=200, help="requests of each callback")
    parser.add_argument("--view-requests", type=int, default=100, help="requests over distinct views")
    parser.add_argument("--rounds", type=int, default=2, help="rounds the phases are spread over")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--first-samples", type=int, default=3, help="fresh servers for the first page")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",")})
    started = time.perf_counter()
    print(f"$ python bench/dashboard.py {' '.join(sys.argv[1:])}".rstrip())
    print(f"{os.cpu_count()} CPUs; {args.clients} clients; gunicorn -w 2 on 127.0.0.1; {load_average()}")
    runs: dict[int, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        for size in sizes:
            runs[size] = run_size(size, args, Path(tmp))
    checks = goals(runs)
    print(f"\ngoals (issue 9), sizes {', '.join(f'{s}x' for s in sizes)}:")
    print(f"  {'':4}  {'measure':<58} {'measured':<34}")
    for name, ok, detail in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {name:<58} {detail}")
    print(f"\nwhole run {time.perf_counter() - started:.0f} s; {load_average()}")
    return 0 if all(ok for _, ok, _ in checks) else 1


def goals(runs: dict[int, dict]) -> list[tuple[str, bool, str]]:
    small, large = min(runs), max(runs)
    checks: list[tuple[str, bool, str]] = []
    if large > small:
        a, b = runs[small]["rss_mb"], runs[large]["rss_mb"]
        checks.append(
            (
                f"worker peak RSS {large}x <= {GOAL_RSS_RATIO} x {small}x",
                b <= GOAL_RSS_RATIO * a,
                f"{b:.0f} MB / {a:.0f} MB = {b / a:.2f}x",
            )
        )
    for size, run in runs.items():
        checks.append(
            (
                f"first page of a fresh server < {GOAL_FIRST_PAGE_S:g} s ({size}x)",
                run["first_s"] < GOAL_FIRST_PAGE_S,
                f"{run['first_s']:.2f} s (median)",
            )
        )
    for size, run in runs.items():
        for name, ratio in run["ratios"].items():
            p95 = run["p95"]
            checks.append(
                (
                    f"{name} p95 <= {GOAL_FLOOR_RATIO} x the floor ({size}x)",
                    ratio <= GOAL_FLOOR_RATIO,
                    f"{fmt_ms(p95[name])} / {fmt_ms(p95[FLOORS[name]])} = {ratio:.2f}x",
                )
            )
    if large > small:
        a, b = runs[small]["month"]["seconds"], runs[large]["month"]["seconds"]
        limit = GOAL_MONTH_SLOPE * large / small
        checks.append(
            (
                f"month load {large}x <= {limit:g} x {small}x",
                b <= limit * a,
                f"{b:.1f} s / {a:.1f} s = {b / a:.2f}x",
            )
        )
    errors = sum(run["errors"] for run in runs.values())
    checks.append(("no errors", errors == 0, f"{errors} errors"))
    return checks


if __name__ == "__main__":
    sys.exit(main())
