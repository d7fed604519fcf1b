"""Layout and figure builders as plain functions: formatting, statuses, charts, tables."""

from __future__ import annotations

from urllib.parse import unquote

import pandas as pd
import pytest
from dash import html

from layouts.charts import breakdown_figure, sparkline_svg, trend_figure
from layouts.components import direction_text, download_link, rag_badge
from layouts.controls import dom_id, org_options
from layouts.numbers import format_value


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (1269, "count", "1,269"),
        (88.06, "percent", "88.1%"),
        (15.24, "average", "15.2"),
        (67.24, "rate", "67.2"),
        (22.2, "weeks", "22.2 weeks"),
        (None, "count", "–"),
        (float("nan"), "percent", "–"),
        (2.5, "count", "2.5"),
    ],
)
def test_numbers_are_written_as_councils_write_them(value, unit, shown):
    assert format_value(value, unit) == shown


def text_of(component) -> str:
    if isinstance(component, str):
        return component
    children = getattr(component, "children", None)
    if children is None:
        return ""
    if isinstance(children, list):
        return "".join(text_of(c) for c in children)
    return text_of(children)


@pytest.mark.parametrize(
    ("rag", "words", "symbol"),
    [
        ("red", "Red: off target", "■"),
        ("amber", "Amber: near target", "▲"),
        ("green", "Green: on target", "●"),
        ("", "No target", ""),
    ],
)
def test_status_has_words_and_shape_not_colour_alone(rag, words, symbol):
    badge = rag_badge(rag)
    assert words in text_of(badge)
    assert symbol in text_of(badge)


def test_direction_in_words():
    assert text_of(direction_text("better", "month")) == "↑ better than last month"
    assert text_of(direction_text("", "month")) == "no earlier figure to compare with"


def test_download_link_carries_the_view():
    link = download_link({"kpi": "CP_PLANS", "org": "LA", "period": "month", "from": None})
    assert link.href == "/api/figures.csv?kpi=CP_PLANS&org=LA&period=month"
    assert link.children == "Download CSV"


def test_sparkline_is_a_small_svg():
    uri = sparkline_svg([1.0, None, 3.0, 2.0])
    svg = unquote(uri.split(",", 1)[1])
    assert uri.startswith("data:image/svg+xml,")
    assert svg.startswith("<svg") and "polyline" in svg and svg.endswith("</svg>")
    assert "points='3,28 66,4 97,16'" in svg  # lowest value at the bottom, highest at the top
    assert "polyline" not in unquote(sparkline_svg([None, 1.0]).split(",", 1)[1])
    assert len(uri) < 400


def test_trend_figure_draws_value_target_band_and_comparators(catalogue):
    rows = pd.DataFrame(
        {
            "period": ["2024-01", "2024-02", "2024-03"],
            "value": [80.0, 90.0, 96.0],
            "target": [95.0, 95.0, 95.0],
            "tolerance": [5.0, 5.0, 5.0],
            "rag": ["red", "amber", "green"],
            "england": [None, None, 88.0],
            "region": [None, None, None],
            "neighbours": [None, None, None],
            "commentary": [None, "Why", None],
            "end_month": ["2024-01", "2024-02", "2024-03"],
        }
    )
    fig = trend_figure(rows, catalogue["CP_VISITS_TIMELY"], "title")
    names = [t.name for t in fig.data]
    assert {"Target (shaded: amber band)", "England", "Value", "Commentary"} <= set(names)
    band_edge = fig.data[0].y
    assert list(band_edge) == [90.0, 90.0, 90.0]  # higher is better: the band lies below the target
    value = fig.data[names.index("Value")]
    assert list(value.marker.symbol) == ["square", "triangle-up", "circle"]
    assert len(fig.to_json()) < 150_000


def test_breakdown_bars_are_labelled_by_status():
    rows = pd.DataFrame({"value": [72.4, 96.0], "org_name": ["A", "B"], "rag": ["red", "green"]})
    fig = breakdown_figure(rows, "percent", "title")
    assert list(fig.data[0].text) == ["72.4% ■ Red: off target", "96.0% ● Green: on target"]


def test_org_options_are_an_indented_tree():
    orgs = pd.DataFrame(
        [
            ("LA", "Council", "", "authority", "", ""),
            ("S", "Service", "LA", "service", "", ""),
            ("T", "Team", "S", "team", "", "2024-01"),
        ],
        columns=["code", "name", "parent", "type", "from", "closed"],
    )
    assert org_options(orgs) == [
        ("LA", "Council"),
        ("S", "\u00a0\u00a0\u00a0Service"),
        ("T", "\u00a0\u00a0\u00a0" * 2 + "Team (closed January 2024)"),
    ]
    assert org_options(orgs, with_children_only=True) == [
        ("LA", "Council"),
        ("S", "\u00a0\u00a0\u00a0Service"),
    ]


def test_control_dom_id_matches_dash_stringified_id():
    assert dom_id("org") == '{"name":"org","type":"control"}'
    assert isinstance(html.Label("x", htmlFor=dom_id("org")), html.Label)


def test_every_spc_code_has_a_short_label_and_help():
    from layouts.icons import ASSURANCE_SHORT, VARIATION_SHORT, assurance_icon, variation_icon
    from metrics.spc import ASSURANCES, VARIATIONS

    assert set(VARIATION_SHORT) == set(VARIATIONS)
    assert set(ASSURANCE_SHORT) == set(ASSURANCES)
    icon = variation_icon("concern_low")
    assert text_of(icon) == "L Concern (lower)"
    assert icon.title.startswith("Special cause concern (low). ")
    assert assurance_icon(None) == "–"


def test_chart_axes_read_as_months_and_quarters():
    import plotly.graph_objects as go

    from layouts.charts import period_ticks

    months = [f"2023-{m:02d}" for m in range(1, 13)] + [f"2024-{m:02d}" for m in range(1, 13)]
    ticks = period_ticks(go.Figure(go.Scatter(x=months, y=list(range(24)))))
    assert ticks["ticktext"][:2] == ["Jan 2023", "Apr 2023"] and len(ticks["ticktext"]) <= 9
    quarters = period_ticks(go.Figure(go.Scatter(x=["2023/24 Q3", "2023/24 Q4"], y=[1, 2])))
    assert quarters["ticktext"] == ["2023/24 Q3", "2023/24 Q4"]
    assert period_ticks(go.Figure(go.Bar(x=[1.5, 2.0], y=["a", "b"]))) == {}
