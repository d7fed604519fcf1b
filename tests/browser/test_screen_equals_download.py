"""Every figure a page shows is in its download: the figures in each page's tables (values,
n of N, targets, statuses, England, region and neighbour figures), sentences and sparklines'
words, read off the screen in Chromium, are found, formatted as shown, in the row (unit, KPI,
period) of the file the page's own download link gives. The scorecard and the exceptions paper
for the authority, a service and a team by month, quarter and year to date; the team grid for
the authority and two services by the three; the KPI trend page (its table, its sentence and its
breakdown by unit) monthly and quarterly; the team comparison's grid and target.

The regional page's table against its download is in ``test_region.py``: the demo has no group
of authorities, so it runs on a group of three built from ``tests/fixtures/region``.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pandas as pd
import pytest
from playwright.sync_api import Locator, Page

from layouts.icons import VARIATION_SHORT
from layouts.numbers import format_value, ratio_text
from layouts.teams import CHANGE_SYMBOLS, RAG_WORDS
from layouts.theme import RAG_STYLES
from metrics.catalogue import Catalogue, load_catalogue
from metrics.periods import month_name
from metrics.teams import CHANGES
from tests.browser.dash_page import open_page, table_rows
from tests.browser.figures import period_text, status_text, target_text, value_text

pytestmark = pytest.mark.browser

VIEWS = [
    ("LA", "month", "2026-09"),
    ("SFS", "quarter", "2026-06"),
    ("MASH", "ytd", "2026-09"),
    ("ASSESS1", "month", "2026-03"),
]
EXCEPTION_VIEWS = [*VIEWS[:2], ("CPC1", "ytd", "2026-09"), VIEWS[3]]  # MASH's year has none
TREND_VIEWS = [  # kpi, unit, period, from, to
    ("CP_2YEARS_PLUS", "LA", "month", "2024-04", "2026-09"),  # England, region, neighbours; by service
    ("CIN_VISITS_TIMELY", "SFS", "quarter", "2024-04", "2026-09"),  # a service by quarter; by team
    ("CASELOAD_AVG", "CPC1", "month", "2025-10", "2026-09"),  # a team: no units below
]
COMPARE_VIEWS = [  # kpi, unit (its units below are the rows), from, to
    ("CP_VISITS_TIMELY", "SFS", "2025-10", "2026-09"),
    ("SUPERVISION_TIMELY", "LA", "2026-04", "2026-09"),  # the services of the authority
]
GRID_VIEWS = [  # a unit with units below it (a team has none), period, month
    ("LA", "quarter", "2026-06"),
    ("SFS", "month", "2026-09"),
    ("CLA", "ytd", "2026-09"),
]
DRAWN = 45_000
"""ms to wait for a page's content: the authority's card and grid are the biggest tables drawn,
and a busy 2-core runner has taken over 15 s (the default) to draw them."""
COMPARATOR_HEADINGS = {
    "england": "England",
    "region": "Region",
    "neighbours": "Neighbours",
    "published": "Published (DfE)",
}


def ids(views: list[tuple[str, ...]]) -> list[str]:
    return ["-".join(v) for v in views]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def downloaded(page: Page, link: Locator) -> pd.DataFrame:
    """The file behind a page's download link, fetched from the same server (the link's href)."""
    href = link.get_attribute("href")
    assert href, "the download link has no address"
    body = page.request.get(href)
    assert body.ok, (href, body.status, body.text())
    return pd.read_csv(io.StringIO(body.text()), keep_default_na=False, na_values=[""])


def one(rows: pd.DataFrame, what: object, **key: object) -> pd.Series:
    """The download's one row with these values (a figure on screen that is not there fails)."""
    mask = pd.Series(True, index=rows.index)
    for column, value in key.items():
        mask &= rows[column] == value
    found = rows[mask]
    assert len(found) == 1, f"{what}: {len(found)} download rows for {key}"
    return found.iloc[0]


def text_of(value: object) -> str:
    return "" if pd.isna(value) else str(value)


def shown_ratio(row: pd.Series, unit: str) -> str:
    """The "n of N" the pages show beside a percentage, from a download row's counts."""
    return ratio_text(float(row["numerator"]), float(row["denominator"]), unit)


# --- the scorecard ------------------------------------------------------------------------------


def spark_text(spark: object, unit: str) -> str:
    """The sparkline's words (its alt text) from a download's ``spark`` (13 months, ``;`` between)."""
    values = [float(v) for v in str(spark).split(";") if v]
    if len(values) < 2:
        return "Too few months to draw a trend"
    return f"Last 13 months from {format_value(values[0], unit)} to {format_value(values[-1], unit)}"


def scorecard_rows(page: Page) -> dict[str, dict[str, str]]:
    """Each scorecard row's visible text by column heading (and its sparkline's words, under
    "spark"), keyed by the indicator's name."""
    rows: dict[str, dict[str, str]] = {}
    for table in page.locator("table.scorecard").all():
        sparks = table.locator("tbody tr").evaluate_all(
            "trs => trs.map(tr => (tr.querySelector('img.sparkline') || {alt: ''}).alt)"
        )
        for named, spark in zip(table_rows(table), sparks, strict=True):
            rows[named["Indicator"].splitlines()[0].strip()] = {**named, "spark": spark}
    return rows


@pytest.mark.parametrize(("org", "period", "month"), VIEWS, ids=ids(VIEWS))
def test_every_scorecard_figure_is_in_its_download(page: Page, org, period, month):
    open_page(page, f"/?org={org}&period={period}&month={month}", DRAWN)
    shown = scorecard_rows(page)
    assert shown, "the scorecard drew no rows"
    download = downloaded(page, page.get_by_role("link", name="Download CSV"))
    for name, cells in shown.items():
        row = one(download, name, kpi_name=name)
        unit = row["unit"]
        value = f"{value_text(row['value'], unit)} {shown_ratio(row, unit)}".strip()
        assert cells["Value"] == value, (name, cells["Value"])
        assert cells["Target"] == target_text(row["target"], unit), (name, cells["Target"])
        assert cells["Status"].endswith(status_text(row["rag"])), (name, cells["Status"])
        assert cells["spark"] == spark_text(row["spark"], unit), (name, cells["spark"])
        for prefix, heading in (("england", "England"), ("neighbours", "Neighbours")):
            if heading in cells:
                assert cells[heading].startswith(value_text(row[f"{prefix}_latest"], unit)), (name, heading)


# --- the exceptions paper -----------------------------------------------------------------------


def exception_articles(page: Page) -> list[dict[str, str]]:
    """Each exception's name, reasons, value (with its n of N), target and status as shown."""
    return page.locator("article.exception").evaluate_all(
        """articles => articles.map(a => {
            const facts = [...a.querySelectorAll('.exception-facts > span')].map(s => s.innerText.trim());
            const why = [...a.querySelectorAll('p')].find(p => p.innerText.startsWith('Why it is here'));
            return {
                name: a.querySelector('h3').innerText.trim(),
                why: why ? why.innerText.trim() : '',
                value: facts.find(f => f.startsWith('Value:')) || '',
                target: facts.find(f => f.startsWith('Target:')) || '',
                status: a.querySelector('.exception-facts .rag').innerText.trim(),
                spark: (a.querySelector('img.sparkline') || {alt: ''}).alt,
            };
        })"""
    )


@pytest.mark.parametrize(("org", "period", "month"), EXCEPTION_VIEWS, ids=ids(EXCEPTION_VIEWS))
def test_every_exception_figure_is_in_its_download(page: Page, org, period, month):
    open_page(page, f"/exceptions?org={org}&period={period}&month={month}", DRAWN)
    shown = exception_articles(page)
    assert shown, "no exceptions in this view: choose one with some"
    download = downloaded(page, page.get_by_role("link", name="Download CSV"))
    for article in shown:
        row = one(download, article["name"], kpi_name=article["name"])
        unit = row["unit"]
        value = f"Value: {value_text(row['value'], unit)} {shown_ratio(row, unit)}".strip()
        assert article["value"] == value, article
        assert article["target"] == f"Target: {target_text(row['target'], unit)}", article
        assert article["status"].endswith(status_text(row["rag"])), article
        assert article["why"] == f"Why it is here: {row['reasons']}", article
        assert article["spark"] == spark_text(row["spark"], unit), article
    rags = download["rag"].value_counts()
    red, amber = int(rags.get("red", 0)), int(rags.get("amber", 0))
    counts = page.locator(".exception-counts").inner_text()
    assert counts.startswith(f"{red} red, {amber} amber, {len(download) - red - amber} others"), counts
    assert page.locator(".summary").inner_text().startswith(f"{len(download)} indicator(s)")
    assert len(download) == len(shown)


# --- the KPI trend page -------------------------------------------------------------------------


def caption_table(page: Page, words: str) -> Locator:
    return page.locator("table", has=page.locator("caption", has_text=words))


@pytest.mark.parametrize(("kpi", "org", "period", "start", "end"), TREND_VIEWS, ids=ids(TREND_VIEWS))
def test_every_trend_figure_is_in_its_download(page: Page, catalogue, kpi, org, period, start, end):
    indicator = catalogue[kpi]
    open_page(page, f"/kpi?kpi={kpi}&org={org}&period={period}&from={start}&to={end}", DRAWN)
    table = caption_table(page, "the figures in the chart")
    shown = table_rows(table)
    assert shown, "the trend table has no rows"
    download = downloaded(page, page.get_by_role("link", name="Download CSV"))
    download = download.assign(shown_period=download["period"].map(period_text))
    unit = indicator.unit
    numerator = indicator.numerator.capitalize() or "Numerator"
    denominator = indicator.denominator.capitalize() or "Denominator"
    comparators = 0
    for cells in shown:
        row = one(download, cells["Period"], shown_period=cells["Period"], org=org, kpi=kpi)
        assert cells["Value"] == value_text(row["value"], unit), cells
        if indicator.is_ratio:
            assert cells[numerator] == format_value(row["numerator"], "count"), cells
            assert cells[denominator] == format_value(row["denominator"], "count"), cells
        assert cells["Target"] == target_text(row["target"], unit), cells
        assert cells["Status"].endswith(status_text(row["rag"])), cells
        for column, heading in COMPARATOR_HEADINGS.items():
            if heading in cells:
                assert cells[heading] == value_text(row[column], unit), (heading, cells)
                comparators += cells[heading] != "–"
        if "SPC signal" in cells:
            assert cells["SPC signal"] == (text_of(row["spc_signal"]) or "–").capitalize(), cells
    assert len(shown) == len(download)
    if org == "LA":
        assert comparators, "the authority's trend shows no England or neighbour figure"
    # the chart's sentence: its latest and first figures (and the latest target) are the download's
    sentence = page.locator("figure:has(#graph-trend) figcaption").inner_text()
    first, last = download.iloc[0], download.iloc[-1]
    latest = f"Latest: {value_text(last['value'], unit)} in {last['shown_period']}"
    if pd.notna(last["target"]):
        latest += f" against a target of {target_text(last['target'], unit)} ({last['rag']})"
    assert sentence.startswith(latest), sentence
    assert sentence.endswith(f"From {value_text(first['value'], unit)} in {first['shown_period']}."), sentence
    # the breakdown by unit: its own download
    below = caption_table(page, " by unit, ")
    if org == "CPC1":
        assert below.count() == 0, "a team has no units below it"
        return
    parts = table_rows(below)
    assert parts, "no breakdown rows"
    units = downloaded(page, page.get_by_role("link", name="Download the breakdown (CSV)"))
    for cells in parts:
        row = one(units, cells["Unit"], org_name=cells["Unit"], kpi=kpi)
        assert row["period"] == download["end_month"].iloc[-1], "the breakdown is of the latest month"
        assert cells["Value"] == value_text(row["value"], unit), cells
        assert cells["Target"] == target_text(row["target"], unit), cells
        assert cells["Status"].endswith(status_text(row["rag"])), cells
    assert len(parts) == len(units)


# --- the team comparison ------------------------------------------------------------------------


def compare_grid(page: Page) -> list[dict[str, str]]:
    """Each cell of the comparison grid: its unit, month (the heading's full name), text, status."""
    return page.locator("table.compare-grid").evaluate(
        """t => {
            const months = [...t.querySelectorAll('thead th')].slice(1)
                .map(th => (th.querySelector('abbr') || th).getAttribute('title') || th.innerText.trim());
            return [...t.querySelectorAll('tbody tr')].flatMap(tr => {
                const unit = tr.querySelector('th').innerText.trim();
                return [...tr.querySelectorAll('td')].map((td, i) => ({
                    unit, month: months[i], text: td.innerText.trim(), status: td.title,
                }));
            });
        }"""
    )


@pytest.mark.parametrize(("kpi", "org", "start", "end"), COMPARE_VIEWS, ids=ids(COMPARE_VIEWS))
def test_every_comparison_figure_is_in_its_download(page: Page, catalogue, kpi, org, start, end):
    unit = catalogue[kpi].unit
    open_page(page, f"/compare?kpi={kpi}&org={org}&from={start}&to={end}", DRAWN)
    shown = compare_grid(page)
    download = downloaded(page, page.get_by_role("link", name="Download CSV"))
    download = download.assign(month=download["period"].map(month_name))
    figures = 0
    for cell in shown:
        if cell["text"] == "–":
            continue  # no figure for the unit that month: nothing shown
        row = one(download, cell, org_name=cell["unit"], month=cell["month"], kpi=kpi)
        assert cell["text"].split(" ")[0] == value_text(row["value"], unit), cell
        assert cell["status"] == status_text(row["rag"]), cell
        figures += 1
    assert figures >= len(download) > 0
    statement = page.locator(".target-statement").inner_text()
    latest = download.sort_values("period").drop_duplicates("org", keep="last")
    targets = {target_text(t, unit) for t in latest["target"].dropna()}
    match = re.fullmatch(r"Target in the latest month: (.+) \((higher|lower) is better\)\.", statement)
    if targets:
        assert match, statement
        assert set(match.group(1).split(" / ")) == targets, statement
    else:
        assert match is None, statement


# --- the team grid ------------------------------------------------------------------------------


def team_grid(page: Page) -> list[dict[str, Any]]:
    """Each indicator row of the grid: its name, target cell and each unit's cell, part by part."""
    return page.locator("table.team-grid").evaluate(
        """t => {
            const units = [...t.querySelectorAll('thead th')].slice(2).map(th => th.innerText.trim());
            const part = (td, css) => (td.querySelector(css) || {innerText: ''}).innerText.trim();
            return [...t.querySelectorAll('tbody tr:not(.stage-row)')].map(tr => {
                const tds = [...tr.querySelectorAll('td')];
                return {
                    name: tr.querySelector('th').innerText.trim(),
                    target: tds[0].innerText.trim(),
                    cells: tds.slice(1).map((td, i) => ({
                        unit: units[i],
                        value: part(td, '.grid-value'),
                        ratio: part(td, '.ratio'),
                        status: part(td, '.rag'),
                        spc: part(td, '.spc-marker'),
                        change: part(td, '.change-mark'),
                    })),
                };
            });
        }"""
    )


@pytest.mark.parametrize(("org", "period", "month"), GRID_VIEWS, ids=ids(GRID_VIEWS))
def test_every_team_grid_figure_is_in_its_download(page: Page, catalogue, org, period, month):
    open_page(page, f"/teams?org={org}&period={period}&month={month}&sort=stage", DRAWN)
    shown = team_grid(page)
    assert shown, "the grid has no rows"
    download = downloaded(page, page.get_by_role("link", name="Download CSV"))
    total = one(download, "the total", org=org, kpi=download["kpi"].iloc[0])["org_name"]
    cells = 0
    for line in shown:
        rows = download[download["kpi_name"] == line["name"]]
        assert len(rows), f"{line['name']}: not in the download"
        unit = catalogue[rows["kpi"].iloc[0]].unit
        targets = {target_text(t, unit) for t in rows["target"].dropna()}
        assert set(str(line["target"]).split(" / ")) == (targets or {"No target"}), line["target"]
        for cell in line["cells"]:
            name = total if cell["unit"] == f"{total} (total)" else cell["unit"]
            row = one(rows, (line["name"], name), org_name=name)
            assert cell["value"] == value_text(row["value"], unit), (line["name"], cell)
            assert cell["ratio"] == shown_ratio(row, unit), (line["name"], cell)
            rag = text_of(row["rag"])
            assert cell["status"] == (f"{RAG_STYLES[rag].symbol} {RAG_WORDS[rag]}" if rag else ""), cell
            variation = text_of(row["variation"])
            spc = VARIATION_SHORT[variation] if variation and variation != "common_cause" else ""
            assert cell["spc"] == spc, (line["name"], cell)
            change = text_of(row["change"])
            assert cell["change"] == (f"{CHANGE_SYMBOLS[change]} {CHANGES[change]}" if change else ""), cell
            cells += 1
    assert cells == len(download), "one download row per cell"
