"""Small building blocks shared by the pages: tables, status badges, links, empty states."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

import pandas as pd
from dash import html

from layouts.numbers import format_value, ratio_text
from layouts.theme import DIRECTION_WORDS, PERIOD_NAMES, RAG_STYLES


@dataclass(frozen=True)
class Column:
    header: object  # text, or text with a glossary link
    render: Callable[[pd.Series], object]
    numeric: bool = False


def table(rows: pd.DataFrame, columns: Sequence[Column], caption: str, class_name: str = "") -> html.Table:
    """An accessible HTML table: caption, header cells with scope, one row per frame row."""
    # no className at all on text cells: "className": null on every cell was 5% of a scorecard
    num = [{"className": "num"} if c.numeric else {} for c in columns]
    head = html.Thead(
        html.Tr([html.Th(c.header, scope="col", **n) for c, n in zip(columns, num, strict=True)])
    )
    body = html.Tbody(
        [
            html.Tr([html.Td(c.render(row), **n) for c, n in zip(columns, num, strict=True)])
            for _, row in rows.iterrows()
        ]
    )
    return html.Table([html.Caption(caption), head, body], className=f"data-table {class_name}".strip())


def rag_badge(rag: object) -> html.Span:
    """Status as colour, shape and words together (never colour alone)."""
    key = rag if isinstance(rag, str) and rag in RAG_STYLES else ""
    style = RAG_STYLES[key]
    if not key:  # no target: words alone (nothing to tell apart by colour)
        return html.Span(style.label, className="rag rag-none")
    return html.Span(f"{style.symbol} {style.label}", className=f"rag rag-{key}")


def direction_text(direction: object, period: str) -> html.Span:
    key = direction if isinstance(direction, str) and direction in DIRECTION_WORDS else ""
    arrow, words = DIRECTION_WORDS[key]
    text = f"{words} {PERIOD_NAMES.get(period, 'last period')}" if key else words
    # one text node (arrow and words): the scorecard sends 45 of these, so no nested elements
    return html.Span(f"{arrow} {text}" if arrow else text, className=f"direction direction-{key or 'none'}")


def value_text(row: pd.Series) -> str:
    return format_value(row.get("value"), str(row.get("unit", "")))


def value_with_ratio(row: pd.Series) -> list:
    """The value and, for a percentage, its "n of N" beside it (small numbers visible)."""
    unit = str(row.get("unit", ""))
    ratio = ratio_text(row.get("numerator"), row.get("denominator"), unit)
    value = format_value(row.get("value"), unit)
    return [value, " ", html.Small(ratio, className="ratio")] if ratio else [value]


def target_text(row: pd.Series) -> str:
    target = row.get("target")
    if target is None or pd.isna(target):
        return "No target"
    return format_value(target, str(row.get("unit", "")))


def download_link(params: dict[str, str | None], label: str = "Download CSV", what: str = "") -> html.A:
    """A link to ``/api/figures.csv`` with the view's parameters: the same rows as on screen."""
    query = urlencode({k: v for k, v in params.items() if v})
    name = "-".join(v for v in params.values() if v) or "figures"
    return html.A(
        label,
        href=f"/api/figures.csv?{query}",
        download=f"{name}.csv",
        className="download-link",
        title=f"Download {what or 'these figures'} as CSV",
    )


def empty_state(title: str, text: str) -> html.Div:
    """What a page shows instead of a blank chart when there is nothing to show."""
    return html.Div([html.H2(title), html.P(text)], className="empty-state", role="status")


def error_message(text: str) -> html.Div:
    return html.Div([html.H2("Something went wrong"), html.P(text)], className="error-message", role="alert")
