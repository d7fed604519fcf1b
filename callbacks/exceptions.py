"""The exception report page and its CSV download."""

from __future__ import annotations

from dash import Input, Output, callback

from callbacks import source, writing
from callbacks.content import DOMAIN_ERRORS, org_name, view_of
from layouts import components, ids
from layouts.exceptions import exceptions_content
from metrics import exceptions, views


def exception_report(view: dict[str, str | None]):
    dataset, catalogue, monthly = source.dataset(), source.catalogue(), source.monthly()
    card = views.scorecard(dataset, catalogue, monthly, view["org"], view["period"], view["month"])
    rows = exceptions.exception_rows(card)
    kpis = list(rows["kpi"])
    notes = exceptions.latest_commentary(dataset, catalogue, monthly, view["org"], kpis, view["month"])
    captions = exceptions.captions(dataset, catalogue, monthly, view["org"], kpis, view["month"])
    return rows, notes, captions


@callback(
    Output(ids.content("exceptions"), "children"),
    Input(ids.URL, "search"),
    Input(ids.ready("exceptions"), "data"),
)
def exceptions_view(search: str | None, _ready: object = None):
    try:
        view = view_of("/exceptions", search)
        rows, notes, captions = exception_report(view)
    except DOMAIN_ERRORS as exc:
        return components.error_message(str(exc))
    return exceptions_content(
        rows,
        notes,
        captions,
        view["org"],
        org_name(view["org"]),
        view["period"],
        view["month"],
        writing.actions_by_kpi(str(view["org"])),
    )
