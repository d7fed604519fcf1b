"""Dash callbacks and HTTP routes. Importing the modules defines the callbacks (at module level,
so tests can import and call them); :func:`register` wires the HTTP routes onto a server and
:func:`attach` gives an app the callbacks."""

from __future__ import annotations

from dash import Dash
from dash import _callback as dash_callbacks
from flask import Flask

from callbacks import api, content, exceptions, pack, pages, quality, region, teams, writing  # noqa: F401

# Dash hands module-level callbacks to the first app that serves a request and none to any
# other; keep them here so every app built by ``create_app`` (tests build several) gets them all.
CALLBACK_MAP = dict(dash_callbacks.GLOBAL_CALLBACK_MAP)
CALLBACK_LIST = list(dash_callbacks.GLOBAL_CALLBACK_LIST)
INLINE_SCRIPTS = list(dash_callbacks.GLOBAL_INLINE_SCRIPTS)
for _registry in (
    dash_callbacks.GLOBAL_CALLBACK_MAP,
    dash_callbacks.GLOBAL_CALLBACK_LIST,
    dash_callbacks.GLOBAL_INLINE_SCRIPTS,
):
    _registry.clear()


def attach(app: Dash) -> None:
    """Give ``app`` every callback (server and clientside) defined in this package."""
    app.callback_map.update(CALLBACK_MAP)
    app._callback_list.extend(CALLBACK_LIST)
    app._inline_scripts.extend(INLINE_SCRIPTS)


def register(server: Flask) -> None:
    api.register(server)
    pack.register(server)
    server.add_url_rule("/api/teams.csv", "teams_csv", teams.teams_csv, methods=["GET"])
    server.add_url_rule("/api/region.csv", "region_csv", region.region_csv, methods=["GET"])
