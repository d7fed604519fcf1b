"""Figures for the pages, built with ``plotly.graph_objects`` (cheap to build, small to send).

Each chart has a text or table alternative on its page; these functions build only the figure.
"""

from __future__ import annotations

import math
import re
from urllib.parse import quote

import pandas as pd
import plotly.graph_objects as go

from layouts.numbers import UNIT_WORDS, format_value
from layouts.theme import (
    DARK_BLUE,
    DARK_GREY,
    DARK_PINK,
    FONT,
    MID_GREY,
    RAG_STYLES,
    SERIES_COLOURS,
    SPC_COLOURS,
)
from metrics.catalogue import Kpi
from metrics.periods import period_text

COMPARATOR_COLOURS = {
    "England": SERIES_COLOURS[3],
    "Region": SERIES_COLOURS[1],
    "Statistical neighbours": SERIES_COLOURS[2],
    "Published (DfE)": SERIES_COLOURS[4],
}
PERIOD_PATTERN = re.compile(r"^\d{4}(-\d{2}|/\d{2}( Q\d)?)$")
SIGNAL_MARKERS = {"improvement": "diamond", "concern": "x", "neutral": "star", "": "circle"}


def _layout(fig: go.Figure, title: str, unit: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 18}},
        font={"family": FONT, "size": 15, "color": "#0b0c0c"},
        height=height,
        margin={"l": 60, "r": 20, "t": 60, "b": 60},
        plot_bgcolor="white",
        paper_bgcolor="white",
        hovermode="x unified",
        legend={"orientation": "h", "y": -0.18, "x": 0},
        yaxis={"title": UNIT_WORDS.get(unit, ""), "gridcolor": "#dddddd", "zeroline": False},
        xaxis={"type": "category", "gridcolor": "#eeeeee", "tickangle": 0, **period_ticks(fig)},
    )
    return fig


def period_ticks(fig: go.Figure, most: int = 9) -> dict:
    """Category ticks as people read them ("Oct 2023", "2023/24 Q3"), at most ``most``, level."""
    xs = [trace.x for trace in fig.data if getattr(trace, "x", None) is not None]
    periods = sorted({str(x) for values in xs for x in values})
    if not periods or not all(PERIOD_PATTERN.match(p) for p in periods):
        return {}  # not a time axis (the breakdown's values)
    step = -(-len(periods) // most)
    shown = periods[::step]
    return {"tickmode": "array", "tickvals": shown, "ticktext": [period_text(p) for p in shown]}


def _hover(values: pd.Series, unit: str) -> list[str]:
    return [format_value(v, unit) for v in values]


def trend_figure(
    rows: pd.DataFrame, kpi: Kpi, title: str, benchmarks: pd.DataFrame | None = None
) -> go.Figure:
    """Values as a line, the target as a step line with its amber band, comparators dotted."""
    unit = kpi.unit
    fig = go.Figure()
    x = rows["period"].tolist()
    if rows["target"].notna().any():
        tolerance = rows["tolerance"].fillna(0)
        edge = rows["target"] - tolerance if kpi.polarity == "up" else rows["target"] + tolerance
        fig.add_trace(
            go.Scatter(
                x=x,
                y=edge,
                mode="lines",
                line={"width": 0, "shape": "hv"},
                hoverinfo="skip",
                showlegend=False,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=rows["target"],
                name="Target (shaded: amber band)",
                mode="lines",
                line={"color": DARK_GREY, "dash": "dash", "shape": "hv", "width": 2},
                fill="tonexty",
                fillcolor="rgba(255, 221, 0, 0.25)",
                hovertext=_hover(rows["target"], unit),
                hoverinfo="text+name",
            )
        )
    for name, series in _comparator_series(rows, benchmarks, kpi).items():
        fig.add_trace(
            go.Scatter(
                x=x,
                y=series,
                name=name,
                mode="lines+markers",
                connectgaps=True,
                line={"color": COMPARATOR_COLOURS.get(name, MID_GREY), "dash": "dot", "width": 2},
                marker={"size": 7},
                hovertext=_hover(series, unit),
                hoverinfo="text+name",
            )
        )
    symbols = [RAG_STYLES.get(r if isinstance(r, str) else "", RAG_STYLES[""]).marker for r in rows["rag"]]
    fig.add_trace(
        go.Scatter(
            x=x,
            y=rows["value"],
            name="Value",
            mode="lines+markers",
            line={"color": DARK_BLUE, "width": 3},
            marker={"size": 9, "symbol": symbols, "color": DARK_BLUE},
            hovertext=_hover(rows["value"], unit),
            hoverinfo="text+name",
        )
    )
    noted = rows[rows["commentary"].notna() & (rows["commentary"] != "")]
    if len(noted):
        fig.add_trace(
            go.Scatter(
                x=noted["period"],
                y=noted["value"],
                name="Commentary",
                mode="markers",
                marker={
                    "size": 16,
                    "symbol": "circle-open",
                    "color": SERIES_COLOURS[2],
                    "line": {"width": 2},
                },
                hovertext=[_wrap(str(c)) for c in noted["commentary"]],
                hoverinfo="text",
            )
        )
    return _layout(fig, title, unit)


def _comparator_series(rows: pd.DataFrame, benchmarks: pd.DataFrame | None, kpi: Kpi) -> dict[str, pd.Series]:
    """Comparator lines by name: sparse (March or September), drawn dotted with gaps joined.

    England and region counts are totals for far more children than one council's, so a count
    KPI draws only the neighbours' average and the published figure (the page says so).
    """
    out = {}
    for column, name in (
        ("england", "England"),
        ("region", "Region"),
        ("neighbours", "Statistical neighbours"),
        ("published", "Published (DfE)"),
    ):
        if kpi.unit == "count" and column in ("england", "region"):
            continue
        if column in rows and rows[column].notna().any():
            out[name] = rows[column]
    if benchmarks is not None and not benchmarks.empty:
        for name, group in benchmarks.groupby("comparator"):
            if name not in out and str(name) != "Published (DfE)":
                lookup = dict(zip(group["period"], group["value"], strict=True))
                series = rows["end_month"].map(lookup)
                if series.notna().any():
                    out[str(name)] = series
    return out


def spc_figure(rows: pd.DataFrame, unit: str, title: str, changes: pd.DataFrame | None = None) -> go.Figure:
    """XmR chart: values marked by signal (colour and shape), mean, process limits, changes."""
    fig = go.Figure()
    x = rows["period"].tolist()
    provisional = rows["spc_provisional"] == "yes"
    for column, name in (("spc_upper", "Upper process limit"), ("spc_lower", "Lower process limit")):
        for part, dash, label in (
            (~provisional, "solid", name),
            (provisional, "dash", f"{name} (provisional)"),
        ):
            if not part.any():
                continue
            y = rows[column].where(part)
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    name=label,
                    mode="lines",
                    line={"color": MID_GREY, "dash": dash, "width": 1.5, "shape": "hvh"},
                    hovertext=_hover(y, unit),
                    hoverinfo="text+name",
                )
            )
    if rows["target"].notna().any():  # assurance reads the target against these limits: show both
        fig.add_trace(
            go.Scatter(
                x=x,
                y=rows["target"],
                name="Target",
                mode="lines",
                line={"color": DARK_PINK, "dash": "dashdot", "width": 2, "shape": "hv"},
                hovertext=_hover(rows["target"], unit),
                hoverinfo="text+name",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=rows["spc_mean"],
            name="Mean",
            mode="lines",
            line={"color": DARK_GREY, "width": 1.5, "shape": "hvh"},
            hovertext=_hover(rows["spc_mean"], unit),
            hoverinfo="text+name",
        )
    )
    signal = rows["spc_signal"].fillna("")
    labels = {
        "": "Common cause",
        "improvement": "Improvement",
        "concern": "Concern",
        "neutral": "Special cause",
    }
    for key, label in labels.items():
        part = rows[signal == key]
        if part.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=part["period"],
                y=part["value"],
                name=label,
                mode="markers",
                marker={
                    "size": 10,
                    "symbol": SIGNAL_MARKERS[key],
                    "color": SPC_COLOURS["common_cause" if key == "" else key],
                },
                hovertext=_hover(part["value"], unit),
                hoverinfo="text+name",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=x, y=rows["value"], mode="lines", line={"color": "#b1b4b6", "width": 1}, showlegend=False
        )
    )
    for change in (changes if changes is not None else pd.DataFrame()).itertuples():
        if change.period in set(x):
            fig.add_vline(x=change.period, line={"color": SERIES_COLOURS[2], "dash": "dot"})
            fig.add_annotation(
                x=change.period,
                y=1,
                yref="paper",
                text=_wrap(str(change.note), 30),
                showarrow=False,
                yanchor="bottom",
            )
    return _layout(fig, title, unit)


def breakdown_figure(rows: pd.DataFrame, unit: str, title: str) -> go.Figure:
    """One bar per unit, coloured and labelled by status (the label carries the words)."""
    rags = [r if isinstance(r, str) else "" for r in rows["rag"]]
    labels = [
        f"{format_value(v, unit)} {RAG_STYLES[r].symbol} {RAG_STYLES[r].label}"
        for v, r in zip(rows["value"], rags, strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=rows["value"],
            y=rows["org_name"],
            orientation="h",
            marker={
                "color": [RAG_STYLES[r].colour if r else MID_GREY for r in rags],
                "line": {"color": "#0b0c0c", "width": 1},
            },
            text=labels,
            textposition="outside",
            cliponaxis=False,
            hoverinfo="text",
            hovertext=labels,
        )
    )
    fig = _layout(fig, title, unit, height=max(200, 70 + 45 * len(rows)))
    fig.update_layout(
        xaxis={"type": "linear", "tickangle": 0, "title": UNIT_WORDS.get(unit, "")},
        yaxis={"title": "", "autorange": "reversed"},
        margin={"r": 220},
        hovermode="closest",
    )
    return fig


def sparkline_svg(values: list[float | None], width: int = 100, height: int = 32) -> str:
    """A tiny line as an SVG data URI (cheap: 45 of them on a scorecard need no plotly).

    Coordinates are whole pixels and the URI is percent-encoded text, not base64: the scorecard
    sends 45 of these, so every byte counts.
    """
    points = [(i, v) for i, v in enumerate(values) if v is not None and not math.isnan(v)]
    svg = f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}'>"
    if len(points) >= 2:
        low = min(v for _, v in points)
        span = (max(v for _, v in points) - low) or 1.0
        step = (width - 6) / max(len(values) - 1, 1)
        coords = [(3 + i * step, height - 4 - (v - low) / span * (height - 8)) for i, v in points]
        path = " ".join(f"{x:.0f},{y:.0f}" for x, y in coords)
        last_x, last_y = coords[-1]
        svg += (
            f"<polyline fill='none' stroke='{DARK_BLUE}' stroke-width='2' points='{path}'/>"
            f"<circle cx='{last_x:.0f}' cy='{last_y:.0f}' r='3' fill='{DARK_BLUE}'/>"
        )
    return "data:image/svg+xml," + quote(svg + "</svg>", safe=" /:=',.")


def _wrap(text: str, width: int = 50) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > width and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)


def region_figure(trend: pd.DataFrame, group: str, unit: str, title: str) -> go.Figure:
    """Each sharing authority's monthly line, the group's pooled figure (thick, dashed) and
    England where published (dotted); lines are told apart by name in the legend and hover as
    well as by colour."""
    fig = go.Figure()
    names = trend.drop_duplicates("org").set_index("org")["org_name"]
    authorities = [o for o in dict.fromkeys(trend["org"]) if o != group]
    for number, org in enumerate(authorities):
        rows = trend[trend["org"] == org]
        fig.add_trace(
            go.Scatter(
                x=rows["period"],
                y=rows["value"],
                name=str(names[org]),
                mode="lines+markers",
                line={"color": SERIES_COLOURS[number % len(SERIES_COLOURS)], "width": 2},
                marker={"symbol": list(SIGNAL_MARKERS.values())[number % len(SIGNAL_MARKERS)]},
                hovertext=_hover(rows["value"], unit),
                hoverinfo="text+name",
            )
        )
    pooled = trend[trend["org"] == group]
    if not pooled.empty:
        fig.add_trace(
            go.Scatter(
                x=pooled["period"],
                y=pooled["value"],
                name=str(names.get(group, group)),  # the rows name it "... (pooled)"
                mode="lines",
                line={"color": "#0b0c0c", "width": 4, "dash": "dash"},
                hovertext=_hover(pooled["value"], unit),
                hoverinfo="text+name",
            )
        )
        england = pooled[pooled["england"].notna()]
        if not england.empty:
            fig.add_trace(
                go.Scatter(
                    x=england["period"],
                    y=england["england"],
                    name="England",
                    mode="lines+markers",
                    line={"color": MID_GREY, "width": 2, "dash": "dot"},
                    hovertext=_hover(england["england"], unit),
                    hoverinfo="text+name",
                )
            )
    return _layout(fig, title, unit)
