"""Every "Download CSV" gives exactly the export for the view on screen."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Locator, Page

from data.export import export_csv
from metrics.report import EXPORT_COLUMNS
from tests.browser.dash_page import ConsoleWatch, open_page
from tests.browser.figures import Facts

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def facts(demo_url: str) -> Facts:
    return Facts.read(demo_url)


def download(page: Page, link: Locator) -> tuple[str, str]:
    """Click a download link; the file's suggested name and its text."""
    with page.expect_download() as event:
        link.click()
    return event.value.suggested_filename, Path(event.value.path()).read_text(encoding="utf-8")


def export_part(text: str, kpis: list[str] | None = None) -> pd.DataFrame:
    """A page download's rows in the export's columns (the first ones), as text."""
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    if kpis is not None:
        frame = frame[frame["kpi"].isin(kpis)]
    return frame[[c for c in [*EXPORT_COLUMNS, "notice"] if c in frame]].reset_index(drop=True)


def test_scorecard_download_equals_the_export(page: Page, watch: ConsoleWatch, facts: Facts):
    open_page(page, "/?org=SFS&period=quarter&month=2026-06")
    name, text = download(page, page.get_by_role("link", name="Download CSV"))
    assert name.endswith(".csv")
    assert text.startswith("period,kpi,org,numerator,denominator,value,target,rag,")
    cli = facts.cli_export("--org", "SFS", "--period", "quarter", "--from", "2026-06", "--to", "2026-06")
    exported = export_part(cli)
    ours = export_part(text, list(exported["kpi"]))
    icons = ["variation", "assurance", *(c for c in ours if c.startswith("spc_"))]
    # the quarter's rows of the export, with the monthly SPC icons of June that the card shows
    pd.testing.assert_frame_equal(ours.drop(columns=icons), exported.drop(columns=icons))
    assert watch.errors == []


def test_trend_download_equals_the_export(page: Page, facts: Facts):
    open_page(page, "/kpi?kpi=ASSESSMENTS_45WD&org=ASSESS1&period=quarter&from=2024-04&to=2026-09")
    _, text = download(page, page.get_by_role("link", name="Download CSV"))
    args = ("--kpi", "ASSESSMENTS_45WD", "--org", "ASSESS1", "--period", "quarter")
    assert text == facts.cli_export(*args, "--from", "2024-04", "--to", "2026-09")
    assert text == facts.export_csv(
        kpis=("ASSESSMENTS_45WD",), org="ASSESS1", period="quarter", start="2024-04", end="2026-09"
    )


def test_compare_download_equals_the_export_of_each_team(page: Page, facts: Facts):
    open_page(page, "/compare?kpi=SUPERVISION_TIMELY&org=FOS&from=2026-04&to=2026-09")
    _, text = download(page, page.get_by_role("link", name="Download CSV"))
    reports = [
        facts.report(kpis=("SUPERVISION_TIMELY",), org=team, start="2026-04", end="2026-09")
        for team in ("FOST1", "FOST2")
    ]
    assert text == export_csv(pd.concat(reports, ignore_index=True), facts.dataset.notice)


def test_exceptions_download_equals_the_export_of_its_indicators(page: Page, facts: Facts):
    open_page(page, "/exceptions?org=LA&period=month&month=2026-09")
    kpis = [
        h.split("kpi=")[1].split("&")[0]
        for h in page.locator("article.exception h3 a").evaluate_all("links => links.map(a => a.href)")
    ]
    assert kpis
    _, text = download(page, page.get_by_role("link", name="Download CSV"))
    ordered = [k.code for k in facts.catalogue if k.code in kpis]
    expected = export_part(facts.export_csv(kpis=tuple(ordered), org="LA", start="2026-09", end="2026-09"))
    ours = export_part(text).sort_values("kpi", key=lambda s: s.map(ordered.index)).reset_index(drop=True)
    assert sorted(ours["kpi"]) == sorted(ordered)
    pd.testing.assert_frame_equal(ours, expected)


def test_data_page_downloads_the_whole_dataset(page: Page, facts: Facts):
    open_page(page, "/data")
    name, text = download(page, page.get_by_role("link", name="Download the whole dataset (CSV)"))
    header, *rows = csv.reader(io.StringIO(text))
    assert name == "dataset.csv"
    assert header == ["period", "kpi", "org", "numerator", "denominator", "value", "commentary"]
    assert len(rows) == len(facts.dataset.figures)
