"""Shared pieces of the web benchmarks: gunicorn on loopback, HTTP clients, Chromium, statistics.

Every server is a ``gunicorn`` master started here (by its own process id, with its own
``--control-socket`` in a temporary directory) and stopped here; clients talk to 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
CALLBACK_PATH = "/_dash-update-component"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class Gunicorn:
    """One ``gunicorn -w N`` master on loopback, started and stopped by this process."""

    app: str
    env: dict[str, str]
    folder: Path
    name: str
    workers: int = 2
    pythonpath: str = ""
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, ready_path: str = "/_dash-layout", timeout: float = 90) -> Gunicorn:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(self.workers),
            "-b",
            f"{HOST}:{self.port}",
            "--control-socket",
            str(self.folder / f"{self.name}.ctl"),
            "--chdir",
            str(ROOT),
            "--timeout",
            "120",
            "--error-logfile",
            str(self.folder / f"{self.name}.log"),
        ]
        if self.pythonpath:
            command += ["--pythonpath", self.pythonpath]
        env = {**os.environ, **self.env}
        self.process = subprocess.Popen([*command, self.app], env=env, cwd=ROOT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.name} exited: see {self.folder / self.name}.log")
            try:
                status, _ = request("GET", self.base + ready_path, timeout=5)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn {self.name} did not answer within {timeout} s")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def rss_kib(self) -> dict[int, int]:
        """Resident memory (KiB) of the master and each worker, from /proc."""
        out = {}
        for pid in [self.process.pid] if self.process else []:
            out[pid] = _rss(pid)
        for pid in self.worker_pids():
            out[pid] = _rss(pid)
        return out

    def peak_rss_kib(self) -> dict[int, int]:
        """Peak resident memory (VmHWM, KiB) of each worker since it started."""
        return {pid: proc_status_kib(pid, "VmHWM") for pid in self.worker_pids()}

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # graceful stop of this master and its workers
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def _rss(pid: int) -> int:
    return proc_status_kib(pid, "VmRSS")


def proc_status_kib(pid: int, name: str) -> int:
    """A memory line of /proc/PID/status in KiB (VmRSS: resident now; VmHWM: peak resident)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@contextmanager
def serving(*servers: Gunicorn) -> Iterator[tuple[Gunicorn, ...]]:
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()


def request(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 120,
) -> tuple[int, bytes]:
    """One HTTP/1.1 request on a fresh connection (gunicorn's sync workers close after each)."""
    assert url.startswith(f"http://{HOST}:"), "loopback only"
    hostport, _, path = url[len("http://") :].partition("/")
    host, _, port = hostport.partition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request(method, "/" + path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@dataclass(frozen=True)
class Call:
    """One kind of request a client makes."""

    name: str
    method: str
    path: str
    body: bytes | None = None
    check: Callable[[int, bytes], str | None] | None = None  # an error text, or None when fine

    def send(self, base: str) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"} if self.body is not None else {}
        return request(self.method, base + self.path, self.body, headers)


def callback_call(name: str, captured: dict, check: Callable[[int, bytes], str | None] | None = None) -> Call:
    return Call(name, "POST", captured["path"], captured["body"].encode(), check)


def dash_ok(status: int, data: bytes) -> str | None:
    if status != 200:
        return f"HTTP {status}"
    if b"Something went wrong" in data or b"could not be drawn" in data:
        return "error message in the page"
    return None


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    wall: float = 0.0

    def add(self, other: Result) -> None:
        self.latencies += other.latencies
        self.errors += other.errors
        self.sizes += other.sizes
        self.wall += other.wall

    @property
    def count(self) -> int:
        return len(self.latencies) + len(self.errors)

    def pct(self, q: float) -> float:
        return percentile(self.latencies, q)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank), in the units of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def run_clients(base: str, calls: list[Call], clients: int, total: int) -> dict[str, Result]:
    """``clients`` threads share ``total`` requests, request i of kind ``calls[i % len(calls)]``."""
    results = {c.name: Result(c.name) for c in calls}
    lock = threading.Lock()
    counter = iter(range(total))

    def client() -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            call = calls[i % len(calls)]
            started = time.perf_counter()
            try:
                status, data = call.send(base)
                error = (call.check or _status_ok)(status, data)
            except OSError as exc:
                error, data = f"{type(exc).__name__}: {exc}", b""
            elapsed = time.perf_counter() - started
            with lock:
                result = results[call.name]
                if error:
                    result.errors.append(error)
                else:
                    result.latencies.append(elapsed)
                    result.sizes.append(len(data))

    started = time.perf_counter()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    for result in results.values():
        result.wall = wall
    return results


def _status_ok(status: int, _data: bytes) -> str | None:
    return None if status == 200 else f"HTTP {status}"


def capture_callbacks(base: str, pages: dict[str, str], wanted: dict[str, str]) -> dict[str, dict]:
    """The callback requests Chromium sends: for each name in ``wanted`` (an output id prefix),
    the last request body whose ``output`` starts with it, after opening ``pages[name]``."""
    from playwright.sync_api import sync_playwright

    captured: dict[str, dict] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            seen: list[tuple[str, str]] = []

            def on_request(req) -> None:  # type: ignore[no-untyped-def]
                if CALLBACK_PATH in req.url and req.post_data:
                    seen.append((req.url, req.post_data))

            page.on("request", on_request)
            for name, path in pages.items():
                seen.clear()
                page.goto(base + path, wait_until="networkidle", timeout=120_000)
                for url, body in reversed(seen):
                    if json.loads(body)["output"].startswith(wanted[name]):
                        captured[name] = {"path": url[len(base) :], "body": body}
                        break
                else:
                    raise RuntimeError(f"Chromium sent no {wanted[name]} callback on {path}")
        finally:
            browser.close()
    return captured


SHOWN_SCRIPT = """
new MutationObserver((_, observer) => {
    if (document.querySelector(%s)) { window.__shown = performance.now(); observer.disconnect(); }
}).observe(document, {childList: true, subtree: true});
"""
LAST_RESPONSE = """() => Math.max(...performance.getEntriesByType("navigation")
    .concat(performance.getEntriesByType("resource")).map(e => e.responseEnd))"""


def first_load(base: str, path: str, ready_selector: str) -> dict[str, float]:
    """A fresh Chromium (empty cache) opening ``path``, in seconds from the start of navigation,
    timed by the page itself (Performance API): ``shown`` (``ready_selector`` in the page),
    ``quiet`` (the last response of any request finished) and ``idle`` (Playwright's
    ``networkidle``: no request for a further 500 ms, timed from Python)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context().new_page()
            page.add_init_script(SHOWN_SCRIPT % json.dumps(ready_selector))
            started = time.perf_counter()
            page.goto(base + path, wait_until="networkidle", timeout=60_000)
            idle = time.perf_counter() - started
            shown = page.evaluate("() => window.__shown") / 1000
            quiet = page.evaluate(LAST_RESPONSE) / 1000
        finally:
            browser.close()
    return {"shown": shown, "quiet": quiet, "idle": idle}


def visit_pages(base: str, paths: list[str], rounds: int = 1) -> float:
    """Open each path in Chromium (a fresh page each, until the network is idle), ``rounds``
    times: every page's callbacks run on the server. Returns the seconds taken."""
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for _ in range(rounds):
                for path in paths:
                    page = browser.new_page()
                    page.goto(base + path, wait_until="networkidle", timeout=120_000)
                    page.close()
        finally:
            browser.close()
    return time.perf_counter() - started


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
