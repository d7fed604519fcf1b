"""The team grid: the screen equals its CSV; reached from a service's scorecard; a team's card folds."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from layouts.numbers import format_value
from metrics.catalogue import load_catalogue
from tests.browser.dash_page import ConsoleWatch, choose, open_page, query

pytestmark = pytest.mark.browser
GRID = "/teams?org=SFS&period=month&month=2026-09&sort=stage"


def grid_on_screen(page: Page) -> list[list[str]]:
    """Each indicator row: its name, then the first line (the value) of each unit's cell."""
    return page.locator("table.team-grid").evaluate(
        """t => [...t.querySelectorAll('tbody tr:not(.stage-row)')].map(tr => [
            tr.querySelector('th').innerText.trim(),
            ...[...tr.querySelectorAll('td')].slice(1)
                .map(td => td.querySelector('.grid-value').innerText.trim())
        ])"""
    )


def test_grid_equals_its_csv(page: Page, watch: ConsoleWatch):
    open_page(page, GRID)
    expect(page.locator(".card-heading")).to_have_text("Safeguarding and Family Support: September 2026")
    heads = page.locator("table.team-grid thead th").all_inner_texts()
    assert heads[:2] == ["Indicator", "Target"] and heads[-1] == "Safeguarding and Family Support (total)"
    response = page.request.get("/api/teams.csv?" + GRID.split("?")[1])
    assert response.ok
    rows = list(csv.DictReader(io.StringIO(response.text())))
    units = list(dict.fromkeys(r["org"] for r in rows))
    assert len(heads) == 2 + len(units)
    screen = grid_on_screen(page)
    assert len(screen) * len(units) == len(rows), "one CSV row per indicator x unit"
    catalogue = load_catalogue()
    for i, line in enumerate(screen):
        block = rows[i * len(units) : (i + 1) * len(units)]
        kpi = catalogue[block[0]["kpi"]]
        assert line[0] == kpi.name
        expected = [format_value(float(r["value"]), kpi.unit) if r["value"] else "–" for r in block]
        assert line[1:] == expected, kpi.code
    red = sum(1 for r in rows if r["rag"] == "red")
    expect(page.locator("table.team-grid td .rag-red")).to_have_count(red)
    assert watch.errors == []


def test_sorting_and_choosing_a_service(page: Page):
    open_page(page, GRID)
    choose(page, "sort", "Safeguarding and Family Support: red first")
    page.wait_for_url("**sort=SFS**")
    first = page.locator("table.team-grid tbody tr").first.locator("td").last
    expect(first.locator(".rag-red")).to_have_count(1)
    choose(page, "org", "Children Looked After and Care Leavers")
    expect(page.locator(".card-heading")).to_have_text(
        "Children Looked After and Care Leavers: September 2026"
    )
    assert query(page)["org"] == "CLA"


def test_a_service_scorecard_links_to_its_grid_and_a_team_card_folds(page: Page):
    open_page(page, "/?org=SFS&period=month&month=2026-09")
    page.get_by_role(
        "link", name="Team grid: every indicator for each team of Safeguarding and Family Support"
    ).click()
    expect(page.locator("main h1")).to_have_text("Team grid")
    expect(page.locator("table.team-grid")).to_be_visible()
    open_page(page, "/?org=CPC1&period=month&month=2026-09")
    fold = page.locator("details.unreported summary")
    expect(fold).to_have_text(re.compile(r"^Not reported for this team: \d+ indicators$"))
    expect(page.locator("table.scorecard td", has_text="No target").first).to_be_visible()
    expect(page.get_by_role("link", name="Team grid", exact=False)).to_have_count(1)  # the menu only


def test_the_committee_pack_page_downloads_both(page: Page, watch: ConsoleWatch):
    open_page(page, "/pack")
    assert query(page) == {"quarter": "2026/27 Q2"}
    page.get_by_label("Public version: hide small numbers (fewer than 5)").check()
    page.wait_for_url("**public=on**")
    expect(page.locator(".page-content h2")).to_have_text("Pack for 2026/27 Q2, public version")
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Download the PDF").click()
    assert pdf.value.suggested_filename == "committee-pack-2026-27-Q2-public.pdf"
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    with page.expect_download() as book:
        page.get_by_role("link", name="Download the workbook (Excel)").click()
    assert Path(book.value.path()).read_bytes().startswith(b"PK")
    assert page.request.get("/api/pack.pdf?period=2026-09").status == 400
    assert watch.errors == []
