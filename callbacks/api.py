"""HTTP downloads for scripts and Excel's "From Web": the same rows as the dashboard shows.

``GET /api/figures.csv`` takes the export's options as query parameters; a bad parameter gets
a 400 with a one-line reason, never a stack trace.
"""

from __future__ import annotations

import pandas as pd
from flask import Flask, Response, request

from callbacks import source
from data.export import export_csv
from metrics.orgtree import UnknownOrg, root
from metrics.periods import PERIOD_KINDS, parse_month
from metrics.report import Dataset, ReportError, ReportQuery, figures_report

FIGURE_PARAMS = ("kpi", "org", "from", "to", "period")
MAX_VALUES = 200
MAX_CODE = 64  # the longest KPI or org unit code the database holds


class BadRequest(ValueError):
    """A request parameter that cannot be used (the message is the reason given)."""


def _values(name: str) -> list[str]:
    values = [v for raw in request.args.getlist(name) for v in raw.split(",") if v.strip()]
    if len(values) > MAX_VALUES:
        raise BadRequest(f"too many values for {name}")
    if any(len(v) > MAX_CODE for v in values):
        raise BadRequest(f"a {name} code is at most {MAX_CODE} characters")
    return [v.strip() for v in values]


def _month(name: str) -> str | None:
    raw = request.args.get(name)
    if not raw:
        return None
    month = parse_month(raw)
    if month is None:
        raise BadRequest(f"{name} must be a month written YYYY-MM, not {raw[:20]!r}")
    return month


def _csv(text: str, name: str) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def bad_request(reason: str) -> Response:
    line = (reason.splitlines() or ["bad request"])[0][:300]  # one short line, whatever was sent
    return Response(line + "\n", status=400, mimetype="text/plain")


def _monthly_of(dataset: Dataset, org: str | None) -> pd.DataFrame:
    """The monthly figures of one known unit (a slice cached per load: the report then need not
    search every unit's rows); every unit's for anything else (the report refuses it)."""
    code = org or (root(dataset.orgs) if not dataset.orgs.empty else None)
    if code is not None and code in set(dataset.orgs["code"]):
        return source.monthly_for(org=code)
    return source.monthly()


def figures_csv() -> Response:
    try:
        unknown = sorted(set(request.args) - set(FIGURE_PARAMS))
        if unknown:
            raise BadRequest(f"unknown parameter {unknown[0][:40]!r}: use {', '.join(FIGURE_PARAMS)}")
        period = request.args.get("period") or "month"
        if period not in PERIOD_KINDS:
            raise BadRequest(f"period must be one of {', '.join(PERIOD_KINDS)}")
        kpis = tuple(_values("kpi")) or None
        orgs = _values("org") or [None]
        start, end = _month("from"), _month("to")
        dataset, catalogue = source.dataset(), source.catalogue()
        # One unit: its own slice (cached per load). Several: one frame for all of them, so that
        # every row of the answer comes from the same read even if a load lands meanwhile.
        monthly = _monthly_of(dataset, orgs[0]) if len(orgs) == 1 else source.monthly()
        frames = [
            figures_report(dataset, catalogue, ReportQuery(kpis, org, start, end, period), monthly)
            for org in orgs
        ]
    except (BadRequest, ReportError, UnknownOrg) as exc:
        return bad_request(str(exc))
    rows = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    return _csv(export_csv(rows, dataset.notice), "figures.csv")


def dataset_csv() -> Response:
    """Every current figure, in the figures input format (loads back unchanged)."""
    if request.args:
        return bad_request("this download takes no parameters")
    figures = source.dataset().figures.sort_values(["period", "kpi", "org"])
    columns = ["period", "kpi", "org", "numerator", "denominator", "value", "commentary"]
    return _csv(export_csv(figures[columns]), "dataset.csv")


def register(server: Flask) -> None:
    server.add_url_rule("/api/figures.csv", "figures_csv", figures_csv, methods=["GET"])
    server.add_url_rule("/api/dataset.csv", "dataset_csv", dataset_csv, methods=["GET"])
