"""The accessibility statement in the GOV.UK pattern (Accessibility Regulations 2018)."""

from __future__ import annotations

from dash import html

from layouts.shell import APP_TITLE


def accessibility_page() -> list:
    return [
        html.H1("Accessibility statement"),
        html.P(
            f"This accessibility statement applies to {APP_TITLE}, the council's dashboard of children's "
            "social care performance figures."
        ),
        html.P(
            "This website is run by the council's performance team. We want as many people as possible "
            "to be able to use it. For example, that means you should be able to:"
        ),
        html.Ul(
            [
                html.Li("zoom in up to 400% without the text spilling off the screen"),
                html.Li("navigate the whole website using just a keyboard"),
                html.Li("navigate most of the website using speech recognition software"),
                html.Li("listen to the website using a screen reader"),
                html.Li("read every chart as a table or a sentence beside it"),
                html.Li("tell statuses apart without colour: each has a shape and a word"),
            ]
        ),
        html.H2("How accessible this website is"),
        html.P(
            "We test every page with automated checks (axe-core) and by keyboard at three screen sizes. "
            "We know of no part of the website that fails the Web Content Accessibility Guidelines "
            "version 2.2 AA standard."
        ),
        html.H2("Feedback and contact information"),
        html.P(
            "If you need information on this website in a different format, such as accessible PDF, "
            "large print or a spreadsheet, contact the performance team through the council's service "
            "desk. We will consider your request and get back to you within 5 working days."
        ),
        html.H2("Reporting accessibility problems with this website"),
        html.P(
            "We are always looking to improve the accessibility of this website. If you find any "
            "problems not listed on this page or think we are not meeting accessibility requirements, "
            "contact the performance team through the council's service desk."
        ),
        html.H2("Enforcement procedure"),
        html.P(
            "The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public "
            "Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 "
            "(the 'accessibility regulations'). If you are not happy with how we respond to your "
            "complaint, contact the Equality Advisory and Support Service (EASS)."
        ),
        html.H2("Technical information about this website's accessibility"),
        html.P(
            "The council is committed to making its website accessible, in accordance with the Public "
            "Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018."
        ),
        html.H3("Compliance status"),
        html.P(
            "This website is fully compliant with the Web Content Accessibility Guidelines version 2.2 "
            "AA standard."
        ),
        html.H3("Non-accessible content"),
        html.P(
            "We know of no content that is not accessible. Printed committee packs are produced from "
            "the same pages and figures; ask for a spreadsheet version if a PDF does not suit you."
        ),
        html.H2("What we're doing to improve accessibility"),
        html.P(
            "Every change to the website is checked by automated accessibility tests and keyboard tests "
            "before it is released."
        ),
        html.H2("Preparation of this accessibility statement"),
        html.P(
            "This statement was prepared on 1 December 2026. It was last reviewed on 1 December 2026. "
            "This website was last tested on 1 December 2026 by the performance team, using automated "
            "checks (axe-core) on every page and keyboard-only use of every page."
        ),
    ]
