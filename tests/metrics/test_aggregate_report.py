"""Aggregation across a tree that changes over time, periods, and the report's SPC columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metrics import spc
from metrics.aggregate import over_time, roll_up
from metrics.orgtree import UnknownOrg, children, descendants, tree_by_month
from metrics.report import EXPORT_COLUMNS, Dataset, ReportError, ReportQuery, figures_report

ORGS = pd.DataFrame(
    [
        ("LA", "Council", "", "authority", "", ""),
        ("S1", "Service", "LA", "service", "", ""),
        ("T1", "Team 1", "S1", "team", "", "2024-02"),  # closes after February
        ("T2", "Team 2", "S1", "team", "", ""),
        ("T3", "Team 3", "S1", "team", "2024-03", ""),  # opens in March, takes T1's work
    ],
    columns=["code", "name", "parent", "type", "from", "closed"],
)


def figures(rows):
    frame = pd.DataFrame(rows, columns=["kpi", "org", "period", "numerator", "denominator", "value"])
    return frame.assign(commentary=None).astype({"numerator": float, "denominator": float, "value": float})


def test_tree_by_month_follows_openings_and_closures():
    tree = tree_by_month(ORGS, ["2024-02", "2024-03"])
    feb = set(tree.loc[tree["period"] == "2024-02", "org"])
    mar = set(tree.loc[tree["period"] == "2024-03", "org"])
    assert feb == {"LA", "S1", "T1", "T2"}
    assert mar == {"LA", "S1", "T2", "T3"}
    assert tree.set_index(["org", "period"]).loc[("T3", "2024-03"), "depth"] == 2
    assert children(ORGS, "S1", "2024-02") == ["T1", "T2"]
    assert children(ORGS, "S1", "2024-03") == ["T2", "T3"]
    assert descendants(ORGS, "S1") == {"S1", "T1", "T2", "T3"}
    with pytest.raises(UnknownOrg):
        descendants(ORGS, "NOPE")


def test_roll_up_uses_own_figure_else_children_combined(catalogue):
    facts = figures(
        [
            ("CP_PLANS", "T1", "2024-02", None, None, 10),
            ("CP_PLANS", "T2", "2024-02", None, None, 5),
            ("CP_PLANS", "T2", "2024-03", None, None, 6),
            ("CP_PLANS", "T3", "2024-03", None, None, 12),
            ("CP_PLANS", "LA", "2024-03", None, None, 20),  # the authority's own figure wins
            ("ASSESSMENTS_45WD", "T1", "2024-02", 8, 10, None),
            ("ASSESSMENTS_45WD", "T2", "2024-02", 1, 2, None),
        ]
    )
    tree = tree_by_month(ORGS, ["2024-02", "2024-03"])
    got = roll_up(facts, tree, catalogue).set_index(["kpi", "org", "period"])
    assert got.loc[("CP_PLANS", "S1", "2024-02"), "value"] == 15
    assert got.loc[("CP_PLANS", "S1", "2024-03"), "value"] == 18
    assert got.loc[("CP_PLANS", "LA", "2024-02"), "value"] == 15
    assert got.loc[("CP_PLANS", "LA", "2024-03"), "value"] == 20
    ratio = got.loc[("ASSESSMENTS_45WD", "LA", "2024-02")]
    assert (ratio["numerator"], ratio["denominator"]) == (9, 12)
    assert ratio["value"] == pytest.approx(75.0)  # 9/12, not the mean of 80% and 50%


def test_over_time_sums_flows_and_takes_the_last_stock(catalogue):
    monthly = figures(
        [
            ("REFERRALS", "LA", "2024-01", None, None, 3),
            ("REFERRALS", "LA", "2024-03", None, None, 4),
            ("CP_PLANS", "LA", "2024-01", None, None, 30),
            ("CP_PLANS", "LA", "2024-02", None, None, 31),
            ("ASSESSMENTS_45WD", "LA", "2024-01", 1, 4, 25.0),
            ("ASSESSMENTS_45WD", "LA", "2024-02", 3, 4, 75.0),
        ]
    )
    got = over_time(monthly, "quarter", catalogue).set_index("kpi")
    assert got.loc["REFERRALS", "value"] == 7
    assert (got.loc["CP_PLANS", "value"], got.loc["CP_PLANS", "end_month"]) == (31, "2024-02")
    assert got.loc["ASSESSMENTS_45WD", "value"] == pytest.approx(50.0)
    assert set(got["period"]) == {"2023/24 Q4"}


def test_report_spc_columns_match_spc_table(catalogue):
    rng = np.random.default_rng(7)
    values = list(rng.integers(40, 60, 20)) + list(rng.integers(70, 90, 10))
    months = pd.period_range("2022-01", periods=len(values), freq="M").strftime("%Y-%m")
    facts = figures(
        [("CP_VISITS_TIMELY", "LA", m, v, 100, None) for m, v in zip(months, values, strict=True)]
    )
    changes = pd.DataFrame([("*", "LA", months[20], "New system")], columns=["kpi", "org", "period", "note"])
    dataset = Dataset(figures=facts, orgs=ORGS, process_changes=changes)
    rows = figures_report(dataset, catalogue, ReportQuery())
    assert list(rows.columns) == EXPORT_COLUMNS
    expected = spc.spc_table(pd.Series(values, dtype=float), "up", [20])
    assert rows["spc_mean"].to_numpy() == pytest.approx(expected["mean"].to_numpy())
    assert rows["spc_upper"].to_numpy() == pytest.approx(expected["upper"].to_numpy())
    assert rows["spc_signal"].tolist() == expected["signal"].tolist()
    assert rows["variation"].notna().all()  # every month has its point's icon
    assert rows["variation"].iloc[-1] == spc.variation(expected, "up")
    assert rows["spc_mean"].iloc[19] != rows["spc_mean"].iloc[20]  # a new baseline at the change


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (ReportQuery(period="week"), "period must be one of month, quarter, year, ytd, not 'week'"),
        (ReportQuery(kpis=("NOPE",)), "unknown KPI code 'NOPE'"),
        (ReportQuery(start="2024-05", end="2024-01"), "from 2024-05 is after to 2024-01"),
    ],
)
def test_report_rejects_bad_queries(catalogue, query, message):
    with pytest.raises(ReportError) as caught:
        figures_report(Dataset(orgs=ORGS), catalogue, query)
    assert str(caught.value) == message


def test_report_on_an_empty_dataset_has_the_export_columns(catalogue):
    assert list(figures_report(Dataset(), catalogue, ReportQuery()).columns) == EXPORT_COLUMNS
