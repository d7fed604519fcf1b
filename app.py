"""The dashboard: ``create_app(database_url)`` builds a Dash app; ``server`` is for gunicorn.

``python app.py`` serves on HOST:PORT (default 127.0.0.1:8050). Debug mode is off unless
DASH_DEBUG=1 is set, and it is refused outright when FLASK_ENV or DASHBOARD_ENV is production
or HOST is not a loopback address. Under gunicorn (``app:server``) debug is never on.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Mapping

from dash import Dash
from flask import Response
from werkzeug.serving import WSGIRequestHandler

import callbacks
from callbacks import auth, guard, pages, source, write_api
from data.engine import default_url
from layouts import shell

log = logging.getLogger("dashboard")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-eval' 'unsafe-inline'",  # Dash's renderer and plotly need these
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
MAX_REQUEST_BYTES = 1_000_000


def create_app(
    database_url: str | None = None,
    *,
    cache_config: dict | None = None,
    auth_config: auth.AuthConfig | None = None,
) -> Dash:
    """A dashboard reading ``database_url`` (default: DATABASE_URL, else the bundled SQLite file);
    sign-in as ``auth_config`` says (default: from the environment, see callbacks/auth.py)."""
    app = Dash(
        __name__,
        title=shell.APP_TITLE,
        update_title=None,
        serve_locally=True,
        compress=False,
        on_error=pages.show_error,
        suppress_callback_exceptions=False,
    )
    app.index_string = shell.INDEX_STRING
    app.layout = shell.shell
    app.validation_layout = shell.validation_layout()
    callbacks.attach(app)
    server = app.server
    server.debug = False  # FLASK_DEBUG in the environment must not turn it on; only app.run(debug=...)
    server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    url = database_url or default_url()
    reading = server.extensions[source.EXTENSION] = source.Source(url)
    auth_config = auth_config or auth.AuthConfig.from_env(os.environ)
    auth.install(server, auth_config, lambda: reading.engine, f"/{guard.CALLBACK_ROUTE}")  # sign-in first
    guard.install(app)
    write_api.register(server, url, auth_config.upload_max_bytes)
    source.init_caches(server, cache_config)  # Redis with CACHE_REDIS_URL (callbacks/shared.py)
    if reading.shared and reading.redis_url:
        auth.share_rate_limit(server, reading.redis_url, reading.prefix)
    callbacks.register(server)

    @server.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app


class SecureErrorHandler(WSGIRequestHandler):
    """``python app.py``'s request handler: the errors the server answers itself, before the app
    sees the request (414 for a request line over 64 KB, 431, 400), carry the security headers too."""

    _answering_error = False

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        self._answering_error = True
        try:
            super().send_error(code, message, explain)
        finally:
            self._answering_error = False

    def end_headers(self) -> None:
        if self._answering_error:
            for name, value in SECURITY_HEADERS.items():
                self.send_header(name, value)
        super().end_headers()


def debug_requested(environ: Mapping[str, str] | None = None) -> bool:
    """Debug only when asked for (DASH_DEBUG=1), only on a loopback address, and never where the
    environment says production: the debugger runs any code a browser sends it."""
    env = os.environ if environ is None else environ
    if env.get("DASH_DEBUG", "").strip().lower() not in ("1", "true", "yes", "on"):
        return False
    stages = {env.get(name, "").strip().lower() for name in ("FLASK_ENV", "DASHBOARD_ENV")}
    if stages & {"production", "prod", "live"}:
        raise SystemExit("refusing to run in debug mode: the environment says production")
    if env.get("HOST", "127.0.0.1").strip() not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("refusing to run in debug mode on a non-loopback address (HOST)")
    return True


server = create_app().server
# Objects made so far (modules, Dash, plotly's validators: about 130,000) live as long as the
# process: keep the cyclic garbage collector from walking them again. Each full collection
# otherwise paused a worker for about 70 ms (measured by bench/dashboard.py's p95).
gc.freeze()

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    create_app().run(
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8050")),
        debug=debug_requested(),
        request_handler=SecureErrorHandler,
    )
