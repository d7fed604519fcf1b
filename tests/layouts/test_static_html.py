"""Tables as HTML text: the same markup Dash would draw, escaped, or left as components."""

from __future__ import annotations

import json

import pytest
from dash import dcc, html
from plotly.io.json import to_json_plotly

from layouts.static_html import STATIC_CLASS, static_tables, to_html


def as_json(component: object) -> object:
    return json.loads(to_json_plotly(component))


def test_a_table_becomes_one_box_holding_its_html():
    table = html.Table(
        [
            html.Caption("Early help"),
            html.Thead(html.Tr([html.Th("Indicator", scope="col"), html.Th("Value", className="num")])),
            html.Tbody(
                html.Tr(
                    [
                        html.Td(dcc.Link("Re-referrals", href="/kpi?kpi=RE_REF&org=LA")),
                        html.Td([html.Span("■ Red", className="rag rag-red"), html.Br(), "12 of 60"]),
                    ]
                )
            ),
        ],
        className="data-table",
    )
    page = static_tables(as_json(html.Section([html.H2("Stage"), table])))
    box = page["props"]["children"][1]
    assert page["props"]["children"][0]["type"] == "H2"  # what is not a table stays a component
    assert box["type"] == "Div" and box["props"]["className"] == STATIC_CLASS
    assert box["props"]["data-html"] == (
        '<table class="data-table"><caption>Early help</caption>'
        '<thead><tr><th scope="col">Indicator</th><th class="num">Value</th></tr></thead>'
        '<tbody><tr><td><a href="/kpi?kpi=RE_REF&amp;org=LA" data-link>Re-referrals</a></td>'
        '<td><span class="rag rag-red">■ Red</span><br>12 of 60</td></tr></tbody></table>'
    )


@pytest.mark.parametrize(
    ("text", "html_text"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("A & B", "A &amp; B"),
        ('"quoted"', '"quoted"'),  # quotes are safe in text
    ],
)
def test_text_is_escaped(text, html_text):
    assert to_html(as_json(html.Td(text))) == f"<td>{html_text}</td>"


def test_attribute_values_are_escaped():
    cell = html.Img(src="data:image/svg+xml,<svg a='1'>\"", alt='x" onerror="alert(1)')
    assert to_html(as_json(cell)) == (
        '<img alt="x&quot; onerror=&quot;alert(1)"'
        ' src="data:image/svg+xml,&lt;svg a=&#x27;1&#x27;&gt;&quot;">'
    )


def test_a_link_that_refreshes_the_page_is_a_plain_link():
    assert to_html(as_json(dcc.Link("Pack", href="/pack", refresh=True))) == '<a href="/pack">Pack</a>'


def test_details_keep_their_open_state():
    folded = html.Details([html.Summary("Commentary"), html.P("Late")], open=True)
    assert to_html(as_json(folded)) == "<details open><summary>Commentary</summary><p>Late</p></details>"


@pytest.mark.parametrize(
    "cell",
    [
        html.Td(dcc.Input(value="x")),  # a control: a callback reads it
        html.Td("x", id="cell"),  # a callback may target it
        html.Td("x", style={"color": "red"}),  # inline styles need the component (CSP)
        html.Td(dcc.Graph()),
        html.Td(html.A("x", href="javascript:alert(1)")),  # React refuses such a URL; HTML would not
        html.Td(html.A("x", href=" JavaScript:alert(1)")),
    ],
)
def test_a_table_holding_anything_interactive_stays_components(cell):
    table = as_json(html.Table(html.Tbody(html.Tr(cell))))
    assert static_tables(table) == table
