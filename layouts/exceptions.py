"""The exception report: the "performance exceptions" paper for a meeting (prints on A4)."""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
from dash import dcc, html

from layouts import components as c
from layouts import ids
from layouts.controls import PERIOD_OPTIONS, controls_bar, dropdown, month_options, radio
from layouts.glossary import glossary_link
from layouts.icons import assurance_cell, variation_icon
from layouts.scorecard import heading_for, kpi_link, spark_image
from metrics.periods import month_name


def exceptions_page(org_choices, months, view: dict[str, str | None]) -> list:
    return [
        html.H1("Performance exceptions"),
        controls_bar(
            dropdown("org", "Unit", org_choices, view["org"]),
            radio("period", "Period", PERIOD_OPTIONS, view["period"]),
            dropdown("month", "Month", month_options(months), view["month"]),
        ),
        dcc.Store(id=ids.ready("exceptions")),
        html.Div(id=ids.content("exceptions"), className="page-content"),
    ]


def exceptions_content(
    rows: pd.DataFrame,
    commentary: dict[str, tuple[str, str]],
    captions: dict[str, str],
    org: str,
    org_name: str,
    period: str,
    month: str,
    actions: dict[str, list[str]] | None = None,
) -> list:
    # The exceptions' rows: the export's columns, with the comparators and reasons shown here.
    query = {"org": org, "period": period, "month": month}
    counts = rows["rag"].value_counts() if len(rows) else pd.Series(dtype=int)
    parts = [
        html.H2(heading_for(org_name, period, month)),
        html.P(
            f"{int(counts.get('red', 0))} red, {int(counts.get('amber', 0))} amber, "
            f"{len(rows) - int(counts.get('red', 0)) - int(counts.get('amber', 0))} others signalled; "
            "percentages are shown with their counts (n of N).",
            className="exception-counts",
        ),
        html.P(
            f"{len(rows)} indicator(s) need discussion: red or amber against target, special-cause concern, "
            "or a process that will consistently fail its target. Most severe first.",
            className="summary",
        ),
        html.P(
            html.A(
                "Download CSV",
                href=f"/api/exceptions.csv?{urlencode(query)}",
                download=f"exceptions-{org}-{period}-{month}.csv",
                className="download-link",
                title="Download these indicators' figures as CSV",
            ),
            className="downloads",
        )
        if len(rows)
        else None,
    ]
    if rows.empty:
        parts.append(
            c.empty_state(
                "No exceptions", "Every indicator with a target is green and no concern is signalled."
            )
        )
    for row in rows.itertuples():
        series = pd.Series(row._asdict())
        note = commentary.get(row.kpi)
        parts.append(
            html.Article(
                [
                    html.H3(kpi_link(series, org, month)),
                    html.P([html.Strong("Why it is here: "), row.reasons]),
                    html.Div(
                        [
                            html.Span([html.Strong("Value: "), *c.value_with_ratio(series)]),
                            html.Span([html.Strong("Target: "), c.target_text(series)]),
                            c.rag_badge(row.rag),
                            c.direction_text(row.direction, period),
                            spark_image(series),
                        ],
                        className="exception-facts",
                    ),
                    html.P(
                        [
                            variation_icon(row.variation),
                            " · ",
                            assurance_cell(series.to_dict()),
                            " · ",
                            glossary_link("spc", "What do these mean?"),
                        ]
                    ),
                    html.P(captions.get(row.kpi, ""), className="spc-caption"),
                    html.P(
                        [html.Strong(f"Commentary ({month_name(note[0])}): "), note[1]]
                        if note
                        else [
                            html.Strong("No commentary", className="no-commentary"),
                            ": ask the team for an explanation.",
                        ],
                        className="exception-commentary",
                    ),
                    html.P(
                        [html.Strong("Actions: "), "; ".join((actions or {})[row.kpi])],
                        className="exception-actions",
                    )
                    if (actions or {}).get(row.kpi)
                    else None,
                ],
                className=f"exception exception-{row.rag or 'none'}",
            )
        )
    return parts
