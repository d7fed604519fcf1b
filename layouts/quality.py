"""The Data quality page: the findings the loads recorded, grouped by kind and unit, filterable."""

from __future__ import annotations

import pandas as pd
from dash import dcc, html

from layouts import components as c
from layouts import ids
from layouts.controls import controls_bar, dropdown
from metrics.findings_view import groups, kind_choices, severity_choices
from metrics.periods import month_name, short_month

SEVERITY_WORDS = {"error": "Error", "warning": "Warning", "info": "Check"}


def quality_page(unit_choices: list[tuple[str, str]] | None = None, view: dict | None = None) -> list:
    view = view or {"severity": None, "kind": None, "unit": None}
    return [
        html.H1("Data quality"),
        html.P(
            "What the checks found after each load: missing months, revised figures, "
            "team figures that do not add up to the authority's, values outside their usual range, "
            "stale data and jumps in denominators. "
            "Open a group to see each finding; each links to the indicator's trend.",
            className="summary",
        ),
        controls_bar(
            dropdown("severity", "Severity", severity_choices(), view["severity"]),
            dropdown("kind", "Kind of finding", kind_choices(), view["kind"]),
            dropdown("unit", "Unit", [("all", "All units"), *(unit_choices or [])], view["unit"]),
        ),
        dcc.Store(id=ids.ready("quality")),
        html.Div(id=ids.content("quality"), className="page-content"),
    ]


def _latest(rows: pd.DataFrame) -> str:
    months = [p for p in rows["period"] if p]
    return f", latest month {month_name(max(months))}" if months else ""


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def quality_content(findings: pd.DataFrame, shown: pd.DataFrame) -> list:
    """A count per kind ("Stale data: 115 indicator × unit series, latest month September 2026"),
    then per unit a line that opens to the list."""
    if findings.empty:
        return [c.empty_state("No findings", "The checks found nothing to look at in the loads so far.")]
    counts = shown["severity"].value_counts()
    summary = ", ".join(f"{int(counts.get(s, 0))} {w.lower()}(s)" for s, w in SEVERITY_WORDS.items())
    parts: list = [
        html.P(f"{len(shown)} of {len(findings)} finding(s) shown: {summary}.", className="summary")
    ]
    if shown.empty:
        parts.append(c.empty_state("Nothing for this choice", "No finding matches these filters."))
    for check, title, rows in groups(shown):
        series = rows[["kpi", "org"]].drop_duplicates()
        units = []
        for unit, part in rows.groupby("org_name", sort=True):
            units.append(
                html.Details(
                    [
                        html.Summary(f"{unit}: {_plural(len(part), 'finding', 'findings')}{_latest(part)}"),
                        c.table(
                            part,
                            [
                                c.Column(
                                    "Severity", lambda r: SEVERITY_WORDS.get(r["severity"], r["severity"])
                                ),
                                c.Column("Indicator", lambda r: dcc.Link(r["kpi_name"], href=r["link"])),
                                c.Column("Month", lambda r: short_month(r["period"]) if r["period"] else "–"),
                                c.Column("Finding", lambda r: r["message"]),
                            ],
                            caption=f"{title}: {unit}",
                            class_name="findings",
                        ),
                    ],
                    className="finding-group",
                )
            )
        heading = f"{title}: {len(series)} indicator × unit series{_latest(rows)}"
        parts.append(html.Section([html.H2(heading), *units], id=f"check-{check}"))
    return parts
