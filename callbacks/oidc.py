"""OpenID Connect sign-in through Authlib: authorisation-code flow with PKCE (S256).

``/auth/login`` sends the browser to the provider (state, nonce and the PKCE verifier are kept
in the session by Authlib); ``/auth/callback`` exchanges the code, lets Authlib verify the ID
token (signature, issuer, audience, nonce), and starts a fresh session for its e-mail.
``/auth/logout`` ends the session. Sign-in attempts are rate limited per client address.
"""

from __future__ import annotations

import secrets
from typing import Any

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, Response, redirect, request, session, url_for

SCOPES = "openid email profile"


def install(server: Flask, auth: Any) -> None:
    cfg = auth.config
    oauth = OAuth(server)
    client = oauth.register(
        "oidc",
        client_id=cfg.oidc_client_id,
        client_secret=cfg.oidc_client_secret,
        server_metadata_url=cfg.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPES, "code_challenge_method": "S256"},
    )
    auth.oidc = client

    def limited() -> Response | None:
        if auth.limiter.allow(request.remote_addr or "unknown"):
            return None
        return Response(
            "429 Too many sign-in attempts from this address: wait a minute and try again\n",
            status=429,
            mimetype="text/plain",
            headers={"Retry-After": "60"},
        )

    def login() -> Any:
        from callbacks.auth import _safe_next

        refused = limited()
        if refused is not None:
            return refused
        for key in [k for k in session if k.startswith("_state_oidc_")]:
            session.pop(key)  # an abandoned earlier attempt: keep one attempt's state, not many
        session["next"] = _safe_next(request.args.get("next"))
        redirect_uri = cfg.oidc_redirect_uri or url_for("auth_callback", _external=True)
        return client.authorize_redirect(redirect_uri)

    def callback() -> Any:
        refused = limited()
        if refused is not None:
            return refused
        try:
            token = client.authorize_access_token()
        except OAuthError as exc:
            return Response(
                f"400 Sign-in failed: {exc.error}. Try again from /\n", 400, mimetype="text/plain"
            )
        info = token.get("userinfo") or {}
        email = str(info.get("email") or info.get("preferred_username") or "").strip().lower()
        if not email:
            return Response("400 Sign-in failed: the provider gave no e-mail\n", 400, mimetype="text/plain")
        target = str(session.get("next") or "/")
        session.clear()  # a new session on sign-in: nothing carried over from before
        session["email"] = email
        session["csrf"] = secrets.token_urlsafe(32)
        session.permanent = True  # the cookie expires with PERMANENT_SESSION_LIFETIME (8 hours)
        return redirect(target)

    def logout() -> Any:
        session.clear()
        return Response("Signed out.\n", mimetype="text/plain")

    server.add_url_rule("/auth/login", "auth_login", login, methods=["GET"])
    server.add_url_rule("/auth/callback", "auth_callback", callback, methods=["GET"])
    server.add_url_rule("/auth/logout", "auth_logout", logout, methods=["GET", "POST"])
