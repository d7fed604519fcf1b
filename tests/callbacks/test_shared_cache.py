"""The shared cache in Redis (CACHE_REDIS_URL): every key holds the data version, a load is seen
on the next request without clearing anything, a Redis outage falls back to the database, and
the sign-in rate limit and pending uploads are shared by every host."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import replace
from pathlib import Path

import pytest
import redis

from app import create_app
from callbacks import shared, source
from callbacks.auth import AuthConfig, RateLimit
from data.engine import make_engine
from data.load import load_files
from data.report_store import report_version
from tests.auth.helpers import build

CSV = "/api/figures.csv?kpi=ASSESSMENTS_45WD&org=ASS1"
SCORECARD = '{"page":"scorecard","type":"content"}.children'
JANUARY = "period,kpi,org,numerator,denominator,value\n2025-01,ASSESSMENTS_45WD,ASS1,47,50,\n"
SECRET = "s" * 40
PROXY = "10.9.8.7"


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


@pytest.fixture
def built_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    engine = make_engine(url)
    build(engine, tmp_path)
    engine.dispose()
    return url


def shared_app(database_url: str, redis_url: str, prefix: str, auth_config: AuthConfig | None = None):
    config = source.redis_config(redis_url, database_url, env={"CACHE_KEY_PREFIX": prefix})
    return create_app(database_url, cache_config=config, auth_config=auth_config or AuthConfig()).server


def keys_under(redis_url: str, prefix: str) -> set[str]:
    client = redis.Redis.from_url(redis_url)
    try:
        return {k.decode()[len(prefix) :] for k in client.scan_iter(match=prefix + "*")}
    finally:
        client.close()


def test_without_redis_the_caches_stay_in_process():
    assert source.config_from_env("sqlite:///x.db", env={}) is source.CACHE_CONFIG
    config = source.config_from_env(
        "postgresql://reader:pw@db/csc", env={"CACHE_REDIS_URL": "redis://r:6379/2"}
    )
    assert config["CACHE_TYPE"] == source.SHARED_TYPE
    assert config["CACHE_KEY_PREFIX"].startswith("csc:") and config["CACHE_DEFAULT_TIMEOUT"] == 6 * 3600
    # one prefix per database, the same on every host whatever the password; set it to override
    other = source.config_from_env("postgresql://reader:other@db/csc", env={"CACHE_REDIS_URL": "redis://r"})
    assert other["CACHE_KEY_PREFIX"] == config["CACHE_KEY_PREFIX"]
    assert (
        source.config_from_env("postgresql://reader@db/csc2", env={"CACHE_REDIS_URL": "redis://r"})[
            "CACHE_KEY_PREFIX"
        ]
        != config["CACHE_KEY_PREFIX"]
    )
    assert (
        source.redis_config("redis://r", "sqlite://", env={"CACHE_KEY_PREFIX": "mine:"})["CACHE_KEY_PREFIX"]
        == "mine:"
    )


def test_every_shared_key_holds_the_version_and_a_load_is_seen_without_clearing(
    built_url, redis_url, redis_prefix, tmp_path
):
    server = shared_app(built_url, redis_url, redis_prefix)
    client = server.test_client()
    assert "2025-01" not in client.get(CSV).get_data(as_text=True)
    assert client.post("/_dash-update-component", json=scorecard_body("?org=LA")).status_code == 200
    engine = make_engine(built_url)
    first = report_version(engine)
    before = keys_under(redis_url, redis_prefix)
    kinds = {key.split(":")[0] for key in before}
    assert {"read", "view"} <= kinds, before
    cached = {key for key in before if key.split(":")[0] in ("read", "view")}
    assert all(key.split(":")[2] == first for key in cached), cached

    january = tmp_path / "january.csv"
    january.write_text(JANUARY, encoding="utf-8")
    load_files(engine, [january], user="loader")  # another host's (or the loader's) write
    second = report_version(engine)
    assert second != first
    assert "2025-01,ASSESSMENTS_45WD,ASS1,47,50,94" in client.get(CSV).get_data(as_text=True)
    page = client.post("/_dash-update-component", json=scorecard_body("?org=LA"))
    assert page.status_code == 200 and "2025" in page.get_data(as_text=True)
    after = keys_under(redis_url, redis_prefix)
    assert before <= after  # nothing cleared: the old version's entries just expire
    new = {key for key in after - before if key.split(":")[0] in ("read", "view")}
    assert new and all(key.split(":")[2] == second for key in new), new
    ttls = redis.Redis.from_url(redis_url)
    assert all(0 < ttls.ttl(redis_prefix + key) <= shared.DEFAULT_TIMEOUT for key in new)
    engine.dispose()


def test_a_redis_outage_falls_back_to_the_database_and_logs_a_warning(built_url, caplog, tmp_path):
    down = "redis://127.0.0.1:1/0"  # nothing listens there
    shared.breaker(down).__init__()
    server = shared_app(built_url, down, "csc-test-down:")
    plain = create_app(built_url, cache_config=source.CACHE_CONFIG, auth_config=AuthConfig()).server
    client, direct = server.test_client(), plain.test_client()
    with caplog.at_level(logging.WARNING, logger="dashboard.shared"):
        for _ in range(3):
            answer = client.get(CSV)
            assert answer.status_code == 200
            assert answer.get_data() == direct.get(CSV).get_data()
            page = client.post("/_dash-update-component", json=scorecard_body("?org=LA"))
            assert page.status_code == 200
            assert (
                page.get_json()
                == direct.post("/_dash-update-component", json=scorecard_body("?org=LA")).get_json()
            )
    warnings = [r for r in caplog.records if r.name == "dashboard.shared"]
    assert len(warnings) == 1 and "Redis is not answering" in warnings[0].getMessage()
    # a load during the outage is still seen on the next request (the version is read each time)
    january = tmp_path / "january.csv"
    january.write_text(JANUARY, encoding="utf-8")
    engine = make_engine(built_url)
    load_files(engine, [january], user="loader")
    engine.dispose()
    assert "2025-01,ASSESSMENTS_45WD,ASS1" in client.get(CSV).get_data(as_text=True)


def test_the_sign_in_rate_limit_is_counted_for_every_host(redis_url, redis_prefix):
    hosts = [shared.SharedRateLimit(redis_url, redis_prefix, 3, RateLimit(3)) for _ in range(2)]
    answers = [hosts[i % 2].allow("203.0.113.9") for i in range(5)]
    assert answers == [True, True, True, False, False]
    assert hosts[1].allow("203.0.113.10")  # another address has its own count
    down = "redis://127.0.0.1:1/0"
    shared.breaker(down).__init__()
    alone = shared.SharedRateLimit(down, redis_prefix, 2, RateLimit(2))
    assert [alone.allow("203.0.113.9") for _ in range(3)] == [True, True, False]  # per process


def test_create_app_shares_the_rate_limit_with_redis(built_url, redis_url, redis_prefix):
    config = AuthConfig(
        mode="oidc",
        secret_key=SECRET,
        oidc_issuer="http://127.0.0.1:9",
        oidc_client_id="dashboard",
        oidc_client_secret="secret",
        login_attempts_per_minute=2,
    )
    first, second = (shared_app(built_url, redis_url, redis_prefix, config) for _ in range(2))
    statuses = [app.test_client().get("/auth/callback?code=x&state=y").status_code for app in (first, second)]
    assert statuses == [400, 400]
    assert second.test_client().get("/auth/callback?code=x&state=y").status_code == 429
    assert first.test_client().get("/auth/callback?code=x&state=y").status_code == 429


def test_an_upload_validated_on_one_host_is_confirmed_on_another(
    built_url, redis_url, redis_prefix, tmp_path
):
    from ipaddress import ip_network

    def host(name: str):
        config = AuthConfig(
            mode="proxy",
            secret_key=SECRET,
            proxy_trusted=(ip_network("10.9.8.0/24"),),
            upload_dir=str(tmp_path / name),  # each host its own folder
        )
        server = shared_app(built_url, redis_url, redis_prefix, config)
        client = server.test_client()
        client.environ_base.update(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_EMAIL="officer@council.example")
        return client

    a, b = host("a"), host("b")
    token = a.get("/api/csrf").get_json()["token"]
    sent = a.post(
        "/api/uploads",
        data={"file": (io.BytesIO(JANUARY.encode()), "january.csv")},
        headers={"X-CSRF-Token": token},
    ).get_json()
    assert sent["ok"] is True
    b.set_cookie(**_session_cookie(a))  # the browser's cookie, now sent to the other host
    confirmed = b.post(f"/api/uploads/{sent['id']}/confirm", headers={"X-CSRF-Token": token})
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)
    assert confirmed.get_json()["loaded"][0]["added"] == 1
    again = a.post(f"/api/uploads/{sent['id']}/confirm", headers={"X-CSRF-Token": token})
    assert again.status_code == 409
    assert "2025-01,ASSESSMENTS_45WD,ASS1" in a.get(CSV).get_data(as_text=True)
    stored = keys_under(redis_url, redis_prefix)
    assert f"upload:{sent['id']}" in stored
    record = redis.Redis.from_url(redis_url).hget(redis_prefix + f"upload:{sent['id']}", "meta")
    assert json.loads(record)["confirmed"] is True


def _session_cookie(client) -> dict:
    cookie = client.get_cookie("csc_session")
    assert cookie is not None
    return {"key": "csc_session", "value": cookie.value}


def test_an_openid_sign_in_started_on_one_host_finishes_on_another(built_url, monkeypatch):
    """The state, nonce and PKCE verifier are in the signed session cookie: with the same
    SECRET_KEY another host can finish the sign-in (and a host with another key cannot)."""
    import base64
    import hashlib
    from urllib.parse import parse_qs, urlsplit

    from authlib.integrations.base_client import OAuthError

    from callbacks import auth

    config = AuthConfig(
        mode="oidc",
        secret_key=SECRET,
        oidc_issuer="http://idp.example",
        oidc_client_id="dashboard",
        oidc_client_secret="secret",
    )
    metadata = {
        "issuer": "http://idp.example",
        "authorization_endpoint": "http://idp.example/authorize",
        "token_endpoint": "http://idp.example/token",
    }
    exchanged: list[dict] = []

    def host(secret: str = SECRET):
        server = create_app(built_url, auth_config=replace(config, secret_key=secret)).server
        client = server.extensions[auth.EXTENSION].oidc
        monkeypatch.setattr(client, "load_server_metadata", lambda: metadata)

        def fetch_access_token(**params):
            exchanged.append(params)
            raise OAuthError(error="token_exchange_reached")

        monkeypatch.setattr(client, "fetch_access_token", fetch_access_token)
        return server.test_client()

    a, b, stranger = host(), host(), host("x" * 40)
    started = a.get("/auth/login?next=/kpi")
    assert started.status_code == 302
    query = parse_qs(urlsplit(started.headers["Location"]).query)
    state, challenge = query["state"][0], query["code_challenge"][0]
    cookie = _session_cookie(a)
    for other in (b, stranger):
        other.set_cookie(**cookie)
    finished = b.get(f"/auth/callback?code=abc&state={state}")
    assert finished.status_code == 400 and "token_exchange_reached" in finished.get_data(as_text=True)
    verifier = exchanged[0]["code_verifier"]
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert digest == challenge  # the PKCE verifier made on A reached B
    refused = stranger.get(f"/auth/callback?code=abc&state={state}")
    assert "mismatching_state" in refused.get_data(as_text=True) and len(exchanged) == 1
