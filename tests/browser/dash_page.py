"""Helpers for driving the dashboard's pages in Playwright: open, choose, read tables, watch errors."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import ConsoleMessage, Error, Locator, Page, expect


@dataclass(frozen=True)
class PageInfo:
    path: str
    slug: str
    h1: str
    title: str
    ready: str  # a CSS selector that is visible once the page's content callback has drawn
    params: tuple[str, ...] = ()  # written into the URL (defaults filled) once the page is open


PAGES = (
    PageInfo("/", "scorecard", "Scorecard", "Scorecard", "table.scorecard", ("org", "period", "month")),
    PageInfo(
        "/exceptions",
        "exceptions",
        "Performance exceptions",
        "Exceptions",
        ".page-content h2",
        ("org", "period", "month"),
    ),
    PageInfo(
        "/kpi",
        "kpi",
        "KPI trend",
        "KPI trend",
        "#graph-trend .main-svg",
        ("kpi", "org", "period", "from", "to"),
    ),
    PageInfo(
        "/compare",
        "compare",
        "Team comparison",
        "Team comparison",
        "table.compare-grid",
        ("kpi", "org", "from", "to"),
    ),
    PageInfo(
        "/teams", "teams", "Team grid", "Team grid", "table.team-grid", ("org", "period", "month", "sort")
    ),
    PageInfo("/pack", "pack", "Committee pack", "Committee pack", "ul.pack-downloads", ("quarter",)),
    PageInfo(
        "/quality",
        "quality",
        "Data quality",
        "Data quality",
        ".page-content > *",
        ("severity", "kind", "unit"),
    ),
    PageInfo("/data", "data", "Data", "Data", "table.data-table"),
    PageInfo("/region", "region", "Regional comparison", "Region", ".page-content > *", ("kpi", "month")),
)
STATIC_PAGES = (
    PageInfo("/glossary", "glossary", "Glossary", "Glossary", "dl.glossary"),
    PageInfo(
        "/accessibility", "accessibility", "Accessibility statement", "Accessibility statement", "main h2"
    ),
)
ALL_PAGES = PAGES + STATIC_PAGES
BY_PATH = {p.path: p for p in ALL_PAGES}
APP_TITLE = "Children's social care performance"
ROOT = Path(__file__).resolve().parents[2]


class ConsoleWatch:
    """Console messages of type error and uncaught page errors, collected as they happen."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", self._page_error)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} ({message.location.get('url', '')})")

    def _page_error(self, error: Error) -> None:
        self.errors.append(f"page error: {error.message}")

    def clear(self) -> None:
        self.errors.clear()


def open_page(page: Page, path: str, timeout: float | None = None) -> PageInfo:
    """Go to ``path`` (with any query) and wait until its heading and content are drawn
    (``timeout`` ms for the content, else the default)."""
    info = BY_PATH[urlparse(path).path]
    page.goto(path)
    expect(page.locator("main h1")).to_have_text(info.h1)
    expect(page.locator(info.ready).first).to_be_visible(timeout=timeout)
    wait_for_params(page, info.params)
    return info


def wait_for_params(page: Page, names: tuple[str, ...]) -> None:
    """Wait until the page has written its view (defaults filled) into the URL."""
    if names:
        page.wait_for_function(
            "names => names.every(n => new URLSearchParams(location.search).has(n))", arg=list(names)
        )


def query(page: Page) -> dict[str, str]:
    """The current URL's query parameters (first value of each)."""
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def control(page: Page, name: str) -> Locator:
    return page.locator(f".controls .control-{name}")


def choose(page: Page, name: str, option: str) -> None:
    """Pick ``option`` (its text) in the native ``<select>`` control ``name``, as a user would."""
    select = control(page, name).locator("select")
    # Unit names are indented with no-break spaces to show the tree: match the name, not the indent.
    named = re.compile(rf"^\s*{re.escape(option)}$")
    value = select.locator("option").filter(has_text=named).get_attribute("value")
    select.select_option(value=value)
    expect(dropdown_text(page, name)).to_have_text(re.compile(re.escape(option)))


def dropdown_text(page: Page, name: str) -> Locator:
    """The text of the option chosen in the ``<select>`` control ``name``."""
    return control(page, name).locator("select option:checked")


def table_rows(table: Locator) -> list[dict[str, str]]:
    """A table's body rows as {header: cell text}, read in one round trip."""
    return table.evaluate(
        """t => {
            const heads = [...t.querySelectorAll('thead th')].map(th => th.innerText.trim());
            return [...t.querySelectorAll('tbody tr')].map(tr =>
                Object.fromEntries([...tr.children].map((td, i) => [heads[i], td.innerText.trim()])));
        }"""
    )
