"""SPC icons (variation and assurance): a letter, a text label and a tooltip; colour is extra."""

from __future__ import annotations

from dash import html

from metrics.spc import (
    ASSURANCE_HELP,
    ASSURANCE_LABELS,
    ASSURANCE_LETTERS,
    VARIATION_HELP,
    VARIATION_LABELS,
    VARIATION_LETTERS,
)


def variation_icon(code: object) -> html.Span | str:
    if not isinstance(code, str) or code not in VARIATION_LABELS:
        return "–"
    kind = code.split("_")[0]
    return html.Span(
        [
            html.Span(VARIATION_LETTERS[code], className=f"spc-icon spc-{kind}", **{"aria-hidden": "true"}),
            " ",
            VARIATION_LABELS[code],
        ],
        title=VARIATION_HELP[code],
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
            ASSURANCE_LABELS[code],
        ],
        title=ASSURANCE_HELP[code],
        className="spc-label",
    )
