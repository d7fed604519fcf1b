"""Sign-in, sessions and CSRF for the web process, configured by the environment.

``AUTH_MODE=none`` (default): read-only, served only to loopback clients; no writes.
``AUTH_MODE=proxy``: the e-mail comes from ``AUTH_PROXY_HEADER`` (default X-Forwarded-Email),
trusted only on requests from ``AUTH_PROXY_TRUSTED`` addresses or networks; otherwise 401.
``AUTH_MODE=oidc``: OpenID Connect authorisation-code flow with PKCE through Authlib
(``OIDC_ISSUER``, ``OIDC_CLIENT_ID``, ``OIDC_CLIENT_SECRET``).

A signed-in e-mail needs a user record (``python -m data users add``); without one the answer
is a plain "ask your performance team for access" page. Sessions are Flask's signed cookie
(HttpOnly, SameSite=Lax, Secure unless the browser talks to a loopback address); every
state-changing request must carry the session's CSRF token in ``X-CSRF-Token``.
"""

from __future__ import annotations

import hmac
import html as html_text
import ipaddress
import secrets
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, current_app, g, jsonify, redirect, request, session
from flask.sessions import SecureCookieSessionInterface

from data.users import get_user
from metrics.access import User

MODES = ("none", "proxy", "oidc")
EXTENSION = "dashboard_auth"
CSRF_HEADER = "X-CSRF-Token"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AuthConfigError(SystemExit):
    """A sign-in configuration that must not start (the message says what to set)."""


def is_loopback(address: str | None) -> bool:
    if not address:
        return False
    name = address.strip().strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _networks(text: str) -> tuple[Network, ...]:
    try:
        return tuple(
            ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip()
        )
    except ValueError as exc:
        raise AuthConfigError(f"AUTH_PROXY_TRUSTED: {exc}") from exc


@dataclass(frozen=True)
class AuthConfig:
    """Sign-in settings (from the environment by :meth:`from_env`)."""

    mode: str = "none"
    secret_key: str = field(default="", repr=False)
    proxy_header: str = "X-Forwarded-Email"
    proxy_trusted: tuple[Network, ...] = ()
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = field(default="", repr=False)
    oidc_redirect_uri: str = ""
    login_attempts_per_minute: int = 10
    upload_max_bytes: int = 50 * 1024 * 1024
    upload_dir: str = ""
    write_database_url: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AuthConfig:
        mode = env.get("AUTH_MODE", "none").strip().lower() or "none"
        if mode not in MODES:
            raise AuthConfigError(f"AUTH_MODE must be one of {', '.join(MODES)}, not {mode!r}")
        config = cls(
            mode=mode,
            secret_key=env.get("SECRET_KEY", ""),
            proxy_header=env.get("AUTH_PROXY_HEADER", "X-Forwarded-Email").strip() or "X-Forwarded-Email",
            proxy_trusted=_networks(env.get("AUTH_PROXY_TRUSTED", "")),
            oidc_issuer=env.get("OIDC_ISSUER", "").strip(),
            oidc_client_id=env.get("OIDC_CLIENT_ID", "").strip(),
            oidc_client_secret=env.get("OIDC_CLIENT_SECRET", ""),
            oidc_redirect_uri=env.get("OIDC_REDIRECT_URI", "").strip(),
            login_attempts_per_minute=_positive(env, "AUTH_LOGIN_RATE", 10),
            upload_max_bytes=_positive(env, "UPLOAD_MAX_BYTES", 50 * 1024 * 1024),
            upload_dir=env.get("UPLOAD_DIR", "").strip(),
            write_database_url=env.get("WRITE_DATABASE_URL", "").strip(),
        )
        config.check(env.get("HOST", "127.0.0.1"))
        return config

    def check(self, host: str) -> None:
        """Refuse configurations that would expose data or accept forged identities."""
        if self.mode == "none" and not is_loopback(host):
            raise AuthConfigError(
                "AUTH_MODE=none (no sign-in) serves only a loopback address: set HOST=127.0.0.1, "
                "or AUTH_MODE=proxy or oidc (docs/operations.md)"
            )
        if self.mode != "none" and len(self.secret_key) < 32:
            raise AuthConfigError(f"AUTH_MODE={self.mode} needs SECRET_KEY (at least 32 random characters)")
        if self.mode == "proxy" and not self.proxy_trusted:
            raise AuthConfigError("AUTH_MODE=proxy needs AUTH_PROXY_TRUSTED: the proxy's addresses")
        if self.mode == "oidc" and not (self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret):
            raise AuthConfigError("AUTH_MODE=oidc needs OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET")


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) <= 0:
        raise AuthConfigError(f"{name} must be a whole number above 0, not {raw[:20]!r}")
    return int(raw)


class Sessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, Secure unless the browser is talking to a loopback address
    (behind a TLS proxy the browser uses the council's host name: the cookie is Secure)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return not is_loopback(host_name(request.host))


def host_name(host: str) -> str:
    """``127.0.0.1:8050`` -> ``127.0.0.1``; ``[::1]:8050`` -> ``::1``."""
    if host.startswith("["):
        return host[1 : host.find("]")]
    return host.split(":")[0]


class RateLimit:
    """At most ``limit`` events per key in a sliding minute (per process). With Redis
    (``CACHE_REDIS_URL``) :func:`share_rate_limit` counts for every host instead."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit, self.window = limit, window
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            if len(self._events) > 10_000:  # forget idle keys
                self._events = {k: v for k, v in self._events.items() if v}
            return True


@dataclass
class Auth:
    """One app's sign-in state: its configuration, the read engine's source, the rate limit."""

    config: AuthConfig
    read_engine: Any  # a callable returning the read-only engine
    limiter: Any  # RateLimit, or shared.SharedRateLimit with Redis
    oidc: Any = None


def share_rate_limit(server: Flask, redis_url: str, prefix: str) -> None:
    """Count sign-in attempts in Redis, for every worker on every host (per process again while
    Redis does not answer)."""
    from callbacks import shared

    auth = server.extensions[EXTENSION]
    if isinstance(auth.limiter, RateLimit):
        auth.limiter = shared.SharedRateLimit(
            redis_url, prefix, auth.config.login_attempts_per_minute, auth.limiter
        )


def config() -> AuthConfig:
    return state().config


def config_of(server: Flask) -> AuthConfig:
    return server.extensions[EXTENSION].config


def state() -> Auth:
    return current_app.extensions[EXTENSION]


def current_user() -> User | None:
    """The signed-in user of this request (None in AUTH_MODE=none)."""
    return g.get("user")


def client_address() -> str:
    """Where the request came from, for the audit log (the proxy's forwarded client if trusted)."""
    if g.get("via_proxy"):
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[0].strip()
        if forwarded:
            return forwarded[:64]
    return (request.remote_addr or "unknown")[:64]


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/_dash-")


def refuse(status: int, message: str) -> Response:
    if _wants_json():
        response = jsonify({"error": message})
        response.status_code = status
        return response
    return Response(f"{status} {message}\n", status=status, mimetype="text/plain")


NO_ACCESS_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>No access – Children's social care performance</title></head>
<body><main><h1>You do not have access to this dashboard yet</h1>
<p>You are signed in as <strong>{email}</strong>, but this address has no access to the performance
dashboard. Please ask your performance team for access.</p></main></body></html>"""


def no_access(email: str) -> Response:
    if _wants_json():
        return refuse(403, f"{email} has no access: ask your performance team for access")
    return Response(NO_ACCESS_PAGE.format(email=html_text.escape(email)), status=403, mimetype="text/html")


def _identify(auth: Auth) -> Response | str | None:
    """The request's e-mail, None for AUTH_MODE=none, or the response refusing it."""
    cfg = auth.config
    if cfg.mode == "none":
        if not is_loopback(request.remote_addr):
            return refuse(403, "this dashboard has no sign-in configured (AUTH_MODE=none): loopback only")
        return None
    if cfg.mode == "proxy":
        try:
            peer = ipaddress.ip_address(request.remote_addr or "")
        except ValueError:
            return refuse(401, "requests must come through the sign-in proxy")
        if not any(peer in net for net in cfg.proxy_trusted):
            return refuse(401, "requests must come through the sign-in proxy")
        email = request.headers.get(cfg.proxy_header, "").strip().lower()
        if not email or len(email) > 254:
            return refuse(401, "the sign-in proxy did not say who you are")
        g.via_proxy = True
        if session.get("email") != email:  # a new person behind the proxy: a new session
            session.clear()
            session["email"] = email
        return email
    email = str(session.get("email") or "")
    if email:
        return email
    if request.method == "GET" and not _wants_json():
        return redirect("/auth/login?" + urlencode({"next": _safe_next(request.full_path)}))
    return refuse(401, "sign in first (/auth/login)")


def _safe_next(target: str | None) -> str:
    """A local path to return to after sign-in; anything else (another site) goes home."""
    target = (target or "/").rstrip("?")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def install(server: Flask, auth_config: AuthConfig, read_engine: Any, callback_path: str) -> None:
    """Sessions, identification and CSRF checks on every request; the sign-in routes."""
    server.secret_key = auth_config.secret_key or secrets.token_hex(32)
    server.session_interface = Sessions()
    server.config.update(
        SESSION_COOKIE_NAME="csc_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=8 * 3600,
    )
    auth = Auth(auth_config, read_engine, RateLimit(auth_config.login_attempts_per_minute))
    server.extensions[EXTENSION] = auth
    if auth_config.mode == "oidc":
        from callbacks import oidc

        oidc.install(server, auth)

    @server.before_request
    def _sign_in() -> Response | None:
        if request.path.startswith("/auth/"):
            return None
        found = _identify(auth)
        if isinstance(found, Response):
            return found
        g.user = None
        if found is not None:
            user = get_user(auth.read_engine(), found)
            if user is None:
                return no_access(found)
            g.user = user
        routed = request.routing_exception is None  # else Flask answers 404 or 405 itself
        if routed and request.method in STATE_CHANGING and request.path != callback_path:
            sent = request.headers.get(CSRF_HEADER, "")
            expected = session.get("csrf", "")
            if not sent or not expected or not hmac.compare_digest(str(sent), str(expected)):
                return refuse(403, f"missing or wrong CSRF token: GET /api/csrf and send it as {CSRF_HEADER}")
        return None

    def csrf() -> Response:
        response = jsonify({"token": csrf_token()})
        response.headers["Cache-Control"] = "no-store"
        return response

    def me() -> Response:
        user = current_user()
        return jsonify(
            {
                "mode": auth.config.mode,
                "email": user.email if user else None,
                "role": user.role if user else None,
                "org": user.org if user else None,
            }
        )

    server.add_url_rule("/api/csrf", "api_csrf", csrf, methods=["GET"])
    server.add_url_rule("/api/me", "api_me", me, methods=["GET"])
