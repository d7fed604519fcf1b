"""Two web hosts, one database, one Redis: a month loaded through one host is seen by the other
on its very next request (API and page), the cache is shared, and a session made on one host
works on the other (the same SECRET_KEY).

Two real app servers (``gunicorn app:server``, one worker each, on two free loopback ports)
against one PostgreSQL database and one Redis (a key prefix of this test's own, deleted after).
Sign-in is AUTH_MODE=proxy with loopback as the trusted proxy.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests

from data import schema
from data.engine import make_engine
from data.queries import read_loads
from tests.auth.helpers import build

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[1]
SECRET = "two-hosts-" + "k" * 32
OFFICER = "officer@council.example"
CSV = "/api/figures.csv?kpi=ASSESSMENTS_45WD&org=ASS1"
NEW_ROW = "2025-01,ASSESSMENTS_45WD,ASS1,47,50,94,95,amber"
JANUARY = "period,kpi,org,numerator,denominator,value\n2025-01,ASSESSMENTS_45WD,ASS1,47,50,\n"
SCORECARD = '{"page":"scorecard","type":"content"}.children'
STARTUP_SECONDS = 90


def scorecard_body(search: str) -> dict:
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Host:
    name: str
    url: str
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start(name: str, database_url: str, redis_url: str, prefix: str, folder: Path) -> Host:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "AUTH_MODE": "proxy",
        "AUTH_PROXY_TRUSTED": "127.0.0.1",
        "SECRET_KEY": SECRET,
        "CACHE_REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": prefix,
        "UPLOAD_DIR": str(folder / f"uploads-{name}"),
        "HOST": "127.0.0.1",
    }
    log = folder / f"gunicorn-{name}.log"
    command = [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}"]
    command += ["--control-socket", str(folder / f"{name}.ctl"), "--timeout", "120", "app:server"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Host(name, f"http://127.0.0.1:{port}", process, log)


def wait_until_serving(host: Host) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if host.process.poll() is not None:
            pytest.fail(f"host {host.name} exited: {host.log.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(host.url + "/api/me", headers={"X-Forwarded-Email": OFFICER}, timeout=30).ok:
                return
        except requests.RequestException:  # still starting
            pass
        time.sleep(0.3)
    pytest.fail(f"host {host.name} did not start: {host.log.read_text(errors='replace')[-3000:]}")


@pytest.fixture
def database(postgres_url: str, tmp_path: Path) -> Iterator[str]:
    engine = make_engine(postgres_url)
    with engine.begin() as conn:
        schema.metadata.drop_all(conn)
    build(engine, tmp_path)  # org units, a year of figures, targets, users of every role
    engine.dispose()
    yield postgres_url


@pytest.fixture
def hosts(database: str, redis_url: str, redis_prefix: str, tmp_path: Path) -> Iterator[tuple[Host, Host]]:
    started = [start(name, database, redis_url, redis_prefix, tmp_path) for name in ("a", "b")]
    try:
        for host in started:
            wait_until_serving(host)
        yield started[0], started[1]
    finally:
        for host in started:
            host.stop()


def shared_keys(redis_url: str, prefix: str) -> set[str]:
    client = redis.Redis.from_url(redis_url)
    try:
        return {k.decode()[len(prefix) :] for k in client.scan_iter(match=prefix + "*")}
    finally:
        client.close()


def page(browser: requests.Session, host: Host) -> str:
    answer = browser.post(host.url + "/_dash-update-component", json=scorecard_body("?org=LA"), timeout=60)
    assert answer.status_code == 200, answer.text[:500]
    return answer.text


def test_a_month_loaded_through_one_host_is_read_from_the_other(hosts, database, redis_url, redis_prefix):
    a, b = hosts
    browser = requests.Session()  # one browser; the load balancer sends it to either host
    browser.headers["X-Forwarded-Email"] = OFFICER  # what the sign-in proxy adds

    # warm both hosts: A computes, B finds A's entries in Redis (no new keys)
    assert NEW_ROW not in browser.get(a.url + CSV, timeout=60).text
    before_page = page(browser, a)
    assert "January 2025" not in before_page
    warmed = shared_keys(redis_url, redis_prefix)
    assert {key.split(":")[0] for key in warmed} >= {"read", "view"}, warmed
    assert browser.get(b.url + CSV, timeout=60).text == browser.get(a.url + CSV, timeout=60).text
    assert page(browser, b) == before_page
    assert shared_keys(redis_url, redis_prefix) == warmed  # B computed nothing of its own

    # the session (and its CSRF token) made on B is honoured by A: the same SECRET_KEY
    token = browser.get(b.url + "/api/csrf", timeout=30).json()["token"]
    sent = browser.post(
        a.url + "/api/uploads",
        files={"file": ("january.csv", JANUARY.encode(), "text/csv")},
        headers={"X-CSRF-Token": token},
        timeout=60,
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["ok"] is True, sent.json()
    loaded = browser.post(f"{a.url}/api/uploads/{sent.json()['id']}/confirm", headers={"X-CSRF-Token": token})
    assert loaded.status_code == 200, loaded.text
    assert loaded.json()["loaded"][0]["added"] == 1

    # B's very next requests show the new month: the download and the page
    text = browser.get(b.url + CSV, timeout=60).text
    assert any(line.startswith(NEW_ROW + ",") for line in text.splitlines()), text
    after_page = page(browser, b)
    assert "January 2025" in after_page and after_page != before_page
    assert page(browser, a) == after_page  # A serves the entry B just stored

    # nothing was cleared: the old version's entries stay until they expire
    assert warmed <= shared_keys(redis_url, redis_prefix)
    newest = read_loads(make_engine(database)).iloc[0]
    assert (newest["file_name"], newest["loaded_by"]) == ("january.csv", OFFICER)
    for host in hosts:
        assert host.process.poll() is None, host.log.read_text(errors="replace")[-2000:]
