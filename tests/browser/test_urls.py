"""The URL is the view: a pasted link and the back and forward buttons reproduce it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.dash_page import (
    BY_PATH,
    ConsoleWatch,
    choose,
    dropdown_text,
    open_page,
    query,
    wait_for_params,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def fresh(context: BrowserContext) -> Iterator[tuple[Page, ConsoleWatch]]:
    """A new tab, as when a link is pasted from a meeting invite."""
    page = context.new_page()
    yield page, ConsoleWatch(page)
    page.close()


def test_pasted_scorecard_url_reproduces_the_view(fresh: tuple[Page, ConsoleWatch]):
    page, watch = fresh
    open_page(page, "/?org=CPC1&period=quarter&month=2026-06")
    expect(page.locator(".card-heading")).to_have_text(
        "Child Protection and Court Team 1: 2026/27 Q1 (to June 2026)"
    )
    expect(dropdown_text(page, "org")).to_have_text("Child Protection and Court Team 1")
    expect(page.get_by_label("Quarter (financial year)")).to_be_checked()
    expect(dropdown_text(page, "month")).to_have_text("June 2026")
    expect(page.get_by_label("Show only red and amber indicators")).not_to_be_checked()
    assert query(page) == {"org": "CPC1", "period": "quarter", "month": "2026-06"}
    assert watch.errors == []


def test_pasted_trend_url_reproduces_the_view(fresh: tuple[Page, ConsoleWatch]):
    page, watch = fresh
    url = "/kpi?kpi=CP_VISITS_TIMELY&org=SFS&period=quarter&from=2024-04&to=2026-03&committee=on"
    open_page(page, url)
    expect(page.locator("#graph-trend .gtitle")).to_have_text(
        "Child protection visits within timescale (10 working days): Safeguarding and Family Support"
    )
    expect(dropdown_text(page, "kpi")).to_have_text(
        "Child protection visits within timescale (10 working days)"
    )
    expect(dropdown_text(page, "org")).to_have_text("Safeguarding and Family Support")
    expect(page.get_by_label("Quarterly")).to_be_checked()
    expect(dropdown_text(page, "from")).to_have_text("April 2024")
    expect(dropdown_text(page, "to")).to_have_text("March 2026")
    expect(page.get_by_label("Committee view: only the authority, England and neighbours")).to_be_checked()
    rows = page.locator(".page-content table.data-table").first.locator("tbody tr")
    expect(rows.first).to_contain_text("2025/26 Q4")
    expect(rows.last).to_contain_text("2024/25 Q1")
    assert query(page) == {
        "kpi": "CP_VISITS_TIMELY",
        "org": "SFS",
        "period": "quarter",
        "from": "2024-04",
        "to": "2026-03",
        "committee": "on",
    }
    assert watch.errors == []


def test_back_and_forward_reproduce_the_view(page: Page, watch: ConsoleWatch):
    open_page(page, "/?org=LA&period=month&month=2026-09")
    heading = page.locator(".card-heading")
    expect(heading).to_have_text("Demo County Council: September 2026")

    choose(page, "org", "Fostering")
    expect(heading).to_have_text("Fostering: September 2026")
    page.get_by_label("Year to date").check()
    expect(heading).to_have_text("Fostering: year to date, to September 2026")
    assert query(page) == {"org": "FOS", "period": "ytd", "month": "2026-09"}

    page.go_back()
    expect(heading).to_have_text("Fostering: September 2026")
    assert query(page) == {"org": "FOS", "period": "month", "month": "2026-09"}
    expect(page.locator(".control-period input[value=month]")).to_be_checked()

    page.go_back()
    expect(heading).to_have_text("Demo County Council: September 2026")
    assert query(page) == {"org": "LA", "period": "month", "month": "2026-09"}
    expect(dropdown_text(page, "org")).to_have_text("Demo County Council")

    page.go_forward()
    expect(heading).to_have_text("Fostering: September 2026")
    expect(dropdown_text(page, "org")).to_have_text("Fostering")
    assert query(page) == {"org": "FOS", "period": "month", "month": "2026-09"}
    assert watch.errors == []


def test_back_returns_to_the_previous_page(fresh: tuple[Page, ConsoleWatch]):
    """Defaults filled into a bare address replace its history entry, so Back leaves the page."""
    page, watch = fresh  # a short history: Chromium keeps at most 50 entries
    open_page(page, "/?org=SFS&period=month&month=2026-09")
    entries = page.evaluate("history.length")
    page.get_by_role("link", name="Team comparison").click()
    expect(page.locator("main h1")).to_have_text("Team comparison")
    expect(page.locator("table.compare-grid")).to_be_visible()
    wait_for_params(page, BY_PATH["/compare"].params)
    assert page.evaluate("history.length") == entries + 1
    page.go_back()
    expect(page.locator("main h1")).to_have_text("Scorecard")
    expect(page.locator(".card-heading")).to_have_text("Safeguarding and Family Support: September 2026")
    assert watch.errors == []
