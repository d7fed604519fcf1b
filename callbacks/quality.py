"""The Data quality page."""

from __future__ import annotations

from dash import Input, Output, callback

from callbacks import source
from layouts import components, ids
from layouts.quality import quality_content
from metrics.quality import shown_findings


@callback(
    Output(ids.content("quality"), "children"),
    Input(ids.URL, "pathname"),
    Input(ids.ready("quality"), "data"),
)
def quality_view(pathname: str | None, _ready: object = None):
    if source.series().empty:  # nothing was checked: "every check passed" would mislead
        return components.empty_state(
            "No figures loaded yet",
            "The checks run after every load: load figures with python -m data load FILE.",
        )
    return quality_content(shown_findings(source.current_findings(), source.catalogue()))
