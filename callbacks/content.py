"""Page content: each callback reads the URL, fetches, computes with ``metrics``, renders.

Domain errors (a bad URL, an unknown unit) become a plain message in the page; anything else
goes to the app's error handler, which logs it and says so plainly. Dash gets each page's
content through the per-view cache (:func:`callbacks.source.view_callback`).
"""

from __future__ import annotations

import pandas as pd
from dash import Input, Output

from callbacks import source
from callbacks.view import ViewError, query_params, resolve_view
from layouts import components, ids
from layouts.compare import compare_content
from layouts.scorecard import scorecard_content
from layouts.trend import trend_content
from metrics import spc, views
from metrics.orgtree import UnknownOrg, children
from metrics.periods import add_months
from metrics.report import ReportError, ReportQuery, org_names, select_report

COMMITTEE_HIDES = {"region": "Region", "published": "Published (DfE)"}
"""Comparator lines the committee view hides: row column -> name."""
DOMAIN_ERRORS = (ViewError, UnknownOrg, ReportError, spc.SpcError)


def view_of(pathname: str, search: str | None) -> dict[str, str | None]:
    return resolve_view(pathname, query_params(search), source.dataset(), source.catalogue(), source.series())


def org_name(code: str | None) -> str:
    return str(org_names(source.dataset().orgs).get(code, code))


def scorecard_of(view: dict[str, str | None]) -> pd.DataFrame:
    """The scorecard rows of the view's unit and period: stored report rows, arranged."""
    org, period, month = view["org"], str(view["period"]), str(view["month"])
    history = source.report(ReportQuery(org=org, start=add_months(month, 1 - views.SPARK_MONTHS), end=month))
    rows = (
        history[history["period"] == month]
        if period == "month"
        else source.report(ReportQuery(org=org, period=period, start=month, end=month))
    )
    return views.scorecard(history, rows, source.catalogue(), source.dataset_for(org).benchmarks, month)


@source.view_callback(
    "/",
    Output(ids.content("scorecard"), "children"),
    Input(ids.URL, "search"),
    Input(ids.ready("scorecard"), "data"),
)
def scorecard(search: str | None, _ready: object = None):
    try:
        view = view_of("/", search)
        card = scorecard_of(view)
    except DOMAIN_ERRORS as exc:
        return components.error_message(str(exc))
    shown = views.exceptions_only(card) if view["only"] else card
    orgs = source.dataset().orgs.drop_duplicates("code", keep="last")
    return scorecard_content(
        card,
        shown,
        view["org"],
        org_name(view["org"]),
        view["period"],
        view["month"],
        has_units=bool(children(source.dataset().orgs, str(view["org"]), view["month"])),
        is_team=bool((orgs.loc[orgs["code"] == view["org"], "type"] == "team").any()),
    )


@source.view_callback(
    "/kpi",
    Output(ids.content("trend"), "children"),
    Input(ids.URL, "search"),
    Input(ids.ready("trend"), "data"),
)
def trend(search: str | None, _ready: object = None):
    try:
        view = view_of("/kpi", search)
        dataset, catalogue = source.dataset_for(view["org"]), source.catalogue()
        kpi = catalogue[view["kpi"]]
        query = ReportQuery((kpi.code,), view["org"], view["from"], view["to"], str(view["period"]))
        rows = source.report(query)
        if rows.empty:
            return components.empty_state(
                "No figures for this choice",
                f"There are no figures for {kpi.name} for {org_name(view['org'])} in this range.",
            )
        latest = rows["end_month"].iloc[-1]
        breakdown = breakdown_of(kpi.code, str(view["org"]), latest)
        caption = views.spc_caption(rows, view["from"]) if view["period"] == "month" else ""
        changes = views.process_changes_for(dataset, kpi.code, view["org"])
        hidden: tuple[str, ...] = ()
        if view["committee"]:  # only the authority, England and the statistical neighbours
            hidden = tuple(name for column, name in COMMITTEE_HIDES.items() if rows[column].notna().any())
            rows = rows.assign(**dict.fromkeys(COMMITTEE_HIDES, float("nan")))
        shown = (rows["end_month"].min(), rows["end_month"].max())
        footnotes = views.benchmark_footnotes(
            dataset, kpi.code, *shown, hidden=tuple(COMMITTEE_HIDES.values()) if view["committee"] else ()
        )
        notes = views.comparator_notes(dataset, kpi, rows, hidden, committee=bool(view["committee"]))
    except DOMAIN_ERRORS as exc:
        return components.error_message(str(exc))
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
        notes,
    )


def breakdown_of(kpi: str, org: str, month: str) -> pd.DataFrame:
    """The month's report row of each unit directly below ``org`` that has one."""
    units = children(source.dataset().orgs, org, month)
    stored = source.rows("month", orgs=units, kpis=[kpi], start=month, end=month)
    return select_report(
        stored,
        source.catalogue(),
        ReportQuery(kpis=(kpi,), start=month, end=month),
        org_names(source.dataset().orgs),
    )


@source.view_callback(
    "/compare",
    Output(ids.content("compare"), "children"),
    Input(ids.URL, "search"),
    Input(ids.ready("compare"), "data"),
)
def compare(search: str | None, _ready: object = None):
    try:
        view = view_of("/compare", search)
        kpi = source.catalogue()[view["kpi"]]
        orgs, start, end = source.dataset().orgs, str(view["from"]), str(view["to"])
        units = sorted({c for m in (start, end) for c in children(orgs, str(view["org"]), m)})
        stored = source.rows("month", orgs=units, kpis=[kpi.code], start=start, end=end)
        rows = select_report(
            stored, source.catalogue(), ReportQuery(kpis=(kpi.code,), start=start, end=end), org_names(orgs)
        )
    except DOMAIN_ERRORS as exc:
        return components.error_message(str(exc))
    if rows.empty:
        return components.empty_state(
            "No figures for this choice",
            f"No unit below {org_name(view['org'])} has figures for {kpi.name} between these months.",
        )
    return compare_content(rows, kpi, view["org"], org_name(view["org"]), view["from"], view["to"])
