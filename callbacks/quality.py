"""The Data quality page: the findings the loads stored, filtered by the URL, grouped for reading."""

from __future__ import annotations

from dash import Input, Output

from callbacks import source
from callbacks.content import DOMAIN_ERRORS, view_of
from layouts import components, ids
from layouts.quality import quality_content
from metrics.findings_view import filtered, for_people


@source.view_callback(
    "/quality",
    Output(ids.content("quality"), "children"),
    Input(ids.URL, "search"),
    Input(ids.ready("quality"), "data"),
    cached=False,
)
def quality_view(search: str | None, _ready: object = None):
    dataset = source.dataset()
    if source.series().empty:  # nothing was checked: "every check passed" would mislead
        return components.empty_state(
            "No figures loaded yet",
            "The checks run after every load: load figures with python -m data load FILE.",
        )
    try:
        view = view_of("/quality", search)
    except DOMAIN_ERRORS as exc:
        return components.error_message(str(exc))
    names = dict(zip(dataset.orgs["code"], dataset.orgs["name"], strict=True))
    findings = for_people(source.current_findings(), source.catalogue(), names)
    shown = filtered(findings, str(view["severity"]), str(view["kind"]), str(view["unit"]))
    return quality_content(findings, shown)
