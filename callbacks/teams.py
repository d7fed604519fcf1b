"""The team grid (``/teams``) and its CSV (``/api/teams.csv``): fetch report rows, shape, render."""

from __future__ import annotations

import pandas as pd
from dash import Input, Output, State, callback
from flask import Response, request

from callbacks import source
from callbacks.api import _csv, bad_request, refused_unit
from callbacks.content import DOMAIN_ERRORS, org_name, view_of
from callbacks.view import ViewError, query_params, resolve_view
from data.export import export_csv
from layouts import components, ids
from layouts.teams import sort_options, teams_content
from metrics.orgtree import children
from metrics.periods import add_months
from metrics.report import ReportQuery
from metrics.teams import team_grid, teams_csv_rows


def grid_units(org: str, month: str) -> list[str]:
    """The units below ``org`` as they stood in ``month``, then ``org`` itself (the total)."""
    return [*children(source.dataset().orgs, org, month), org]


def fetch_grid(view: dict[str, str | None]) -> pd.DataFrame:
    """The grid's rows: report rows of every unit for the period, this month and last month."""
    org, month, period = str(view["org"]), str(view["month"]), str(view["period"])
    units = grid_units(org, month)
    before = add_months(month, -1)

    def rows(kind: str, start: str, end: str) -> pd.DataFrame:
        return pd.concat(
            [source.report(ReportQuery(org=u, period=kind, start=start, end=end)) for u in units]
        )

    current = rows(period, month, month)
    latest = rows("month", month, month)
    earlier = rows("month", before, before)
    return team_grid(current, latest, earlier, units, source.catalogue(), str(view["sort"]))


@source.view_callback(
    "/teams",
    Output(ids.content("teams"), "children"),
    Input(ids.URL, "search"),
    Input(ids.ready("teams"), "data"),
)
def teams(search: str | None, _ready: object = None):
    try:
        view = view_of("/teams", search)
        grid = fetch_grid(view)
    except DOMAIN_ERRORS as exc:
        return components.error_message(str(exc))
    if grid.empty:
        return components.empty_state(
            "No figures for this choice", "No indicator has a figure for this period."
        )
    return teams_content(grid, view, org_name(view["org"]))


@callback(
    Output(ids.control("sort"), "options"),
    Input(ids.control("org"), "value"),
    State(ids.control("month"), "value"),
    prevent_initial_call=True,
)
def sort_choices(org: str | None, month: str | None) -> list[dict[str, str]]:
    """The "Sort rows by" choices follow the service: its teams' columns and its total."""
    dataset = source.dataset()
    if not org or org not in set(dataset.orgs["code"]):
        return [{"label": text, "value": key} for key, text in sort_options([])]
    names = dataset.orgs.drop_duplicates("code", keep="last").set_index("code")["name"]
    units = [(u, str(names.get(u, u))) for u in grid_units(org, month or "9999-12")]
    return [{"label": text, "value": key} for key, text in sort_options(units)]


def teams_csv() -> Response:
    """``GET /api/teams.csv?org=&month=&period=&sort=``: exactly the grid, one row per indicator x unit."""
    if (refusal := refused_unit()) is not None:
        return refusal
    try:
        params = query_params(request.query_string.decode())
        view = resolve_view("/teams", params, source.dataset(), source.catalogue(), source.series())
        grid = fetch_grid(view)
    except (ViewError, *DOMAIN_ERRORS) as exc:
        return bad_request(str(exc))
    return _csv(export_csv(teams_csv_rows(grid), source.dataset().notice), "teams.csv")
