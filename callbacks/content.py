"""Page content: each callback reads the URL, fetches, computes with ``metrics``, renders.

Domain errors (a bad URL, an unknown unit) become a plain message in the page; anything else
goes to the app's error handler, which logs it and says so plainly.
"""

from __future__ import annotations

from dash import Input, Output, callback

from callbacks import source
from callbacks.view import ViewError, query_params, resolve_view
from layouts import components, ids
from layouts.compare import compare_content
from layouts.scorecard import scorecard_content
from layouts.trend import trend_content
from metrics import spc, views
from metrics.orgtree import UnknownOrg
from metrics.report import ReportError

DOMAIN_ERRORS = (ViewError, UnknownOrg, ReportError, spc.SpcError)


def view_of(pathname: str, search: str | None) -> dict[str, str | None]:
    return resolve_view(pathname, query_params(search), source.dataset(), source.catalogue())


def org_name(code: str | None) -> str:
    orgs = source.dataset().orgs
    names = orgs.drop_duplicates("code", keep="last").set_index("code")["name"]
    return str(names.get(code, code))


@callback(
    Output(ids.content("scorecard"), "children"),
    Input(ids.URL, "search"),
    Input(ids.ready("scorecard"), "data"),
)
def scorecard(search: str | None, _ready: object = None):
    try:
        view = view_of("/", search)
        card = views.scorecard(
            source.dataset(), source.catalogue(), source.monthly(), view["org"], view["period"], view["month"]
        )
    except DOMAIN_ERRORS as exc:
        return components.error_message(str(exc))
    shown = views.exceptions_only(card) if view["only"] else card
    return scorecard_content(card, shown, view["org"], org_name(view["org"]), view["period"], view["month"])


@callback(
    Output(ids.content("trend"), "children"), Input(ids.URL, "search"), Input(ids.ready("trend"), "data")
)
def trend(search: str | None, _ready: object = None):
    try:
        view = view_of("/kpi", search)
        dataset, catalogue, monthly = source.dataset(), source.catalogue(), source.monthly()
        kpi = catalogue[view["kpi"]]
        rows = views.trend(
            dataset, catalogue, monthly, kpi.code, view["org"], view["period"], view["from"], view["to"]
        )
        if rows.empty:
            return components.empty_state(
                "No figures for this choice",
                f"There are no figures for {kpi.name} for {org_name(view['org'])} in this range.",
            )
        latest = rows["end_month"].iloc[-1]
        breakdown = views.breakdown(dataset, catalogue, monthly, kpi.code, view["org"], latest)
        caption = views.spc_caption(dataset, rows, kpi) if view["period"] == "month" else ""
        changes = views.process_changes_for(dataset, kpi.code, view["org"])
        footnotes = views.benchmark_footnotes(dataset, kpi.code)
    except DOMAIN_ERRORS as exc:
        return components.error_message(str(exc))
    if view["committee"]:
        rows = rows.assign(region=float("nan"))
    return trend_content(
        rows,
        kpi,
        view["org"],
        org_name(view["org"]),
        view["period"],
        view["from"],
        view["to"],
        breakdown,
        caption,
        changes,
        footnotes,
    )


@callback(
    Output(ids.content("compare"), "children"), Input(ids.URL, "search"), Input(ids.ready("compare"), "data")
)
def compare(search: str | None, _ready: object = None):
    try:
        view = view_of("/compare", search)
        kpi = source.catalogue()[view["kpi"]]
        rows = views.comparison(
            source.dataset(),
            source.catalogue(),
            source.monthly(),
            kpi.code,
            view["org"],
            view["from"],
            view["to"],
        )
    except DOMAIN_ERRORS as exc:
        return components.error_message(str(exc))
    if rows.empty:
        return components.empty_state(
            "No figures for this choice",
            f"No unit below {org_name(view['org'])} has figures for {kpi.name} between these months.",
        )
    return compare_content(rows, kpi, view["org"], org_name(view["org"]), view["from"], view["to"])
