"""Changing unit, period and KPI redraws chart and table, with the numbers of the export."""

from __future__ import annotations

import math
import re

import pytest
from playwright.sync_api import Page, expect

from layouts.numbers import ratio_text
from metrics.periods import month_name, period_label
from tests.browser.dash_page import ConsoleWatch, choose, dropdown_text, open_page, query, table_rows
from tests.browser.figures import Facts, period_text, status_text, target_text, value_text

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def facts(demo_url: str) -> Facts:
    return Facts.read(demo_url)


def scorecard_on_screen(page: Page) -> dict[str, dict[str, str]]:
    """Every row of every stage table, by indicator name."""
    rows: dict[str, dict[str, str]] = {}
    for table in page.locator("table.scorecard").all():
        rows |= {r["Indicator"].split("\n")[0]: r for r in table_rows(table)}  # name, then any commentary
    return rows


def check_scorecard(page: Page, facts: Facts, org: str, period: str, month: str) -> None:
    """The card on screen equals the export (``figures_report``) for the same unit, period and month."""
    expected = facts.report(org=org, period=period, start=month, end=month)
    assert len(expected) > 10 and expected["period"].eq(period_label(month, period)).all()
    shown = scorecard_on_screen(page)
    assert len(shown) == len(facts.catalogue)
    for missing in set(shown) - set(expected["kpi_name"]):  # no figure for this unit: said so
        assert shown[missing]["Value"] == "–", missing
    for row in expected.itertuples():
        cells = shown[row.kpi_name]
        ratio = ratio_text(row.numerator, row.denominator, row.unit)  # "n of N" beside a percentage
        assert cells["Value"] == " ".join(filter(None, [value_text(row.value, row.unit), ratio])), row.kpi
        assert bool(ratio) == (row.unit == "percent" and not math.isnan(row.denominator)), row.kpi
        assert cells["Target"] == target_text(row.target, row.unit), row.kpi
        assert cells["Status"].endswith(status_text(row.rag)), row.kpi


VALUE_TRACE = """() => {
    const g = document.querySelector('#graph-trend .js-plotly-plot');
    const t = g && g._fullData && g._fullData.find(d => d.name === 'Value');
    return t ? {x: Array.from(t.x), y: Array.from(t.y)} : null;
}"""


def trend_on_screen(page: Page, periods: list[str]) -> list[float | None]:
    """The y of the chart's "Value" trace as Plotly drew it, once its x are ``periods``."""
    page.wait_for_function(
        f"periods => {{ const t = ({VALUE_TRACE})(); return t && t.x.join() === periods.join(); }}",
        arg=periods,
    )
    return page.evaluate(VALUE_TRACE)["y"]


def check_trend(page: Page, facts: Facts, kpi: str, org: str, period: str, start: str, end: str) -> None:
    """Chart and table equal the export for the same KPI, unit, period and months."""
    expected = facts.report(kpis=(kpi,), org=org, period=period, start=start, end=end)
    name = facts.catalogue[kpi].name
    title = f"{name}: {facts.org_name(org)}"
    expect(page.locator("#graph-trend .gtitle")).to_have_text(title)
    y = trend_on_screen(page, list(expected["period"]))
    for got, want in zip(y, expected["value"], strict=True):
        if got is None or math.isnan(got):
            assert math.isnan(want)
        else:
            assert got == pytest.approx(want, rel=1e-9)
    table = page.locator(".page-content table.data-table").first
    expect(table.locator("caption")).to_have_text(f"{name}: the figures in the chart, newest first")
    shown = table_rows(table)
    assert len(shown) == len(expected)
    for cells, row in zip(shown, expected.iloc[::-1].itertuples(), strict=True):
        assert cells["Period"] == period_text(row.period)
        assert cells["Value"] == value_text(row.value, row.unit)
        assert cells["Target"] == target_text(row.target, row.unit)
        assert cells["Status"].endswith(status_text(row.rag))


def test_scorecard_follows_unit_period_and_month(page: Page, watch: ConsoleWatch, facts: Facts):
    open_page(page, "/")
    latest = query(page)["month"]
    assert query(page) == {"org": "LA", "period": "month", "month": latest}
    heading = page.locator(".card-heading")
    expect(heading).to_have_text(f"Demo County Council: {month_name(latest)}")
    check_scorecard(page, facts, "LA", "month", latest)

    choose(page, "org", "Safeguarding and Family Support")
    expect(heading).to_have_text(f"Safeguarding and Family Support: {month_name(latest)}")
    assert query(page)["org"] == "SFS"
    check_scorecard(page, facts, "SFS", "month", latest)

    page.get_by_label("Quarter (financial year)").check()
    label = period_label(latest, "quarter")
    expect(heading).to_have_text(f"Safeguarding and Family Support: {label} (to {month_name(latest)})")
    assert query(page)["period"] == "quarter"
    check_scorecard(page, facts, "SFS", "quarter", latest)

    choose(page, "month", "June 2026")
    expect(heading).to_have_text(
        f"Safeguarding and Family Support: {period_label('2026-06', 'quarter')} (to June 2026)"
    )
    assert query(page) == {"org": "SFS", "period": "quarter", "month": "2026-06"}
    check_scorecard(page, facts, "SFS", "quarter", "2026-06")
    assert watch.errors == []


def test_scorecard_switch_shows_only_red_and_amber(page: Page, facts: Facts):
    open_page(page, "/?org=LA&period=month&month=2026-09")
    page.get_by_label("Show only red and amber indicators").check()
    expect(page.locator("table.scorecard .rag-green")).to_have_count(0)
    assert query(page)["only"] == "on"
    report = facts.report(org="LA", start="2026-09", end="2026-09")
    off = report[report["rag"].isin(["red", "amber"])]
    assert set(scorecard_on_screen(page)) == set(off["kpi_name"])


def test_scorecard_indicator_opens_its_trend(page: Page):
    open_page(page, "/?org=SFS&period=month&month=2026-09")
    page.get_by_role("link", name="Assessments completed within 45 working days", exact=True).click()
    expect(page.locator("main h1")).to_have_text("KPI trend")
    expect(page.locator("#graph-trend .gtitle")).to_have_text(
        "Assessments completed within 45 working days: Safeguarding and Family Support"
    )
    q = query(page)
    assert (q["kpi"], q["org"], q["period"], q["to"]) == ("ASSESSMENTS_45WD", "SFS", "month", "2026-09")


def test_trend_follows_kpi_unit_and_period(page: Page, watch: ConsoleWatch, facts: Facts):
    open_page(page, "/kpi")
    q = query(page)
    assert set(q) == {"kpi", "org", "period", "from", "to"}
    check_trend(page, facts, q["kpi"], "LA", "month", q["from"], q["to"])

    choose(page, "kpi", "Assessments completed within 45 working days")
    expect(dropdown_text(page, "kpi")).to_have_text("Assessments completed within 45 working days")
    check_trend(page, facts, "ASSESSMENTS_45WD", "LA", "month", q["from"], q["to"])
    assert query(page)["kpi"] == "ASSESSMENTS_45WD"

    choose(page, "org", "Assessment Team 1")
    check_trend(page, facts, "ASSESSMENTS_45WD", "ASSESS1", "month", q["from"], q["to"])
    assert query(page)["org"] == "ASSESS1"

    page.get_by_label("Quarterly").check()
    expect(page.locator(".page-content table.data-table").first.locator("tbody tr").first).to_contain_text(
        re.compile(r"^\d{4}/\d\d Q\d")
    )
    check_trend(page, facts, "ASSESSMENTS_45WD", "ASSESS1", "quarter", q["from"], q["to"])

    choose(page, "from", "April 2025")
    expect(page.locator(".page-content table.data-table").first.locator("tbody tr")).to_have_count(
        len(
            facts.report(
                kpis=("ASSESSMENTS_45WD",), org="ASSESS1", period="quarter", start="2025-04", end=q["to"]
            )
        )
    )
    check_trend(page, facts, "ASSESSMENTS_45WD", "ASSESS1", "quarter", "2025-04", q["to"])
    assert watch.errors == []


def test_compare_grid_follows_service(page: Page, facts: Facts):
    open_page(page, "/compare?kpi=SUPERVISION_TIMELY&org=CLA&from=2026-04&to=2026-09")
    grid = page.locator("table.compare-grid")
    teams = ["16+ Team (care leavers)", "Looked-After Children Team 1", "Looked-After Children Team 2"]
    expect(grid.locator("tbody th")).to_have_text(teams)
    choose(page, "org", "Fostering")
    expect(grid.locator("tbody th")).to_have_text(["Fostering Team 1", "Fostering Team 2"])
    assert query(page)["org"] == "FOS"
    rows = table_rows(grid)
    for team, code in (("Fostering Team 1", "FOST1"), ("Fostering Team 2", "FOST2")):
        expected = facts.report(kpis=("SUPERVISION_TIMELY",), org=code, start="2026-04", end="2026-09")
        cells = next(list(r.values()) for r in rows if r["Team"] == team)
        assert [c.split(" ")[0] for c in cells[1:]] == [value_text(v, "percent") for v in expected["value"]]
