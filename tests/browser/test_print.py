"""Printing: the authority's scorecard on at most 3 A4 landscape pages, the exceptions paper on at
most one page per three items, every page with title, unit, period, "Page N of M" and the date."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.dash_page import open_page
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.browser


def printed(page: Page, path: Path) -> list[str]:
    """Print the page to PDF as Chromium's print dialog would; the text of each page."""
    if not shutil.which("pdftotext"):
        skip_or_fail("poppler-utils (pdftotext) is not installed")
    page.emulate_media(media="print")
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    page.pdf(path=str(path), prefer_css_page_size=True, print_background=True)
    page.emulate_media(media="screen")
    command = ["pdftotext", "-layout", str(path), "-"]
    text = subprocess.run(command, check=True, capture_output=True, text=True)
    return text.stdout.split("\f")[:-1]


def check_every_page(pages: list[str], title: str, heading: str) -> None:
    today = dt.date.today()
    for number, text in enumerate(pages, start=1):
        flat = " ".join(text.split())
        assert f"Page {number} of {len(pages)}" in flat, number
        assert f"Printed {today.day} {today.strftime('%B %Y')}" in flat, number
        assert f"{title} – {heading}"[:60] in flat, number


@pytest.mark.parametrize("period", ["month", "quarter"])
def test_authority_scorecard_prints_on_three_pages_at_most(page: Page, tmp_path: Path, period: str):
    open_page(page, f"/?org=LA&period={period}&month=2026-09")
    heading = page.locator(".card-heading").inner_text()
    pages = printed(page, tmp_path / "scorecard.pdf")
    assert len(pages) <= 3, f"{len(pages)} pages"
    check_every_page(pages, "Scorecard", heading)


def test_exceptions_paper_prints_one_page_per_three_items_at_most(page: Page, tmp_path: Path):
    open_page(page, "/exceptions?org=LA&period=month&month=2026-09")
    items = page.locator("article.exception").count()
    assert items >= 3
    heading = page.locator(".page-content h2").first.inner_text()
    pages = printed(page, tmp_path / "exceptions.pdf")
    assert len(pages) <= -(-items // 3), f"{len(pages)} pages for {items} items"
    check_every_page(pages, "Performance exceptions", heading)
    flat = " ".join(" ".join(pages).split())
    assert re.search(r"\d+ red, \d+ amber", flat)
