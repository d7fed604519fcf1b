"""gunicorn's own answers (a request line or a header too long, before the app sees the request)
carry the security headers, under a real gunicorn started with the project's gunicorn.conf.py
(issue 14)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import SECURITY_HEADERS

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ask(port: int, request: bytes) -> tuple[str, dict[str, str]]:
    with socket.create_connection(("127.0.0.1", port), timeout=20) as conn:
        conn.sendall(request)
        reply = b""
        while chunk := conn.recv(65536):
            reply += chunk
    head = reply.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    return head[0], dict(line.split(": ", 1) for line in head[1:] if ": " in line)


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    port = free_port()
    folder = tmp_path_factory.mktemp("gunicorn")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'empty.db'}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "app:server"],
        cwd=ROOT,  # gunicorn reads ./gunicorn.conf.py
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(folder / "gunicorn.log").open("w"),
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            ask(port, b"GET /api/csrf HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail((folder / "gunicorn.log").read_text())
            time.sleep(0.5)
    yield port
    process.terminate()
    process.wait(30)


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /" + b"a" * 9_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", "414"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9_000 + b"\r\n\r\n", "431"),
        (b"NOT A REQUEST\r\n\r\n", "400"),
    ],
    ids=["request line", "header field", "unparsable"],
)
def test_gunicorns_own_errors_carry_the_security_headers(gunicorn, request_bytes, status):
    line, headers = ask(gunicorn, request_bytes)
    assert line.split(" ")[1] == status
    assert {name: headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS


def test_a_request_line_of_8_kb_reaches_the_app(gunicorn):
    """gunicorn's limit is its largest: a long query is the app's to refuse, with its headers."""
    line, headers = ask(
        gunicorn, b"GET /api/figures.csv?kpi=" + b"X" * 7_900 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    assert line.split(" ")[1] in ("400", "404", "413")
    assert {name: headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS
