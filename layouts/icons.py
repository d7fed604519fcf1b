"""SPC icons (variation and assurance): a letter, a text label and a tooltip; colour is extra."""

from __future__ import annotations

from dash import html

from metrics.periods import month_name
from metrics.spc import (
    ASSURANCE_HELP,
    ASSURANCE_LABELS,
    ASSURANCE_LETTERS,
    VARIATION_HELP,
    VARIATION_LABELS,
    VARIATION_LETTERS,
)

VARIATION_SHORT = {
    "common_cause": "No significant change",
    "improvement_high": "Improving (higher)",
    "improvement_low": "Improving (lower)",
    "concern_high": "Concern (higher)",
    "concern_low": "Concern (lower)",
    "neutral_high": "Changed (higher)",
    "neutral_low": "Changed (lower)",
}
ASSURANCE_SHORT = {
    "consistently_pass": "Will pass",
    "consistently_fail": "Will fail",
    "hit_and_miss": "Hit and miss",
}


def variation_icon(code: object) -> html.Span | str:
    if not isinstance(code, str) or code not in VARIATION_LABELS:
        return "–"
    kind = code.split("_")[0]
    return html.Span(
        [
            html.Span(VARIATION_LETTERS[code], className=f"spc-icon spc-{kind}", **{"aria-hidden": "true"}),
            " ",
            VARIATION_SHORT[code],
        ],
        title=f"{VARIATION_LABELS[code]}. {VARIATION_HELP[code]}",
        className="spc-label",
    )


def assurance_icon(code: object) -> html.Span | str:
    if not isinstance(code, str) or code not in ASSURANCE_LABELS:
        return "–"
    return html.Span(
        [
            html.Span(
                ASSURANCE_LETTERS[code], className=f"spc-icon assurance-{code}", **{"aria-hidden": "true"}
            ),
            " ",
            ASSURANCE_SHORT[code],
        ],
        title=f"{ASSURANCE_LABELS[code]}. {ASSURANCE_HELP[code]}",
        className="spc-label",
    )


def assurance_cell(row: dict) -> html.Span | str:
    """The assurance icon, or, where the latest months show a sustained change, why there is none:
    the limits describe the process before the change, so they cannot say whether it will meet
    its target."""
    moved = row.get("spc_moved")
    if isinstance(moved, str) and moved:
        return html.Span(
            [
                html.Span("!", className="spc-icon assurance-moved", **{"aria-hidden": "true"}),
                f" Process changed from {month_name(moved)}",
            ],
            title=(
                f"A sustained change began in {month_name(moved)}: the process limits describe the "
                "process before it, so no verdict on the target is given. Record a process change "
                f"from {month_name(moved)} to start new limits."
            ),
            className="spc-label",
        )
    return assurance_icon(row.get("assurance"))
