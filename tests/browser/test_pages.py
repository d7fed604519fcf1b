"""Every page loads cleanly, passes the axe scan, prints without its controls; screenshots saved."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.dash_page import ALL_PAGES, APP_TITLE, ROOT, ConsoleWatch, PageInfo, open_page
from tests.browser.known_axe_violations import KNOWN_VIOLATIONS

pytestmark = pytest.mark.browser
AXE = Axe()
README_SCREENSHOT = ROOT / "docs" / "screenshot-scorecard.png"
MAX_README_SCREENSHOT = 300_000


def unexpected_violations(page: Page, violations: list[dict]) -> list[str]:
    """Violations not excused by known_axe_violations (rule id AND node inside that Dash component)."""
    found = []
    for violation in violations:
        inside = [k.inside for k in KNOWN_VIOLATIONS if k.rule == violation["id"]]
        for node in violation["nodes"]:
            target = node["target"][0] if len(node["target"]) == 1 else None
            excused = (
                bool(inside)
                and isinstance(target, str)
                and page.evaluate(
                    "([sel, roots]) => { const e = document.querySelector(sel);"
                    " return !!e && roots.some(r => e.closest(r) !== null); }",
                    [target, inside],
                )
            )
            if not excused:
                found.append(
                    f"{violation['id']} ({violation['impact']}): {violation['help']} at {node['html']}"
                )
    return found


@pytest.mark.parametrize("info", ALL_PAGES, ids=lambda p: p.slug)
def test_page_loads_cleanly_and_passes_axe(page: Page, watch: ConsoleWatch, info: PageInfo, artefacts: Path):
    """No console or page errors; title, language, one main landmark; axe clean but for known ones."""
    open_page(page, info.path)
    expect(page).to_have_title(f"{info.title} – {APP_TITLE}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main")).to_have_count(1)
    expect(page.locator("main h1")).to_have_count(1)
    expect(page.locator(".notice-banner")).to_have_text("Illustrative demo data, not real figures")
    expect(page.locator(".error-message")).to_have_count(0)
    page.screenshot(path=artefacts / f"{info.slug}.png", full_page=True)
    if info.path == "/":
        save_readme_screenshot(page, artefacts)
    axe = unexpected_violations(page, AXE.run(page).response["violations"])
    assert {"console errors": watch.errors, "axe violations": axe} == {
        "console errors": [],
        "axe violations": [],
    }


def save_readme_screenshot(page: Page, artefacts: Path) -> None:
    """The top of the scorecard, 1400 px wide, small enough to commit: into the artefacts, and
    into docs/screenshot-scorecard.png (the README's) only when UPDATE_README_SCREENSHOT=1, so
    a test run leaves the checkout as it found it."""
    assert page.viewport_size == {"width": 1400, "height": 900}
    page.mouse.move(0, 0)
    wanted = os.environ.get("UPDATE_README_SCREENSHOT") == "1"
    path = README_SCREENSHOT if wanted else artefacts / README_SCREENSHOT.name
    page.screenshot(path=path, full_page=False)
    size = path.stat().st_size
    assert size < MAX_README_SCREENSHOT, f"{README_SCREENSHOT.name} is {size:,} bytes"


def test_known_violations_are_excused_only_inside_dash_components(page: Page):
    """The same rule on the app's own markup is not excused: the allow-list matches rule AND place."""
    open_page(page, "/data")
    page.locator("main h1").evaluate(
        "(h, html) => h.insertAdjacentHTML('afterend', html)",
        '<div aria-hidden="true"><a href="/">a hidden link</a></div>',
    )
    found = unexpected_violations(page, AXE.run(page).response["violations"])
    assert len(found) == 1 and found[0].startswith("aria-hidden-focus (serious)"), found


def test_axe_on_the_plain_error_message(page: Page):
    page.goto("/kpi?org=NOPE")
    expect(page.get_by_role("alert")).to_be_visible()
    assert unexpected_violations(page, AXE.run(page).response["violations"]) == []


@pytest.mark.parametrize("path", ["/?period=quarter", "/kpi?kpi=ASSESSMENTS_45WD"])
def test_print_style_hides_the_controls(page: Page, path: str):
    open_page(page, path)
    page.emulate_media(media="print")
    for hidden in (".controls", "header nav", ".downloads", ".skip-link"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main table.data-table").first).to_be_visible()
    page.emulate_media(media="screen")
    expect(page.locator(".controls")).to_be_visible()


def test_no_accessibility_exceptions_are_listed():
    """Every control is native HTML: axe-core has nothing in Dash's markup left to excuse."""
    assert KNOWN_VIOLATIONS == ()
