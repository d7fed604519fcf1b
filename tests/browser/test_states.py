"""Nothing to show, or a bad address: a helpful message on a working page, never a broken one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.dash_page import PAGES, ConsoleWatch, PageInfo
from tests.browser.serving import Served

pytestmark = pytest.mark.browser
EMPTY_STATES = {"/data": "No loads yet"}  # every other page: "No figures loaded yet"


@pytest.mark.parametrize("database", ["schema only", "no file"])
@pytest.mark.parametrize("info", PAGES, ids=lambda p: p.slug)
def test_an_empty_database_shows_the_empty_state(
    page: Page,
    watch: ConsoleWatch,
    servers: Callable[[str], Served],
    empty_urls: dict[str, str],
    database: str,
    info: PageInfo,
):
    page.goto(servers(empty_urls[database]).url + info.path)
    expect(page.locator("main h1")).to_have_text(info.title)
    empty = page.locator(".empty-state").first
    expect(empty).to_be_visible()
    expect(empty.locator("h2")).to_have_text(EMPTY_STATES.get(info.path, "No figures loaded yet"))
    expect(page.locator(".error-message")).to_have_count(0)
    expect(page.locator(".notice-banner")).to_have_count(0)
    assert watch.errors == []


@pytest.mark.parametrize(
    ("path", "h1", "message"),
    [
        ("/kpi?org=NOPE", "KPI trend", "there is no unit with the code 'NOPE'"),
        (
            "/?month=2026-13",
            "Scorecard",
            "month '2026-13' is written YYYY-MM but is not a month from 1900-01 on",
        ),
        ("/compare?kpi=NOPE", "Team comparison", "there is no indicator with the code 'NOPE'"),
        ("/kpi?colour=red", "KPI trend", "the address has a setting this page does not use: 'colour'"),
    ],
)
def test_a_bad_address_shows_a_plain_message(
    page: Page, watch: ConsoleWatch, path: str, h1: str, message: str
):
    page.goto(path)
    expect(page.locator("main h1")).to_have_text(h1)
    alert = page.get_by_role("alert")
    expect(alert.locator("h2")).to_have_text("Something went wrong")
    expect(alert).to_contain_text(f"This address cannot be shown: {message}.")
    expect(page.locator(".controls")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("Traceback")
    assert watch.errors == []


def test_a_unit_without_figures_for_the_indicator_shows_the_empty_state(page: Page, watch: ConsoleWatch):
    page.goto("/compare?kpi=LAC_VISITS_TIMELY&org=FOS&from=2026-04&to=2026-09")
    empty = page.locator(".page-content .empty-state")
    expect(empty.locator("h2")).to_have_text("No figures for this choice")
    expect(page.locator(".controls")).to_be_visible()
    assert watch.errors == []


def test_an_unknown_page_says_so(page: Page, watch: ConsoleWatch):
    page.goto("/nowhere")
    expect(page.locator("main h2")).to_have_text("Page not found")
    expect(page).to_have_title("Page not found – Children's social care performance")
    assert watch.errors == []
