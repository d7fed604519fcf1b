"""The Data quality page: findings of the checks run after every load."""

from __future__ import annotations

import pandas as pd
from dash import dcc, html

from layouts import components as c
from layouts import ids

SEVERITY_WORDS = {"error": "Error", "warning": "Warning", "info": "Check"}


def quality_page() -> list:
    return [
        html.H1("Data quality"),
        html.P(
            "Checks run after every load: missing months, revised figures, team figures that do not add up "
            "to the authority's, values outside their process limits, stale data and jumps in denominators. "
            "Each finding links to the indicator's trend.",
            className="summary",
        ),
        dcc.Store(id=ids.ready("quality")),
        html.Div(id=ids.content("quality"), className="page-content"),
    ]


def quality_content(findings: pd.DataFrame) -> list:
    if findings.empty:
        return [c.empty_state("No findings", "Every check passed on the current data.")]
    counts = findings["severity"].value_counts()
    summary = ", ".join(f"{int(counts.get(s, 0))} {w.lower()}(s)" for s, w in SEVERITY_WORDS.items())
    parts: list = [html.P(f"{len(findings)} finding(s): {summary}.", className="summary")]
    for check, rows in findings.groupby("check", sort=False):
        parts.append(
            html.Section(
                [
                    html.H2(str(rows["title"].iloc[0])),
                    c.table(
                        rows,
                        [
                            c.Column("Severity", lambda r: SEVERITY_WORDS.get(r["severity"], r["severity"])),
                            c.Column("Indicator", lambda r: dcc.Link(r["kpi_name"], href=r["link"])),
                            c.Column("Unit", lambda r: r["org"]),
                            c.Column("Month", lambda r: r["period"] or "–"),
                            c.Column("Finding", lambda r: r["message"]),
                        ],
                        caption=f"{rows['title'].iloc[0]}: {len(rows)} finding(s)",
                    ),
                ],
                id=f"check-{check}",
            )
        )
    return parts
