"""Soak test: 50 concurrent clients for a bounded time against ``gunicorn -w 2``, while a new
month is loaded; every answer must be whole (the old figures or the new, never half).

A copy of the scaled database (bench/scaled.py; ``--demo`` for the demo database) is served on
127.0.0.1 by ``gunicorn -w 2 app:server`` (own control socket). 50 client threads send a mix of
page loads (``GET /``, ``GET /kpi?...``, ``/_dash-layout``, ``/_dash-dependencies``), callbacks
(the page router, the scorecard, the KPI trend: the request bodies the browser sends) and CSV
downloads (``/api/figures.csv``) until the time is up. A third of the way in, one load of the
next month's figures file (made from the database's latest month) runs with
``python -m data load``. Every scorecard and API answer is checked: the authority's figures are
the sum of its services' and the services' the sum of their teams' (as loaded), and the new
month is either absent or there for every KPI and unit. Reported: requests, errors (goal:
none), p50/p95/p99 latency, what the answers showed around the load, and the resident memory
of the gunicorn master and workers (from /proc) after warm-up and at the end (goal: growth
under 10%).

    python bench/soak.py [--seconds 180] [--clients 50] [--demo]
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import Call, Gunicorn, dash_ok, fmt_ms, percentile  # noqa: E402
from scaled import DEFAULT_DB, build_scaled_database, new_month_file  # noqa: E402

CHECKED = ["CONTACTS", "CP_PLANS", "ASSESSMENTS_45WD", "CP_VISITS_TIMELY"]  # 2 counts, 2 percents
TREND_KPIS = ["CP_VISITS_TIMELY", "CONTACTS", "LAC_COUNT", "CASELOAD_AVG", "AUDITS_GOOD", "CIN_RATE"]
GOAL_GROWTH = 0.10


class Inconsistent(AssertionError):
    """An answer showing figures that are neither the old state nor the new one."""


@dataclass
class Expected:
    """What a whole answer shows: sums by (kpi, org, month) of team figures (numerator or value
    and denominator), for the old latest month and for the new one."""

    old: str
    new: str
    services: list[str]
    teams: list[str]  # a few open teams, for scorecards of a team
    sums: dict[tuple[str, str, str], tuple[float, float]]
    names: dict[str, str]

    def check_api(self, text: str) -> str:
        rows = list(csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#")))
        by = {(r["kpi"], r["org"], r["period"]): r for r in rows}
        months = {r["period"] for r in rows}
        if months not in ({self.old}, {self.old, self.new}):
            raise Inconsistent(f"months {sorted(months)} in the answer")
        state = "new" if self.new in months else "old"
        for kpi in CHECKED:
            for month in sorted(months):
                for org in ["LA", *self.services]:
                    if (kpi, org, self.old) not in self.sums:
                        continue  # no team of this service reports the KPI
                    row = by.get((kpi, org, month))
                    if row is None:
                        raise Inconsistent(f"{kpi} {org} {month} missing: a half-loaded month")
                    number = float(row["numerator"] or row["value"])
                    want_number, want_denominator = self.sums[(kpi, org, month)]
                    if abs(number - want_number) > 1e-6:
                        raise Inconsistent(
                            f"{kpi} {org} {month}: {number:g}, its teams add up to {want_number:g}"
                        )
                    if row["denominator"] and abs(float(row["denominator"]) - want_denominator) > 1e-6:
                        raise Inconsistent(f"{kpi} {org} {month}: denominator {row['denominator']}")
        return state

    def check_scorecard(self, data: bytes, month: str | None) -> str:
        """The authority's scorecard: ``month`` None is the default view (the latest month)."""
        text = data.decode()
        have = re.search(r"(\d+) of (\d+) indicators have a figure", text)
        if have is None:
            raise Inconsistent("a scorecard without its summary line")
        shown_month = month
        if month is None:
            for candidate in (self.old, self.new):
                if f": {self.names[candidate]}" in text:
                    shown_month = candidate
            if shown_month is None:
                raise Inconsistent("the default scorecard shows neither the old nor the new month")
        count, total = int(have.group(1)), int(have.group(2))
        if shown_month == self.new and count == 0:
            return "old"  # the new month asked for before it was loaded: no figures at all
        if count != total:
            raise Inconsistent(f"{count} of {total} indicators have a figure for {shown_month}")
        strings = re.findall(r'"children":"((?:[^"\\]|\\.)*)"', text)
        contacts = json.loads(f'"{strings[strings.index("Contacts received") + 1]}"')
        want = self.sums[("CONTACTS", "LA", shown_month)][0]
        if contacts != f"{want:,.0f}":
            raise Inconsistent(f"contacts {contacts} for {shown_month}; the teams add up to {want:,.0f}")
        return "new" if shown_month == self.new else "old"


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy (SQLite's online backup: committed pages in the WAL included)."""
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def expectations(database: Path, new_file: Path) -> Expected:
    """Sums of team figures per service and for the authority, from the database and the file."""
    import pandas as pd

    from data.engine import make_engine
    from data.queries import read_figures, read_orgs
    from metrics.periods import month_name

    engine = make_engine(f"sqlite:///{database}", read_only=True)
    try:
        orgs = read_orgs(engine)
        figures = read_figures(engine, CHECKED)
    finally:
        engine.dispose()
    old = str(figures["period"].max())
    figures = figures[figures["period"] == old]
    new = pd.read_csv(new_file, dtype={"period": str})
    new = new[new["kpi"].isin(CHECKED)]
    parent = dict(zip(orgs["code"], orgs["parent"], strict=True))
    services = sorted(c for c, t in zip(orgs["code"], orgs["type"], strict=True) if t == "service")
    sums: dict[tuple[str, str, str], tuple[float, float]] = defaultdict(lambda: (0.0, 0.0))
    for frame in (figures, new):
        for row in frame.itertuples():
            number = row.value if pd.isna(row.numerator) else row.numerator
            denominator = 0.0 if pd.isna(row.denominator) else float(row.denominator)
            for org in (parent[row.org], "LA"):
                n, d = sums[(row.kpi, org, row.period)]
                sums[(row.kpi, org, row.period)] = (n + float(number), d + denominator)
    new_month = str(new["period"].iloc[0])
    open_teams = orgs[(orgs["type"] == "team") & (orgs["closed"] == "")].drop_duplicates("code")
    teams = list(open_teams.groupby("parent", sort=True)["code"].first())[:3]
    names = {m: month_name(m) for m in (old, new_month)}
    return Expected(old, new_month, services, teams, dict(sums), names)


def callback_body(page: str, search: str) -> bytes:
    """The body Chromium sends for a page's content (see bench/dashboard.py, which captures it)."""
    output = json.dumps({"page": page, "type": "content"}, separators=(",", ":"))
    body = {
        "output": f"{output}.children",
        "outputs": {"id": {"page": page, "type": "content"}, "property": "children"},
        "inputs": [
            {"id": "url", "property": "search", "value": search},
            {"id": {"page": page, "type": "ready"}, "property": "data"},
        ],
        "changedPropIds": ["url.search"],
        "parsedChangedPropsIds": ["url.search"],
    }
    return json.dumps(body, separators=(",", ":")).encode()


def router_body(pathname: str, search: str) -> bytes:
    body = {
        "output": "page.children",
        "outputs": {"id": "page", "property": "children"},
        "inputs": [{"id": "url", "property": "pathname", "value": pathname}],
        "changedPropIds": ["url.pathname"],
        "parsedChangedPropsIds": ["url.pathname"],
        "state": [{"id": "url", "property": "search", "value": search}],
    }
    return json.dumps(body, separators=(",", ":")).encode()


def request_mix(expected: Expected) -> list[Call]:
    """One round of the mix (40 requests); the clients go round it from different places."""
    services = expected.services
    api_query = "?" + urlencode(
        {"kpi": ",".join(CHECKED), "org": ",".join(["LA", *services]), "from": expected.old}
    )

    def scorecard_ok(month: str | None):  # type: ignore[no-untyped-def]
        def check(status: int, data: bytes) -> str | None:
            return dash_ok(status, data) or f"state:{expected.check_scorecard(data, month)}"

        return check

    def api_ok(status: int, data: bytes) -> str | None:
        if status != 200:
            return f"HTTP {status}"
        return f"state:{expected.check_api(data.decode())}"

    def csv_ok(status: int, data: bytes) -> str | None:
        return None if status == 200 and b"period,kpi,org" in data[:2000] else f"HTTP {status}"

    page = "/kpi?" + urlencode({"kpi": TREND_KPIS[0], "org": "LA"})
    path = "/_dash-update-component"
    new_view = "?" + urlencode({"org": "LA", "period": "month", "month": expected.new})
    kinds = [  # (count in a round of 40, the request)
        (2, Call("GET / (page)", "GET", "/")),
        (2, Call("GET /kpi (page)", "GET", page)),
        (2, Call("GET /_dash-layout", "GET", "/_dash-layout")),
        (2, Call("GET /_dash-dependencies", "GET", "/_dash-dependencies")),
        (2, Call("router callback", "POST", path, router_body("/", ""), dash_ok)),
        (2, Call("router callback", "POST", path, router_body("/kpi", page[4:]), dash_ok)),
        (
            6,
            Call(
                "scorecard (latest month)", "POST", path, callback_body("scorecard", ""), scorecard_ok(None)
            ),
        ),
        (
            2,
            Call(
                "scorecard (new month)",
                "POST",
                path,
                callback_body("scorecard", new_view),
                scorecard_ok(expected.new),
            ),
        ),
        (5, Call("scorecard (a unit)", "POST", path)),  # placeholders: another unit or KPI each
        (7, Call("trend callback", "POST", path)),  # time (see ``views``)
        (5, Call("GET /api/figures.csv (checked)", "GET", "/api/figures.csv" + api_query, check=api_ok)),
        (1, Call("GET /api/figures.csv (all)", "GET", "/api/figures.csv", check=csv_ok)),
        (
            2,
            Call(
                "GET /api/figures.csv (quarters)",
                "GET",
                "/api/figures.csv?org=SFS&period=quarter",
                check=csv_ok,
            ),
        ),
    ]
    spread = [(i / n + k / 100, call) for k, (n, call) in enumerate(kinds) for i in range(n)]
    calls = [call for _, call in sorted(spread, key=lambda item: item[0])]  # each kind spread out
    return calls


@dataclass
class Log:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[tuple[float, str, str]] = field(default_factory=list)
    states: list[tuple[float, float, str, str]] = field(default_factory=list)  # start, end, kind, state


def client(
    base: str, calls: list[Call], offset: int, deadline: float, log: Log, rotate: dict[str, list[Call]]
) -> None:
    counters: Counter[str] = Counter()
    for i in itertools.count(offset):
        if time.monotonic() >= deadline:
            return
        call = calls[i % len(calls)]
        if call.name in rotate:  # another unit or KPI on each visit: many views
            options = rotate[call.name]
            call = options[(counters[call.name] + offset) % len(options)]
            counters[call.name] += 1
        started = time.monotonic()
        try:
            status, data = call.send(base)
            outcome = (call.check or (lambda s, _d: None if s == 200 else f"HTTP {s}"))(status, data)
        except Inconsistent as exc:
            outcome = f"INCONSISTENT: {exc}"
        except OSError as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        ended = time.monotonic()
        with log.lock:
            if outcome is None or outcome.startswith("state:"):
                log.latencies[call.name].append(ended - started)
                if outcome:
                    log.states.append((started, ended, call.name, outcome[6:]))
            else:
                log.errors.append((started, call.name, outcome))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--demo", action="store_true", help="the demo database instead of the scaled one")
    parser.add_argument(
        "--load-at", type=float, default=1 / 3, help="when the load starts (share of the time)"
    )
    args = parser.parse_args()
    print(f"$ python bench/soak.py {' '.join(sys.argv[1:])}".rstrip())
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        folder = Path(tmp)
        database = folder / "soak.db"
        if args.demo:
            from data.demo import build_demo_database

            build_demo_database(f"sqlite:///{database}")
            print(f"demo database at {database}")
        else:
            print(build_scaled_database(DEFAULT_DB))
            copy_database(DEFAULT_DB, database)  # the soak loads a month into its own copy
        new_file = new_month_file(database, folder)
        expected = expectations(database, new_file)
        print(
            f"{args.clients} clients for {args.seconds:.0f} s on gunicorn -w 2 (127.0.0.1); latest month "
            f"{expected.old}; a load of {expected.new} ({sum(1 for _ in new_file.open()) - 1:,} figures) "
            f"starts after {args.seconds * args.load_at:.0f} s"
        )
        server = Gunicorn("app:server", {"DATABASE_URL": f"sqlite:///{database}"}, folder, "soak")
        server.start()
        try:
            return soak(server, expected, new_file, database, args)
        finally:
            server.stop()


def views(expected: Expected) -> dict[str, list[Call]]:
    """The views the placeholders of the mix go round: 18 scorecards, 12 trends."""
    units = ["LA", *expected.services, *expected.teams]
    return {
        "scorecard (a unit)": [
            Call(
                "scorecard (a unit)",
                "POST",
                "/_dash-update-component",
                callback_body("scorecard", "?" + urlencode({"org": u, "period": p, "month": expected.old})),
                dash_ok,
            )
            for u in units
            for p in ("month", "quarter")
        ],
        "trend callback": [
            Call(
                "trend callback",
                "POST",
                "/_dash-update-component",
                callback_body("trend", "?" + urlencode({"kpi": k, "org": o})),
                dash_ok,
            )
            for k in TREND_KPIS
            for o in ("LA", "SFS")
        ],
    }


def soak(
    server: Gunicorn, expected: Expected, new_file: Path, database: Path, args: argparse.Namespace
) -> int:
    calls, rotate = request_mix(expected), views(expected)
    boot = sum(server.rss_kib().values())
    # Warm-up: every request of the mix and every view, 4 at once so that both workers see each,
    # before memory is measured (the first request in a worker reads the whole database).
    warm_calls = [c for c in calls if c.name not in rotate] + [
        c for options in rotate.values() for c in options
    ]
    for _ in range(2):
        for call in warm_calls:
            threads = [threading.Thread(target=call.send, args=(server.base,)) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    start_rss = server.rss_kib()
    print(
        f"memory after start {boot / 1024:,.0f} MiB; after warm-up (every view, every worker) "
        f"{sum(start_rss.values()) / 1024:,.0f} MiB (master + {len(start_rss) - 1} workers)"
    )
    log = Log()
    began = time.monotonic()
    deadline = began + args.seconds
    workers = [
        threading.Thread(target=client, args=(server.base, calls, i * 7, deadline, log, rotate), daemon=True)
        for i in range(args.clients)
    ]
    for w in workers:
        w.start()
    peak = 0
    load: dict[str, object] = {}
    load_at = began + args.seconds * args.load_at
    while time.monotonic() < deadline:
        peak = max(peak, sum(server.rss_kib().values()))
        if not load and time.monotonic() >= load_at:
            load = run_load(database, new_file, began)
        time.sleep(0.5)
    for w in workers:
        w.join(timeout=150)
    end_rss = server.rss_kib()
    return report(log, load, began, args, start_rss, end_rss, peak, expected)


def run_load(database: Path, new_file: Path, began: float) -> dict[str, object]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "data", "--db", f"sqlite:///{database}", "load", str(new_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    ended = time.monotonic()
    return {
        "start": started - began,
        "end": ended - began,
        "status": done.returncode,
        "output": (done.stdout + done.stderr).strip(),
        "t0": started,
        "t1": ended,
    }


def row(name: str, values: list[float], errors: int) -> str:
    p50, p95, p99 = (fmt_ms(percentile(values, q)) for q in (50, 95, 99))
    return f"  {name:<32} {len(values) + errors:6d} {errors:6d} {p50:>9} {p95:>9} {p99:>9}"


def report(
    log: Log,
    load: dict[str, object],
    began: float,
    args: argparse.Namespace,
    start_rss: dict[int, int],
    end_rss: dict[int, int],
    peak: int,
    expected: Expected,
) -> int:
    everything = [t for values in log.latencies.values() for t in values]
    total, errors = len(everything) + len(log.errors), len(log.errors)
    print(f"\n{total:,} requests in {args.seconds:.0f} s ({total / args.seconds:,.0f}/s); {errors} errors")
    print(f"  {'request':<32} {'n':>6} {'errors':>6} {'p50':>9} {'p95':>9} {'p99':>9}")
    errors_by = Counter(name for _, name, _ in log.errors)
    for name in sorted(set(log.latencies) | set(errors_by)):
        print(row(name, log.latencies.get(name, []), errors_by[name]))
    print(row("all", everything, errors))
    for when, name, outcome in log.errors[:10]:
        print(f"  error at {when - began:6.1f} s: {name}: {outcome[:200]}")
    print(f"\nthe load of {expected.new}: ", end="")
    if not load:
        print("did not run (the soak ended first)")
    else:
        print(f"{load['start']:.1f} s to {load['end']:.1f} s after the start, exit status {load['status']}")
        for output in str(load["output"]).splitlines():
            print(f"  | {output}")
        t0, t1 = float(load["t0"]), float(load["t1"])  # type: ignore[arg-type]
        for label, test in (
            ("answered before it began", lambda a, b: b <= t0),
            ("asked or answered while it ran", lambda a, b: b > t0 and a < t1),
            ("asked after it committed", lambda a, b: a >= t1),
        ):
            seen = Counter(state for a, b, _, state in log.states if test(a, b))
            shown = ", ".join(f"{n} {s}" for s, n in sorted(seen.items())) or "none"
            print(f"  checked answers {label}: {shown}")
        stale = [s for a, _, _, s in log.states if a >= t1 + 1.0 and s == "old"]
        if stale:
            print(
                f"  {len(stale)} answers asked over 1 s after the load committed still showed the old month"
            )
    inconsistent = sum(1 for _, _, o in log.errors if o.startswith("INCONSISTENT"))
    before, after = sum(start_rss.values()), sum(end_rss.values())
    growth = (after - before) / before
    print(
        f"\nmemory (RSS of the gunicorn master + workers): {before / 1024:,.0f} MiB after warm-up, "
        f"{after / 1024:,.0f} MiB at the end ({growth:+.1%}); peak {peak / 1024:,.0f} MiB"
    )
    for pid in sorted(set(start_rss) | set(end_rss)):
        print(f"  pid {pid}: {start_rss.get(pid, 0) / 1024:,.0f} -> {end_rss.get(pid, 0) / 1024:,.0f} MiB")
    checks = [
        ("no errors", not log.errors, f"{errors} errors, {inconsistent} inconsistent answers"),
        ("the load ran and succeeded", bool(load) and load.get("status") == 0, ""),
        (f"memory growth under {GOAL_GROWTH:.0%}", growth < GOAL_GROWTH, f"{growth:+.1%}"),
        ("every checked answer whole (old or new)", inconsistent == 0, f"{len(log.states)} checked"),
    ]
    print("\ngoals:")
    for name, ok, detail in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {name}{'  (' + detail + ')' if detail else ''}")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
