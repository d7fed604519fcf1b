"""URL state parsing and the CSV API, with the app built by the factory (no browser)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from callbacks.view import ViewError, build_search, query_params, resolve_view
from data.engine import make_engine
from data.queries import read_dataset
from data.report_store import read_series
from tests.conftest import demo_copy, static_html_of


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory, demo_database):
    return demo_copy(tmp_path_factory, demo_database)


@pytest.fixture(scope="module")
def demo(demo_url):
    engine = make_engine(demo_url, read_only=True)
    yield read_dataset(engine, figures=False, revisions=False), read_series(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def client(demo_url):
    from app import create_app

    return create_app(demo_url).server.test_client()


def test_defaults_are_filled_so_a_link_reproduces_the_view(demo, catalogue):
    view = resolve_view("/", {}, demo[0], catalogue, demo[1])
    assert view == {"org": "LA", "period": "month", "month": "2026-09", "only": None}
    trend = resolve_view("/kpi", {"kpi": "CP_PLANS"}, demo[0], catalogue, demo[1])
    assert (trend["from"], trend["to"], trend["period"]) == ("2023-10", "2026-09", "month")
    assert build_search({"org": "LA", "x": None, "period": "month"}) == "?org=LA&period=month"


@pytest.mark.parametrize(
    ("page", "params", "message"),
    [
        ("/", {"org": "NOPE"}, "there is no unit with the code 'NOPE'"),
        ("/", {"period": "week"}, "the period must be one of month, quarter, year, ytd"),
        ("/kpi", {"period": "year"}, "the period must be one of month, quarter"),
        ("/kpi", {"kpi": "<script>"}, "there is no indicator with the code '<script>'"),
        ("/kpi", {"to": "2024-13"}, "to '2024-13' is written YYYY-MM but is not a month from 1900-01 on"),
        ("/kpi", {"from": "2025-01", "to": "2024-01"}, "the 'from' month is after the 'to' month"),
        ("/", {"colour": "red"}, "the address has a setting this page does not use: 'colour'"),
        ("/", {"only": "yes"}, "only must be 'on' or absent"),
    ],
)
def test_bad_urls_get_a_plain_reason(demo, catalogue, page, params, message):
    with pytest.raises(ViewError) as caught:
        resolve_view(page, params, demo[0], catalogue, demo[1])
    assert str(caught.value) == message


def test_over_long_query_is_refused():
    with pytest.raises(ViewError, match="too long"):
        query_params("?org=" + "A" * 5000)


def test_api_serves_the_export(client):
    response = client.get("/api/figures.csv?kpi=LAC_COUNT&period=year&from=2025-04")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["period"] for r in rows] == ["2025/26", "2026/27"]
    assert rows[0]["notice"] == "Illustrative demo data, not real figures"


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("period=week", "period must be one of month, quarter, year, ytd"),
        ("org=NOPE", "unknown org unit 'NOPE'"),
        ("kpi=NOPE", "unknown KPI code 'NOPE'"),
        ("from=June", "from must be a month written YYYY-MM, not 'June'"),
        ("colour=red", "unknown parameter 'colour': use kpi, org, from, to, period"),
    ],
)
def test_api_bad_parameters_get_400_with_one_line_reason(client, query, reason):
    response = client.get(f"/api/figures.csv?{query}")
    assert response.status_code == 400
    assert response.get_data(as_text=True) == reason + "\n"


def test_dataset_download_loads_back(client, tmp_path):
    from data.demo_frames import build_demo
    from data.load import load_files

    text = client.get("/api/dataset.csv").get_data(as_text=True)
    assert text.splitlines()[0] == "period,kpi,org,numerator,denominator,value,commentary"
    copy = tmp_path / "dataset.csv"
    copy.write_text(text)
    (tmp_path / "orgs.csv").write_text(
        client.get("/api/figures.csv?kpi=CP_PLANS").get_data(as_text=True)[:0] or ""
    )
    engine = make_engine(f"sqlite:///{tmp_path / 'reload.db'}")
    build_demo().orgs.to_csv(tmp_path / "orgs.csv", index=False)
    summaries = load_files(engine, [tmp_path / "orgs.csv", copy], month="2026-09")
    assert summaries[1].added == len(text.splitlines()) - 1


def test_teams_csv_is_one_row_per_indicator_and_unit(client):
    response = client.get("/api/teams.csv?org=SFS&month=2026-09&period=month&sort=stage")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.data.decode())))
    assert list(rows[0])[:7] == ["period", "kpi", "org", "value", "target", "rag", "variation"]
    # and every other figure or mark a cell shows (n of N, what changed), with the names shown
    assert list(rows[0])[7:12] == ["numerator", "denominator", "change", "kpi_name", "org_name"]
    units = {r["org"] for r in rows}
    assert "SFS" in units and "MASH" in units and "LA" not in units
    kpis = {r["kpi"] for r in rows}
    assert len(rows) == len(kpis) * len(units), "every indicator x unit, once"
    assert {r["period"] for r in rows} == {"2026-09"}
    assert client.get("/api/teams.csv?org=NOPE").status_code == 400
    assert (
        client.get("/api/teams.csv?sort=NOPE").data == b"there is no unit with the code 'NOPE' to sort by\n"
    )


def scorecard_request(search: str, changed: list[str]) -> dict:
    ready = {"id": {"page": "scorecard", "type": "ready"}, "property": "data", "value": None}
    output = {"page": "scorecard", "type": "content"}
    return {
        "output": '{"page":"scorecard","type":"content"}.children',
        "outputs": {"id": output, "property": "children"},
        "inputs": [{"id": "url", "property": "search", "value": search}, ready],
        "state": [],
        "changedPropIds": changed,
    }


@pytest.mark.parametrize(
    ("search", "changed", "status"),
    [
        ("", [], 204),  # first call on a bare address: the URL is about to get its defaults
        ("?org=SFS", [], 204),
        ("?org=LA&period=month&month=2026-09", [], 200),  # already whole: drawn at once
        ("", ["url.search"], 200),  # a change of the URL is always drawn
        ("?org=NOPE", [], 200),  # an address that cannot be read says so at once
    ],
)
def test_a_page_is_drawn_once_when_its_address_gains_defaults(client, search, changed, status):
    response = client.post("/_dash-update-component", json=scorecard_request(search, changed))
    assert response.status_code == status, response.get_data(as_text=True)[:300]


def test_the_scorecard_tables_reach_the_browser_as_html(client):
    response = client.post(
        "/_dash-update-component", json=scorecard_request("?org=LA&period=month&month=2026-09", [])
    )
    content = response.get_json()["response"][
        json.dumps({"page": "scorecard", "type": "content"}, separators=(",", ":"))
    ]
    tables = static_html_of(content["children"])
    assert len(tables) == 10  # one per stage of the child's journey
    assert all(t.startswith('<table class="data-table scorecard"><caption>') for t in tables)
    assert any('<a href="/kpi?kpi=CP_PLANS&amp;org=LA' in t and "data-link" in t for t in tables)


@pytest.mark.parametrize("path", ["/api/scorecard.csv", "/api/exceptions.csv", "/api/teams.csv"])
def test_a_download_of_an_empty_database_says_nothing_is_loaded(tmp_path, catalogue, path):
    from app import create_app
    from data.migrate import ensure_schema

    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        ensure_schema(conn, catalogue)
    engine.dispose()
    response = create_app(url).server.test_client().get(path)
    assert response.status_code == 400
    assert response.get_data(as_text=True) == (
        "no figures are loaded yet: load figures with python -m data load FILE\n"
    )
