"""The demo data builder: deterministic, complete, valid input files, and shaped on published figures."""

from __future__ import annotations

import time
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data.demo_frames import (
    DEMO_AUTHORITY_NAME,
    DEMO_LABEL,
    DEMO_LAST_MONTH,
    DemoData,
    build_demo,
)
from metrics.catalogue import load_catalogue

CATALOGUE = load_catalogue()  # the demo reads units and rules from it, as the dashboard does
RATED = [kpi.code for kpi in CATALOGUE if kpi.polarity != "none"]
AUTHORITY_ONLY = ("CIN_RATE", "CP_RATE", "LAC_RATE", "AGENCY_RATE", "VACANCY_RATE", "TURNOVER_RATE")
FTE_KPIS = ("CASELOAD_AVG", "AGENCY_RATE", "VACANCY_RATE", "TURNOVER_RATE")  # may have one decimal
MONTHS = [f"{m:%Y-%m}" for m in pd.period_range("2018-04", DEMO_LAST_MONTH, freq="M")]

COLUMNS = {
    "orgs": ["code", "name", "parent", "type", "from", "closed"],
    "targets": ["kpi", "from", "target", "tolerance", "org"],
    "figures": ["period", "kpi", "org", "numerator", "denominator", "value", "commentary"],
    "revisions": ["period", "kpi", "org", "numerator", "denominator", "value", "commentary"],
    "process_changes": ["kpi", "org", "period", "note"],
}


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return build_demo()


@pytest.fixture(scope="module")
def figures(demo: DemoData) -> pd.DataFrame:
    """The figures with numbers parsed (empty cells become NaN)."""
    frame = demo.figures.copy()
    for column in ("numerator", "denominator", "value"):
        frame[column] = pd.to_numeric(frame[column].replace("", np.nan))
    return frame


@pytest.fixture(scope="module")
def authority(figures: pd.DataFrame) -> pd.DataFrame:
    """Authority figures: the sum over the units that hold figures, value in the KPI's unit."""
    totals = figures.groupby(["kpi", "period"])[["numerator", "denominator", "value"]].sum(min_count=1)
    kpis = totals.index.get_level_values("kpi").map(CATALOGUE.by_code)
    ratio = totals["numerator"] / totals["denominator"] * kpis.map(lambda kpi: kpi.factor)
    totals["value"] = totals["value"].where(~kpis.map(lambda kpi: kpi.is_ratio), ratio)
    return totals


def series(authority: pd.DataFrame, kpi: str) -> pd.Series:
    return authority.loc[kpi, "value"]


def spc_limits(values: pd.Series) -> tuple[float, float]:
    """XmR process limits (spc.md): mean ± 2.66 × average moving range."""
    amr = values.diff().abs().mean()
    return values.mean() - 2.66 * amr, values.mean() + 2.66 * amr


# --- Determinism and layout -------------------------------------------------------------------


def test_two_builds_are_equal() -> None:
    first, second = build_demo(), build_demo()
    assert first.equals(second)
    for name, frame in first.files().items():
        pd.testing.assert_frame_equal(frame, second.files()[name], obj=name)


def test_another_seed_gives_other_figures(demo: DemoData) -> None:
    other = build_demo(seed=7)
    assert not demo.figures.equals(other.figures)
    assert demo.orgs.equals(other.orgs)


@pytest.mark.parametrize("name", list(COLUMNS))
def test_frames_have_the_input_file_columns_and_text_cells(demo: DemoData, name: str) -> None:
    frame = getattr(demo, name)
    assert list(frame.columns) == COLUMNS[name]
    assert len(frame) > 0
    assert not frame.isna().any().any(), "empty cells are '' as in a CSV, never NaN"
    assert all(isinstance(cell, str) for cell in frame.to_numpy().ravel())


def test_csv_round_trip(demo: DemoData, tmp_path: Path) -> None:
    paths = demo.write_csv(tmp_path)
    assert [p.name for p in paths] == list(demo.files())
    for path, frame in zip(paths, demo.files().values(), strict=True):
        back = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert back.to_numpy().tolist() == frame.to_numpy().tolist(), path.name


def test_label_and_constants(demo: DemoData) -> None:
    assert DEMO_LABEL == "Illustrative demo data, not real figures"
    assert demo.label == DEMO_LABEL
    assert DEMO_LAST_MONTH == "2026-09"
    root = demo.orgs[demo.orgs["parent"] == ""]
    assert root["name"].tolist() == [DEMO_AUTHORITY_NAME]
    assert root["code"].tolist() == ["LA"]


def test_builds_quickly() -> None:
    start = time.perf_counter()
    build_demo(seed=3)
    assert time.perf_counter() - start < 2.0


# --- Org units ----------------------------------------------------------------------------------


def test_orgs_form_one_tree_with_one_root(demo: DemoData) -> None:
    orgs = demo.orgs.set_index("code")
    assert orgs.index.is_unique
    roots = orgs.index[orgs["parent"] == ""].tolist()
    assert roots == ["LA"]
    assert orgs.loc["LA", "type"] == "authority"
    for code, parent in orgs["parent"].items():
        seen = {code}
        while parent:
            assert parent in orgs.index, f"{code}: unknown parent {parent}"
            assert parent not in seen, f"cycle at {code}"
            seen.add(parent)
            parent = orgs.loc[parent, "parent"]
        assert "LA" in seen
    assert set(orgs["type"]) == {"authority", "service", "team"}
    services = orgs[orgs["type"] == "service"]
    assert set(services["parent"]) == {"LA"}
    assert set(orgs.loc[orgs["type"] == "team", "parent"]) <= set(services.index)


@pytest.mark.parametrize(
    "team",
    [
        "MASH",
        "ASSESS1",
        "ASSESS2",
        "CPC1",
        "CPC2",
        "CPC3",
        "LAC1",
        "LAC2",
        "LEAV16",
        "SRT",
        "FOST1",
        "FOST2",
        "CWD",
    ],
)
def test_published_2019_teams_exist(demo: DemoData, team: str) -> None:
    assert team in set(demo.orgs.loc[demo.orgs["type"] == "team", "code"])


def test_a_team_closes_and_a_new_one_takes_its_work_the_next_month(demo: DemoData) -> None:
    orgs = demo.orgs.set_index("code")
    closed = orgs[orgs["closed"] != ""]
    assert len(closed) >= 1
    for code, row in closed.iterrows():
        following = MONTHS[MONTHS.index(row["closed"]) + 1]
        successors = orgs[orgs["from"] == following]
        assert len(successors) == 1, code
        successor = successors.index[0]
        for kpi in demo.figures.loc[demo.figures["org"] == code, "kpi"].unique():
            rows = demo.figures[demo.figures["kpi"] == kpi]
            assert rows.loc[rows["org"] == code, "period"].max() == row["closed"]
            assert rows.loc[rows["org"] == successor, "period"].min() == following


# --- Figures: completeness and validity ---------------------------------------------------------


@pytest.mark.parametrize("kpi", list(CATALOGUE.by_code))
def test_every_catalogue_kpi_has_figures_every_month(demo: DemoData, kpi: str) -> None:
    rows = demo.figures[demo.figures["kpi"] == kpi]
    assert len(rows) > 0, f"{kpi} missing"
    assert sorted(rows["period"].unique()) == MONTHS


def test_no_unknown_kpis(demo: DemoData) -> None:
    assert set(demo.figures["kpi"]) <= set(CATALOGUE.by_code)


def test_series_are_continuous_while_the_unit_operates(demo: DemoData) -> None:
    orgs = demo.orgs.set_index("code")
    for (kpi, org), rows in demo.figures.groupby(["kpi", "org"]):
        start = orgs.loc[org, "from"] or MONTHS[0]
        end = orgs.loc[org, "closed"] or MONTHS[-1]
        expected = MONTHS[MONTHS.index(max(start, MONTHS[0])) : MONTHS.index(min(end, MONTHS[-1])) + 1]
        assert rows["period"].tolist() == expected, (kpi, org)


def test_no_duplicate_keys(demo: DemoData) -> None:
    assert not demo.figures.duplicated(["period", "kpi", "org"]).any()
    assert not demo.revisions.duplicated(["period", "kpi", "org"]).any()


def test_figures_are_at_team_level_except_authority_only_kpis(demo: DemoData) -> None:
    types = demo.orgs.set_index("code")["type"]
    for kpi, rows in demo.figures.groupby("kpi"):
        levels = set(rows["org"].map(types))
        assert levels == ({"authority"} if kpi in AUTHORITY_ONLY else {"team"}), kpi


@pytest.mark.parametrize("name", ["figures", "revisions"])
def test_numbers_follow_the_loading_rules(demo: DemoData, name: str) -> None:
    frame = getattr(demo, name)
    for row in frame.itertuples(index=False):
        unit = CATALOGUE[row.kpi].unit
        where = f"{name}: {row.period} {row.kpi} {row.org}"
        if unit == "count":
            assert row.numerator == row.denominator == "", where
            assert row.value.isdigit(), where  # whole number >= 0
            continue
        assert row.value == "", where
        decimals = 1 if row.kpi in FTE_KPIS else 0
        for cell in (row.numerator, row.denominator):
            whole, _, fraction = cell.partition(".")
            assert whole.isdigit() and len(fraction) <= decimals and fraction in ("", *"0123456789"), where
        numerator, denominator = float(row.numerator), float(row.denominator)
        assert denominator > 0, where
        if unit == "percent":
            assert numerator <= denominator, where


def test_caseload_numerators_are_whole_cases(demo: DemoData) -> None:
    caseload = demo.figures[demo.figures["kpi"] == "CASELOAD_AVG"]
    assert caseload["numerator"].str.isdigit().all()


def test_commentary_entries(demo: DemoData) -> None:
    notes = demo.figures[demo.figures["commentary"] != ""]
    assert 10 <= len(notes) <= 20
    assert notes["commentary"].str.len().min() > 10


# --- Published shapes (authority = sum over teams) -----------------------------------------------


@pytest.mark.parametrize(
    ("kpi", "period", "low", "high"),
    [
        ("ASSESSMENTS_45WD", "2018-09", 35, 43),  # 39%
        ("ASSESSMENTS_45WD", "2019-06", 86, 94),  # 90-91%
        ("CP_PLANS", "2018-04", 215, 245),  # 236 at the Jan 2018 peak
        ("CP_PLANS", "2019-06", 95, 120),  # 105 (109)
        ("LAC_COUNT", "2019-06", 320, 350),  # 334
        ("CIN_PLANS", "2019-06", 195, 220),  # 208
        ("EARLY_HELP_OPEN", "2019-06", 1250, 1320),  # 1,288
        ("CP_VISITS_TIMELY", "2018-09", 65, 73),  # 69%
        ("CP_VISITS_TIMELY", "2019-06", 72, 86),  # 74% (another table: 84%)
        ("LAC_VISITS_TIMELY", "2018-09", 61, 69),  # 65%
        ("LAC_VISITS_TIMELY", "2019-06", 80, 86),  # 83%
        ("CIN_VISITS_TIMELY", "2018-09", 37, 45),  # 41%
        ("CIN_VISITS_TIMELY", "2019-06", 70, 78),  # 74%
        ("REFERRAL_DECISION_1WD", "2019-06", 85, 91),  # 88.1%
        ("CONTACTS_NFA", "2019-06", 50, 56),  # 53%
        ("CL_IN_TOUCH", "2019-03", 80, 86),  # 83%
        ("CL_IN_TOUCH", "2019-06", 70, 76),  # 73%
        ("LAC_IN_HOUSE_FOSTER", "2019-06", 68, 74),  # 71%
        ("CASELOAD_AVG", "2018-06", 26, 32),  # high 20s to 30s
        ("CASELOAD_AVG", "2019-06", 17, 25),  # range 17-25
        ("CIN_RATE", "2019-06", 300, 360),  # England 330 per 10,000
    ],
)
def test_published_figures(authority: pd.DataFrame, kpi: str, period: str, low: float, high: float) -> None:
    assert low <= series(authority, kpi)[period] <= high


@pytest.mark.parametrize(
    ("kpi", "published"),
    [
        ("CONTACTS", 1553),
        ("REFERRALS", 381),
        ("ASSESSMENTS_COMPLETED", 280),
        ("S47_ENQUIRIES", 135),
        ("ICPC_HELD", 46),
        ("ADOPTIONS", 15),
    ],
)
def test_published_year_to_june_2019(authority: pd.DataFrame, kpi: str, published: int) -> None:
    assert series(authority, kpi).loc["2018-07":"2019-06"].sum() == published


@pytest.mark.parametrize(
    ("teams", "published"),
    [(["CPC1", "CPC2", "CPC3"], 67), (["LAC1", "LAC2", "LEAV16"], 55), (["ASSESS1", "ASSESS2", "CWD"], 66)],
)
def test_supervision_june_2019_by_team_group(figures: pd.DataFrame, teams: list[str], published: int) -> None:
    rows = figures[(figures["kpi"] == "SUPERVISION_TIMELY") & (figures["period"] == "2019-06")]
    rows = rows[rows["org"].isin(teams)]
    assert len(rows) == len(teams)
    assert abs(100 * rows["numerator"].sum() / rows["denominator"].sum() - published) < 1.5


@pytest.mark.parametrize(("rate", "counts"), [("CP_RATE", ["CP_PLANS"]), ("LAC_RATE", ["LAC_COUNT"])])
def test_rates_use_the_authority_counts(authority: pd.DataFrame, rate: str, counts: list[str]) -> None:
    numerators = authority.loc[rate, "numerator"]
    total = sum(authority.loc[kpi, "value"] for kpi in counts)
    assert (numerators == total).all()
    assert authority.loc[rate, "denominator"].between(35_000, 37_000).all()


def test_children_in_need_include_plans_and_looked_after(authority: pd.DataFrame) -> None:
    included = sum(authority.loc[kpi, "value"] for kpi in ("CIN_PLANS", "CP_PLANS", "LAC_COUNT"))
    assert (authority.loc["CIN_RATE", "numerator"] > included).all()


# --- Signals for statistical process control --------------------------------------------------------


def test_shift_in_cp_visits_from_april_2022(demo: DemoData, authority: pd.DataFrame) -> None:
    visits = series(authority, "CP_VISITS_TIMELY")
    before, after = visits.loc["2021-04":"2022-03"], visits.loc["2022-04":"2023-03"]
    assert after.mean() - before.mean() >= 8
    assert (after > before.mean() + 5).all(), "every month of the year after is above the year before"
    changes = demo.process_changes
    assert (
        (changes["kpi"] == "CP_VISITS_TIMELY") & (changes["org"] == "LA") & (changes["period"] == "2022-04")
    ).any()


def test_trend_of_seven_or_more_rising_months(authority: pd.DataFrame) -> None:
    looked_after = series(authority, "LAC_COUNT").to_numpy()
    longest = run = 0
    for previous, current in pairwise(looked_after):
        run = run + 1 if current > previous else 0
        longest = max(longest, run)
    assert longest >= 7


def test_isolated_outlier_in_contacts(authority: pd.DataFrame) -> None:
    contacts = series(authority, "CONTACTS").loc["2022-10":"2024-09"]
    lower, upper = spc_limits(contacts)
    outside = contacts[(contacts > upper) | (contacts < lower)]
    assert outside.index.tolist() == ["2023-11"]


# --- Targets, revisions, process changes ------------------------------------------------------------


@pytest.mark.parametrize("kpi", RATED)
def test_every_kpi_with_a_polarity_has_a_target(demo: DemoData, kpi: str) -> None:
    rows = demo.targets[demo.targets["kpi"] == kpi]
    assert len(rows) >= 1
    assert (rows["from"] >= MONTHS[0]).all() and (rows["from"] <= MONTHS[-1]).all()
    assert (pd.to_numeric(rows["target"]) >= 0).all() and (pd.to_numeric(rows["tolerance"]) > 0).all()


def test_targets_change_over_time_and_some_are_for_one_unit(demo: DemoData) -> None:
    targets = demo.targets
    assert not targets.duplicated(["kpi", "from", "org"]).any()
    assert set(targets["kpi"]) <= set(RATED)
    assert set(targets["org"]) - {""} <= set(demo.orgs["code"])
    assert (targets["org"] != "").any()
    visits = targets[(targets["kpi"] == "CP_VISITS_TIMELY") & (targets["org"] == "")].set_index("from")
    assert visits.loc["2019-04", "target"] == "95"
    assert targets.groupby(["kpi", "org"]).size().max() >= 2


def test_revisions_restate_existing_figures(demo: DemoData) -> None:
    revisions = demo.revisions
    assert 8 <= len(revisions) <= 15
    current = demo.figures.set_index(["period", "kpi", "org"])
    for row in revisions.itertuples(index=False):
        key = (row.period, row.kpi, row.org)
        assert key in current.index, key
        old = current.loc[key]
        assert (row.numerator, row.denominator, row.value) != (
            old["numerator"],
            old["denominator"],
            old["value"],
        )


def test_process_changes(demo: DemoData) -> None:
    changes = demo.process_changes
    assert 3 <= len(changes) <= 10
    assert set(changes["kpi"]) <= {"*", *CATALOGUE.by_code}
    assert set(changes["org"]) <= set(demo.orgs["code"])
    assert changes["period"].isin(MONTHS).all()
    assert (changes["kpi"] == "*").sum() >= 1
