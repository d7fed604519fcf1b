"""The dashboard served on loopback for the browser: werkzeug in a daemon thread."""

from __future__ import annotations

import threading

from werkzeug.serving import make_server

from app import create_app


class Served:
    """A ``create_app(url)`` served by werkzeug on a free loopback port, in a daemon thread."""

    def __init__(self, database_url: str) -> None:
        self.server = make_server("127.0.0.1", 0, create_app(database_url).server, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="dash-server", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
