"""The committee pack's pure parts: its period, small-number suppression, the sentence."""

from __future__ import annotations

import pandas as pd
import pytest

from metrics.pack import FEWER_THAN_5, SUPPRESSED, PackPeriodError, pack_period, sentence, suppress


def test_pack_period_takes_a_quarter_or_a_year():
    assert pack_period("2026/27 Q2") == ("quarter", "2026-07", "2026-09")
    assert pack_period("2026/27 Q4") == ("quarter", "2027-01", "2027-03")
    assert pack_period("2026/27") == ("year", "2026-04", "2027-03")
    for bad in ("2026-09", "2026/28", "2026/27 Q5", ""):
        with pytest.raises(PackPeriodError):
            pack_period(bad)


def frame(rows: list[tuple[str, float, float | None, float | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit", "value", "numerator", "denominator"])


def test_small_counts_and_ratios_are_suppressed():
    out = suppress(
        frame(
            [
                ("count", 3, None, None),
                ("count", 12, None, None),
                ("count", 0, None, None),
                ("percent", 75.0, 3, 4),
                ("percent", 50.0, 30, 60),
                ("rate", 12.0, 2, 1600),
            ]
        )
    )
    assert list(out["shown_value"]) == [FEWER_THAN_5, 12, 0, SUPPRESSED, 50.0, SUPPRESSED]
    assert list(out["shown_numerator"][3:]) == [SUPPRESSED, 30, SUPPRESSED]
    assert list(out["suppressed"]) == [True, False, False, True, False, True]


def test_secondary_suppression_hides_a_second_member_of_a_total():
    rows = frame(
        [
            ("count", 3, None, None),
            ("count", 20, None, None),
            ("count", 9, None, None),
            ("count", 32, None, None),
        ]
    )
    members = pd.Series([True, True, True, False])
    out = suppress(rows, total=members)
    assert list(out["suppressed"]) == [True, False, True, False], "3 = 32 - 20 - 9 otherwise"
    assert out["shown_value"].iloc[3] == 32


def test_the_sentence_says_target_comparators_and_spc(catalogue):
    kpi = catalogue["ASSESSMENTS_45WD"]
    row = pd.Series(
        {"rag": "amber", "england_vs": "better", "neighbours_vs": "worse", "variation": "concern_low"}
    )
    assert sentence(row, kpi) == (
        f"{kpi.name}: just short of target, better than England, worse than similar councils; "
        "there is a real change for the worse (special cause)."
    )
