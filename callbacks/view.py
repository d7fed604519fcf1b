"""A page's view lives in the URL query string: parse it, fill defaults, check every value.

A pasted link reproduces the view exactly because defaults (the latest month, the authority)
are written into the URL as soon as a page opens.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

import pandas as pd

from metrics.catalogue import Catalogue
from metrics.errors import UserError
from metrics.orgtree import home_unit
from metrics.pack import PERIOD as PACK_PERIOD
from metrics.periods import PERIOD_KINDS, add_months, fy_quarter
from metrics.quality import CHECKS, SEVERITIES
from metrics.query import parse_month_param
from metrics.report import Dataset
from metrics.views import busiest_parent, latest_month

PAGE_PARAMS: dict[str, tuple[str, ...]] = {
    "/": ("org", "period", "month", "only"),
    "/exceptions": ("org", "period", "month"),
    "/kpi": ("kpi", "org", "period", "from", "to", "committee"),
    "/compare": ("kpi", "org", "from", "to"),
    "/teams": ("org", "period", "month", "sort"),
    "/quality": ("severity", "kind", "unit"),
    "/data": (),
    "/pack": ("quarter", "public"),
    "/region": ("kpi", "month"),
    "/glossary": (),
    "/accessibility": (),
}
SWITCHES = ("only", "committee", "public")
TREND_YEARS = 3
MAX_QUERY = 2_000


class ViewError(UserError):
    """A URL asking for something that does not exist (the message says what)."""


def query_params(search: str | None) -> dict[str, str]:
    """The first value of each query parameter (an over-long query is refused)."""
    text = (search or "").lstrip("?")
    if len(text) > MAX_QUERY:
        raise ViewError("the address is too long")
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=False).items()}


def build_search(params: dict[str, str | None]) -> str:
    kept = {k: v for k, v in params.items() if v}
    return "?" + urlencode(kept) if kept else ""


def control_value(name: str, raw: str | None) -> object:
    """The control's value for a query parameter (switches are True or False)."""
    if name in SWITCHES:
        return raw == "on"
    return raw


def raw_value(name: str, value: object) -> str | None:
    if name in SWITCHES:
        return "on" if value else None
    return None if value in (None, "") else str(value)


def resolve_view(
    page: str, params: dict[str, str], dataset: Dataset, catalogue: Catalogue, series: pd.DataFrame
) -> dict[str, str | None]:
    """Every parameter of the page, defaults filled, values checked against the data
    (``series``: the report's series summary, which says what was loaded)."""
    names = PAGE_PARAMS.get(page, ())
    unknown = sorted(set(params) - set(names))
    if unknown:
        raise ViewError(f"the address has a setting this page does not use: {unknown[0]!r}")
    view: dict[str, str | None] = {n: params.get(n) for n in names}
    latest = latest_month(series) or ""
    codes = set(dataset.orgs["code"]) if not dataset.orgs.empty else set()
    if "kpi" in view:
        view["kpi"] = view["kpi"] or _default_kpi(series, dataset, catalogue, page)
        if view["kpi"] not in catalogue:
            raise ViewError(f"there is no indicator with the code {view['kpi']!r}")
    if "org" in view:
        default = busiest_parent(series, dataset.orgs, view["kpi"] or "") if page == "/compare" else None
        view["org"] = view["org"] or default or (home_unit(dataset.orgs, dataset.home) if codes else None)
        if view["org"] and view["org"] not in codes:
            raise ViewError(f"there is no unit with the code {view['org']!r}")
    if "period" in view:
        allowed = ("month", "quarter") if page == "/kpi" else PERIOD_KINDS
        view["period"] = view["period"] or "month"
        if view["period"] not in allowed:
            raise ViewError(f"the period must be one of {', '.join(allowed)}")
    for name in ("month", "to"):
        if name in view:
            view[name] = _month(view[name], name) or latest or None
            if not view[name]:  # a download asked of a database with nothing loaded
                raise ViewError("no figures are loaded yet: load figures with python -m data load FILE")
    if "from" in view:
        years = 1 if page == "/compare" else TREND_YEARS
        default_from = add_months(view["to"], -12 * years + 1) if view.get("to") else None
        view["from"] = _month(view["from"], "from") or default_from
        if view["from"] and view["to"] and view["from"] > view["to"]:
            raise ViewError("the 'from' month is after the 'to' month")
    if "quarter" in view:
        view["quarter"] = view["quarter"] or (fy_quarter(latest) if latest else None)
        if view["quarter"] and not PACK_PERIOD.match(view["quarter"]):
            raise ViewError(
                f"the pack's period must be a quarter such as 2026/27 Q2 or a year, not {view['quarter']!r}"
            )
    for name, allowed in (("severity", ("all", *SEVERITIES)), ("kind", ("all", *CHECKS))):
        if name in view:
            view[name] = view[name] or "all"
            if view[name] not in allowed:
                raise ViewError(f"{name} must be one of {', '.join(allowed)}")
    if "unit" in view:
        view["unit"] = view["unit"] or "all"
        if view["unit"] != "all" and view["unit"] not in codes:
            raise ViewError(f"there is no unit with the code {view['unit']!r}")
    if "sort" in view:
        view["sort"] = view["sort"] or "stage"
        if view["sort"] != "stage" and view["sort"] not in codes:
            raise ViewError(f"there is no unit with the code {view['sort']!r} to sort by")
    for name in SWITCHES:
        if name in view and view[name] not in (None, "on"):
            raise ViewError(f"{name} must be 'on' or absent")
    return view


def _month(raw: str | None, name: str) -> str | None:
    """The same rule and message as every other query (:func:`metrics.query.parse_month_param`)."""
    if not raw:
        return None
    month, problem = parse_month_param(name, raw)
    if problem is not None:
        raise ViewError(str(problem))
    return month


def _default_kpi(series: pd.DataFrame, dataset: Dataset, catalogue: Catalogue, page: str) -> str:
    """The first KPI with figures (on the comparison page: with a target and loaded for teams)."""
    own = series[series["own"].astype(bool)] if not series.empty else series
    if page == "/compare" and not own.empty:
        below_root = own[own["org"] != home_unit(dataset.orgs, dataset.home)]
        units = below_root.groupby("kpi")["org"].nunique()
        targeted = [k.code for k in catalogue if k.polarity != "none" and k.code in units.index]
        if targeted:
            return max(targeted, key=lambda code: (units[code], -targeted.index(code)))
    loaded = set(series["kpi"]) if not series.empty else set()
    return next((k.code for k in catalogue if k.code in loaded), next(iter(catalogue)).code)
