"""HTTP downloads for scripts and Excel's "From Web": the same rows as the dashboard shows.

``GET /api/figures.csv`` takes the export's options as query parameters, parsed by the one query
parser (:func:`metrics.query.parse_query`); a bad parameter gets a 400 with a one-line reason,
never a stack trace. Every request has a bounded cost: at most ``MAX_ORGS`` units and an
estimated ``MAX_ROWS`` rows, else a 400 saying how to narrow it; an answer is built whole before
it is sent, with its length, so a client never gets a truncated file with status 200.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator

import pandas as pd
from flask import Flask, Response, request

from callbacks import source
from callbacks.content import scorecard_of
from callbacks.exceptions import exception_report
from callbacks.view import query_params, resolve_view
from data.export import export_csv, format_number
from data.queries import iter_figures
from metrics import views
from metrics.access import visible_units
from metrics.errors import UserError
from metrics.orgtree import UnknownOrg, root
from metrics.periods import month_index
from metrics.query import parse_query
from metrics.report import EXPORT_COLUMNS, ReportQuery, org_names, select_report

MAX_ORGS = 50
MAX_ROWS = 100_000
"""About 25 MB of CSV, built in about a second: well inside gunicorn's 30 s timeout."""
PERIODS_PER_YEAR = {"month": 12, "ytd": 12, "quarter": 4, "year": 1}
SPOOL_BYTES = 8 << 20  # the whole-dataset download is written to a file past this size


class BadRequest(UserError):
    """A request parameter that cannot be used (the message is the reason given)."""


def _csv(body: str | bytes | Iterator[bytes], name: str, length: int | None = None) -> Response:
    response = Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
    if length is not None:
        response.content_length = length
    return response


def bad_request(reason: str) -> Response:
    line = (reason.splitlines() or ["bad request"])[0][:300]  # one short line, whatever was sent
    return Response(line + "\n", status=400, mimetype="text/plain")


ORG_PARAMS = ("org", "unit", "sort")


def forbidden(code: str) -> Response:
    """The one answer to a unit the reader may not see, whether or not it exists."""
    return Response(f"you may not see figures for {code[:64]!r}\n", status=403, mimetype="text/plain")


def refused_unit() -> Response | None:
    """403 for a request naming a unit the reader may not see (checked before anything else,
    so the answer never depends on whether the unit exists)."""
    seen = source.scope()
    if seen.everything:
        return None
    for name in ORG_PARAMS:
        for value in request.args.getlist(name):
            for code in value.split(","):
                code = code.strip()
                if code and code not in ("all", "stage") and not seen.sees_unit(code):
                    return forbidden(code)
    return None


def estimated_rows(query: ReportQuery, units: int, series: pd.DataFrame, kpis: int) -> int:
    """An upper bound on the rows a query asks for: units x KPIs x periods in its months."""
    if series.empty:
        return 0
    first = query.start or str(series["first_month"].min())
    last = query.end or str(series["latest_month"].max())
    months = max(month_index(last) - month_index(first) + 1, 1)
    periods = months * PERIODS_PER_YEAR[query.period] // 12 + 1
    return units * kpis * periods


def figures_csv() -> Response:
    if (refusal := refused_unit()) is not None:
        return refusal
    try:
        query, orgs = parse_query(request.args.to_dict(flat=False), source.catalogue(), many_orgs=True)
        dataset, catalogue = source.dataset(), source.catalogue()
        if dataset.orgs.empty:
            return _csv(export_csv(select_report(pd.DataFrame(), catalogue, query)), "figures.csv")
        units = list(orgs) or [dataset.home or root(dataset.orgs)]
        known, seen = set(dataset.orgs["code"]), source.scope()
        for code in units:
            if not seen.may_read(code, query.period, query.kpis):
                return forbidden(code)
            if code not in known:
                raise UnknownOrg(code)
        if len(units) > MAX_ORGS:
            raise BadRequest(f"at most {MAX_ORGS} org units in one request: ask for fewer")
        kpis = len(query.kpis) if query.kpis else len(catalogue)
        rows = estimated_rows(query, len(units), source.series(), kpis)
        if rows > MAX_ROWS:
            raise BadRequest(
                f"this asks for up to {rows:,} rows ({len(units)} units x {kpis} indicators), more than "
                f"{MAX_ROWS:,}: ask for fewer units or indicators, a shorter from/to range or a longer period"
            )
        if len(units) == 1:
            found = source.report(query.with_org(units[0]))
        else:  # one read for every unit, so every row comes from the same version
            stored = source.rows(query.period, orgs=units, kpis=query.kpis, start=query.start, end=query.end)
            found = select_report(stored, catalogue, query, org_names(dataset.orgs))
    except UserError as exc:
        return bad_request(str(exc))
    return _csv(export_csv(found, dataset.notice), "figures.csv")


def dataset_csv() -> Response:
    """Every current figure, in the figures input format (loads back unchanged).

    Read in chunks inside one transaction and written to a temporary file (in memory while
    small), then sent with its length: memory stays bounded and an answer is whole or an error.
    """
    if request.args:
        return bad_request("this download takes no parameters")
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+b")  # noqa: SIM115 (body closes it)
    seen = source.scope()  # a reader of one authority gets that authority's figures
    for number, chunk in enumerate(iter_figures(source.source().engine)):
        text = export_csv(visible_units(chunk, seen), exact=True)
        spool.write((text if number == 0 else text.split("\n", 1)[1]).encode("utf-8"))
    length = spool.tell()
    spool.seek(0)

    def body() -> Iterator[bytes]:
        with spool:
            while block := spool.read(1 << 16):
                yield block

    return _csv(body(), "dataset.csv", length)


CARD_COLUMNS = ["stage", "england_latest", "england_period", "england_vs"]
CARD_COLUMNS += ["neighbours_latest", "neighbours_period", "neighbours_vs", "spark"]
"""What a scorecard row shows beyond the export's columns: its latest England and neighbour
figures (which may refer to an earlier month than the row), how ours compares, and the
sparkline's 13 monthly values (oldest first, ``;`` between, empty where missing)."""


View = dict[str, str | None]


def card_csv(page: str, rows_of: Callable[[View], pd.DataFrame], extra: list[str]) -> Response:
    """A page's rows as CSV, from the same function that draws them: the screen = the download."""
    if (refusal := refused_unit()) is not None:
        return refusal
    try:
        params = query_params(request.query_string.decode("utf-8", "replace"))
        view = resolve_view(page, params, source.dataset(), source.catalogue(), source.series())
        rows = rows_of(view)
    except UserError as exc:
        return bad_request(str(exc))
    columns = [*EXPORT_COLUMNS, *CARD_COLUMNS, *extra]
    rows = rows.assign(spark=rows["spark"].map(lambda values: ";".join(map(format_number, values))))
    name = "-".join(str(view[k]) for k in ("org", "period", "month"))
    return _csv(
        export_csv(rows[columns], source.dataset().notice), f"{page.strip('/') or 'scorecard'}-{name}.csv"
    )


def scorecard_csv() -> Response:
    def rows_of(view: View) -> pd.DataFrame:
        card = scorecard_of(view)
        return views.exceptions_only(card) if view["only"] else card

    return card_csv("/", rows_of, [])


def exceptions_csv() -> Response:
    return card_csv("/exceptions", lambda view: exception_report(view)[0], ["severity", "reasons"])


def register(server: Flask) -> None:
    server.add_url_rule("/api/figures.csv", "figures_csv", figures_csv, methods=["GET"])
    server.add_url_rule("/api/scorecard.csv", "scorecard_csv", scorecard_csv, methods=["GET"])
    server.add_url_rule("/api/exceptions.csv", "exceptions_csv", exceptions_csv, methods=["GET"])
    server.add_url_rule("/api/dataset.csv", "dataset_csv", dataset_csv, methods=["GET"])
