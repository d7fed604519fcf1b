"""The meeting's own words, end to end in Chromium: sign-in through a real OpenID provider
(``oidc-provider`` on Node.js, tests/oidc/provider.mjs), commentary and an action written on the
pages and seen on the chart, the exceptions paper and the export; a viewer's forged write
refused; an officer's bad upload rejected with its row and column, then a good one loaded."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from werkzeug.serving import make_server

from app import create_app
from callbacks.auth import AuthConfig
from data.engine import make_engine
from data.queries import read_loads
from tests.auth.helpers import build
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.browser

OIDC = Path(__file__).resolve().parents[1] / "oidc"
CLIENT_ID, CLIENT_SECRET = "dashboard", "a-test-client-secret-that-is-long-enough"
KPI = "ASSESSMENTS_45WD"
LOGIN_LIMIT = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("writing")
    url = f"sqlite:///{folder / 'writing.db'}"
    engine = make_engine(url)
    build(engine, folder)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def served(db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard in AUTH_MODE=oidc and the provider it trusts; the dashboard's address."""
    node = shutil.which("node")
    if node is None or not (OIDC / "node_modules" / "oidc-provider").exists():
        skip_or_fail("Node.js and tests/oidc/node_modules (cd tests/oidc && npm ci) are needed")
    issuer_port = free_port()
    config = AuthConfig(
        mode="oidc",
        secret_key="k" * 48,
        oidc_issuer=f"http://127.0.0.1:{issuer_port}",
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        login_attempts_per_minute=LOGIN_LIMIT,
        upload_dir=str(tmp_path_factory.mktemp("uploads")),
    )
    server = make_server("127.0.0.1", 0, create_app(db, auth_config=config).server, threaded=True)
    app_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    provider = subprocess.Popen(
        [
            node,
            str(OIDC / "provider.mjs"),
            str(issuer_port),
            CLIENT_ID,
            CLIENT_SECRET,
            f"{app_url}/auth/callback",
        ],
        cwd=OIDC,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{config.oidc_issuer}/.well-known/openid-configuration", timeout=2)
                break
            except OSError:
                if provider.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the OpenID provider did not start: {provider.stdout.read()}"
                    ) from None
                time.sleep(0.2)
        yield app_url
    finally:
        provider.terminate()
        provider.wait(timeout=10)
        server.shutdown()
        server.server_close()


def signed_in(browser: Browser, app_url: str, email: str, path: str) -> tuple[BrowserContext, Page]:
    """A fresh browser that opens ``path``, is sent to the provider, signs in, and comes back."""
    context = browser.new_context(base_url=app_url, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(path, wait_until="commit")
    page.wait_for_url("http://127.0.0.1:*/interaction/*", wait_until="commit")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill("any password")
    page.locator("button[type=submit]").click()
    page.get_by_role("button", name="Continue").click()  # the provider's consent page
    page.wait_for_url(f"{app_url}{path.split('?')[0]}*", wait_until="commit")
    return context, page


def test_an_editor_signs_in_and_writes_commentary_and_an_action(browser: Browser, served: str, db: str):
    context, page = signed_in(browser, served, "editor@council.example", f"/kpi?kpi={KPI}&org=ASS1")
    expect(page.locator("#graph-trend .main-svg").first).to_be_visible()
    expect(page.locator("#commentary-text")).to_be_visible()
    page.locator("#commentary-month").select_option(label="2024-12")
    page.locator("#commentary-text").fill("Two agency workers left in November; cover starts in January.")
    with page.expect_event("load"):  # a save reloads the page 600 ms later: wait for it
        page.get_by_role("button", name="Save commentary").click()
        expect(page.locator("#commentary-status")).to_have_text("Saved.")
    expect(page.locator(".commentary-list")).to_contain_text("cover starts in January", timeout=20_000)

    page.goto(f"/compare?kpi={KPI}&org=SFS")  # the team grid: any team of the service
    expect(page.locator("table.compare-grid")).to_be_visible()
    # each choice fetches that unit and month's stored text into the box: wait for it before typing,
    # or a late answer (a busy runner) replaces what was typed
    for control, label in (("#commentary-org", "Assessment Team 2"), ("#commentary-month", "2024-11")):
        with page.expect_response(
            lambda r: "_dash-update-component" in r.url and "commentary-text" in (r.request.post_data or "")
        ):
            page.locator(control).select_option(label=label)
    page.locator("#commentary-text").fill("Team 2 covered Team 1's duty week.")
    with page.expect_event("load"):  # a save reloads the page 600 ms later: wait for it
        page.get_by_role("button", name="Save commentary").click()
        expect(page.locator("#commentary-status")).to_have_text("Saved.")
    grid_export = page.request.get(f"/api/figures.csv?kpi={KPI}&org=ASS2&from=2024-11&to=2024-11").text()
    assert "Team 2 covered Team 1's duty week." in grid_export

    page.goto("/actions")
    page.locator("#action-title").fill("Weekly huddle on late assessments")
    page.locator("#action-owner").fill("Head of Safeguarding")
    page.locator("#action-due").fill("2024-03-31")
    page.get_by_label("Assessments completed within 45 working days").check()
    page.locator("#action-org").select_option(label="Assessment Team 1")
    page.locator("#action-starts").fill("2024-07")
    with page.expect_event("load"):  # a save reloads the page 600 ms later: wait for it
        page.get_by_role("button", name="Add action").click()
        expect(page.locator("#action-status")).to_have_text("Saved.")
    table = page.locator("table.actions-table")
    expect(table).to_contain_text("Weekly huddle on late assessments", timeout=20_000)
    expect(table).to_contain_text("Overdue")  # open, and due in the past
    page.locator("#actions-status").select_option(label="Done")
    expect(page.locator("#actions-list")).to_contain_text("No improvement action matches this choice")

    page.goto(f"/kpi?kpi={KPI}&org=ASS1")
    expect(
        page.locator("#graph-trend .annotation-text").filter(has_text="Action 1: Weekly huddle")
    ).to_have_count(1)
    page.goto("/action?id=1")
    expect(page.locator(".did-it-work")).to_contain_text("Before July 2024 the monthly figure averaged")
    page.locator("#action-new-status").select_option(label="Done")
    with page.expect_event("load"):  # a save reloads the page 600 ms later: wait for it
        page.get_by_role("button", name="Save status").click()
        expect(page.locator("#action-status-saved")).to_have_text("Saved.")
    expect(page.locator("dl")).to_contain_text("done", timeout=20_000)
    page.locator("#action-new-status").select_option(label="Open")  # and back, for the papers below
    with page.expect_event("load"):  # a save reloads the page 600 ms later: wait for it
        page.get_by_role("button", name="Save status").click()
        expect(page.locator("#action-status-saved")).to_have_text("Saved.")

    page.goto("/exceptions?org=ASS1&period=month&month=2024-12")
    expect(page.locator(".page-content")).to_contain_text("cover starts in January")
    expect(page.locator(".exception-actions")).to_contain_text(
        "Weekly huddle on late assessments (Head of Safeguarding, due 2024-03-31, open, overdue)"
    )
    export = page.request.get(f"/api/figures.csv?kpi={KPI}&org=ASS1&from=2024-12&to=2024-12")
    assert "Two agency workers left in November; cover starts in January." in export.text()
    actions_csv = page.request.get("/api/actions.csv").text()
    assert "Weekly huddle on late assessments,Head of Safeguarding,2024-03-31,open" in actions_csv
    context.close()


def test_a_viewers_forged_write_gets_403(browser: Browser, served: str):
    context, page = signed_in(browser, served, "viewer@council.example", "/")
    expect(page.locator("#commentary-text")).to_have_count(0)
    status = page.evaluate(
        """async () => {
            const csrf = await (await fetch("/api/csrf")).json();
            const response = await fetch("/api/commentary", {method: "POST",
                headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf.token},
                body: JSON.stringify(
                    {kpi: "ASSESSMENTS_45WD", org: "ASS1", period: "2024-12", text: "forged"})});
            return response.status;
        }"""
    )
    assert status == 403
    context.close()


def test_a_stranger_is_asked_to_request_access(browser: Browser, served: str):
    context = browser.new_context(base_url=served)
    page = context.new_page()
    page.goto("/", wait_until="commit")
    page.locator("input[name=login]").fill("someone@council.example")
    page.locator("input[name=password]").fill("x")
    page.locator("button[type=submit]").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("body")).to_contain_text("Please ask your performance team for access")
    context.close()


BAD = "period,kpi,org,numerator,denominator,value\n2024-12,ASSESSMENTS_45WD,ASS2,30,20,\n"
GOOD = "period,kpi,org,numerator,denominator,value\n2024-12,ASSESSMENTS_45WD,ASS2,19,20,\n"


def test_an_officer_uploads_a_bad_file_then_a_good_one(
    browser: Browser, served: str, db: str, tmp_path: Path
):
    context, page = signed_in(browser, served, "officer@council.example", "/upload")
    bad, good = tmp_path / "bad" / "december.csv", tmp_path / "good" / "december.csv"
    for path, text in ((bad, BAD), (good, GOOD)):
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
    page.locator("#upload-file input[type=file]").set_input_files(bad)
    problems = page.locator("table.upload-problems-table")
    expect(problems.locator("tbody tr")).to_have_count(1)
    expect(problems.locator("tbody tr td").nth(0)).to_have_text("2")
    expect(problems.locator("tbody tr td").nth(1)).to_have_text("numerator")
    expect(page.get_by_role("button", name="Load this file")).to_be_disabled()
    page.locator("#upload-file input[type=file]").set_input_files(good)
    expect(page.locator(".upload-ok")).to_contain_text("december.csv: no problems")
    page.get_by_role("button", name="Load this file").click()
    expect(page.locator("#upload-status")).to_have_text(
        "Loaded: december.csv (0 added, 1 revised, 0 unchanged)"
    )
    newest = read_loads(make_engine(db, read_only=True)).iloc[0]
    assert (newest["file_name"], newest["loaded_by"]) == ("december.csv", "officer@council.example")
    context.close()


def test_the_writing_pages_pass_axe(browser: Browser, served: str):
    """The forms an editor and an officer use: axe-clean but for Dash's known violations."""
    from tests.browser.test_pages import AXE, unexpected_violations

    context, page = signed_in(browser, served, "admin@council.example", "/actions")
    found = {}
    for path, ready in (
        ("/actions", "table.actions-table"),
        (f"/kpi?kpi={KPI}&org=ASS1", "#commentary-text"),
        ("/upload", "#upload-file"),
        ("/action?id=1", ".did-it-work"),
        ("/audit", "table.audit-table"),
    ):
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()
        found[path] = unexpected_violations(page, AXE.run(page).response["violations"])
    assert found == {key: [] for key in found}
    context.close()


def test_sign_in_attempts_are_rate_limited(browser: Browser, served: str):
    context = browser.new_context(base_url=served)
    statuses = [context.request.get("/auth/login", max_redirects=0).status for _ in range(LOGIN_LIMIT + 1)]
    assert statuses[-1] == 429
    assert set(statuses[:-1]) <= {302, 429}
    context.close()
