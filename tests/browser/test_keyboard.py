"""Keyboard only: the skip link works, Tab reaches every control, controls work from the keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.dash_page import PAGES, ConsoleWatch, PageInfo, open_page, query

pytestmark = pytest.mark.browser
WITH_CONTROLS = [
    p for p in PAGES if p.path in ("/", "/exceptions", "/kpi", "/compare", "/teams", "/pack", "/quality")
]
FOCUSED = """() => {
    const e = document.activeElement;
    const control = e.closest('.control');
    return {
        tag: e.tagName,
        text: (e.innerText || '').trim().slice(0, 60),
        control: control ? [...control.classList].find(c => c.startsWith('control-')).slice(8) : null,
        inContent: e.closest('.page-content') !== null,
    };
}"""


def tab_through(page: Page, limit: int = 40) -> list[dict]:
    """Focus stops from the top of the page until the first one in the page's content."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(FOCUSED))
        if stops[-1]["inContent"]:
            break
    return stops


@pytest.mark.parametrize("info", WITH_CONTROLS, ids=lambda p: p.slug)
def test_tab_reaches_every_control_in_order(page: Page, info: PageInfo):
    open_page(page, info.path)
    controls = page.locator(".controls .control").evaluate_all(
        "els => els.map(e => [...e.classList].find(c => c.startsWith('control-')).slice(8))"
    )
    stops = tab_through(page)
    assert stops[0] == {"tag": "A", "text": "Skip to main content", "control": None, "inContent": False}
    menu = [
        "Scorecard",
        "Exceptions",
        "KPI trend",
        "Team comparison",
        "Team grid",
        "Committee pack",
        "Region",
    ]
    menu += ["Data quality", "Data"]
    assert [s["text"] for s in stops[1 : len(menu) + 1]] == menu
    reached = [s["control"] for s in stops if s["control"]]
    assert reached == controls, "each control once, in reading order"
    assert stops[-1]["inContent"], "Tab carries on into the page's content"


def test_skip_link_moves_focus_to_main(page: Page):
    open_page(page, "/")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["control"] == "org", "the next stop is the first control, past the menu"


def test_controls_work_from_the_keyboard(page: Page, watch: ConsoleWatch):
    open_page(page, "/?org=LA&period=month&month=2026-09")
    heading = page.locator(".card-heading")
    # the select: arrow keys move through the options and choose as they go (a native <select>)
    select = page.locator(".control-org select")
    select.focus()
    page.keyboard.press("ArrowDown")
    expect(heading).to_have_text("Children Looked After and Care Leavers: September 2026")
    assert query(page)["org"] == "CLA"
    # the radio group: arrow keys change the period
    page.locator(".control-period input:checked").focus()
    page.keyboard.press("ArrowRight")
    expect(heading).to_have_text("Children Looked After and Care Leavers: 2026/27 Q2 (to September 2026)")
    # the switch: Space toggles it
    page.get_by_label("Show only red and amber indicators").focus()
    page.keyboard.press("Space")
    expect(page.locator("table.scorecard .rag-green")).to_have_count(0)
    assert query(page) == {"org": "CLA", "period": "quarter", "month": "2026-09", "only": "on"}
    assert watch.errors == []


def test_controls_have_their_labels_as_accessible_names(page: Page):
    """A screen reader announces "Unit, Demo County Council", not only the value."""
    open_page(page, "/kpi?kpi=CONTACTS&org=LA&period=month&from=2024-10&to=2026-09")
    for name, value in (("Indicator", "Contacts received"), ("Unit", "Demo County Council")):
        expect(page.get_by_role("combobox", name=name, exact=True)).to_have_value(value_of(page, name, value))
    expect(page.get_by_role("combobox", name="From", exact=True)).to_have_value("2024-10")
    expect(page.get_by_role("combobox", name="To", exact=True)).to_have_value("2026-09")
    expect(page.get_by_role("group", name="Show", exact=True)).to_be_visible()
    expect(page.get_by_role("radio", name="Quarterly")).to_be_visible()


def value_of(page: Page, label: str, text: str) -> str:
    """The value of the option showing ``text`` in the select labelled ``label``."""
    option = page.get_by_role("combobox", name=label, exact=True).locator("option").filter(has_text=text)
    return str(option.first.get_attribute("value"))
