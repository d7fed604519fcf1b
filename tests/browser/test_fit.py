"""Layouts that fit a council laptop, a projector and a wide screen: no sideways page scroll,
no table cell whose content overflows it, on every page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import VIEWPORT
from tests.browser.dash_page import ALL_PAGES, PageInfo, open_page

pytestmark = pytest.mark.browser
SIZES = ((1366, 768), (1920, 1080), (1280, 720))
OVERFLOWS = """() => {
    const page = document.documentElement;
    const cells = [...document.querySelectorAll('main td, main th')]
        .filter(c => c.offsetParent !== null && c.scrollWidth > c.clientWidth + 1)
        .map(c => `${c.tagName} ${c.closest('table').className}: ${c.innerText.trim().slice(0, 40)}`
                  + ` (${c.scrollWidth} > ${c.clientWidth})`);
    const clipped = [...document.querySelectorAll('main .scroll')]
        .filter(s => s.scrollWidth > s.clientWidth + 1)
        .map(s => `${s.querySelector('table, div').className} (${s.scrollWidth} > ${s.clientWidth})`);
    const main = document.querySelector('main').getBoundingClientRect();
    return {sideways: page.scrollWidth - page.clientWidth, cells: cells.slice(0, 5), clipped,
            unused: Math.round(page.clientWidth - main.width)};
}"""


@pytest.fixture
def sized(page: Page) -> Iterator[Page]:
    yield page
    page.set_viewport_size(VIEWPORT)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("info", ALL_PAGES, ids=lambda p: p.slug)
def test_page_fits(sized: Page, info: PageInfo, size: tuple[int, int]):
    sized.set_viewport_size({"width": size[0], "height": size[1]})
    open_page(sized, info.path)
    found = sized.evaluate(OVERFLOWS)
    assert found["sideways"] <= 0, f"the page scrolls sideways by {found['sideways']} px"
    assert found["cells"] == [], "table cells whose content overflows them"
    assert found["clipped"] == [], "tables that scroll sideways inside the page"
    assert found["unused"] < 0.1 * size[0], "the page uses the full width"
