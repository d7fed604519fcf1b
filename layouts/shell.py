"""The page shell: header with navigation, a notice banner, one main landmark, a footer."""

from __future__ import annotations

from dash import dcc, html

from layouts import ids

APP_TITLE = "Children's social care performance"
PAGES = (
    ("/", "Scorecard"),
    ("/exceptions", "Exceptions"),
    ("/kpi", "KPI trend"),
    ("/compare", "Team comparison"),
    ("/teams", "Team grid"),
    ("/pack", "Committee pack"),
    ("/region", "Region"),
    ("/quality", "Data quality"),
    ("/data", "Data"),
    ("/actions", "Actions"),
    ("/upload", "Upload"),
)
FOOTER_PAGES = (("/glossary", "Glossary"), ("/accessibility", "Accessibility statement"))
TITLES = dict(PAGES + FOOTER_PAGES)
STATIC_PATHS = ("/glossary", "/accessibility")  # pages that need no figures

INDEX_STRING = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        <a class="skip-link" href="#main">Skip to main content</a>
        {%app_entry%}
        <div class="dash-scripts">
            {%config%}
            {%scripts%}
            {%renderer%}
        </div>
    </body>
</html>"""


def nav() -> html.Nav:
    links = [html.Li(dcc.Link(label, href=path, className="nav-link")) for path, label in PAGES]
    return html.Nav(html.Ul(links, className="nav-list"), **{"aria-label": "Pages"})


def shell() -> html.Div:
    """The layout every page shares; the router fills ``ids.PAGE`` inside the main landmark."""
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh=False),
            html.Header(
                [html.P(APP_TITLE, className="app-title"), html.Div(nav(), id="nav")],
                className="app-header",
            ),
            dcc.Store(id=ids.TITLE),
            dcc.Store(id=ids.URL_DEFAULTS),
            html.Div(id=ids.NOTICE, role="status"),
            html.Main([html.Div(id=ids.ALERT), html.Div(id=ids.PAGE)], id="main", tabIndex="-1"),
            html.Footer(
                [
                    html.P(
                        "Figures from the council's case management system; definitions on the Data page."
                    ),
                    html.Ul(
                        [html.Li(dcc.Link(label, href=path)) for path, label in FOOTER_PAGES],
                        className="footer-links",
                    ),
                ],
                className="app-footer",
            ),
        ]
    )


def notice_banner(text: str) -> html.Div | None:
    """The banner that marks illustrative demo data on every page."""
    if not text:
        return None
    return html.Div(html.Strong(text), className="notice-banner")


def page_title(name: str) -> str:
    return f"{name} – {APP_TITLE}"


def validation_layout() -> html.Div:
    """Every page's components at once, so Dash can check callback ids without suppressing errors."""
    from layouts import writing
    from layouts.compare import compare_page
    from layouts.exceptions import exceptions_page
    from layouts.pack import pack_page
    from layouts.quality import quality_page
    from layouts.scorecard import scorecard_page
    from layouts.teams import teams_page
    from layouts.trend import trend_page

    view = dict.fromkeys(
        ("org", "period", "month", "kpi", "from", "to", "committee", "only", "sort", "quarter", "public")
    )
    return html.Div(
        [
            shell(),
            *scorecard_page([], [], None, "month", None, False),
            *exceptions_page([], [], view),
            *trend_page([], [], [], view),
            *compare_page([], [], [], view),
            *teams_page([], [], [], view),
            *pack_page([], view),
            *quality_page(),
            *writing.validation_parts(),
        ]
    )
