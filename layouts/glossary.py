"""The glossary: every performance and SPC term the pages use, in words a councillor uses."""

from __future__ import annotations

from dash import dcc, html

TERMS: tuple[tuple[str, str, str], ...] = (
    (
        "indicator",
        "Indicator",
        "A measure of the service we count every month, such as the share of "
        "assessments finished on time. Also called a key performance indicator (KPI).",
    ),
    (
        "target",
        "Target",
        "The level the council has agreed an indicator should reach. Targets can "
        "change from one financial year to the next.",
    ),
    (
        "status",
        "Status (red, amber, green)",
        "How a figure compares with its target: green (●) meets "
        "it, amber (▲) misses it by no more than the agreed margin, red (■) misses it by more. "
        '"No target" means the indicator is tracked for context only.',
    ),
    (
        "tolerance",
        "Amber margin (tolerance)",
        "How far a figure may miss its target and still be amber rather than red.",
    ),
    (
        "higher-or-lower",
        "Higher or lower is better",
        "Whether a rise in the figure is good news "
        "(such as visits on time) or bad news (such as children waiting). Sometimes called polarity.",
    ),
    (
        "direction",
        "Direction of travel",
        "Whether the figure is better, worse or the same as the "
        "period before, judged by whether higher or lower is better.",
    ),
    (
        "england",
        "England",
        "The average for all councils in England, from the Department for Education's published statistics.",
    ),
    (
        "neighbours",
        "Statistical neighbours",
        "The ten councils most like ours in their population "
        "and needs, as the Department for Education groups them; the figure is their average.",
    ),
    (
        "n-of-n",
        "n of N",
        'The count behind a percentage: "12 of 60" means 12 children out of 60. '
        "Shown because a percentage of a few children can move a lot.",
    ),
    (
        "spc",
        "Statistical process control (SPC)",
        "A way of telling a real change from the ordinary "
        "month-to-month ups and downs, by comparing each month with the usual range of the past months.",
    ),
    (
        "common-cause",
        "No significant change (common cause)",
        "The figure is moving within its usual range: there is no sign of a real change.",
    ),
    (
        "special-cause",
        "Special cause",
        "A change too big, or lasting too long, to be ordinary ups "
        "and downs: something has really changed. It is an improvement or a concern depending on "
        "whether higher or lower is better.",
    ),
    (
        "process-limits",
        "Process limits",
        "The usual range of the figure, worked out from past months. A month outside it is a special cause.",
    ),
    (
        "assurance",
        "Will it meet target? (assurance)",
        "Whether the target lies inside the usual "
        'range: "Will pass" means the figure will meet it almost every month; "Will fail" means it '
        'will almost never meet it unless something changes; "Hit and miss" means it will meet it '
        "some months and not others.",
    ),
    (
        "baseline",
        "New baseline",
        "A known change in how the service works (a restructure, a new "
        "system) after which the usual range is worked out again.",
    ),
    (
        "quarter",
        "Quarter and financial year",
        "The council's year runs from April to March. Quarter 1 "
        'is April to June and quarter 4 is January to March; "2023/24 Q3" is October to December 2023.',
    ),
    ("year-to-date", "Year to date", "From April of the current financial year to the month shown."),
    (
        "fte",
        "Full-time equivalent (FTE)",
        "Staff counted by hours: two people working half time are one full-time equivalent.",
    ),
    ("caseload", "Caseload", "The number of children a social worker is working with."),
    (
        "suppression",
        "Fewer than 5 (suppression)",
        "In papers published on the council's website, "
        "counts from 1 to 4, and figures worked out from them, are not shown, so that no child can be "
        "identified.",
    ),
)


def glossary_link(term: str, text: str) -> dcc.Link:
    """A link from a term where it appears to its meaning in the glossary."""
    assert term in {t[0] for t in TERMS}, term
    return dcc.Link(text, href=f"/glossary#{term}", className="term-link")


def glossary_page() -> list:
    return [
        html.H1("Glossary"),
        html.P("What the words on these pages mean.", className="summary"),
        html.Dl(
            [part for key, term, meaning in TERMS for part in (html.Dt(term, id=key), html.Dd(meaning))],
            className="glossary",
        ),
    ]
