"""Sign-in modes, sessions, CSRF and the write endpoints through the real app (Flask's test
client, real databases: SQLite and PostgreSQL). Each test names the threat it covers."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from app import create_app
from callbacks.auth import AuthConfig, AuthConfigError
from data.queries import read_actions, read_loads
from tests.auth.helpers import build, counts

SECRET = "s" * 40
PROXY = "10.9.8.7"
OPENAPI = json.loads((Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text())


def proxy_config(**changes) -> AuthConfig:
    from ipaddress import ip_network

    values = {"mode": "proxy", "secret_key": SECRET, "proxy_trusted": (ip_network("10.9.8.0/24"),)}
    return AuthConfig(**{**values, **changes})


@pytest.fixture
def built(engine, tmp_path: Path):
    build(engine, tmp_path)
    return engine


@pytest.fixture
def proxied(built, db_url, tmp_path: Path):
    app = create_app(
        db_url, auth_config=proxy_config(upload_dir=str(tmp_path / "uploads"), upload_max_bytes=4000)
    )
    return app.server


def client_as(server, email: str | None, peer: str = PROXY) -> FlaskClient:
    client = server.test_client()
    client.environ_base["REMOTE_ADDR"] = peer
    if email is not None:
        client.environ_base["HTTP_X_FORWARDED_EMAIL"] = email
    return client


def token(client: FlaskClient) -> str:
    response = client.get("/api/csrf")
    assert response.status_code == 200
    return response.get_json()["token"]


def post(client: FlaskClient, path: str, body: dict, *, csrf: str | None = "fetch", method: str = "POST"):
    headers = {} if csrf is None else {"X-CSRF-Token": token(client) if csrf == "fetch" else csrf}
    return client.open(path, method=method, json=body, headers=headers)


COMMENT = {"kpi": "ASSESSMENTS_45WD", "org": "ASS1", "period": "2024-05", "text": "Agency cover ended"}


# --- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"HOST": "0.0.0.0"}, "AUTH_MODE=none (no sign-in) serves only a loopback address"),
        ({"AUTH_MODE": "proxy", "AUTH_PROXY_TRUSTED": "10.0.0.1"}, "needs SECRET_KEY"),
        ({"AUTH_MODE": "proxy", "SECRET_KEY": SECRET}, "needs AUTH_PROXY_TRUSTED"),
        (
            {"AUTH_MODE": "proxy", "SECRET_KEY": SECRET, "AUTH_PROXY_TRUSTED": "not-an-ip"},
            "AUTH_PROXY_TRUSTED",
        ),
        (
            {"AUTH_MODE": "oidc", "SECRET_KEY": SECRET},
            "needs OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET",
        ),
        ({"AUTH_MODE": "ldap"}, "AUTH_MODE must be one of none, proxy, oidc"),
        ({"UPLOAD_MAX_BYTES": "lots"}, "UPLOAD_MAX_BYTES must be a whole number"),
    ],
)
def test_unsafe_configurations_refuse_to_start(env, says):
    """Threat: an exposed dashboard without sign-in, forgeable sessions, a proxy header anyone can send."""
    with pytest.raises(AuthConfigError, match=says.replace("(", r"\(").replace(")", r"\)")):
        AuthConfig.from_env(env)


def test_none_mode_is_read_only_and_loopback_only(built, db_url):
    """Threat: AUTH_MODE=none reached from the network, or writing without anyone signed in."""
    server = create_app(db_url, auth_config=AuthConfig()).server
    local = client_as(server, None, peer="127.0.0.1")
    assert local.get("/").status_code == 200
    assert local.get("/api/me").get_json() == {"mode": "none", "email": None, "role": None, "org": None}
    before = counts(built)
    refused = post(local, "/api/commentary", COMMENT)
    assert refused.status_code == 403
    assert "read-only" in refused.get_json()["error"]
    assert client_as(server, None, peer="192.168.1.20").get("/").status_code == 403
    assert counts(built) == before


# --- proxy mode ----------------------------------------------------------------------------------


def test_proxy_header_is_trusted_only_from_the_proxy(proxied):
    """Threat: a client that reaches the app directly and sends the e-mail header itself."""
    direct = client_as(proxied, "admin@council.example", peer="192.168.1.20")
    assert direct.get("/").status_code == 401
    assert direct.get("/api/me").status_code == 401
    assert client_as(proxied, None).get("/").status_code == 401  # from the proxy, but nobody named
    assert client_as(proxied, "viewer@council.example").get("/").status_code == 200
    me = client_as(proxied, "Viewer@Council.example").get("/api/me").get_json()
    assert me == {"mode": "proxy", "email": "viewer@council.example", "role": "viewer", "org": ""}


def test_a_signed_in_stranger_gets_the_ask_for_access_page_not_the_data(proxied):
    """Threat: anyone in the council's directory reading children's services data."""
    stranger = client_as(proxied, "someone.else@council.example")
    page = stranger.get("/")
    assert page.status_code == 403
    assert "ask your performance team for access" in page.get_data(as_text=True)
    assert "someone.else@council.example" in page.get_data(as_text=True)
    assert stranger.get("/api/figures.csv").status_code == 403
    assert stranger.post("/_dash-update-component", json={}).status_code == 403


def test_session_cookie_flags(proxied):
    """Threat: the session cookie read by scripts, sent cross-site, or sent over plain HTTP."""
    local = client_as(proxied, "viewer@council.example")
    cookie = local.get("/api/csrf", base_url="http://127.0.0.1:8050").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    public = client_as(proxied, "viewer@council.example")
    cookie = public.get("/api/csrf", base_url="https://dashboard.council.example").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_writes_need_the_sessions_csrf_token(proxied, built):
    """Threat: another site making a signed-in editor's browser post a write (CSRF)."""
    editor = client_as(proxied, "editor@council.example")
    before = counts(built)
    assert post(editor, "/api/commentary", COMMENT, csrf=None).status_code == 403
    assert post(editor, "/api/commentary", COMMENT, csrf="guessed-token").status_code == 403
    other = client_as(proxied, "editor@council.example")
    stolen = token(other)  # a token from another session does not work in this one
    assert post(editor, "/api/commentary", COMMENT, csrf=stolen).status_code == 403
    assert counts(built) == before
    assert post(editor, "/api/commentary", COMMENT).status_code == 200


@pytest.mark.parametrize(
    ("email", "body"),
    [
        ("viewer@council.example", COMMENT),
        ("editor@council.example", {**COMMENT, "org": "LAC1"}),  # another service's team
        ("cic.editor@council.example", COMMENT),
    ],
)
def test_forged_writes_get_403_and_change_nothing(proxied, built, email, body):
    """Threat: a viewer, or an editor of another service, calling the API directly."""
    client = client_as(proxied, email)
    before = counts(built)
    assert post(client, "/api/commentary", body).status_code == 403
    action = {
        "title": "x",
        "owner": "y",
        "due": "2024-12-31",
        "kpis": ["ASSESSMENTS_45WD"],
        "org": body["org"],
    }
    assert post(client, "/api/actions", action).status_code == 403
    assert counts(built) == before


def test_commentary_through_the_api_reaches_the_export(proxied):
    editor = client_as(proxied, "editor@council.example")
    written = post(editor, "/api/commentary", COMMENT)
    assert written.status_code == 200
    assert written.get_json()["commentary"] == COMMENT
    export = editor.get("/api/figures.csv?org=ASS1&kpi=ASSESSMENTS_45WD&from=2024-05&to=2024-05")
    assert "Agency cover ended" in export.get_data(as_text=True)
    bad = post(editor, "/api/commentary", {**COMMENT, "period": "May 2024"})
    assert bad.status_code == 400
    assert bad.get_json()["problems"] == [
        {"field": "period", "message": "period must be a month written YYYY-MM, not 'May 2024'"}
    ]
    assert (
        editor.post("/api/commentary", data="text", headers={"X-CSRF-Token": token(editor)}).status_code
        == 415
    )


def test_actions_through_the_api(proxied, built):
    editor = client_as(proxied, "editor@council.example")
    body = {
        "title": "Huddles",
        "owner": "Head of SFS",
        "due": "2024-09-30",
        "kpis": ["ASSESSMENTS_45WD"],
        "org": "SFS",
        "starts_process": "2024-07",
    }
    made = post(editor, "/api/actions", body)
    assert made.status_code == 201
    action = made.get_json()["action"]
    assert action["status"] == "open" and action["kpis"] == ["ASSESSMENTS_45WD"]
    changed = post(editor, f"/api/actions/{action['id']}", {"status": "done"}, method="PATCH")
    assert changed.status_code == 200 and changed.get_json()["action"]["status"] == "done"
    assert post(editor, "/api/actions/999", {"status": "done"}, method="PATCH").status_code == 404
    listed = editor.get("/api/actions").get_json()["actions"]
    assert [(a["id"], a["status"], a["created_by"]) for a in listed] == [
        (action["id"], "done", "editor@council.example")
    ]
    csv = editor.get("/api/actions.csv").get_data(as_text=True)
    assert csv.splitlines() == [
        "title,owner,due,status,kpis,org,starts_process,description",
        "Huddles,Head of SFS,2024-09-30,done,ASSESSMENTS_45WD,SFS,2024-07,",
    ]
    assert read_actions(built)["status"].tolist() == ["done"]


def upload(client: FlaskClient, name: str, text: str):
    data = {"file": (io.BytesIO(text.encode()), name)}
    return client.post("/api/uploads", data=data, headers={"X-CSRF-Token": token(client)})


def confirm(client: FlaskClient, upload_id: str):
    return client.post(f"/api/uploads/{upload_id}/confirm", headers={"X-CSRF-Token": token(client)})


BAD = "period,kpi,org,numerator,denominator,value\n2024-12,ASSESSMENTS_45WD,ASS1,60,50,\n"
GOOD = "period,kpi,org,numerator,denominator,value\n2024-12,ASSESSMENTS_45WD,ASS1,44,50,\n"


def test_an_officers_upload_is_validated_then_loaded_under_their_name(proxied, built):
    officer = client_as(proxied, "officer@council.example")
    before = counts(built)
    bad = upload(officer, "december.csv", BAD)
    assert bad.status_code == 200
    result = bad.get_json()
    assert result["ok"] is False
    assert [(p["row"], p["column"]) for p in result["problems"]] == [(2, "numerator")]
    assert confirm(officer, result["id"]).status_code == 409
    assert counts(built) == before
    good = upload(officer, "december.csv", GOOD).get_json()
    assert good["ok"] is True and good["problems"] == []
    assert counts(built) == before  # validating writes nothing
    assert confirm(client_as(proxied, "admin@council.example"), good["id"]).status_code == 403
    loaded = confirm(officer, good["id"])
    assert loaded.status_code == 200
    assert loaded.get_json()["loaded"][0]["revised"] == 1
    assert confirm(officer, good["id"]).status_code == 409
    assert confirm(officer, "..").status_code == 404  # not an upload id: never a path
    assert confirm(officer, "A" * 32).status_code == 404
    newest = read_loads(built).iloc[0]
    assert (newest["file_name"], newest["loaded_by"]) == ("december.csv", "officer@council.example")


def test_uploads_need_an_officer_and_a_small_enough_file(proxied, built):
    """Threat: an editor loading figures; a huge upload exhausting the server."""
    editor = client_as(proxied, "editor@council.example")
    assert upload(editor, "december.csv", GOOD).status_code == 403
    officer = client_as(proxied, "officer@council.example")
    too_big = upload(officer, "big.csv", GOOD + "x" * 5000)
    assert too_big.status_code == 413
    assert too_big.get_json()["error"] == (
        "the file is larger than the upload limit of 4,000 bytes (UPLOAD_MAX_BYTES)"
    )
    assert upload(officer, "notes.txt", GOOD).status_code == 400


# --- the OpenAPI description ---------------------------------------------------------------------


READ_DOWNLOADS = {"figures_csv", "dataset_csv", "scorecard_csv", "exceptions_csv", "teams_csv", "region_csv"}
READ_DOWNLOADS |= {"pack_pdf", "pack_xlsx", "api_openapi"}
"""Reads documented in docs/data-contract.md (the export's formats), not in the writes' OpenAPI."""


def test_the_openapi_description_matches_the_running_app(proxied):
    import jsonschema

    served = client_as(proxied, "viewer@council.example").get("/api/openapi.json").get_json()
    assert served == OPENAPI
    rules = {
        (rule.rule.replace("<int:action_id>", "{id}").replace("<upload_id>", "{id}"), method)
        for rule in proxied.url_map.iter_rules()
        if rule.rule.startswith("/api/") and rule.endpoint not in READ_DOWNLOADS
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    described = {(path, method.upper()) for path, item in OPENAPI["paths"].items() for method in item}
    assert rules == described

    def check(path: str, method: str, response) -> None:
        spec = OPENAPI["paths"][path][method]["responses"][str(response.status_code)]
        if response.mimetype == "application/json":
            schema = spec["content"]["application/json"]["schema"]
            jsonschema.validate(response.get_json(), {**schema, "components": OPENAPI["components"]})

    editor = client_as(proxied, "editor@council.example")
    officer = client_as(proxied, "officer@council.example")
    check("/api/csrf", "get", editor.get("/api/csrf"))
    check("/api/me", "get", editor.get("/api/me"))
    check("/api/commentary", "post", post(editor, "/api/commentary", COMMENT))
    check("/api/commentary", "post", post(editor, "/api/commentary", {**COMMENT, "kpi": "X"}))
    check(
        "/api/commentary",
        "post",
        post(client_as(proxied, "viewer@council.example"), "/api/commentary", COMMENT),
    )
    action = {"title": "A", "owner": "B", "due": "2024-12-31", "kpis": "ASSESSMENTS_45WD", "org": "ASS1"}
    made = post(editor, "/api/actions", action)
    check("/api/actions", "post", made)
    check("/api/actions/{id}", "patch", post(editor, "/api/actions/1", {"owner": "C"}, method="PATCH"))
    check("/api/actions/{id}", "patch", post(editor, "/api/actions/77", {"owner": "C"}, method="PATCH"))
    check("/api/actions", "get", editor.get("/api/actions"))
    check("/api/actions.csv", "get", editor.get("/api/actions.csv"))
    validated = upload(officer, "december.csv", GOOD)
    check("/api/uploads", "post", validated)
    check("/api/uploads", "post", upload(officer, "december.csv", BAD))
    check("/api/uploads/{id}/confirm", "post", confirm(officer, validated.get_json()["id"]))
    check("/api/uploads/{id}/confirm", "post", confirm(officer, validated.get_json()["id"]))


# --- OpenID Connect mode without a provider: what happens before the provider is asked -----------


def oidc_config(**changes) -> AuthConfig:
    values = {
        "mode": "oidc",
        "secret_key": SECRET,
        "oidc_issuer": "http://127.0.0.1:9",  # never reached by these tests
        "oidc_client_id": "dashboard",
        "oidc_client_secret": "secret",
        "login_attempts_per_minute": 3,
    }
    return AuthConfig(**{**values, **changes})


def test_oidc_sends_pages_to_sign_in_and_refuses_api_calls(built, db_url):
    """Threat: data served before sign-in; an open redirect through the "next" address."""
    from callbacks.auth import _safe_next

    server = create_app(db_url, auth_config=oidc_config()).server
    client = server.test_client()
    page = client.get("/kpi?kpi=ASSESSMENTS_45WD&org=ASS1")
    assert page.status_code == 302
    assert page.headers["Location"] == "/auth/login?next=%2Fkpi%3Fkpi%3DASSESSMENTS_45WD%26org%3DASS1"
    assert client.get("/api/figures.csv").status_code == 401
    assert client.post("/_dash-update-component", json={}).status_code == 401
    for hostile in ("//evil.example/", "https://evil.example/", "/\\evil.example", "evil"):
        assert _safe_next(hostile) == "/"
    assert _safe_next("/actions?status=open") == "/actions?status=open"


def test_oidc_sign_in_attempts_are_rate_limited_per_address(built, db_url):
    """Threat: guessing or flooding the sign-in (the provider's own limits aside)."""
    server = create_app(db_url, auth_config=oidc_config()).server
    client = server.test_client()
    statuses = [client.get("/auth/callback?code=x&state=y").status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]  # no such sign-in in progress, then too many
    other = server.test_client()
    other.environ_base["REMOTE_ADDR"] = "127.0.0.2"
    assert other.get("/auth/callback?code=x&state=y").status_code == 400


def test_the_no_access_page_escapes_the_email(proxied):
    """Threat: script injected through the e-mail header into the no-access page."""
    page = client_as(proxied, "<script>alert(1)</script>@x").get("/")
    assert page.status_code == 403
    assert "<script>" not in page.get_data(as_text=True)
    assert "&lt;script&gt;" in page.get_data(as_text=True)


def test_the_audit_log_page_is_for_admins(proxied):
    """Threat: the audit log (who wrote what, from where) read by someone who is not an admin."""
    from callbacks import writing

    editor = client_as(proxied, "editor@council.example")
    assert post(editor, "/api/commentary", COMMENT).status_code == 200
    pages = {}
    for email in ("editor@council.example", "admin@council.example"):
        headers = {"X-Forwarded-Email": email}
        with proxied.test_request_context("/audit", headers=headers, environ_base={"REMOTE_ADDR": PROXY}):
            assert proxied.preprocess_request() is None  # signed in, as a real request would be
            pages[email] = str(writing.render("/audit", ""))
    assert "commentary.write" in pages["admin@council.example"]
    assert "editor@council.example" in pages["admin@council.example"]
    assert "commentary.write" not in pages["editor@council.example"]
    assert "The audit log is for admins" in pages["editor@council.example"]


@pytest.mark.parametrize("kind", ["missing file", "schema only"])
def test_the_writing_pages_on_a_database_with_nothing_yet(tmp_path: Path, kind: str):
    """A fresh install: the new pages say there is nothing yet instead of failing."""
    from callbacks import writing
    from data.engine import make_engine
    from data.migrate import ensure_schema

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    if kind == "schema only":
        engine = make_engine(url)
        with engine.begin() as conn:
            ensure_schema(conn)
        engine.dispose()
    server = create_app(url, auth_config=AuthConfig()).server
    with server.test_request_context("/actions", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        assert server.preprocess_request() is None
        assert "Improvement actions" in str(writing.render("/actions", ""))
        assert "No such action" in str(writing.render("/action", "?id=1"))
        assert "Uploads need the officer role" in str(writing.render("/upload", ""))
        assert "No improvement action matches" in str(writing.actions_list(None, None, None, None))
