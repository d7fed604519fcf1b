"""The regional page in Chromium on a group of three authorities: what it shows is its download,
it passes the axe scan, and its chart has its text alternative."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from data.engine import make_engine
from data.load import load_files
from data.shares import change_shares
from layouts.numbers import format_value, ratio_text
from metrics.catalogue import load_catalogue
from tests.browser.conftest import VIEWPORT
from tests.browser.figures import status_text, target_text
from tests.browser.serving import Served
from tests.browser.test_pages import unexpected_violations

pytestmark = pytest.mark.browser
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "region"
FILES = ["orgs.csv", "targets.csv", "la1-figures.csv", "la2-figures.csv", "la3-figures.csv"]
KPI = "ASSESSMENTS_45WD"


@pytest.fixture(scope="module")
def region_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('region') / 'region.db'}"
    engine = make_engine(url)
    load_files(engine, [FIXTURES / f for f in FILES], user="loader", month="2026-10")
    with engine.begin() as conn:
        for org in ("LA1", "LA2", "LA3"):
            change_shares(conn, org, [KPI], load_catalogue(), share=True, who="setup")
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def region_page(
    browser: Browser, servers: Callable[[str], Served], region_url: str
) -> Iterator[tuple[Page, str]]:
    base = servers(region_url).url
    context = browser.new_context(viewport=VIEWPORT, base_url=base)
    page = context.new_page()
    yield page, base
    context.close()


def test_the_regional_table_is_its_download_and_passes_axe(region_page):
    page, base = region_page
    page.goto(f"/region?kpi={KPI}&month=2026-09")
    table = page.locator("table.region-table")
    expect(table).to_be_visible()
    shown = [
        [c.strip() for c in row.locator("td").all_inner_texts()] for row in table.locator("tbody tr").all()
    ]
    body = page.request.get(f"{base}/api/region.csv?kpi={KPI}&month=2026-09")
    assert body.ok
    download = pd.read_csv(io.StringIO(body.text()), keep_default_na=False, na_values=[""])
    assert len(shown) == len(download) == 4  # three authorities and the group
    for cells, row in zip(shown, download.itertuples(), strict=True):
        rank = "" if pd.isna(row.rank) else str(int(row.rank))
        assert (cells[0], cells[1]) == (rank, row.org_name)
        ratio = ratio_text(float(row.numerator), float(row.denominator), "percent")
        assert cells[2] == f"{format_value(row.value, 'percent')} {ratio}".strip(), cells
        assert cells[3] == target_text(row.target, "percent"), cells
        assert cells[4].endswith(status_text(row.rag)), cells
    pooled = download[download["rank"].isna()].iloc[0]
    sentence = page.locator(".page-content .summary").inner_text()
    assert f"pooled figure is {format_value(pooled['value'], 'percent')}." in sentence, sentence
    assert [c[0] for c in shown] == ["1", "2", "3", ""]  # LA2 90%, LA3 80%, LA1 70%, then the pool
    assert "77.1%" in shown[3][2] and "131 of 170" in shown[3][2]
    expect(page.locator("figure.chart figcaption")).to_contain_text("every sharing authority by month")
    assert unexpected_violations(page, Axe().run(page).response["violations"]) == []
