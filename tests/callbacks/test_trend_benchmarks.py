"""The KPI trend page on the demo: comparator lines, their footnotes, and the committee view."""

from __future__ import annotations

import pytest

from tests.conftest import demo_copy


@pytest.fixture(scope="module")
def app(tmp_path_factory, demo_database):
    url = demo_copy(tmp_path_factory, demo_database)
    from app import create_app

    return create_app(url)


def texts(component: object) -> list[str]:
    if isinstance(component, str):
        return [component]
    if isinstance(component, list | tuple):
        return [t for c in component for t in texts(c)]
    children = getattr(component, "children", None)
    return [] if children is None else texts(children)


def trend_page(app, search: str) -> tuple[list[str], list[str]]:
    from callbacks import content

    with app.server.app_context():
        page = content.trend(search)
    chart = next(c for c in page if getattr(c, "className", "") == "chart")
    return [t.name for t in chart.children[0].figure.data], texts(page)


def test_the_trend_chart_shows_england_region_and_neighbours(app):
    lines, words = trend_page(app, "?kpi=CASELOAD_AVG&from=2018-04&to=2026-09")
    assert {"England", "Region", "Statistical neighbours"} <= set(lines)
    assert "Published (DfE)" not in lines  # the demo has no published figures: its own are invented
    assert any(w.startswith("Statistical neighbours, September 2018: average without") for w in words)


def test_the_committee_view_keeps_only_us_england_and_the_neighbours(app):
    lines, words = trend_page(app, "?kpi=CASELOAD_AVG&from=2018-04&to=2026-09&committee=on")
    assert {"England", "Statistical neighbours", "Value"} <= set(lines)
    assert "Region" not in lines
    assert (
        "Committee view: only our figures, England and the statistical neighbours are shown; hidden: Region."
        in words
    )
