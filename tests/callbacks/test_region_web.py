"""Two authorities' users through the web: each sees its own units and what the others share,
nothing else (pages and API, forged requests included); the regional page equals its CSV."""

from __future__ import annotations

import csv
import io
import shutil
from ipaddress import ip_network
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from app import create_app
from callbacks import pages, region
from callbacks.auth import AuthConfig
from data.audit import COMMAND_LINE
from data.load import load_files
from data.shares import change_shares
from data.users import add_user
from metrics.catalogue import load_catalogue

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "region"
FILES = ["orgs.csv", "targets.csv", "la1-figures.csv", "la2-figures.csv", "la3-figures.csv", "actions.csv"]
PROXY = "10.9.8.7"
KPI = "ASSESSMENTS_45WD"
USERS = {"la1@north.example": "LA1", "la2@south.example": "LA2-A", "region@north.example": "REG"}
USERS |= {"admin@north.example": ""}
SHARED = {"LA1": [KPI, "CP_PLANS"], "LA2": ["CP_PLANS"], "LA3": [KPI]}  # LA2 keeps assessments to itself


@pytest.fixture
def server(engine, db_url, tmp_path):
    folder = tmp_path / "region"
    shutil.copytree(FIXTURES, folder)
    load_files(engine, [folder / f for f in FILES], user="loader", month="2026-10")
    catalogue = load_catalogue()
    with engine.begin() as conn:
        for email, org in USERS.items():
            add_user(conn, email, "admin" if not org else "viewer", org, by="setup", address=COMMAND_LINE)
        for org, kpis in SHARED.items():
            change_shares(conn, org, kpis, catalogue, share=True, who="setup")
    config = AuthConfig(mode="proxy", secret_key="s" * 40, proxy_trusted=(ip_network("10.9.8.0/24"),))
    return create_app(db_url, auth_config=config).server


def client_as(server, email: str) -> FlaskClient:
    client = server.test_client()
    client.environ_base |= {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_EMAIL": email}
    return client


def rows_of(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_regional_csv_is_the_hand_worked_example(server):
    rows = rows_of(client_as(server, "la1@north.example").get(f"/api/region.csv?kpi={KPI}&month=2026-09"))
    contract = [
        "period",
        "kpi",
        "org",
        "numerator",
        "denominator",
        "value",
        "target",
        "rag",
        "rank",
        "quartile",
    ]
    assert list(rows[0])[:10] == contract
    got = [
        (r["org"], r["numerator"], r["denominator"], r["value"], r["rag"], r["rank"], r["quartile"])
        for r in rows
    ]
    assert got == [  # LA2 does not share assessments: LA3 80% first, LA1 70%; pooled 86/120
        ("LA3", "16", "20", "80", "amber", "1", "A"),
        ("LA1", "70", "100", "70", "green", "2", "D"),
        ("REG", "86", "120", "71.6667", "", "", ""),
    ]


def test_the_regional_page_shows_what_its_csv_holds(server):
    with server.test_request_context(
        environ_base={"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_EMAIL": "la2@south.example"}
    ):
        server.preprocess_request()
        content = str(region.region(f"?kpi={KPI}&month=2026-09"))
    download = rows_of(client_as(server, "la2@south.example").get(f"/api/region.csv?kpi={KPI}&month=2026-09"))
    for row in download:
        assert row["org_name"] in content
        assert f"{float(row['value']):.1f}%" in content
    assert "Southville does not share this indicator" in content  # its own is missing, and it says so


@pytest.mark.parametrize(
    "path",
    [
        "/api/figures.csv?org={unit}",
        f"/api/figures.csv?org={{unit}}&kpi={KPI}",
        "/api/scorecard.csv?org={unit}",
        "/api/exceptions.csv?org={unit}",
        "/api/teams.csv?org={unit}",
    ],
)
def test_another_authoritys_unshared_units_get_403_and_reveal_nothing(server, path):
    la1 = client_as(server, "la1@north.example")
    exists, missing = la1.get(path.format(unit="LA2-A")), la1.get(path.format(unit="NOPE"))
    assert (exists.status_code, missing.status_code) == (403, 403)
    assert exists.get_data(as_text=True).replace("LA2-A", "X") == missing.get_data(as_text=True).replace(
        "NOPE", "X"
    )


def test_shared_figures_are_months_of_the_shared_kpis_only(server):
    la1 = client_as(server, "la1@north.example")
    shared = rows_of(la1.get("/api/figures.csv?org=LA2&kpi=CP_PLANS"))
    assert [(r["period"], r["value"]) for r in shared] == [("2026-08", "77"), ("2026-09", "81")]
    assert {r["kpi"] for r in rows_of(la1.get("/api/figures.csv?org=LA2"))} == {"CP_PLANS"}
    assert la1.get(f"/api/figures.csv?org=LA2&kpi={KPI}").status_code == 403  # not shared
    assert la1.get("/api/figures.csv?org=LA2&kpi=CP_PLANS&period=quarter").status_code == 403
    admin = client_as(server, "admin@north.example")  # a user of every unit sees everything
    assert {r["kpi"] for r in rows_of(admin.get("/api/figures.csv?org=LA2"))} == {KPI, "CP_PLANS"}


def test_the_whole_dataset_download_holds_only_the_readers_authority(server):
    la2 = rows_of(client_as(server, "la2@south.example").get("/api/dataset.csv"))
    assert {r["org"] for r in la2} == {"LA2-A"}
    everyone = rows_of(client_as(server, "admin@north.example").get("/api/dataset.csv"))
    assert {r["org"] for r in everyone} == {"LA1-A", "LA1-B", "LA2-A", "LA3-A"}


def page_text(server, email: str, path: str, search: str) -> str:
    with server.test_request_context(environ_base={"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_EMAIL": email}):
        server.preprocess_request()
        return str(pages.render_page(path, search))


def test_pages_list_only_the_readers_units_and_refuse_the_rest_alike(server, monkeypatch):
    monkeypatch.setattr(pages, "set_props", lambda *args: None)  # the notice banner: a callback's side output
    scorecard = page_text(server, "la1@north.example", "/", "")
    assert "Northtown Team A" in scorecard and "Southville Team A" not in scorecard
    forged = page_text(server, "la1@north.example", "/", "?org=LA2-A")
    missing = page_text(server, "la1@north.example", "/", "?org=NOPE")
    assert "there is no unit with the code 'LA2-A'" in forged
    assert forged.replace("LA2-A", "X") == missing.replace("NOPE", "X")
    group = page_text(server, "region@north.example", "/region", f"?kpi={KPI}&month=2026-09")
    assert "Regional comparison" in group


def test_the_committee_pack_is_the_readers_own_authority(server):
    import openpyxl

    response = client_as(server, "la2@south.example").get("/api/pack.xlsx?period=2026/27 Q2")
    assert response.status_code == 200, response.get_data(as_text=True)
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    text = " ".join(
        str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c
    )
    assert "Southville" in text and "Northtown" not in text


def test_improvement_actions_are_the_readers_authoritys(server):
    mine = client_as(server, "la1@north.example").get("/api/actions").get_json()["actions"]
    assert [a["org"] for a in mine] == ["LA1"]
    listed = client_as(server, "la1@north.example").get("/api/actions.csv").get_data(as_text=True)
    assert "Northtown" in listed and "Southville" not in listed
    everyone = client_as(server, "admin@north.example").get("/api/actions").get_json()["actions"]
    assert sorted(a["org"] for a in everyone) == ["LA1", "LA2"]
