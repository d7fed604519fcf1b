"""The KPI trend page: the chart against target and benchmarks, its table, SPC, breakdown."""

from __future__ import annotations

import pandas as pd
from dash import dcc, html

from layouts import components as c
from layouts import ids
from layouts.charts import breakdown_figure, spc_figure, trend_figure
from layouts.controls import controls_bar, dropdown, month_options, radio, switch
from layouts.glossary import glossary_link
from layouts.numbers import format_value
from metrics.catalogue import Kpi
from metrics.periods import month_name

TREND_PERIODS = (("month", "Monthly"), ("quarter", "Quarterly"))
GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def trend_page(kpi_choices, org_choices, months, view: dict[str, str | None]) -> list:
    ascending = sorted(months)
    return [
        html.H1("KPI trend"),
        controls_bar(
            dropdown("kpi", "Indicator", kpi_choices, view["kpi"]),
            dropdown("org", "Unit", org_choices, view["org"]),
            radio("period", "Show", TREND_PERIODS, view["period"]),
            dropdown("from", "From", month_options(ascending), view["from"]),
            dropdown("to", "To", month_options(ascending), view["to"]),
            switch(
                "committee",
                "Committee view: only the authority, England and neighbours",
                view["committee"] == "on",
            ),
        ),
        dcc.Store(id=ids.ready("trend")),
        html.Div(id=ids.content("trend"), className="page-content"),
        html.Div(id="commentary-editor"),  # filled for editors by callbacks/writing.py
    ]


def graph(figure, name: str, summary: str) -> html.Figure:
    """A chart with its text alternative as the figure caption."""
    return html.Figure(
        [dcc.Graph(figure=figure, config=GRAPH_CONFIG, id=f"graph-{name}"), html.Figcaption(summary)],
        className="chart",
    )


def summary_sentence(rows: pd.DataFrame, kpi: Kpi) -> str:
    last = rows.iloc[-1]
    text = f"Latest: {format_value(last['value'], kpi.unit)} in {_period_words(last['period'])}"
    if pd.notna(last["target"]):
        text += f" against a target of {format_value(last['target'], kpi.unit)} ({last['rag']})"
    if last["direction"]:
        text += f"; {last['direction']} than the period before"
    first = rows.iloc[0]
    return text + f". From {format_value(first['value'], kpi.unit)} in {_period_words(first['period'])}."


def _period_words(period: str) -> str:
    return month_name(period) if len(period) == 7 else period


def trend_content(
    rows: pd.DataFrame,
    kpi: Kpi,
    org: str,
    org_name: str,
    period: str,
    start: str | None,
    end: str | None,
    breakdown: pd.DataFrame,
    spc_caption: str,
    changes: pd.DataFrame,
    footnotes: list[str],
    comparator_notes: list[str] | None = None,
) -> list:
    title = f"{kpi.name}: {org_name}"
    params = {"kpi": kpi.code, "org": org, "period": period, "from": start, "to": end}
    parts: list = [
        html.H2(title),
        html.P(kpi.definition, className="definition"),
        graph(trend_figure(rows, kpi, title), "trend", summary_sentence(rows, kpi)),
    ]
    parts += [html.P(note, className="comparator-note") for note in comparator_notes or []]
    if footnotes:
        parts.append(
            html.Section(
                [html.H3("Notes on the comparators"), html.Ul([html.Li(f) for f in footnotes])],
                className="footnotes",
            )
        )
    parts += [
        html.P(c.download_link(params, what="this chart's figures"), className="downloads"),
        _values_table(rows, kpi, period),
        _commentary_list(rows),
    ]
    if period == "month" and rows["spc_mean"].notna().any():
        parts += [
            html.H2("Is the change real? Statistical process control"),
            html.P(
                [spc_caption, " ", glossary_link("spc", "What do these terms mean?")], className="spc-caption"
            ),
            graph(spc_figure(rows, kpi.unit, f"{kpi.name}: process limits", changes), "spc", spc_caption),
        ]
    parts.append(_breakdown(breakdown, kpi, org_name))
    return parts


def _values_table(rows: pd.DataFrame, kpi: Kpi, period: str) -> html.Table:
    columns = [
        c.Column("Period", lambda r: _period_words(r["period"])),
        c.Column("Value", c.value_text, numeric=True),
    ]
    if kpi.is_ratio:
        columns += [
            c.Column(
                kpi.numerator.capitalize() or "Numerator",
                lambda r: format_value(r["numerator"], "count"),
                True,
            ),
            c.Column(
                kpi.denominator.capitalize() or "Denominator",
                lambda r: format_value(r["denominator"], "count"),
                True,
            ),
        ]
    columns += [
        c.Column("Target", c.target_text, numeric=True),
        c.Column("Status", lambda r: c.rag_badge(r.get("rag"))),
        c.Column("Direction", lambda r: c.direction_text(r.get("direction"), period)),
    ]
    for column, name in (
        ("england", "England"),
        ("region", "Region"),
        ("neighbours", "Neighbours"),
        ("published", "Published (DfE)"),
    ):
        if column in rows and rows[column].notna().any():
            columns.append(c.Column(name, lambda r, col=column: format_value(r[col], kpi.unit), numeric=True))
    if period == "month":
        columns.append(c.Column("SPC signal", lambda r: (r.get("spc_signal") or "–").capitalize()))
    return c.table(rows.iloc[::-1], columns, caption=f"{kpi.name}: the figures in the chart, newest first")


def _commentary_list(rows: pd.DataFrame) -> html.Section:
    noted = rows[rows["commentary"].notna() & (rows["commentary"] != "")]
    items = [html.Li([html.Strong(_period_words(r.period) + ": "), r.commentary]) for r in noted.itertuples()]
    return html.Section(
        [html.H2("Commentary"), html.Ul(items) if items else html.P("No commentary for this period.")],
        className="commentary-list",
    )


def _breakdown(rows: pd.DataFrame, kpi: Kpi, org_name: str) -> html.Section:
    if rows.empty:
        return html.Section(
            [
                html.H2("Breakdown by unit"),
                html.P(f"{org_name} has no units below it with a figure for this indicator."),
            ]
        )
    month = rows["period"].iloc[0]
    title = f"{kpi.name} by unit, {month_name(month)}"
    summary = "; ".join(
        f"{r.org_name} {format_value(r.value, kpi.unit)} ({r.rag or 'no target'})" for r in rows.itertuples()
    )
    columns = [
        c.Column("Unit", lambda r: r["org_name"]),
        c.Column("Value", c.value_text, numeric=True),
        c.Column("Target", c.target_text, numeric=True),
        c.Column("Status", lambda r: c.rag_badge(r.get("rag"))),
    ]
    return html.Section(
        [
            html.H2("Breakdown by unit"),
            graph(breakdown_figure(rows, kpi.unit, title), "breakdown", summary),
            c.table(rows.assign(unit=kpi.unit), columns, caption=title),
            html.P(
                c.download_link(
                    {
                        "kpi": kpi.code,
                        "org": ",".join(rows["org"]),
                        "period": "month",
                        "from": month,
                        "to": month,
                    },
                    label="Download the breakdown (CSV)",
                    what="the breakdown's figures",
                ),
                className="downloads",
            ),
        ]
    )
