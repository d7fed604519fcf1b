"""Errors the server layer answers itself (a request line over 64 KB: 414) carry the security
headers (issue 14)."""

from __future__ import annotations

import socket
import threading

from werkzeug.serving import make_server

from app import SECURITY_HEADERS, SecureErrorHandler


def test_a_414_from_the_server_layer_has_the_security_headers():
    def wsgi(environ, start_response):  # never reached: the server refuses the request line
        start_response("200 OK", [])
        return [b""]

    server = make_server("127.0.0.1", 0, wsgi, request_handler=SecureErrorHandler)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as conn:
        conn.sendall(b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = b""
        while chunk := conn.recv(65536):
            reply += chunk
    thread.join(10)
    server.server_close()
    head = reply.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    assert head[0].split(" ", 1)[1] == "414 Request-URI Too Long"  # HTTP/1.0 or 1.1, by werkzeug version
    headers = dict(line.split(": ", 1) for line in head[1:])
    assert {name: headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS
