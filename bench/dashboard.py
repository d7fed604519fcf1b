"""Dashboard benchmark: callbacks and the CSV API under 20 concurrent clients, against a floor.

On the scaled dataset (bench/scaled.py: 40 teams x 45 KPIs x 120 months, about 188,000 figures)
served by ``gunicorn -w 2`` on loopback, 20 client threads send a bounded number of requests
for each of: the scorecard callback and the KPI trend callback (the exact request bodies
Chromium sends, captured once from a real browser session), ``GET /api/figures.csv``, and the
floor (bench/floor_app.py: the same callbacks returning the dashboard's own output, precomputed,
served by a second ``gunicorn -w 2``). It prints p50 and p95, the ratios to the floor and the
JSON size of each output and plotly figure, with flask-caching on (the app's default: "after")
and off (NullCache: "before"); then the first load of the scorecard in a fresh Chromium on the
demo data. Goals (issue 3): scorecard and trend p95 at most 2x the floor, no figure over
150 KB, first load under 1.5 s. About 2 to 3 minutes on 2 idle cores; it stops by itself.

    python bench/dashboard.py [--requests 300] [--clients 20] [--no-browser]
"""

from __future__ import annotations

import argparse
import json
import os
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
    run_clients,
    serving,
)
from scaled import build_scaled_database  # noqa: E402

GOAL_RATIO = 2.0
GOAL_KB = 150
GOAL_FIRST_LOAD_S = 1.5
NULL_CACHE = "app:create_app(cache_config={'CACHE_TYPE': 'NullCache'})"
TREND_PATH = "/kpi?kpi=CP_VISITS_TIMELY&org=LA"
FLOORS = {"scorecard callback": "floor (scorecard size)", "trend callback": "floor (trend size)"}
COLUMNS = (("request", 30), ("n", 5), ("errors", 6), ("p50", 9), ("p95", 9), ("p95/floor", 9))
HEADER = "  " + " ".join(
    [f"{name:<{w}}" if name == "request" else f"{name:>{w}}" for name, w in COLUMNS]
    + [f"{'rate':>9}", f"{'size':>10}"]
)


def csv_ok(status: int, data: bytes) -> str | None:
    if status != 200:
        return f"HTTP {status}"
    return None if b"period,kpi,org" in data[:2000] else "not the figures CSV"


def with_search(captured: dict, search: str) -> dict:
    """The captured request with another URL query (what the browser sends for another view)."""
    body = json.loads(captured["body"])
    body["inputs"][0]["value"] = search
    return {"path": captured["path"], "body": json.dumps(body, separators=(",", ":"))}


def output_of(data: bytes) -> object:
    (output,) = json.loads(data)["response"].values()
    return output["children"]


def plotly_figures(tree: object) -> dict[str, int]:
    """JSON size (bytes) of each dcc.Graph figure in a component tree, by graph id."""
    found: dict[str, int] = {}

    def walk(node: object) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            props = node.get("props", {})
            if node.get("type") == "Graph" and "figure" in props:
                found[str(props.get("id"))] = len(json.dumps(props["figure"], separators=(",", ":")))
            for value in props.values() if isinstance(props, dict) else ():
                walk(value)

    walk(tree)
    return found


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


def warm(base: str, calls: list[Call], clients: int) -> None:
    """Every worker reads the database once (so a phase measures serving, not the first read)."""
    run_clients(base, calls, clients, clients * len(calls))


def load_average() -> str:
    """Other work on the same cores shows in every latency: say how busy the machine was."""
    one, five = Path("/proc/loadavg").read_text().split()[:2]
    return f"load average {one} (1 min), {five} (5 min)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="requests of each callback (cache on)")
    parser.add_argument("--api-requests", type=int, default=60, help="requests of /api/figures.csv")
    parser.add_argument("--view-requests", type=int, default=100, help="requests over distinct views")
    parser.add_argument("--uncached-requests", type=int, default=10, help="requests per phase, cache off")
    parser.add_argument("--rounds", type=int, default=3, help="rounds the cached phases are spread over")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium first load")
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"$ python bench/dashboard.py {' '.join(sys.argv[1:])}".rstrip())
    print(f"{os.cpu_count()} CPUs; {args.clients} clients; gunicorn -w 2 on 127.0.0.1; {load_average()}")
    database = ROOT / "bench" / "out" / "scaled.db"
    print(build_scaled_database(database, args.seed))
    env = {"DATABASE_URL": f"sqlite:///{database}"}
    checks: list[tuple[str, bool, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        folder = Path(tmp)
        main_server = Gunicorn("app:server", env, folder, "dashboard")
        with serving(main_server):
            captured = capture_callbacks(
                main_server.base,
                {"scorecard": "/", "trend": TREND_PATH},
                {"scorecard": '{"page":"scorecard"', "trend": '{"page":"trend"'},
            )
            print("request bodies captured from Chromium (POST /_dash-update-component):")
            for name, req in captured.items():
                print(f"  {name}: {req['body']}")
            scorecard = callback_call("scorecard callback", captured["scorecard"], dash_ok)
            trend = callback_call("trend callback", captured["trend"], dash_ok)
            api = Call("GET /api/figures.csv", "GET", "/api/figures.csv", check=csv_ok)
            payloads, sizes = {}, {}
            for name, call in (("scorecard", scorecard), ("trend", trend)):
                status, data = call.send(main_server.base)
                assert dash_ok(status, data) is None, f"{name}: {dash_ok(status, data)}"
                payloads[name], sizes[name] = output_of(data), len(data)
            (folder / "floor.json").write_text(json.dumps(payloads))
            floor_server = Gunicorn(
                "floor_app:server",
                {"FLOOR_PAYLOADS": str(folder / "floor.json")},
                folder,
                "floor",
                pythonpath=str(ROOT / "bench"),
            )
            views = distinct_views(database, captured)
            with serving(floor_server):
                floor_sc = callback_call("floor (scorecard size)", captured["scorecard"], dash_ok)
                floor_tr = callback_call("floor (trend size)", captured["trend"], dash_ok)
                warm(floor_server.base, [floor_sc, floor_tr], args.clients)
                warm(main_server.base, [scorecard, trend, api], args.clients)
                print(
                    f"\nflask-caching ON (the app's default; after): {args.requests} requests of each "
                    f"callback, {args.api_requests} of the API, in {args.rounds} rounds, one kind at a time"
                )
                phases = [
                    (floor_sc, floor_server.base, args.requests),
                    (floor_tr, floor_server.base, args.requests),
                    (scorecard, main_server.base, args.requests),
                    (trend, main_server.base, args.requests),
                    (api, main_server.base, args.api_requests),
                ]
                on = {call.name: Result(call.name) for call, _, _ in phases}
                for round_ in range(args.rounds):  # spread each kind over the run: the load drifts
                    for call, base, total in phases:
                        share = total // args.rounds + (round_ < total % args.rounds)
                        on[call.name].add(measure(base, [call], args.clients, share))
                print(HEADER)
                for name, result in on.items():
                    print(line(result, on.get(FLOORS.get(name, ""))))
                print("  cold per-view cache (another view on every request, first seen by each worker):")
                for name, view_calls in views.items():
                    result = measure(main_server.base, view_calls, args.clients, args.view_requests)
                    result.name = name
                    print(line(result))
        quiet = {"PYTHONWARNINGS": "ignore:Flask-Caching:UserWarning"}  # the NullCache notice
        off_server = Gunicorn(NULL_CACHE, {**env, **quiet}, folder, "nocache")
        with serving(off_server):
            print(
                f"\nflask-caching OFF (NullCache; before): {args.uncached_requests} requests per kind"
                " (each request reads and rolls up the whole database)"
            )
            print(HEADER)
            off = {}
            for call in (scorecard, trend, api):
                off[call.name] = measure(off_server.base, [call], args.clients, args.uncached_requests)
                print(line(off[call.name]))
        print("\ncaching off -> on (p95):")
        for name in ("scorecard callback", "trend callback", "GET /api/figures.csv"):
            before, after = off[name].pct(95), on[name].pct(95)
            print(f"  {name:<28} {fmt_ms(before):>10} -> {fmt_ms(after):>9}  ({before / after:,.1f}x faster)")
        checks += size_checks(sizes, payloads)
        for name, floor_name in FLOORS.items():
            ratio = on[name].pct(95) / on[floor_name].pct(95)
            checks.append((f"{name} p95 <= {GOAL_RATIO:g}x the floor", ratio <= GOAL_RATIO, f"{ratio:.2f}x"))
        errors = sum(len(r.errors) for r in (*on.values(), *off.values()))
        checks.append(("no errors", errors == 0, f"{errors} errors"))
        if not args.no_browser:
            checks += browser_first_load(folder)
    print("\ngoals:")
    for name, ok, detail in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {name}{'  (' + detail + ')' if detail else ''}")
    print(f"\nwhole run {time.perf_counter() - started:.0f} s; {load_average()}")
    return 0 if all(ok for _, ok, _ in checks) else 1


def size_checks(sizes: dict[str, int], payloads: dict[str, object]) -> list[tuple[str, bool, str]]:
    print("\nJSON sizes:")
    figures: dict[str, int] = {}
    for name, size in sizes.items():
        print(f"  {name} callback response: {size / 1024:.1f} KB")
        for graph, figure_size in plotly_figures(payloads[name]).items():
            print(f"    plotly figure {graph}: {figure_size / 1024:.1f} KB")
            figures[graph] = figure_size
    biggest = max(figures, key=figures.__getitem__)
    return [
        (
            f"every plotly figure <= {GOAL_KB} KB",
            figures[biggest] <= GOAL_KB * 1024,
            f"largest {biggest} {figures[biggest] / 1024:.1f} KB",
        ),
        *(
            (
                f"{name} callback response <= {GOAL_KB} KB",
                size <= GOAL_KB * 1024,
                f"{size / 1024:.1f} KB" + ("; HTML table, no plotly figure" if name == "scorecard" else ""),
            )
            for name, size in sizes.items()
        ),
    ]


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


def browser_first_load(folder: Path, samples: int = 3) -> list[tuple[str, bool, str]]:
    """The scorecard in a fresh Chromium on the demo data, on a server that has served nothing
    yet (started anew for each sample) and on the same server again: medians of ``samples``."""
    from data.demo import build_demo_database

    demo = folder / "demo.db"
    build_demo_database(f"sqlite:///{demo}")
    cold, warm_ = [], []
    for i in range(samples):
        server = Gunicorn("app:server", {"DATABASE_URL": f"sqlite:///{demo}"}, folder, f"demo{i}")
        with serving(server):  # serving() waited for /_dash-layout only: no figures read yet
            cold.append(first_load(server.base, "/", "h2.card-heading"))
            warm_.append(first_load(server.base, "/", "h2.card-heading"))
    print(
        f"\nfirst load of the scorecard in Chromium (demo data; a fresh browser, empty cache; "
        f"median of {samples}):"
    )
    medians = {}
    for name, loads in (("server's first page", cold), ("server already serving", warm_)):
        loads.sort(key=lambda t: t["idle"])
        medians[name] = t = loads[len(loads) // 2]
        every = ", ".join(f"{x['idle']:.2f}" for x in loads)
        print(
            f"  {name:<24} networkidle {t['idle']:.2f} s (all: {every}); last response "
            f"{t['quiet']:.2f} s; scorecard in the page {t['shown']:.2f} s"
        )
    print("  (networkidle: Playwright's goto(wait_until='networkidle'), no request for 500 ms; the card is")
    print("  in the page when its first heading is in the DOM: rendering follows the last response)")
    return [
        (
            f"first load, {name}: navigation to networkidle < {GOAL_FIRST_LOAD_S} s",
            t["idle"] < GOAL_FIRST_LOAD_S,
            f"median {t['idle']:.2f} s",
        )
        for name, t in medians.items()
    ]


if __name__ == "__main__":
    sys.exit(main())
