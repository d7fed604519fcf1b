"""Labelled, keyboard-reachable controls whose values mirror the URL query string."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pandas as pd
from dash import dcc, html

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
    """A single-choice dropdown whose accessible name is its label and its value ("Unit Fostering").

    Dash 4 names the dropdown's button with ``aria-labelledby="<id>-value-count <id>-value"``,
    which overrides ``<label for>``, so a screen reader heard only the value. The value-count
    element exists only for multi-select dropdowns, so the label takes that id and is read first.
    """
    return html.Div(
        [
            html.Label(
                label, htmlFor=dom_id(name), id=f"{dom_id(name)}-value-count", className="control-label"
            ),
            dcc.Dropdown(
                id=ids.control(name),
                options=[{"label": text, "value": key} for key, text in options],
                value=value,
                clearable=False,
                searchable=True,
            ),
        ],
        className=f"control control-{name}",
    )


def radio(name: str, label: str, options: Sequence[tuple[str, str]], value: str | None) -> html.Fieldset:
    return html.Fieldset(
        [
            html.Legend(label, className="control-label"),
            dcc.RadioItems(
                id=ids.control(name),
                options=[{"label": text, "value": key} for key, text in options],
                value=value,
                inline=True,
                className="radio-group",
            ),
        ],
        className=f"control control-{name}",
    )


def switch(name: str, label: str, on: bool) -> html.Div:
    return html.Div(
        dcc.Checklist(
            id=ids.control(name),
            options=[{"label": label, "value": "on"}],
            value=["on"] if on else [],
            className="switch",
        ),
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
