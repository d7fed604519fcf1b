"""Web hardening: debug never on by accident, security headers on every response, a read-only
database connection, and hostile requests answered with a 4xx and no Python detail.

A hostile request here is anything the dashboard's own pages would never send: bodies that are
not JSON or not callback requests, unknown or forged component ids, values of the wrong type,
injection strings, path traversal, and bodies over ``MAX_CONTENT_LENGTH``.
"""

from __future__ import annotations

import io
import json
import logging
import os
import pwd
import re
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

import app as app_module
from app import MAX_REQUEST_BYTES, create_app, debug_requested
from callbacks import source
from data.engine import make_engine
from data.load import load_files
from data.queries import read_figures
from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
PYTHON_DETAIL = re.compile(r"Traceback|File \"|\b[A-Z]\w*(Error|Exception)\b|site-packages|\.py\b")
HOSTILE_STRINGS = [
    "' OR 1=1 --",
    "'; DROP TABLE figures; --",
    '<script>alert("x")</script>',
    "../../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "%00",
    "\x00",
    "{{7*7}}",
    "${jndi:ldap://x}",
    "A" * 5_000,
]
SCORECARD = '{"page":"scorecard","type":"content"}.children'
SYNC = '..url.search...{"name":["ALL"],"type":"control"}.value..'


def load_fixtures(url: str) -> None:
    engine = make_engine(url)
    names = ("orgs.csv", "figures.csv", "targets.csv")
    load_files(engine, [FIXTURES / n for n in names], month="2024-06", user="tester")
    engine.dispose()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('hardening') / 'dash.db'}"
    load_fixtures(url)
    return url


@pytest.fixture(scope="module")
def dash_app(db: str) -> Iterator:
    built = create_app(db)
    yield built
    built.server.extensions[source.EXTENSION].engine.dispose()


@pytest.fixture
def client(dash_app) -> FlaskClient:
    return dash_app.server.test_client()


def assert_plain_refusal(response, *statuses: int) -> None:
    """A 4xx (one of ``statuses`` if given) with no stack trace or Python detail in the body."""
    body = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500, (response.status_code, body[:300])
    if statuses:
        assert response.status_code in statuses, (response.status_code, body[:300])
    assert not PYTHON_DETAIL.search(body), body[:300]
    assert len(body) < 500


def body_for(output: str, inputs: list, state: list | None = None, outputs: object = None) -> dict:
    target = output.rsplit(".", 1)
    default_outputs = {"id": json.loads(target[0]) if target[0].startswith("{") else target[0]}
    default_outputs["property"] = target[1]
    return {
        "output": output,
        "outputs": default_outputs if outputs is None else outputs,
        "inputs": inputs,
        "state": state or [],
        "changedPropIds": [],
    }


def scorecard_body(search: object, changed: tuple[str, ...] = ("url.search",)) -> dict:
    """The scorecard's content callback after a change of the URL (``changed=()``: its first call)."""
    ready = {"id": {"page": "scorecard", "type": "ready"}, "property": "data", "value": None}
    body = body_for(SCORECARD, [{"id": "url", "property": "search", "value": search}, ready])
    return {**body, "changedPropIds": list(changed)}


def page_body(pathname: object, search: object = "") -> dict:
    return body_for(
        "page.children",
        [{"id": "url", "property": "pathname", "value": pathname}],
        [{"id": "url", "property": "search", "value": search}],
    )


def sync_body(search: object, controls: list) -> dict:
    items = [{"id": {"type": "control", "name": n}, "property": "value", "value": v} for n, v in controls]
    outputs = [
        {"id": "url", "property": "search"},
        [{"id": {"type": "control", "name": n}, "property": "value"} for n, _ in controls],
    ]
    return body_for(SYNC, [{"id": "url", "property": "search", "value": search}, items], outputs=outputs)


# --- debug -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "wanted"),
    [
        ({}, False),
        ({"DASH_DEBUG": ""}, False),
        ({"DASH_DEBUG": "0"}, False),
        ({"DASH_DEBUG": "false"}, False),
        ({"DASH_DEBUG": "no"}, False),
        ({"FLASK_DEBUG": "1"}, False),  # Flask's own switch does not turn the dashboard's on
        ({"FLASK_ENV": "production"}, False),
        ({"DASH_DEBUG": "1"}, True),
        ({"DASH_DEBUG": "True", "HOST": "localhost"}, True),
        ({"DASH_DEBUG": " yes ", "DASHBOARD_ENV": "development", "HOST": "::1"}, True),
        ({"DASH_DEBUG": "1", "FLASK_ENV": "production"}, SystemExit),
        ({"DASH_DEBUG": "1", "DASHBOARD_ENV": "production"}, SystemExit),
        ({"DASH_DEBUG": "on", "DASHBOARD_ENV": " Production "}, SystemExit),
        ({"DASH_DEBUG": "1", "DASHBOARD_ENV": "prod"}, SystemExit),
        ({"DASH_DEBUG": "1", "HOST": "0.0.0.0"}, SystemExit),
        ({"DASH_DEBUG": "1", "HOST": "10.1.2.3"}, SystemExit),
    ],
)
def test_debug_only_when_asked_for_on_loopback_and_never_in_production(env, wanted) -> None:
    if wanted is SystemExit:
        with pytest.raises(SystemExit, match="refusing to run in debug mode"):
            debug_requested(env)
    else:
        assert debug_requested(env) is wanted


def test_the_served_app_is_never_in_debug_mode(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """gunicorn serves ``app:server``: no environment variable turns Flask's or Dash's debug on."""
    for name, value in {"FLASK_DEBUG": "1", "DASH_DEBUG": "1", "FLASK_ENV": "development"}.items():
        monkeypatch.setenv(name, value)
    built = create_app(db)
    assert built.server.debug is False
    assert app_module.server.debug is False
    assert built._dev_tools.ui in (None, False)  # dev tools only come with app.run(debug=True)
    built.server.extensions[source.EXTENSION].engine.dispose()


def test_python_app_py_refuses_debug_in_production() -> None:
    env = {**os.environ, "DASH_DEBUG": "1", "DASHBOARD_ENV": "production", "PORT": "0"}
    done = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "refusing to run in debug mode: the environment says production" in done.stderr


# --- headers -------------------------------------------------------------------------------------


def assert_security_headers(response) -> None:
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert "object-src 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin-when-cross-origin")


def test_security_headers_on_every_kind_of_response(client: FlaskClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="(/[^"]+)"', page.get_data(as_text=True))
    assert any(a.startswith("/assets/") for a in assets)
    assert any(a.startswith("/_dash-component-suites/") for a in assets)
    responses = [page, client.get("/kpi?kpi=ASSESSMENTS_45WD")]
    responses += [client.get(a) for a in assets]
    responses += [client.get(p) for p in ("/_dash-layout", "/_dash-dependencies", "/api/figures.csv")]
    responses += [client.get("/api/dataset.csv")]
    responses.append(client.post("/_dash-update-component", json=page_body("/")))
    ok = len(responses)
    responses += [
        client.get("/api/figures.csv?period=week"),  # 400
        client.get("/assets/nope.css"),  # 404
        client.post("/_dash-update-component", data="{", content_type="application/json"),  # 400
        client.post("/_dash-update-component", data="x" * (MAX_REQUEST_BYTES + 1)),  # 413/415
        client.post("/api/figures.csv"),  # 405
    ]
    assert [r.status_code for r in responses[:ok]] == [200] * ok
    for response in responses:
        assert_security_headers(response)


def test_downloads_are_not_cached_and_are_attachments(client: FlaskClient) -> None:
    response = client.get("/api/figures.csv")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment;")


# --- a read-only connection ----------------------------------------------------------------------


def test_the_app_cannot_write_to_its_database(db_url: str) -> None:
    """The web process's engine is read-only: SQLite opened mode=ro, PostgreSQL read-only sessions."""
    load_fixtures(db_url)
    built = create_app(db_url)
    with built.server.app_context():
        engine = source.source().engine
        before = read_figures(engine)
        for statement in (
            "DELETE FROM figures",
            "UPDATE figures SET value = 0",
            "CREATE TABLE intruder (x INTEGER)",
        ):
            with pytest.raises(sa.exc.DBAPIError, match=r"read-only|readonly"), engine.begin() as conn:
                conn.exec_driver_sql(statement)
        assert read_figures(engine).equals(before)
        engine.dispose()


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder outside pytest's private temporary tree, so the 'nobody' user can reach it."""
    if os.geteuid() != 0:
        skip_or_fail("dropping to another user needs root")
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        skip_or_fail("there is no 'nobody' user")
    folder = Path(tempfile.mkdtemp(prefix="csc-readonly-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def serve_as_nobody(url: str, warm_url: str) -> dict:
    """In a forked child running as 'nobody' (the interpreter lives where 'nobody' cannot read,
    so no new process): serve one download and try one write through the app's engine.

    Before dropping to 'nobody' the child serves the same download once from ``warm_url`` (a
    database root owns), so every module and script file the app reads lazily is loaded: a real
    web user can read the installed packages, but here (a clone in a private temporary folder)
    'nobody' may not. Only the database's permissions are under test."""
    nobody = pwd.getpwnam("nobody")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        result: dict = {}
        try:
            os.close(read_end)
            create_app(warm_url).server.test_client().get("/api/figures.csv?kpi=ASSESSMENTS_45WD")
            served = create_app(url)
            served.server.test_client().get("/_dash-dependencies")  # Dash's own files, not the database
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            log = io.StringIO()
            logging.getLogger().addHandler(logging.StreamHandler(log))
            response = served.server.test_client().get("/api/figures.csv?kpi=ASSESSMENTS_45WD")
            result = {"status": response.status_code, "body": response.get_data(as_text=True)[:300]}
            if response.status_code == 200:
                try:
                    with served.server.app_context(), source.source().engine.begin() as conn:
                        conn.exec_driver_sql("DELETE FROM figures")
                    result["write"] = "allowed"
                except sa.exc.DBAPIError as exc:
                    result["write"] = str(exc.orig)
            result["log"] = log.getvalue()
        except BaseException as exc:
            result = {"status": -1, "error": repr(exc)}
        finally:
            os.write(write_end, json.dumps(result).encode())
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        ready, _, _ = select.select([pipe], [], [], 120)
        output = pipe.read() if ready else b""
    if not ready:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    assert output, "the child serving as 'nobody' did not answer"
    return json.loads(output)


def test_serving_a_database_the_web_user_cannot_write(shared_folder: Path) -> None:
    """The web process as 'nobody': database file and folder owned by root and read-only to it.

    SQLite in WAL mode needs its -wal and -shm files to read: they exist while any writer (or an
    earlier reader with write access to the folder) has the database open. Without them and
    without write access to the folder, the read fails with a message saying what to do, and
    the browser gets a plain 500 (docs/operations.md gives the deployment rules).
    """
    folder = shared_folder / "db"
    folder.mkdir(mode=0o755)
    database = folder / "dash.db"
    url = f"sqlite:///{database}"
    load_fixtures(url)
    warm_url = f"sqlite:///{shared_folder / 'warm.db'}"
    load_fixtures(warm_url)
    database.chmod(0o644)
    assert not Path(f"{database}-shm").exists()

    holder = sqlite3.connect(database)  # a loader's connection: keeps -wal and -shm in place
    holder.execute("SELECT count(*) FROM figures").fetchone()
    try:
        served = serve_as_nobody(url, warm_url)
    finally:
        holder.close()
    assert served["status"] == 200, served
    assert "readonly" in served["write"]

    assert not Path(f"{database}-shm").exists()  # the last connection removed them
    refused = serve_as_nobody(url, warm_url)
    assert refused["status"] == 500
    assert refused["body"] == "500 the server could not answer; the error has been logged\n"
    assert "cannot open the SQLite database read-only" in refused["log"]

    folder.chmod(0o777)  # the folder writable (for -wal/-shm), the database file still read-only
    served = serve_as_nobody(url, warm_url)
    assert served["status"] == 200
    assert "readonly" in served["write"]
    assert read_figures(make_engine(url, read_only=True)).shape[0] == 12


# --- hostile callback requests ---------------------------------------------------------------------


def test_real_callback_requests_pass_the_checks(client: FlaskClient) -> None:
    for pathname in ("/", "/exceptions", "/kpi", "/compare", "/quality", "/data", "/nope"):
        assert client.post("/_dash-update-component", json=page_body(pathname)).status_code == 200
    response = client.post("/_dash-update-component", json=scorecard_body("?org=LA&period=month"))
    assert response.status_code == 200
    response = client.post(
        "/_dash-update-component",
        json=sync_body("", [("org", "SFS"), ("period", "quarter"), ("only", ["on"])]),
    )
    assert response.status_code == 200
    assert response.get_json()["response"]["url"]["search"] == "?org=SFS&period=quarter&only=on"


MALFORMED = {
    "not JSON": ("{not json", "application/json"),
    "empty body": ("", "application/json"),
    "JSON as text/plain": (json.dumps(page_body("/")), "text/plain"),
    "form encoded": ("output=page.children", "application/x-www-form-urlencoded"),
    "multipart": ("--x\r\n", "multipart/form-data; boundary=x"),
    "a list": ("[]", "application/json"),
    "a string": ('"page.children"', "application/json"),
    "a number": ("42", "application/json"),
    "null": ("null", "application/json"),
    "an empty object": ("{}", "application/json"),
    "deeply nested": ("[" * 5_000 + "]" * 5_000, "application/json"),
    "invalid UTF-8": (b'{"output": "\xff\xfe"}', "application/json"),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_callback_bodies_get_a_plain_4xx(client: FlaskClient, name: str) -> None:
    data, content_type = MALFORMED[name]
    response = client.post("/_dash-update-component", data=data, content_type=content_type)
    assert_plain_refusal(response, 400, 415)


def _forged() -> dict[str, dict]:
    good = page_body("/")
    cases: dict[str, dict] = {
        "unknown output": {**good, "output": "nope.children"},
        "a clientside output": {**good, "output": "page-title.data"},
        "output not a string": {**good, "output": ["page.children"]},
        "inputs not a list": {**good, "inputs": "url.pathname"},
        "inputs missing": {k: v for k, v in good.items() if k != "inputs"},
        "state missing": {**good, "state": []},
        "an extra input": {**good, "inputs": good["inputs"] * 2},
        "unknown input id": {**good, "inputs": [{"id": "evil", "property": "pathname", "value": "/"}]},
        "input id as object": {**good, "inputs": [{"id": {"$ne": 1}, "property": "pathname", "value": "/"}]},
        "wrong property": {**good, "inputs": [{"id": "url", "property": "href", "value": "/"}]},
        "input not an object": {**good, "inputs": ["url.pathname"]},
        "pathname a number": page_body(42),
        "pathname a list": page_body(["/"]),
        "pathname an object": page_body({"$gt": ""}),
        "search an object": page_body("/", {"org": "LA"}),
        "search far too long": page_body("/", "?org=" + "A" * 10_000),
        "outputs missing": {k: v for k, v in good.items() if k != "outputs"},
        "outputs a string": {**good, "outputs": "page.children"},
        "changedPropIds a string": {**good, "changedPropIds": "url.pathname"},
        "changedPropIds objects": {**good, "changedPropIds": [{"a": 1}]},
        "scorecard search a number": scorecard_body(12),
        "control id with an extra key": sync_body("", [("org", "LA")])
        | {
            "inputs": [
                {"id": "url", "property": "search", "value": ""},
                [{"id": {"type": "control", "name": "org", "x": 1}, "property": "value", "value": "LA"}],
            ]
        },
        "control id of another type": sync_body("", [("org", "LA")])
        | {
            "inputs": [
                {"id": "url", "property": "search", "value": ""},
                [{"id": {"type": "content", "name": "org"}, "property": "value", "value": "LA"}],
            ]
        },
        "control name not text": sync_body("", [({"$where": "1"}, "LA")]),  # type: ignore[list-item]
        "control value an object": sync_body("", [("org", {"$ne": None})]),
        "control value nested lists": sync_body("", [("only", [["on"]])]),
        "too many controls": sync_body("", [(f"c{i}", "x") for i in range(500)]),
    }
    for text in HOSTILE_STRINGS[:4]:
        cases[f"output {text[:12]!r}"] = {**good, "output": text}
        cases[f"input id {text[:12]!r}"] = {**good, "inputs": [{"id": text, "property": "pathname"}]}
    return cases


FORGED = _forged()


@pytest.mark.parametrize("name", list(FORGED))
def test_forged_callback_requests_get_a_plain_400(client: FlaskClient, name: str) -> None:
    response = client.post("/_dash-update-component", json=FORGED[name])
    assert_plain_refusal(response, 400)


def test_an_oversized_callback_body_gets_413(client: FlaskClient) -> None:
    body = page_body("/", "?org=" + "A" * MAX_REQUEST_BYTES)
    response = client.post("/_dash-update-component", json=body)
    assert_plain_refusal(response, 413)


def test_hostile_values_in_well_formed_callbacks_get_a_plain_message(client: FlaskClient) -> None:
    """What a user can type into the address bar is answered in the page, as text (React
    escapes it), with the reason: never run, never a stack trace."""
    for text in HOSTILE_STRINGS[:-1]:
        for body in (scorecard_body(f"?org={text}"), page_body("/kpi", f"?kpi={text}")):
            response = client.post("/_dash-update-component", json=body)
            assert response.status_code == 200
            assert response.mimetype == "application/json"
            payload = response.get_data(as_text=True)
            assert "This address cannot be shown" in payload or "there is no unit" in payload
            assert not PYTHON_DETAIL.search(payload.replace("dash_html_components", ""))
        response = client.post("/_dash-update-component", json=page_body(f"/{text}"))
        assert response.status_code == 200
        assert "Page not found" in response.get_data(as_text=True)


def test_a_failure_inside_dash_is_a_400_and_logged(
    dash_app, client: FlaskClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A body that passes the checks but that Dash's own parsing cannot handle (simulated)."""

    def broken(*_args: object) -> None:
        raise KeyError("secret internal detail")

    monkeypatch.setattr(dash_app, "_prepare_callback", broken)
    with caplog.at_level(logging.WARNING, logger="dashboard.requests"):
        response = client.post("/_dash-update-component", json=page_body("/"))
    assert_plain_refusal(response, 400)
    assert "secret" not in response.get_data(as_text=True)
    assert "secret internal detail" in caplog.text


def test_an_unexpected_callback_error_is_logged_and_shown_plainly(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise RuntimeError("secret detail of a bug")

    monkeypatch.setattr(source, "dataset", broken)
    with caplog.at_level(logging.ERROR):
        response = client.post("/_dash-update-component", json=scorecard_body("?org=LA"))
    assert response.status_code == 200
    payload = response.get_data(as_text=True)
    alert = response.get_json()["sideUpdate"]["alert"]["children"]
    assert "This view could not be drawn. The error has been logged" in json.dumps(alert)
    assert "secret" not in payload and not PYTHON_DETAIL.search(payload.replace("dash_html_components", ""))
    failures = [r for r in caplog.records if r.getMessage() == "callback failed"]
    assert failures and "secret detail of a bug" in str(failures[0].exc_info[1])


def test_an_unexpected_download_error_is_a_plain_500_and_logged(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise RuntimeError("secret detail of a bug")

    monkeypatch.setattr(source, "dataset", broken)
    with caplog.at_level(logging.ERROR, logger="dashboard.requests"):
        response = client.get("/api/figures.csv")
    assert response.status_code == 500
    assert response.get_data(as_text=True) == "500 the server could not answer; the error has been logged\n"
    assert_security_headers(response)
    assert "secret detail of a bug" in caplog.text


# --- hostile API requests ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE_STRINGS)
@pytest.mark.parametrize("name", ["kpi", "org", "from", "to", "period", "colour"])
def test_hostile_api_parameters_get_a_plain_400(client: FlaskClient, name: str, text: str) -> None:
    response = client.get("/api/figures.csv", query_string={name: text})
    assert_plain_refusal(response, 400)
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True).count("\n") == 1


@pytest.mark.parametrize(
    "query",
    [
        {"kpi": ",".join(["ASSESSMENTS_45WD"] * 201)},
        {"org": ["LA"] * 201},
        {"kpi": ["ASSESSMENTS_45WD", "' OR 1=1 --"]},
        {"from": "2024-03", "to": "2024-01"},
        {"from": "2024-13"},
        {"to": "24-01"},
        {"period": ["month", "year"], "kpi": "NOPE"},
    ],
)
def test_other_bad_api_queries_get_a_plain_400(client: FlaskClient, query: dict) -> None:
    assert_plain_refusal(client.get("/api/figures.csv", query_string=query), 400)


def test_the_dataset_download_takes_no_parameters(client: FlaskClient) -> None:
    assert_plain_refusal(client.get("/api/dataset.csv?x=' OR 1=1 --"), 400)


@pytest.mark.parametrize(
    "path",
    [
        "/assets/../app.py",
        "/assets/..%2fapp.py",
        "/assets/%2e%2e/app.py",
        "/assets/../../etc/passwd",
        "/_dash-component-suites/../../app.py",
        "/_dash-component-suites/dash/../../../app.py",
        "/_dash-component-suites/dash/dcc/../../../../etc/passwd",
        "/_dash-component-suites/nope/x.js",
        "/_dash-component-suites/dash/nope.js",
    ],
)
def test_path_traversal_finds_nothing(client: FlaskClient, path: str) -> None:
    assert_plain_refusal(client.get(path), 404)


def test_other_paths_get_the_page_shell_never_a_file(client: FlaskClient) -> None:
    for path in ("/api/figures.csv/../../app.py", "/%2e%2e/app.py", "/../../etc/passwd", "/app.py"):
        response = client.get(path)
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert text.startswith("<!DOCTYPE html>") and "def create_app" not in text and "root:" not in text


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_downloads_accept_only_get(client: FlaskClient, method: str) -> None:
    response = client.open("/api/figures.csv", method=method, data="x" * (MAX_REQUEST_BYTES + 10))
    assert_plain_refusal(response, 405, 413)


def test_hostile_requests_change_nothing(db: str, client: FlaskClient) -> None:
    engine = make_engine(db, read_only=True)
    before = read_figures(engine)
    for text in HOSTILE_STRINGS:
        client.get("/api/figures.csv", query_string={"org": text, "kpi": text})
        client.post("/_dash-update-component", json=scorecard_body(f"?org={text}"))
    assert read_figures(engine).equals(before)
    engine.dispose()
