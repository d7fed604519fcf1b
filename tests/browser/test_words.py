"""Plain language: terms link to the glossary, counts stand beside percentages, the statement exists."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.dash_page import ConsoleWatch, open_page

pytestmark = pytest.mark.browser
GOVUK_HEADINGS = [
    "How accessible this website is",
    "Feedback and contact information",
    "Reporting accessibility problems with this website",
    "Enforcement procedure",
    "Technical information about this website's accessibility",
    "What we're doing to improve accessibility",
    "Preparation of this accessibility statement",
]


def test_a_term_on_the_scorecard_opens_its_meaning(page: Page, watch: ConsoleWatch):
    open_page(page, "/?org=LA&period=month&month=2026-09")
    page.locator("table.scorecard thead").first.get_by_role("link", name="Will it meet target?").click()
    expect(page.locator("main h1")).to_have_text("Glossary")
    expect(page.locator("dt#assurance")).to_have_text("Will it meet target? (assurance)")
    expect(page.locator("dt#assurance + dd")).to_contain_text("Hit and miss")
    assert page.url.endswith("/glossary#assurance")
    assert watch.errors == []


def test_counts_stand_beside_percentages(page: Page):
    open_page(page, "/exceptions?org=LA&period=month&month=2026-09")
    expect(page.locator(".exception-counts")).to_contain_text(re.compile(r"^\d+ red, \d+ amber"))
    ratios = page.locator(".exception .ratio")
    expect(ratios.first).to_have_text(re.compile(r"^ ?[\d,]+ of [\d,]+$"))


def test_the_accessibility_statement_follows_the_govuk_pattern(page: Page):
    open_page(page, "/")
    page.get_by_role("contentinfo").get_by_role("link", name="Accessibility statement").click()
    expect(page.locator("main h1")).to_have_text("Accessibility statement")
    expect(page.locator("main h2")).to_have_text(GOVUK_HEADINGS)
    expect(page.locator("main")).to_contain_text("Web Content Accessibility Guidelines version 2.2 AA")
