"""The team grid: indicators (grouped by stage) x the units below a service, with the total."""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
from dash import dcc, html

from layouts import ids
from layouts.controls import PERIOD_OPTIONS, controls_bar, dropdown, month_options, radio
from layouts.icons import VARIATION_SHORT
from layouts.numbers import format_value, ratio_text
from layouts.theme import RAG_STYLES
from metrics.periods import month_name, period_label
from metrics.teams import CHANGES, STAGE_SORT

RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green"}
CHANGE_SYMBOLS = {"newly_red": "⚑", "newly_on_target": "✓", "new_special_cause": "◆"}


def teams_page(parent_choices, sort_choices, months, view: dict[str, str | None]) -> list:
    return [
        html.H1("Team grid"),
        controls_bar(
            dropdown("org", "Service", parent_choices, view["org"]),
            radio("period", "Period", PERIOD_OPTIONS, view["period"]),
            dropdown("month", "Month", month_options(months), view["month"]),
            dropdown("sort", "Sort rows by", sort_choices, view["sort"]),
        ),
        dcc.Store(id=ids.ready("teams")),
        html.Div(id=ids.content("teams"), className="page-content"),
    ]


def sort_options(units: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Stage order, or a unit's column (red first)."""
    return [(STAGE_SORT, "Stage of the child's journey")] + [(c, f"{n.strip()}: red first") for c, n in units]


def cell(row: pd.Series) -> html.Td:
    """Value, "n of N", status (shape and word), SPC marker and the change since last month."""
    rag = row["rag"] if isinstance(row["rag"], str) else ""
    parts: list = [html.Span(format_value(row["value"], row["unit"]), className="grid-value")]
    ratio = ratio_text(row.get("numerator"), row.get("denominator"), str(row["unit"]))
    if ratio:
        parts += [html.Br(), html.Small(ratio, className="ratio")]
    if rag:
        parts += [
            html.Br(),
            html.Span(f"{RAG_STYLES[rag].symbol} {RAG_WORDS[rag]}", className=f"rag rag-{rag}"),
        ]
    variation = row.get("variation")
    if isinstance(variation, str) and variation != "common_cause" and variation in VARIATION_SHORT:
        parts += [html.Br(), html.Small(VARIATION_SHORT[variation], className="spc-marker")]
    change = row.get("change")
    if isinstance(change, str) and change:
        parts += [
            html.Br(),
            html.Strong(f"{CHANGE_SYMBOLS[change]} {CHANGES[change]}", className="change-mark"),
        ]
    return html.Td(parts, className=f"num rag-cell rag-cell-{rag or 'none'}")


def target_cell(rows: pd.DataFrame) -> str:
    targets = rows["target"].dropna().unique()
    unit = str(rows["unit"].iloc[0])
    return " / ".join(format_value(t, unit) for t in targets) if len(targets) else "No target"


def teams_content(grid: pd.DataFrame, view: dict[str, str | None], org_name: str) -> list:
    units = list(dict.fromkeys(grid["org"]))
    names = grid.drop_duplicates("org").set_index("org")["org_name"]
    period_text = grid["period"].iloc[0]
    if view["period"] != "month":
        period_text = (
            f"{period_label(str(view['month']), str(view['period']))} (to {month_name(str(view['month']))})"
        )
    else:
        period_text = month_name(str(view["month"]))
    heading = f"{org_name}: {period_text}"
    head = html.Thead(
        html.Tr(
            [html.Th("Indicator", scope="col"), html.Th("Target", scope="col")]
            + [
                html.Th(f"{names[u]} (total)" if u == view["org"] else names[u], scope="col", className="num")
                for u in units
            ]
        )
    )
    body: list = []
    stage = None
    by_stage = view["sort"] == STAGE_SORT
    for kpi, rows in grid.groupby("kpi", sort=False):
        first = rows.iloc[0]
        if by_stage and first["stage"] != stage:
            stage = first["stage"]
            body.append(
                html.Tr(
                    html.Th(str(stage).capitalize(), colSpan=len(units) + 2, scope="colgroup"),
                    className="stage-row",
                )
            )
        link = dcc.Link(
            first["kpi_name"],
            href="/kpi?"
            + urlencode({"kpi": kpi, "org": view["org"], "period": "month", "to": view["month"]}),
        )
        cells = [html.Th(link, scope="row"), html.Td(target_cell(rows), className="num")]
        cells += [cell(row) for _, row in rows.set_index("org").reindex(units).reset_index().iterrows()]
        body.append(html.Tr(cells))
    query = {k: view[k] for k in ("org", "period", "month", "sort") if view.get(k)}
    return [
        html.H2(heading, className="card-heading"),
        html.P(
            "Each cell: the value, its count (n of N), its status (● green, ▲ amber, ■ red, in words), "
            "a real change (special cause) and what changed since last month "
            "(⚑ newly red, ✓ newly on target, ◆ new special cause).",
            className="legend-text",
        ),
        html.P(
            html.A(
                "Download CSV",
                href=f"/api/teams.csv?{urlencode(query)}",
                download="teams.csv",
                className="download-link",
            ),
            className="downloads",
        ),
        html.Div(
            html.Table(
                [html.Caption(f"Indicators by unit: {heading}"), head, html.Tbody(body)],
                className="data-table team-grid",
            ),
            className="scroll sticky-scroll",
        ),
    ]
