"""The regional view (``/region``): each sharing authority's month, rank and band, the group's
pooled figure, and every authority's monthly trend. Renders stored rows; computes nothing."""

from __future__ import annotations

import pandas as pd
from dash import dcc, html

from layouts import components, ids
from layouts.charts import region_figure
from layouts.components import Column
from layouts.controls import controls_bar, dropdown, month_options
from layouts.numbers import format_value
from layouts.trend import graph
from metrics.periods import month_name

BAND_WORDS = {"A": "A (best quarter)", "B": "B", "C": "C", "D": "D (worst quarter)"}


def region_page(kpis: list[tuple[str, str]], months: list[str], view: dict[str, str | None]) -> list:
    return [
        html.H1("Regional comparison"),
        html.P(
            "Each authority's own figure for the month, as it shares it with the group, ranked best "
            "first by the indicator's polarity; the group's figure pools every sharing authority's "
            "counts (it is not an average of their percentages).",
            className="lede",
        ),
        controls_bar(
            dropdown("kpi", "Indicator", kpis, view["kpi"]),
            dropdown("month", "Month", month_options(months), view["month"]),
        ),
        dcc.Store(id=ids.ready("region")),
        html.Div(id=ids.content("region"), className="page-content"),
    ]


def _rank(row: pd.Series) -> str:
    return "" if pd.isna(row["rank"]) else str(int(row["rank"]))


def _band(row: pd.Series) -> str:
    return BAND_WORDS.get(str(row["quartile"]), "") if isinstance(row["quartile"], str) else ""


COLUMNS = [
    Column("Rank", _rank, numeric=True),
    Column("Authority", lambda r: r["org_name"]),
    Column("Value", components.value_with_ratio, numeric=True),
    Column("Own target", components.target_text, numeric=True),
    Column("Status", lambda r: components.rag_badge(r["rag"])),
    Column("Quartile band", _band),
]


def summary(month_rows: pd.DataFrame, group: str, unit: str, kpi_name: str, month: str) -> str:
    """The view in one sentence: how many share, the pooled figure, the best and the worst."""
    pooled = month_rows[month_rows["org"] == group]
    shown = month_rows[month_rows["org"] != group]
    text = f"{kpi_name}, {month_name(month)}: {len(shown)} authorities share this indicator."
    if not pooled.empty:
        text += f" The group's pooled figure is {format_value(pooled['value'].iloc[0], unit)}."
    ranked = shown[shown["rank"].notna()].sort_values("rank")
    if len(ranked) > 1:
        best, worst = ranked.iloc[0], ranked.iloc[-1]
        text += (
            f" Best: {best['org_name']} ({format_value(best['value'], unit)});"
            f" lowest ranked: {worst['org_name']} ({format_value(worst['value'], unit)})."
        )
    return text


def region_content(
    month_rows: pd.DataFrame, trend: pd.DataFrame, view: dict[str, str | None], context: dict[str, str]
) -> list:
    """``context``: group, group_name, kpi_name, unit, and ``missing`` (a note on the reader's
    own authority, when it does not share the indicator)."""
    group, unit, month = context["group"], context["unit"], str(view["month"])
    sentence = summary(month_rows, group, unit, context["kpi_name"], month)
    caption = f"{context['kpi_name']} by authority, {month_name(month)}, {context['group_name']}"
    out: list = [html.H2(caption, className="card-heading"), html.P(sentence, className="summary")]
    if context.get("missing"):
        out.append(html.P(context["missing"], className="note", role="note"))
    out.append(components.table(month_rows, COLUMNS, caption, "region-table"))
    out.append(
        components.download_link(
            {"kpi": view["kpi"], "month": month}, what="this comparison", endpoint="/api/region.csv"
        )
    )
    if not trend.empty:
        title = f"{context['kpi_name']}: every sharing authority by month"
        out.append(
            graph(
                region_figure(trend, group, unit, title),
                "region",
                f"{title}. The table above gives {month_name(month)}; the CSV download has the month.",
            )
        )
    return out
