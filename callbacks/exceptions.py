"""The exception report page and its CSV download."""

from __future__ import annotations

from dash import Input, Output

from callbacks import source, writing
from callbacks.content import DOMAIN_ERRORS, org_name, scorecard_of, view_of
from layouts import components, ids
from layouts.exceptions import exceptions_content
from metrics import exceptions
from metrics.report import ReportQuery


def exception_report(view: dict[str, str | None]):
    card = scorecard_of(view)
    rows = exceptions.exception_rows(card)
    month = str(view["month"])
    history = source.report(ReportQuery(kpis=tuple(rows["kpi"]), org=view["org"], end=month))
    return rows, exceptions.commentary_for(rows, month), exceptions.captions(history, list(rows["kpi"]))


@source.view_callback(
    "/exceptions",
    Output(ids.content("exceptions"), "children"),
    Input(ids.URL, "search"),
    Input(ids.ready("exceptions"), "data"),
    cached=False,
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
