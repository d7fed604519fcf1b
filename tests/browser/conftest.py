"""Browser fixtures: the dashboard served on loopback, Debian's Chromium driven by Playwright.

One demo database, one server and one browser page serve the whole session (the tests reuse the
page and wait on concrete elements, never on sleeps). Servers for the empty-database cases start
on demand. Without /usr/bin/chromium the tests skip locally and fail in CI.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from data.engine import make_engine
from data.migrate import ensure_schema
from tests.browser.dash_page import ROOT, ConsoleWatch
from tests.browser.serving import Served
from tests.conftest import demo_copy, skip_or_fail

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1400, "height": 900}
ARTEFACTS = ROOT / "tests" / "artefacts"

expect.set_options(timeout=15_000)  # Dash callbacks on a busy 2-core runner


@pytest.fixture(scope="session", autouse=True)
def _quiet_request_log() -> Iterator[None]:
    """No line per request from the test servers (failures still log)."""
    log = logging.getLogger("werkzeug")
    level = log.level
    log.setLevel(logging.WARNING)
    yield
    log.setLevel(level)


@pytest.fixture(scope="session")
def servers() -> Iterator[Callable[[str], Served]]:
    """Start a server for a database URL (one per URL); all are stopped at the end of the session."""
    started: dict[str, Served] = {}
    with ExitStack() as stack:

        def serve(database_url: str) -> Served:
            if database_url not in started:
                started[database_url] = served = Served(database_url)
                stack.callback(served.close)
            return started[database_url]

        yield serve


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory: pytest.TempPathFactory, demo_database: Path) -> str:
    """The demo database (``python -m data demo``): a copy of the run's one build."""
    return demo_copy(tmp_path_factory, demo_database)


@pytest.fixture(scope="session")
def base_url(servers: Callable[[str], Served], demo_url: str) -> str:
    return servers(demo_url).url


@pytest.fixture(scope="session")
def empty_urls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Databases with nothing to show: a schema without loads, and no database file at all."""
    folder = tmp_path_factory.mktemp("empty")
    schema_only = f"sqlite:///{folder / 'schema-only.db'}"
    engine = make_engine(schema_only)
    with engine.begin() as conn:
        ensure_schema(conn)
    engine.dispose()
    return {"schema only": schema_only, "no file": f"sqlite:///{folder / 'missing.db'}"}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def context(browser: Browser, base_url: str) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=VIEWPORT, base_url=base_url, accept_downloads=True)
    yield context
    context.close()


@pytest.fixture(scope="session")
def shared_page(context: BrowserContext) -> Iterator[tuple[Page, ConsoleWatch]]:
    page = context.new_page()
    yield page, ConsoleWatch(page)
    page.close()


@pytest.fixture
def watch(shared_page: tuple[Page, ConsoleWatch]) -> ConsoleWatch:
    """The console errors of the shared page since this test started."""
    return shared_page[1]


@pytest.fixture
def page(shared_page: tuple[Page, ConsoleWatch]) -> Iterator[Page]:
    """The session's page, reset for each test: no console errors so far, screen media."""
    page, console = shared_page
    console.clear()
    page.emulate_media(media="screen")
    yield page


@pytest.fixture(scope="session")
def artefacts() -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS
