"""Every figure a page shows is in its download: the scorecard's values, targets, England and
neighbour figures, read off the screen in Chromium, against /api/scorecard.csv for the same view,
for the authority, a service and a team, by month, quarter and year to date."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from playwright.sync_api import Page

from layouts.numbers import format_value
from tests.browser.dash_page import open_page
from tests.browser.figures import target_text, value_text

pytestmark = pytest.mark.browser

VIEWS = [
    ("LA", "month", "2026-09"),
    ("SFS", "quarter", "2026-06"),
    ("MASH", "ytd", "2026-09"),
    ("ASSESS1", "month", "2026-03"),
]


def screen_rows(page: Page) -> dict[str, dict[str, str]]:
    """Each scorecard row's visible text by column heading, keyed by the indicator's name."""
    rows: dict[str, dict[str, str]] = {}
    for table in page.locator("table.scorecard").all():
        headings = [h.strip() for h in table.locator("thead th").all_inner_texts()]
        for row in table.locator("tbody tr").all():
            cells = [c.strip() for c in row.locator("th, td").all_inner_texts()]
            named = dict(zip(headings, cells, strict=False))
            rows[named["Indicator"].splitlines()[0].strip()] = named
    return rows


@pytest.mark.parametrize(("org", "period", "month"), VIEWS, ids=["-".join(v) for v in VIEWS])
def test_every_scorecard_figure_is_in_its_download(page: Page, base_url: str, org, period, month):
    open_page(page, f"/?org={org}&period={period}&month={month}")
    shown = screen_rows(page)
    assert shown, "the scorecard drew no rows"
    body = page.request.get(f"{base_url}/api/scorecard.csv?org={org}&period={period}&month={month}")
    assert body.ok
    download = pd.read_csv(io.StringIO(body.text()), keep_default_na=False, na_values=[""])
    compared = 0
    for row in download.itertuples():
        if row.kpi_name not in shown:
            continue  # folded away on screen (not reported for this unit): nothing shown to compare
        cells = shown[row.kpi_name]
        assert cells["Value"].startswith(value_text(row.value, row.unit)), (row.kpi, cells["Value"])
        assert cells["Target"].startswith(target_text(row.target, row.unit)), (row.kpi, cells["Target"])
        for prefix, heading in (("england", "England"), ("neighbours", "Neighbours")):
            latest = getattr(row, f"{prefix}_latest")
            if heading in cells:
                want = "–" if pd.isna(latest) else format_value(float(latest), row.unit)
                assert cells[heading].startswith(want), (row.kpi, heading, cells[heading], want)
        compared += 1
    assert compared >= min(len(shown), 5)
