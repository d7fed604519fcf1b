"""Team comparison: one KPI across the teams of a service, teams × months, shaded by status."""

from __future__ import annotations

import pandas as pd
from dash import dcc, html

from layouts import components as c
from layouts import ids
from layouts.controls import controls_bar, dropdown, month_options
from layouts.numbers import format_value
from layouts.theme import RAG_STYLES
from metrics.catalogue import Kpi
from metrics.periods import month_name


def compare_page(kpi_choices, parent_choices, months, view: dict[str, str | None]) -> list:
    ascending = sorted(months)
    return [
        html.H1("Team comparison"),
        controls_bar(
            dropdown("kpi", "Indicator", kpi_choices, view["kpi"]),
            dropdown("org", "Service", parent_choices, view["org"]),
            dropdown("from", "From", month_options(ascending), view["from"]),
            dropdown("to", "To", month_options(ascending), view["to"]),
        ),
        dcc.Store(id=ids.ready("compare")),
        html.Div(id=ids.content("compare"), className="page-content"),
        html.Div(id="commentary-editor-grid"),  # filled for editors by callbacks/writing.py
    ]


def target_statement(rows: pd.DataFrame, kpi: Kpi) -> str:
    if kpi.polarity == "none":
        return f"{kpi.name} is a context measure: it has no target."
    latest = rows.sort_values("period").drop_duplicates("org", keep="last")
    targets = latest["target"].dropna().unique()
    if len(targets) == 0:
        return "No target applies in this range."
    better = "higher" if kpi.polarity == "up" else "lower"
    shown = " / ".join(format_value(t, kpi.unit) for t in targets)
    return f"Target in the latest month: {shown} ({better} is better)."


def compare_content(rows: pd.DataFrame, kpi: Kpi, org: str, org_name: str, start: str, end: str) -> list:
    months = sorted(rows["period"].unique())
    grid = rows.pivot_table(index="org_name", columns="period", values="value", aggfunc="last")
    status = rows.pivot_table(index="org_name", columns="period", values="rag", aggfunc="last")
    head = html.Thead(
        html.Tr(
            [html.Th("Team", scope="col")]
            + [
                html.Th(html.Abbr(month_name(m)[:3] + " " + m[:4], title=month_name(m)), scope="col")
                for m in months
            ]
        )
    )
    body = []
    for team in grid.index:
        cells = [html.Th(team, scope="row")]
        for month in months:
            value = grid.at[team, month] if month in grid.columns else None
            rag = status.at[team, month] if month in status.columns else ""
            rag = rag if isinstance(rag, str) else ""
            style = RAG_STYLES[rag]
            cells.append(
                html.Td(
                    [
                        format_value(value, kpi.unit),
                        html.Span(f" {style.symbol}", **{"aria-hidden": "true"}) if rag else "",
                    ],
                    className=f"num rag-cell rag-cell-{rag or 'none'}",
                    title=style.label if rag else "No target",
                )
            )
        body.append(html.Tr(cells))
    caption = f"{kpi.name} by team in {org_name}, {month_name(start)} to {month_name(end)}"
    params = {
        "kpi": kpi.code,
        "org": ",".join(sorted(rows["org"].unique())),
        "period": "month",
        "from": start,
        "to": end,
    }
    return [
        html.H2(caption),
        html.P(target_statement(rows, kpi), className="target-statement"),
        html.P(
            "Each cell shows the value and its status: "
            "● green (on target), ▲ amber (near target), ■ red (off target).",
            className="legend-text",
        ),
        html.Div(
            html.Table([html.Caption(caption), head, html.Tbody(body)], className="data-table compare-grid"),
            className="scroll",
        ),
        html.P(c.download_link(params, what="this grid's figures"), className="downloads"),
    ]
