"""One answer everywhere: on the demo data, for every KPI and unit, the trend page's SPC sentence,
the scorecard's icon and the export's columns say the same, because all read the stored report."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from data.engine import make_engine
from data.queries import read_orgs
from data.report_store import read_report, read_series
from metrics import spc, views
from metrics.catalogue import load_catalogue
from metrics.periods import add_months
from metrics.report import ReportQuery
from tests.conftest import demo_copy


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory, demo_database):
    return demo_copy(tmp_path_factory, demo_database, "one-answer")


@pytest.fixture(scope="module")
def client(demo_url):
    from app import create_app

    return create_app(demo_url).server.test_client()


def test_trend_sentence_scorecard_icon_and_export_agree_for_every_kpi_and_unit(demo_url, client):
    catalogue = load_catalogue()
    engine = make_engine(demo_url, read_only=True)
    month = views.latest_month(read_series(engine))
    assert month is not None
    checked = 0
    for org in sorted(set(read_orgs(engine)["code"])):
        history = read_report(engine, ReportQuery(org=org, start=add_months(month, -35), end=month))
        card = views.scorecard(
            history[history["end_month"] > add_months(month, -13)],
            history[history["period"] == month],
            catalogue,
            pd.DataFrame(columns=["kpi", "period", "comparator", "value"]),
            month,
        )
        download = client.get(f"/api/figures.csv?org={org}&from={month}&to={month}")
        assert download.status_code == 200
        exported = {r["kpi"]: r for r in csv.DictReader(io.StringIO(download.get_data(as_text=True)))}
        for kpi, rows in history.groupby("kpi"):
            if rows["end_month"].iloc[-1] != month:  # no figure this month: nothing to agree on
                continue
            icon = card.set_index("kpi").at[kpi, "variation"]
            sentence = views.spc_caption(rows, str(rows["end_month"].iloc[0]))
            family = str(icon).split("_")[0]
            label = spc.SIGNAL_LABELS["" if family == "common" else family]
            assert sentence.startswith(label), (org, kpi, icon, sentence)
            assert exported[kpi]["variation"] == icon, (org, kpi)
            assurance = card.set_index("kpi").at[kpi, "assurance"]
            assert exported[kpi]["assurance"] == (assurance if isinstance(assurance, str) else "")
            checked += 1
    assert checked > 200  # every unit's KPIs with a figure this month, not a handful


def test_a_point_called_outside_the_limits_is_outside_them(demo_url):
    engine = make_engine(demo_url, read_only=True)
    for org in ("LA", "SFS", "MASH"):
        rows = read_report(engine, ReportQuery(org=org))
        outside = rows[rows["spc_rule"] == "outside"]
        assert not outside.empty or org != "LA"
        beyond = (outside["value"] > outside["spc_upper"]) | (outside["value"] < outside["spc_lower"])
        assert beyond.all()


def test_a_sustained_change_gives_no_assurance_and_says_when_it_began(demo_url):
    engine = make_engine(demo_url, read_only=True)
    rows = read_report(engine, ReportQuery())
    latest = rows.sort_values("end_month").groupby("kpi").tail(1)
    moved = latest[latest["spc_moved"].notna()]
    assert len(moved)  # the demo has processes that moved (the vacancy rate among them)
    assert moved["assurance"].isna().all()
    assert moved["spc_rule"].isin(["outside", "trend", "two_of_three", "shift"]).all()
    sentence = views.spc_caption(rows[rows["kpi"] == moved["kpi"].iloc[0]])
    assert "The process appears to have changed from" in sentence
