"""Colours, shapes and words for statuses: the one place they live (never in ``metrics``).

Colours follow the Government Analysis Function palette (colour-blind safe) and GOV.UK tags;
each status also has a shape and a text label, so colour is never the only signal.
"""

from __future__ import annotations

from dataclasses import dataclass

DARK_BLUE = "#12436D"
TURQUOISE = "#28A197"
DARK_PINK = "#801650"
ORANGE = "#F46A25"
DARK_GREY = "#3D3D3D"
LIGHT_PURPLE = "#A285D1"
MID_GREY = "#6f777b"
LIGHT_GREY = "#f3f2f1"
SERIES_COLOURS = (DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE, DARK_GREY, LIGHT_PURPLE)
FONT = "Arial, Helvetica, sans-serif"


@dataclass(frozen=True)
class StatusStyle:
    label: str
    symbol: str  # a text character shown beside the label
    marker: str  # plotly marker symbol
    colour: str  # fill colour
    text_colour: str  # readable on the fill (contrast >= 4.5:1)


RAG_STYLES = {
    "green": StatusStyle("Green: on target", "●", "circle", "#00703c", "#ffffff"),
    "amber": StatusStyle("Amber: near target", "▲", "triangle-up", "#ffdd00", "#0b0c0c"),
    "red": StatusStyle("Red: off target", "■", "square", "#d4351c", "#ffffff"),
    "": StatusStyle("No target", "–", "circle-open", "#ffffff", "#0b0c0c"),
}

DIRECTION_WORDS = {
    "better": ("↑", "better than"),
    "worse": ("↓", "worse than"),
    "same": ("→", "same as"),
    "higher": ("↗", "higher than"),
    "lower": ("↘", "lower than"),
    "": ("", "no earlier figure to compare with"),
}

PERIOD_NAMES = {"month": "last month", "quarter": "last quarter", "year": "last year", "ytd": "last month"}

SPC_COLOURS = {
    "common_cause": MID_GREY,
    "improvement": "#1d70b8",
    "concern": ORANGE,
    "neutral": "#4c2c92",
}
