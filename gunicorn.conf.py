"""gunicorn's settings for ``gunicorn app:server`` (gunicorn reads ``./gunicorn.conf.py`` from
the directory it is started in; ``-c gunicorn.conf.py`` names it outright).

gunicorn answers some requests itself, before the app sees them: a request line over its limit
(414), a header field too large or too many (400), a request it cannot parse (400). Those
answers are written by gunicorn, not by the app, so they lacked the security headers the app adds
to every response of its own (issue 14). Here each worker writes them with the headers too
(``post_worker_init`` below), and the request line and header field limits are gunicorn's
largest (8,190 bytes): every request the dashboard's pages or the API take gets to the app,
whose own limits (a 400 or 413 with a one-line reason, docs/data-contract.md) apply first.
"""

from __future__ import annotations

import html
import textwrap
from typing import Any

limit_request_line = 8190  # gunicorn's largest (0 would mean no limit at all)
limit_request_field_size = 8190
limit_request_fields = 100
timeout = 60  # docs/operations.md: the app's own request budget fits well within it


def post_worker_init(worker: Any) -> None:
    """gunicorn's own error answers carry the app's security headers."""
    from gunicorn import util

    from app import SECURITY_HEADERS

    headers = "".join(f"{name}: {value}\r\n" for name, value in SECURITY_HEADERS.items())

    def write_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
        body = textwrap.dedent(
            """\
            <html>
              <head>
                <title>%(reason)s</title>
              </head>
              <body>
                <h1><p>%(reason)s</p></h1>
                %(mesg)s
              </body>
            </html>
            """
        ) % {"reason": html.escape(reason), "mesg": html.escape(mesg)}
        head = (
            f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: text/html\r\n"
            f"Content-Length: {len(body.encode('latin-1', 'replace'))}\r\n{headers}\r\n"
        )
        util.write_nonblock(sock, (head + body).encode("latin-1", "replace"))

    util.write_error = write_error
