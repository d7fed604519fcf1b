"""Benchmarks on the pages: dotted comparator lines, the scorecard's England and neighbour cells."""

from __future__ import annotations

import math

import pandas as pd
from dash import html

from layouts.charts import trend_figure
from layouts.scorecard import benchmark_cell


def text_of(component: object) -> str:
    if isinstance(component, str):
        return component
    if isinstance(component, list):
        return "".join(text_of(c) for c in component)
    if isinstance(component, html.Br):
        return " / "
    children = getattr(component, "children", None)
    return "" if children is None else text_of(children)


def rows(**comparators: list[float]) -> pd.DataFrame:
    months = ["2025-02", "2025-03", "2025-04", "2025-09", "2025-10"]
    frame = pd.DataFrame(
        {
            "period": months,
            "end_month": months,
            "value": [10.0, 11.0, 12.0, 13.0, 14.0],
            "target": [math.nan] * 5,
            "tolerance": [math.nan] * 5,
            "rag": [""] * 5,
            "commentary": [None] * 5,
        }
    )
    return frame.assign(**comparators)


def test_comparators_are_named_dotted_lines_joined_across_months(catalogue):
    sparse = [math.nan, 15.0, math.nan, 16.0, math.nan]
    fig = trend_figure(rows(england=sparse, published=sparse), catalogue["CASELOAD_AVG"], "title")
    lines = {t.name: t for t in fig.data if t.name in ("England", "Published (DfE)")}
    assert set(lines) == {"England", "Published (DfE)"}
    for line in lines.values():
        assert line.line.dash == "dot" and line.connectgaps is True


def test_a_count_chart_leaves_out_england_and_region_totals(catalogue):
    fig = trend_figure(
        rows(england=[81770.0] * 5, region=[11560.0] * 5, neighbours=[827.6] * 5),
        catalogue["LAC_COUNT"],
        "title",
    )
    names = {t.name for t in fig.data}
    assert "Statistical neighbours" in names and not names & {"England", "Region"}


def test_the_scorecard_cell_says_when_and_whether_we_are_better():
    row = pd.Series(
        {
            "unit": "average",
            "england_latest": 15.2,
            "england_when": "September 2025",
            "england_vs": "worse",
            "neighbours_latest": math.nan,
        }
    )
    assert text_of(benchmark_cell(row, "england")) == "15.2 / September 2025 / ours is worse"
    assert benchmark_cell(row, "neighbours") == "–"
    row["england_vs"] = ""
    assert text_of(benchmark_cell(row, "england")) == "15.2 / September 2025"
