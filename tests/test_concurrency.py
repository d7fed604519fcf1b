"""Concurrent use, on SQLite and PostgreSQL: the dashboard keeps answering with consistent
numbers while a month is loaded, and two loads at once serialise (or one fails cleanly).

The numbers are built so that any half-loaded state shows: every team has a figure for every
KPI in every month, so the authority's total for a month is either absent (not loaded yet) or
exactly the sum of all teams' figures, and each service's figures add up to the authority's.
A load is held open part-way (its rows partly written inside its transaction) while readers
query the dashboard; they must see the old state, then the new one, never anything between.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

import data.revisions
from app import create_app
from data import schema
from data.engine import make_engine
from data.load import load_files
from tests.conftest import static_html_of

ROOT = Path(__file__).resolve().parents[1]
SERVICES = [f"S{i}" for i in range(1, 5)]
TEAMS = {s: [f"{s}T{i:02d}" for i in range(25)] for s in SERVICES}
ALL_TEAMS = [t for s in SERVICES for t in TEAMS[s]]
OLD_MONTHS = ["2023-01", "2023-02", "2023-03"]
NEW = "2023-04"
SECOND = "2023-05"
COUNT_KPIS = ["CONTACTS", "REFERRALS", "ASSESSMENTS_COMPLETED", "S47_ENQUIRIES", "ICPC_HELD", "LAC_STARTED"]
RATIO_KPIS = ["ASSESSMENTS_45WD", "REFERRAL_DECISION_1WD", "CIN_VISITS_TIMELY", "CP_VISITS_TIMELY"]
CHECKED = ["CONTACTS", "ASSESSMENTS_45WD"]  # the KPIs the readers ask for (all are loaded)
SCORECARD = '{"page":"scorecard","type":"content"}.children'
DEADLINE = 60  # seconds any one wait may take before the test gives up


def figure(team: int, kpi: int, month: str) -> tuple[int, int]:
    """A deterministic (numerator, denominator) for a percent KPI; a count uses the numerator."""
    m = int(month[-2:]) + 12 * (int(month[:4]) - 2023)
    denominator = 20 + (team * 7 + kpi * 5 + m * 3) % 31
    return (team * 11 + kpi * 13 + m * 17) % denominator, denominator


def orgs_csv() -> str:
    rows = ["code,name,parent,type", "LA,Example Council,,authority"]
    rows += [f"{s},Service {s},LA,service" for s in SERVICES]
    rows += [f"{t},Team {t},{s},team" for s in SERVICES for t in TEAMS[s]]
    return "\n".join(rows) + "\n"


def figures_csv(months: list[str], teams: list[str] = ALL_TEAMS) -> str:
    rows = ["period,kpi,org,numerator,denominator,value"]
    for month in months:
        for k, kpi in enumerate(COUNT_KPIS + RATIO_KPIS):
            for team in teams:
                num, den = figure(ALL_TEAMS.index(team), k, month)
                rows.append(
                    f"{month},{kpi},{team},,,{num}"
                    if kpi in COUNT_KPIS
                    else f"{month},{kpi},{team},{num},{den},"
                )
    return "\n".join(rows) + "\n"


def expected(kpi: str, month: str, teams: list[str] = ALL_TEAMS) -> tuple[float, float]:
    """(numerator or count, denominator) that the teams add up to."""
    k = (COUNT_KPIS + RATIO_KPIS).index(kpi)
    pairs = [figure(ALL_TEAMS.index(t), k, month) for t in teams]
    if kpi in COUNT_KPIS:
        return float(sum(n for n, _ in pairs)), float("nan")
    return float(sum(n for n, _ in pairs)), float(sum(d for _, d in pairs))


@dataclass
class World:
    url: str
    folder: Path
    new_month: Path
    second_month: Path


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    """Org units and three months loaded; files for two more months ready to load."""
    (tmp_path / "orgs.csv").write_text(orgs_csv())
    (tmp_path / "old.csv").write_text(figures_csv(OLD_MONTHS))
    (tmp_path / "new.csv").write_text(figures_csv([NEW]))
    (tmp_path / "second.csv").write_text(figures_csv([SECOND]))
    engine = make_engine(db_url)
    load_files(engine, [tmp_path / "orgs.csv", tmp_path / "old.csv"], user="setup")
    engine.dispose()
    yield World(db_url, tmp_path, tmp_path / "new.csv", tmp_path / "second.csv")


# --- what a reader checks ------------------------------------------------------------------


def check_api(text: str) -> str:
    """Check one /api/figures.csv answer; 'old' or 'new' by whether NEW is in it."""
    rows = list(csv.DictReader(io.StringIO(text)))
    by = {(r["kpi"], r["org"], r["period"]): r for r in rows}
    states = set()
    for kpi in CHECKED:
        for month in [*OLD_MONTHS, NEW]:
            la = by.get((kpi, "LA", month))
            if la is None:
                assert month == NEW, f"{kpi} {month}: the authority's figure is missing"
                assert not any((kpi, s, month) in by for s in SERVICES), f"{kpi} {month}: half there"
                states.add("old")
                continue
            if month == NEW:
                states.add("new")
            want_num, want_den = expected(kpi, month)
            got = float(la["numerator"] or la["value"])
            assert got == want_num, f"{kpi} {month}: authority total {got}, teams add up to {want_num}"
            if kpi in RATIO_KPIS:
                assert float(la["denominator"]) == want_den, f"{kpi} {month}: denominator"
            services = [by[(kpi, s, month)] for s in SERVICES]
            total = sum(float(s["numerator"] or s["value"]) for s in services)
            assert total == got, f"{kpi} {month}: services add up to {total}, the authority shows {got}"
            for s, row in zip(SERVICES, services, strict=True):
                got_s = float(row["numerator"] or row["value"])
                assert got_s == expected(kpi, month, TEAMS[s])[0], f"{kpi} {month} {s}: team sum"
    assert len(states) == 1, f"old and new in one answer: {states}"
    return states.pop()


def callback_body(search: str) -> dict:
    return {
        "output": SCORECARD,
        "outputs": {"id": {"page": "scorecard", "type": "content"}, "property": "children"},
        "inputs": [
            {"id": "url", "property": "search", "value": search},
            {"id": {"page": "scorecard", "type": "ready"}, "property": "data", "value": None},
        ],
        "state": [],
        "changedPropIds": ["url.search"],
    }


def check_scorecard(payload: str) -> str:
    """The scorecard for NEW: 'Contacts received' is a dash (not loaded) or the whole total."""
    tables = "".join(static_html_of(json.loads(payload)))
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", tables, re.S) if ">Contacts received<" in r)
    cells = [
        html.unescape(re.sub(r"<[^>]+>", " ", c)).split() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)
    ]
    shown = cells[1][0]  # the value cell, after the indicator's name
    have = re.search(r"(\d+) of \d+ indicators have a figure", payload)
    assert have is not None, "the scorecard has no summary line"
    if shown == "–":
        assert have.group(1) == "0", f"{have.group(1)} indicators shown for a month not yet loaded"
        return "old"
    assert shown == f"{expected('CONTACTS', NEW)[0]:,.0f}", f"contacts shown as {shown}"
    assert have.group(1) == str(len(COUNT_KPIS + RATIO_KPIS)), f"only {have.group(1)} indicators"
    return "new"


@dataclass
class Readers:
    """Threads asking the dashboard (its own test client each) for figures and a scorecard."""

    url: str
    threads: int = 3
    seen: list[tuple[float, float, str]] = field(default_factory=list)  # (start, end, state)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.app = create_app(self.url)
        self.lock = threading.Lock()
        self.workers = [threading.Thread(target=self._run, daemon=True) for _ in range(self.threads)]

    def __enter__(self) -> Readers:
        for worker in self.workers:
            worker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for worker in self.workers:
            worker.join(DEADLINE)
        self.app.server.extensions["dashboard_source"].engine.dispose()

    def _run(self) -> None:
        client = self.app.server.test_client()
        query = f"/api/figures.csv?kpi={','.join(CHECKED)}&org=LA,{','.join(SERVICES)}"
        turn = 0
        while not self.stop.is_set():
            start = time.monotonic()
            try:
                if turn % 2 == 0:
                    response = client.get(query)
                    assert response.status_code == 200, response.get_data(as_text=True)[:200]
                    state = check_api(response.get_data(as_text=True))
                else:
                    search = f"?org=LA&period=month&month={NEW}"
                    response = client.post("/_dash-update-component", json=callback_body(search))
                    assert response.status_code == 200, response.get_data(as_text=True)[:200]
                    state = check_scorecard(response.get_data(as_text=True))
            except AssertionError as exc:
                with self.lock:
                    self.errors.append(str(exc))
                state = "error"
            with self.lock:
                self.seen.append((start, time.monotonic(), state))
            turn += 1

    def answers(self, start: float, end: float) -> set[str]:
        """States of the answers to requests made wholly between ``start`` and ``end``."""
        with self.lock:
            return {s for a, b, s in self.seen if a >= start and b <= end}

    def wait_for(self, count: int, since: float) -> None:
        """Until ``count`` answers to requests made after ``since`` are in."""
        until = time.monotonic() + DEADLINE
        while time.monotonic() < until:
            with self.lock:
                if sum(1 for a, _, _ in self.seen if a >= since) >= count:
                    return
            time.sleep(0.02)
        raise AssertionError("the dashboard stopped answering")


class HeldLoad(threading.Thread):
    """``load_files`` in a thread, held part-way through writing its rows until released."""

    def __init__(self, url: str, paths: list[Path]) -> None:
        super().__init__(daemon=True)
        self.url, self.paths = url, paths
        self.reached, self.release = threading.Event(), threading.Event()
        self.position: tuple[int, int] = (0, 0)
        self.error: BaseException | None = None
        self.committed_at = 0.0

    def _progress(self, done: int, total: int) -> None:
        if not self.reached.is_set():
            self.position = (done, total)
            self.reached.set()
            self.release.wait(DEADLINE)

    def run(self) -> None:
        engine = make_engine(self.url)
        try:
            load_files(engine, self.paths, user="loader", progress=self._progress)
            self.committed_at = time.monotonic()
        except BaseException as exc:
            self.error = exc
        finally:
            engine.dispose()
            self.reached.set()


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url, read_only=True)
    try:
        with engine.connect() as conn:
            figures = schema.figures
            per_month = conn.execute(
                sa.select(figures.c.period, sa.func.count())
                .where(figures.c.is_current == sa.true())
                .group_by(figures.c.period)
            ).all()
            loads = conn.execute(sa.select(sa.func.count()).select_from(schema.loads)).scalar_one()
    finally:
        engine.dispose()
    return {**{str(p): int(n) for p, n in per_month}, "loads": int(loads)}


ROWS_PER_MONTH = len(ALL_TEAMS) * len(COUNT_KPIS + RATIO_KPIS)


# --- the tests -----------------------------------------------------------------------------


def test_readers_see_old_then_new_never_half(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(data.revisions, "CHUNK", 200)  # the loader reports (and is held) every 200 rows
    with Readers(world.url) as readers:
        readers.wait_for(4, since=0)
        load = HeldLoad(world.url, [world.new_month])
        load.start()
        assert load.reached.wait(DEADLINE) and load.error is None, load.error
        done, total = load.position
        assert 0 < done < total == ROWS_PER_MONTH  # rows of the new month are written, uncommitted
        held_from = time.monotonic()
        readers.wait_for(4, since=held_from)
        held_until = time.monotonic()
        load.release.set()
        load.join(DEADLINE)
        assert load.error is None, load.error
        readers.wait_for(4, since=load.committed_at)
        readers.stop.set()
    assert readers.errors == []
    assert readers.answers(0, held_until) == {"old"}  # before and during the load: the old figures
    assert readers.answers(held_from, held_until) == {"old"}
    assert readers.answers(load.committed_at, float("inf")) == {"new"}  # after it: all of the new
    assert counts(world.url)[NEW] == ROWS_PER_MONTH


def test_a_read_sees_one_snapshot_while_a_load_commits(world: World) -> None:
    """One dashboard read (several queries) sees the database as of one moment."""
    from data.queries import read_dataset, read_figures

    reader = make_engine(world.url, read_only=True)
    writer = make_engine(world.url)
    try:
        with reader.connect() as conn:
            before = read_figures(conn)
            load_files(writer, [world.new_month], user="loader")  # commits meanwhile
            dataset = read_dataset(conn)
            assert len(dataset.figures) == len(before)
            assert NEW not in set(dataset.figures["period"])
        with reader.connect() as conn:
            assert NEW in set(read_dataset(conn).figures["period"])
    finally:
        reader.dispose()
        writer.dispose()


def python_m_data(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "data", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "DASHBOARD_USER": "loader"},
    )


@pytest.mark.slow
def test_dashboard_answers_while_the_loader_command_runs(world: World, tmp_path: Path) -> None:
    """The real command in another process: a year of figures (12,000 rows) loaded while the
    dashboard is asked for the same figures over and over."""
    months = [f"2023-{m:02d}" for m in range(4, 13)] + ["2024-01", "2024-02", "2024-03"]
    year = tmp_path / "year.csv"
    year.write_text(figures_csv(months))
    with Readers(world.url) as readers:
        readers.wait_for(2, since=0)
        started = time.monotonic()
        loader = python_m_data("--db", world.url, "load", str(year))
        _, err = loader.communicate(timeout=120)
        finished = time.monotonic()
        readers.wait_for(4, since=finished)
    assert loader.returncode == 0, err
    assert readers.errors == []
    during = [s for a, b, s in readers.seen if a >= started and b <= finished]
    print(f"{len(during)} answers while the loader ran: {sorted(set(during))}")
    assert during and set(during) <= {"old", "new"}
    assert readers.answers(finished, float("inf")) == {"new"}
    assert counts(world.url)["2024-03"] == ROWS_PER_MONTH


def test_two_loads_at_once_serialise_and_lose_nothing(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(data.revisions, "CHUNK", 200)
    first = HeldLoad(world.url, [world.new_month])
    first.start()
    assert first.reached.wait(DEADLINE) and first.error is None, first.error
    engine = make_engine(world.url)
    second = threading.Thread(
        target=lambda: load_files(engine, [world.second_month], user="second"), daemon=True
    )
    second.start()
    second.join(1.5)
    assert second.is_alive(), "the second load did not wait for the first"
    assert counts(world.url).get(SECOND) is None
    first.release.set()
    first.join(DEADLINE)
    second.join(DEADLINE)
    engine.dispose()
    assert first.error is None and not second.is_alive()
    after = counts(world.url)
    assert after[NEW] == after[SECOND] == ROWS_PER_MONTH
    assert after["loads"] == 4  # orgs, old months, and one for each new file


@pytest.mark.slow
def test_two_loader_commands_at_once_both_load(world: World) -> None:
    loaders = [
        python_m_data("--db", world.url, "load", str(path)) for path in (world.new_month, world.second_month)
    ]
    results = [loader.communicate(timeout=120) for loader in loaders]
    assert [loader.returncode for loader in loaders] == [0, 0], [err for _, err in results]
    after = counts(world.url)
    assert after[NEW] == after[SECOND] == ROWS_PER_MONTH
    assert after["loads"] == 4


def test_a_load_that_cannot_wait_fails_cleanly_and_a_retry_succeeds(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite gives up after its busy timeout (30 s in use; shortened here) and PostgreSQL after
    a lock timeout: the waiting load is rolled back whole and loads on a second try."""
    monkeypatch.setattr(data.revisions, "CHUNK", 200)
    first = HeldLoad(world.url, [world.new_month])
    first.start()
    assert first.reached.wait(DEADLINE)
    impatient = _impatient_engine(world.url, monkeypatch)
    try:
        with pytest.raises(sa.exc.OperationalError) as caught:
            load_files(impatient, [world.second_month], user="second")
        assert re.search(r"database is locked|lock timeout", str(caught.value))
    finally:
        impatient.dispose()
        first.release.set()
        first.join(DEADLINE)
    assert first.error is None
    assert counts(world.url).get(SECOND) is None  # nothing of the refused file
    retry = make_engine(world.url)
    load_files(retry, [world.second_month], user="second")
    retry.dispose()
    after = counts(world.url)
    assert after[NEW] == after[SECOND] == ROWS_PER_MONTH


def _impatient_engine(url: str, monkeypatch: pytest.MonkeyPatch) -> sa.Engine:
    if url.startswith("sqlite"):
        monkeypatch.setattr("data.engine.BUSY_TIMEOUT_MS", 300)
        return make_engine(url)
    engine = make_engine(url)

    @sa.event.listens_for(engine, "connect")
    def _lock_timeout(dbapi_connection: object, _record: object) -> None:
        with dbapi_connection.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute("SET lock_timeout = '300ms'")
        dbapi_connection.commit()  # type: ignore[attr-defined]

    return engine
