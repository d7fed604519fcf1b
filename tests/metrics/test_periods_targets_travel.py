"""Financial years, quarters, targets by period and direction of travel."""

from __future__ import annotations

import pandas as pd
import pytest

from metrics.periods import financial_year, fy_quarter, month_name, month_range, parse_month, period_label
from metrics.targets import attach_targets
from metrics.travel import direction_of_travel


@pytest.mark.parametrize(
    ("month", "year", "quarter"),
    [
        ("2024-04", "2024/25", "2024/25 Q1"),
        ("2024-06", "2024/25", "2024/25 Q1"),
        ("2024-07", "2024/25", "2024/25 Q2"),
        ("2024-12", "2024/25", "2024/25 Q3"),
        ("2025-01", "2024/25", "2024/25 Q4"),
        ("2025-03", "2024/25", "2024/25 Q4"),
        ("1999-12", "1999/00", "1999/00 Q3"),
    ],
)
def test_financial_years_run_april_to_march(month, year, quarter):
    assert financial_year(month) == year
    assert fy_quarter(month) == quarter
    assert period_label(month, "ytd") == f"{month} YTD"


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2024-01", "2024-01"),
        ("2024-01-31", "2024-01"),
        (" 2024-12 ", "2024-12"),
        ("2024-13", None),
        ("2024-02-30", None),
        ("24-01", None),
        ("Jan 2024", None),
        ("", None),
    ],
)
def test_parse_month(text, month):
    assert parse_month(text) == month


def test_month_helpers():
    assert month_range("2023-11", "2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert month_name("2019-04") == "April 2019"


TARGETS = pd.DataFrame(
    [
        ("CP_VISITS_TIMELY", "", "2018-04", 85.0, 5.0),
        ("CP_VISITS_TIMELY", "", "2019-04", 95.0, 5.0),
        ("CP_VISITS_TIMELY", "CPC1", "2019-10", 90.0, 2.0),
    ],
    columns=["kpi", "org", "from", "target", "tolerance"],
)


@pytest.mark.parametrize(
    ("org", "month", "target", "tolerance"),
    [
        ("LA", "2018-03", None, None),  # before any target
        ("LA", "2018-04", 85.0, 5.0),
        ("LA", "2019-03", 85.0, 5.0),  # holds until replaced
        ("LA", "2019-04", 95.0, 5.0),
        ("CPC1", "2019-09", 95.0, 5.0),  # the general one until the unit's own starts
        ("CPC1", "2019-10", 90.0, 2.0),  # an org-specific target beats the general one
        ("CPC2", "2019-10", 95.0, 5.0),
    ],
)
def test_targets_hold_until_replaced_and_org_beats_general(org, month, target, tolerance):
    rows = pd.DataFrame({"kpi": ["CP_VISITS_TIMELY"], "org": [org], "end_month": [month]})
    got = attach_targets(rows, TARGETS).iloc[0]
    assert (None if pd.isna(got["target"]) else got["target"]) == target
    assert (None if pd.isna(got["tolerance"]) else got["tolerance"]) == tolerance


@pytest.mark.parametrize(
    ("values", "polarity", "expected"),
    [
        ([80, 85, 85, 82], "up", ["", "better", "same", "worse"]),
        ([20, 18, 18, 21], "down", ["", "better", "same", "worse"]),
        ([100, 120, 90], "none", ["", "higher", "lower"]),
    ],
)
def test_direction_of_travel(values, polarity, expected):
    rows = pd.DataFrame(
        {
            "kpi": "K",
            "org": "LA",
            "end_month": [f"2024-{m:02d}" for m in range(1, len(values) + 1)],
            "value": values,
        }
    )
    assert direction_of_travel(rows, pd.Series(polarity, index=rows.index)).tolist() == expected


def test_short_month_and_period_text():
    from metrics.periods import period_text, short_month

    assert short_month("2023-10") == "Oct 2023"
    assert period_text("2023-10") == "Oct 2023"
    assert period_text("2023/24 Q3") == "2023/24 Q3"
    assert period_text("2023/24") == "2023/24"
