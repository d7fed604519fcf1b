"""The floor for the dashboard benchmark: a bare Dash app whose callbacks return precomputed output.

It registers the scorecard's and the trend page's content callbacks with the same ids, inputs
and outputs as the dashboard, so the very request body Chromium sends to the dashboard can be
sent here; each returns the JSON that the dashboard returned for that body (read once from
``FLOOR_PAYLOADS``). What is left is Dash's own cost (parse the request, dispatch, serialise an
output of the same size) and gunicorn's: the fastest the dashboard could possibly answer.
Served by ``bench/dashboard.py`` only (``gunicorn --pythonpath bench floor_app:server``); it is
not part of the product.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dash import Dash, Input, Output, dcc, html

from layouts import ids

PAYLOADS: dict[str, object] = json.loads(Path(os.environ["FLOOR_PAYLOADS"]).read_text())

app = Dash(__name__, serve_locally=True, compress=False, update_title=None)
app.layout = html.Div(
    [dcc.Location(id=ids.URL, refresh=False)]
    + [
        element
        for page in ("scorecard", "trend")
        for element in (dcc.Store(id=ids.ready(page)), html.Div(id=ids.content(page)))
    ]
)


@app.callback(
    Output(ids.content("scorecard"), "children"),
    Input(ids.URL, "search"),
    Input(ids.ready("scorecard"), "data"),
)
def scorecard(_search: str | None, _ready: object = None) -> object:
    return PAYLOADS["scorecard"]


@app.callback(
    Output(ids.content("trend"), "children"), Input(ids.URL, "search"), Input(ids.ready("trend"), "data")
)
def trend(_search: str | None, _ready: object = None) -> object:
    return PAYLOADS["trend"]


server = app.server
