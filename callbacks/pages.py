"""Routing and URL state: which page to show, and keeping controls and the URL in step."""

from __future__ import annotations

import logging
import time

from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, html, no_update, set_props

from callbacks import source, writing
from callbacks.view import (
    PAGE_PARAMS,
    SWITCHES,
    ViewError,
    build_search,
    control_value,
    query_params,
    raw_value,
    resolve_view,
)
from layouts import components, ids
from layouts.accessibility import accessibility_page
from layouts.compare import compare_page
from layouts.controls import org_options
from layouts.datapage import data_page
from layouts.exceptions import exceptions_page
from layouts.glossary import glossary_page
from layouts.pack import pack_choices, pack_page
from layouts.quality import quality_page
from layouts.region import region_page
from layouts.scorecard import scorecard_page
from layouts.shell import APP_TITLE, STATIC_PATHS, TITLES, notice_banner
from layouts.teams import sort_options, teams_page
from layouts.trend import trend_page
from metrics.orgtree import children
from metrics.views import available_months

log = logging.getLogger(__name__)


@callback(Output(ids.PAGE, "children"), Input(ids.URL, "pathname"), State(ids.URL, "search"))
def render_page(pathname: str | None, search: str | None):
    """The page for the path, its controls set from the URL (defaults filled)."""
    path = pathname or "/"
    if path in writing.PATHS:  # the writing pages (callbacks/writing.py)
        return writing.render(path, search)
    if path not in PAGE_PARAMS:
        return components.empty_state("Page not found", f"There is no page at {path}. Use the links above.")
    dataset, series = source.dataset(), source.series()
    set_props(ids.NOTICE, {"children": notice_banner(dataset.notice)})
    if path in STATIC_PATHS:
        return glossary_page() if path == "/glossary" else accessibility_page()
    if series.empty and path not in ("/data", "/quality"):
        return [
            html.H1(TITLES[path]),
            components.empty_state(
                "No figures loaded yet",
                "Load figures with python -m data load FILE, or build the demo with python -m data demo.",
            ),
        ]
    catalogue = source.catalogue()
    try:
        view = resolve_view(path, query_params(search), dataset, catalogue, series)
    except ViewError as exc:
        return [html.H1(TITLES[path]), components.error_message(f"This address cannot be shown: {exc}.")]
    months = available_months(series)
    kpis = [(k.code, k.name) for k in catalogue]
    if path == "/":
        return scorecard_page(
            org_options(dataset.orgs), months, view["org"], view["period"], view["month"], bool(view["only"])
        )
    if path == "/exceptions":
        return exceptions_page(org_options(dataset.orgs), months, view)
    if path == "/kpi":
        return trend_page(kpis, org_options(dataset.orgs), months, view)
    if path == "/compare":
        targeted = [(k.code, k.name) for k in catalogue]
        return compare_page(targeted, org_options(dataset.orgs, with_children_only=True), months, view)
    if path == "/pack":
        return pack_page(pack_choices(months), view)
    if path == "/region":
        return region_page(kpis, months, view)
    if path == "/teams":
        names = dict(org_options(dataset.orgs))
        units = [*children(dataset.orgs, str(view["org"]), str(view["month"])), str(view["org"])]
        return teams_page(
            org_options(dataset.orgs, with_children_only=True),
            sort_options([(u, names.get(u, u)) for u in units]),
            months,
            view,
        )
    if path == "/quality":
        return quality_page(org_options(dataset.orgs), view)
    return data_page(source.loads(), catalogue, dataset.notice)


@callback(
    Output(ids.URL, "search"),
    Output(ids.control(ALL), "value"),
    Input(ids.URL, "search"),
    Input(ids.control(ALL), "value"),
)
def sync_url_and_controls(search: str | None, values: list):
    """One source of truth: a control change rewrites the URL; a URL change (back) sets controls.

    Defaults filled into an address that lacked them (a page just opened from the menu) replace
    its history entry (through ``ids.URL_DEFAULTS``) instead of adding one: otherwise Back would
    land on the bare address, which fills its defaults again, so the user could never leave.
    """
    names = [item["id"]["name"] for item in ctx.inputs_list[1]]
    unchanged = [no_update] * len(names)
    try:
        params = query_params(search)
    except ViewError:
        params = {}
    if ctx.triggered_id == ids.URL:
        wanted = [control_value(n, params.get(n)) for n in names]
        return no_update, [
            w if w != v and w is not None else no_update for w, v in zip(wanted, values, strict=True)
        ]
    before = dict(params)
    for name, value in zip(names, values, strict=True):
        params[name] = raw_value(name, value) or ""
    new = build_search(params)
    if new == (search or ""):
        return no_update, unchanged
    page = next((path for path, wanted in PAGE_PARAMS.items() if wanted and set(wanted) == set(names)), None)
    if page and fills_defaults(before, params):
        set_props(ids.URL_DEFAULTS, {"data": {"pathname": page, "search": new, "at": time.time_ns()}})
        return no_update, unchanged
    return new, unchanged


def fills_defaults(before: dict[str, str], after: dict[str, str]) -> bool:
    """True when ``after`` only adds values ``before`` lacked (a switch left out is off, not unset)."""
    return all(
        (before.get(name) or "") == (value or "") or (not before.get(name) and name not in SWITCHES)
        for name, value in after.items()
    )


clientside_callback(
    """
    function(fill) {
        if (fill && window.location.pathname === fill.pathname && window.location.search !== fill.search) {
            const url = window.location.pathname + fill.search + window.location.hash;
            window.history.replaceState(window.history.state, "", url);
            window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));  // dcc.Location re-reads it
        }
    }
    """,
    Input(ids.URL_DEFAULTS, "data"),
)


clientside_callback(
    f"""
    function(pathname) {{
        const titles = {TITLES!r};
        document.title = (titles[pathname || "/"] || "Page not found") + " – {APP_TITLE}";
        return window.dash_clientside.no_update;
    }}
    """,
    Output(ids.TITLE, "data"),
    Input(ids.URL, "pathname"),
)


def show_error(error: Exception) -> None:
    """Any unexpected callback error: log the detail, show a plain message in the page."""
    log.exception("callback failed", exc_info=error)
    set_props(
        ids.ALERT,
        {
            "children": components.error_message(
                "This view could not be drawn. The error has been logged; try another choice."
            )
        },
    )
