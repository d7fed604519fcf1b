"""The scorecard: every KPI for one unit and period, grouped by stage of the child's journey."""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
from dash import dcc, html

from layouts import components as c
from layouts import ids
from layouts.charts import sparkline_svg
from layouts.controls import PERIOD_OPTIONS, controls_bar, dropdown, month_options, radio, switch
from layouts.glossary import glossary_link
from layouts.icons import assurance_cell, variation_icon
from layouts.numbers import format_value
from metrics.periods import month_name, period_label

PERIOD_WORDS = {"month": "month", "quarter": "quarter", "ytd": "year to date", "year": "financial year"}


def scorecard_page(org_choices, months, org: str, period: str, month: str, only: bool) -> list:
    return [
        html.H1("Scorecard"),
        controls_bar(
            dropdown("org", "Unit", org_choices, org),
            radio("period", "Period", PERIOD_OPTIONS, period),
            dropdown("month", "Month", month_options(months), month),
            switch("only", "Show only red and amber indicators", only),
        ),
        dcc.Store(id=ids.ready("scorecard")),
        html.Div(id=ids.content("scorecard"), className="page-content"),
    ]


def heading_for(org_name: str, period: str, month: str) -> str:
    if period == "month":
        return f"{org_name}: {month_name(month)}"
    label = period_label(month, period)
    if period == "ytd":
        return f"{org_name}: year to date, to {month_name(month)}"
    return f"{org_name}: {label} (to {month_name(month)})"


def summary_line(card: pd.DataFrame) -> str:
    counts = card["rag"].value_counts()
    with_target = int(counts.get("red", 0) + counts.get("amber", 0) + counts.get("green", 0))
    return (
        f"{int(counts.get('red', 0))} red, {int(counts.get('amber', 0))} amber and "
        f"{int(counts.get('green', 0))} green of {with_target} indicators with a target; "
        f"{int(card['value'].notna().sum())} of {len(card)} indicators have a figure."
    )


def scorecard_content(
    card: pd.DataFrame,
    shown: pd.DataFrame,
    org: str,
    org_name: str,
    period: str,
    month: str,
    *,
    has_units: bool = False,
    is_team: bool = False,
):
    """The card: a summary sentence, then one table per stage (only ``shown`` rows).

    ``has_units``: link to the team grid of this unit. ``is_team``: indicators without a figure
    for this team fold under one line instead of a row each.
    """
    download = c.download_link(
        {"org": org, "period": period, "month": month},
        what="the scorecard, with every figure it shows",
        endpoint="/api/scorecard.csv",
    )
    parts = [
        html.H2(heading_for(org_name, period, month), className="card-heading"),
        html.P(summary_line(card), className="summary"),
        html.P(download, className="downloads"),
    ]
    if has_units:
        grid = urlencode({"org": org, "period": period, "month": month, "sort": "stage"})
        parts.insert(
            2,
            html.P(
                dcc.Link(f"Team grid: every indicator for each team of {org_name}", href=f"/teams?{grid}"),
                className="grid-link",
            ),
        )
    folded = shown[shown["value"].isna()] if is_team else shown.iloc[0:0]
    shown = shown.drop(index=folded.index)
    if shown.empty and folded.empty:
        parts.append(c.empty_state("Nothing to show", "No indicator is red or amber for this choice."))
    for stage, rows in shown.groupby("stage", sort=False):
        parts.append(html.Section([html.H2(str(stage).capitalize()), _stage_table(rows, org, period, month)]))
    if not folded.empty:
        parts.append(unreported_fold(folded))
    return parts


def unreported_fold(rows: pd.DataFrame) -> html.Details:
    """One line for the indicators a team has no figure for, opening to their names."""
    count = len(rows)
    noun = "indicator" if count == 1 else "indicators"
    return html.Details(
        [
            html.Summary(f"Not reported for this team: {count} {noun}"),
            html.Ul([html.Li(name) for name in rows["kpi_name"]]),
        ],
        className="unreported",
    )


def kpi_link(row: pd.Series, org: str, month: str) -> dcc.Link:
    query = urlencode({"kpi": row["kpi"], "org": org, "period": "month", "to": month})
    return dcc.Link(row["kpi_name"], href=f"/kpi?{query}")


def spark_image(row: pd.Series) -> html.Img:
    values = [v for v in row["spark"] if v is not None]
    unit = row["unit"]
    alt = (
        f"Last 13 months from {format_value(values[0], unit)} to {format_value(values[-1], unit)}"
        if len(values) >= 2
        else "Too few months to draw a trend"
    )
    return html.Img(src=sparkline_svg(row["spark"]), alt=alt, className="sparkline")


def _note(row: pd.Series):
    text = row.get("commentary")
    if not isinstance(text, str) or not text:
        return ""
    return html.Details([html.Summary("Commentary"), html.P(text)], className="commentary")


def benchmark_cell(row: pd.Series, prefix: str):
    """The latest England (or neighbours') figure, the month it is for, and ours in words."""
    value = row.get(f"{prefix}_latest")
    if value is None or pd.isna(value):
        return "–"
    parts: list = [
        format_value(value, row["unit"]),
        html.Br(),
        html.Small(str(row.get(f"{prefix}_when", ""))),
    ]
    versus = row.get(f"{prefix}_vs")
    if isinstance(versus, str) and versus:
        parts += [
            html.Br(),
            html.Span(f"ours is {versus}", className=f"versus versus-{versus.replace(' ', '-')}"),
        ]
    return html.Span(parts, className="benchmark")


def _stage_table(rows: pd.DataFrame, org: str, period: str, month: str) -> html.Div:
    columns = [
        c.Column("Indicator", lambda r: [kpi_link(r, org, month), _note(r)]),
        c.Column(glossary_link("n-of-n", "Value"), c.value_with_ratio, numeric=True),
        c.Column(glossary_link("target", "Target"), c.target_text, numeric=True),
        c.Column(glossary_link("status", "Status"), lambda r: c.rag_badge(r.get("rag"))),
        c.Column(
            glossary_link("direction", "Direction of travel"),
            lambda r: c.direction_text(r.get("direction"), period),
        ),
        c.Column("Last 13 months", spark_image),
        c.Column(glossary_link("spc", "Is the change real?"), lambda r: variation_icon(r.get("variation"))),
        c.Column(glossary_link("assurance", "Will it meet target?"), assurance_cell),
        c.Column(glossary_link("england", "England"), lambda r: benchmark_cell(r, "england"), numeric=True),
        c.Column(
            glossary_link("neighbours", "Neighbours"), lambda r: benchmark_cell(r, "neighbours"), numeric=True
        ),
    ]
    caption = f"{rows['stage'].iloc[0].capitalize()} indicators"
    return html.Div(c.table(rows, columns, caption=caption, class_name="scorecard"), className="scroll")
