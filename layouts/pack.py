"""The "Committee pack" page: choose a quarter or a year, download the PDF and the workbook."""

from __future__ import annotations

from urllib.parse import urlencode

from dash import dcc, html

from layouts import ids
from layouts.controls import controls_bar, dropdown, switch
from metrics.periods import financial_year, fy_quarter


def pack_choices(months: list[str]) -> list[tuple[str, str]]:
    """Quarters and financial years with figures, newest first (as the export labels them)."""
    quarters = list(dict.fromkeys(fy_quarter(m) for m in sorted(months, reverse=True)))
    years = list(dict.fromkeys(financial_year(m) for m in sorted(months, reverse=True)))
    return [(q, q) for q in quarters] + [(y, f"{y} (financial year)") for y in years]


def pack_page(choices: list[tuple[str, str]], view: dict[str, str | None]) -> list:
    return [
        html.H1("Committee pack"),
        html.P(
            "The scrutiny committee's pack of headline indicators: a cover, contents, a one-page summary "
            "and one page per indicator, as a PDF for printing and as a spreadsheet.",
            className="summary",
        ),
        controls_bar(
            dropdown("quarter", "Quarter or year", choices, view["quarter"]),
            switch("public", "Public version: hide small numbers (fewer than 5)", view["public"] == "on"),
        ),
        dcc.Store(id=ids.ready("pack")),
        html.Div(id=ids.content("pack"), className="page-content"),
    ]


def command(view: dict[str, str | None]) -> str:
    public = " --public" if view["public"] else ""
    return f'python -m data pack --period "{view["quarter"]}"{public} --out pack.pdf'


def pack_content(view: dict[str, str | None]) -> list:
    query = urlencode({k: v for k, v in (("period", view["quarter"]), ("public", view["public"])) if v})
    name = f"committee-pack-{str(view['quarter']).replace('/', '-').replace(' ', '-')}"
    which = "public version" if view["public"] else "for councillors (all numbers shown)"
    return [
        html.H2(f"Pack for {view['quarter']}, {which}"),
        html.Ul(
            [
                html.Li(html.A("Download the PDF", href=f"/api/pack.pdf?{query}", download=f"{name}.pdf")),
                html.Li(
                    html.A(
                        "Download the workbook (Excel)",
                        href=f"/api/pack.xlsx?{query}",
                        download=f"{name}.xlsx",
                    )
                ),
            ],
            className="downloads pack-downloads",
        ),
        html.P(
            ["The same pack from the command line: ", html.Code(command(view))],
            className="definition",
        ),
    ]
