"""The Data quality page can be read: counts per kind, groups per unit that open, filters in the URL."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.dash_page import ConsoleWatch, choose, open_page, query

pytestmark = pytest.mark.browser


def test_findings_are_grouped_counted_and_filtered(page: Page, watch: ConsoleWatch):
    open_page(page, "/quality")
    assert query(page) == {"severity": "all", "kind": "all", "unit": "all"}
    stale = page.locator("#check-stale h2")
    expect(stale).to_have_text(
        re.compile(r"^Stale data: \d+ indicator × unit series, latest month \w+ \d{4}$")
    )
    group = page.locator("#check-stale details.finding-group").first
    expect(group.locator("table")).to_be_hidden()
    group.locator("summary").click()
    expect(group.locator("table")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("MASH:")  # names, not codes
    choose(page, "kind", "Figures revised after first load")
    page.wait_for_url("**kind=revised**")
    expect(page.locator("#check-stale")).to_have_count(0)
    expect(page.locator("#check-revised")).to_have_count(1)
    choose(page, "severity", "Warnings")
    expect(page.locator(".page-content .empty-state h2")).to_have_text("Nothing for this choice")
    page.go_back()
    expect(page.locator("#check-revised")).to_have_count(1)
    assert watch.errors == []
