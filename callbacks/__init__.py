"""Dash callbacks and HTTP routes. Importing the modules defines the callbacks (at module level,
so tests can import and call them); :func:`register` wires the HTTP routes onto a server."""

from __future__ import annotations

from flask import Flask

from callbacks import api, content, exceptions, pages, quality  # noqa: F401  (defines the callbacks)


def register(server: Flask) -> None:
    api.register(server)
