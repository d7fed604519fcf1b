"""The Data quality page."""

from __future__ import annotations

from dash import Input, Output, callback

from callbacks import source
from layouts import ids
from layouts.quality import quality_content
from metrics.quality import run_checks


@callback(
    Output(ids.content("quality"), "children"),
    Input(ids.URL, "pathname"),
    Input(ids.ready("quality"), "data"),
)
def quality_view(pathname: str | None, _ready: object = None):
    return quality_content(run_checks(source.dataset(), source.catalogue(), source.monthly()))
