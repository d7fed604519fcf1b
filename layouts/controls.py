"""Labelled, keyboard-reachable controls whose values mirror the URL query string."""

from __future__ import annotations

import json
from collections.abc import Sequence

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from layouts import ids
from metrics.periods import month_name

PERIOD_OPTIONS = (
    ("month", "Month"),
    ("quarter", "Quarter (financial year)"),
    ("ytd", "Year to date"),
    ("year", "Financial year"),
)


def dom_id(name: str) -> str:
    """The DOM id Dash gives a pattern-matching control id (keys sorted, compact JSON)."""
    return json.dumps(ids.control(name), sort_keys=True, separators=(",", ":"))


def dropdown(name: str, label: str, options: Sequence[tuple[str, str]], value: str | None) -> html.Div:
    """A single choice as a native ``<select>`` named by its ``<label>`` ("Unit, Fostering").

    Native controls: the browser gives keyboard use (arrow keys, type-ahead) and the screen
    reader announcement, and axe-core finds nothing to object to (Dash's own dropdown had an
    ``aria-hidden`` focus target).
    """
    return html.Div(
        [
            html.Label(label, htmlFor=dom_id(name), className="control-label"),
            dbc.Select(
                id=ids.control(name),
                options=[{"label": text, "value": key} for key, text in options],
                value=value,
                class_name="control-select",
            ),
        ],
        className=f"control control-{name}",
    )


def radio(name: str, label: str, options: Sequence[tuple[str, str]], value: str | None) -> html.Fieldset:
    """Native radio buttons in a fieldset whose legend names the group."""
    return html.Fieldset(
        [
            html.Legend(label, className="control-label"),
            dbc.RadioItems(
                id=ids.control(name),
                options=[{"label": text, "value": key} for key, text in options],
                value=value,
                inline=True,
                name=f"control-{name}",  # one group: one Tab stop, arrow keys move within it
                class_name="radio-group",
            ),
        ],
        className=f"control control-{name}",
    )


def switch(name: str, label: str, on: bool) -> html.Div:
    """A native checkbox (styled as a switch) whose value is True or False."""
    return html.Div(
        dbc.Switch(id=ids.control(name), label=label, value=on, class_name="switch"),
        className=f"control control-{name}",
    )


def controls_bar(*controls: html.Div | html.Fieldset) -> html.Div:
    return html.Div(
        list(controls), className="controls", role="group", **{"aria-label": "Choose what to show"}
    )


def org_options(orgs: pd.DataFrame, with_children_only: bool = False) -> list[tuple[str, str]]:
    """Units as a tree (indented names), authority first; optionally only units with children."""
    current = orgs.sort_values("from").drop_duplicates("code", keep="last")
    kids: dict[str, list[str]] = {}
    for row in current.sort_values("name").itertuples():
        kids.setdefault(row.parent, []).append(row.code)
    names = dict(zip(current["code"], current["name"], strict=True))
    closed = dict(zip(current["code"], current["closed"], strict=True))
    out: list[tuple[str, str]] = []

    def walk(code: str, depth: int) -> None:
        if not with_children_only or code in kids:
            suffix = f" (closed {month_name(closed[code])})" if closed.get(code) else ""
            out.append((code, "\u00a0\u00a0\u00a0" * depth + names[code] + suffix))
        for child in kids.get(code, []):
            walk(child, depth + 1)

    for top in kids.get("", []):
        walk(top, 0)
    return out


def month_options(months: Sequence[str]) -> list[tuple[str, str]]:
    return [(m, month_name(m)) for m in months]
