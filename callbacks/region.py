"""The regional view (``/region``) and its CSV (``/api/region.csv``): fetch the stored rows of
the reader's group, render. The page and the download read the same rows."""

from __future__ import annotations

import pandas as pd
from dash import Input, Output
from flask import Response, request

from callbacks import source
from callbacks.api import _csv, bad_request, refused_unit
from callbacks.content import DOMAIN_ERRORS, view_of
from callbacks.view import ViewError, query_params, resolve_view
from data.export import export_csv
from layouts import components, ids
from layouts.region import region_content
from metrics.periods import add_months
from metrics.region import REGION_CSV_COLUMNS
from metrics.report import org_names

TREND_MONTHS = 24
CSV_COLUMNS = [*REGION_CSV_COLUMNS, "org_name", "authorities"]


def fetch_region(view: dict[str, str | None]) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """The month's rows (authorities by rank, then the group), the trend, and the words around."""
    kpi, month = str(view["kpi"]), str(view["month"])
    trend = source.region(kpi, add_months(month, 1 - TREND_MONTHS), month)
    group = source.region_group()
    names = {**org_names(source.dataset().orgs).to_dict(), group: source.group_name(group)}
    names[group] = f"{names[group]} (pooled)"
    trend = trend.assign(org_name=trend["org"].map(lambda o: str(names.get(o, o))))
    trend["rank"] = trend["rank"].astype(float)  # a blank rank (the group, no polarity) is NaN
    month_rows = trend[trend["period"] == month].reset_index(drop=True)
    indicator = source.catalogue()[kpi]
    context = {
        "group": group,
        "group_name": source.group_name(group),
        "kpi_name": indicator.name,
        "unit": indicator.unit,
        "missing": "",
    }
    home = source.scope().home
    if home and home not in set(month_rows["org"]):
        context["missing"] = (
            f"{names.get(home, home)} does not share this indicator for {month}, so it is not in the "
            "comparison (an officer shares it with: python -m data share)."
        )
    return month_rows.assign(unit=indicator.unit), trend, context


@source.view_callback(
    "/region",
    Output(ids.content("region"), "children"),
    Input(ids.URL, "search"),
    Input(ids.ready("region"), "data"),
)
def region(search: str | None, _ready: object = None):
    try:
        view = view_of("/region", search)
        month_rows, trend, context = fetch_region(view)
    except source.NoGroup:
        return components.empty_state(
            "No group to compare with",
            "This page compares the authorities of a region or alliance that share their monthly "
            "figures. This installation has no group of authorities for you: see 'A region on one "
            "installation' in the README.",
        )
    except DOMAIN_ERRORS as exc:
        return components.error_message(str(exc))
    if month_rows.empty:
        return components.empty_state(
            "Nothing shared for this choice",
            "No authority of the group shares this indicator for this month.",
        )
    return region_content(month_rows, trend, view, context)


def region_csv() -> Response:
    """``GET /api/region.csv?kpi=&month=``: the page's table, one row per authority and the group."""
    if (refusal := refused_unit()) is not None:
        return refusal
    try:
        params = query_params(request.query_string.decode("utf-8", "replace"))
        view = resolve_view("/region", params, source.dataset(), source.catalogue(), source.series())
        month_rows, _, _ = fetch_region(view)
    except (ViewError, *DOMAIN_ERRORS, source.NoGroup) as exc:
        return bad_request(str(exc))
    return _csv(
        export_csv(month_rows[CSV_COLUMNS], source.dataset().notice),
        f"region-{view['kpi']}-{view['month']}.csv",
    )
