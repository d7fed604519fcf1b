"""The Data page: load history, KPI definitions, and a download of the whole dataset."""

from __future__ import annotations

import pandas as pd
from dash import html

from layouts import components as c
from metrics.catalogue import Catalogue

POLARITY_WORDS = {"up": "Higher is better", "down": "Lower is better", "none": "Context measure (no target)"}


def data_page(loads: pd.DataFrame, catalogue: Catalogue, notice: str) -> list:
    history = (
        c.table(
            loads,
            [
                c.Column("Load", lambda r: str(r["id"]), numeric=True),
                c.Column("When (UTC)", lambda r: str(r["loaded_at"]).replace("T", " ")),
                c.Column("File", lambda r: r["file_name"]),
                c.Column("Kind", lambda r: str(r["kind"]).replace("_", " ")),
                c.Column("By", lambda r: r["loaded_by"]),
                c.Column("Added", lambda r: f"{r['rows_added']:,}", numeric=True),
                c.Column("Revised", lambda r: f"{r['rows_revised']:,}", numeric=True),
                c.Column("Unchanged", lambda r: f"{r['rows_unchanged']:,}", numeric=True),
                c.Column("SHA-256 checksum", lambda r: html.Code(r["sha256"], className="checksum")),
            ],
            caption="Loads, newest first",
        )
        if not loads.empty
        else c.empty_state("No loads yet", "Load files with: python -m data load FILE")
    )
    definitions = pd.DataFrame([k.__dict__ for k in catalogue])
    return [
        html.H1("Data"),
        html.P(notice, className="notice-text") if notice else None,
        html.Section(
            [
                html.H2("Download"),
                html.P(
                    [
                        html.A(
                            "Download the whole dataset (CSV)",
                            href="/api/dataset.csv",
                            download="dataset.csv",
                            className="download-link",
                        ),
                        ": every current figure for every unit and month, in the figures file format "
                        "(it loads back unchanged).",
                    ]
                ),
            ]
        ),
        html.Section([html.H2("Load history"), html.Div(history, className="scroll")]),
        html.Section(
            [
                html.H2("KPI definitions"),
                html.Div(
                    c.table(
                        definitions,
                        [
                            c.Column(
                                "Indicator",
                                lambda r: html.Span(
                                    [html.Strong(r["name"]), html.Br(), html.Code(r["code"])]
                                ),
                            ),
                            c.Column("Definition", lambda r: r["definition"]),
                            c.Column("Unit", lambda r: r["unit"]),
                            c.Column("Polarity", lambda r: POLARITY_WORDS[r["polarity"]]),
                            c.Column("Timescale", lambda r: r["timescale"] or "–"),
                            c.Column("Source", lambda r: r["source"]),
                        ],
                        caption="Definitions from the KPI catalogue",
                    ),
                    className="scroll",
                ),
            ]
        ),
    ]
