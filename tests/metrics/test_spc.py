"""Statistical process control (metrics.spc): the reference vectors of spc.md, each rule, and invariants."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.spc import (
    ASSURANCE_LABELS,
    ASSURANCE_LETTERS,
    ASSURANCES,
    COLUMNS,
    VARIATION_LABELS,
    VARIATION_LETTERS,
    VARIATIONS,
    SpcError,
    SpcOptions,
    assurance,
    caption,
    latest_limits,
    month_label,
    segment_starts,
    spc_many,
    spc_table,
    variation,
)

TEN_OUTLIER = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
SCREENED = SpcOptions(screen_outliers=True)
# Twelve points alternating 10, 12: mean 11, average moving range 2, so limits 5.68 / 16.32 and
# near-limit band 7.4533 / 14.5467. Used with a fixed baseline so later points leave them alone.
BASELINE = [10.0, 12.0] * 6
FIXED = SpcOptions(fixed_baseline=12)


DEFAULT = SpcOptions()


def table(values, polarity="up", breaks=(), options=DEFAULT, index=None):
    return spc_table(pd.Series(values, dtype=float, index=index), polarity, breaks, options)


def months_from(first: str, count: int) -> list[str]:
    return pd.period_range(first, periods=count, freq="M").strftime("%Y-%m").tolist()


def flagged(frame: pd.DataFrame, column: str) -> list[int]:
    return np.flatnonzero(frame[column].to_numpy()).tolist()


# --- reference vectors (spc.md) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "options", "mean", "lower", "upper", "abs_tol"),
    [
        (list(range(1, 11)), SpcOptions(), 5.5, 2.84, 8.16, 1e-9),
        ([3, 1, 4, 1, 5, 9, 2], SpcOptions(), 3.5714286, -6.6252381, 13.7680952, 5e-8),
        ([1, 2, 3, 2, 1, 2, 3, 4, 5, 6, 7, 4, 3, 2, 1, 2], SpcOptions(), 3.0, -0.0146667, 6.0146667, 5e-8),
        (TEN_OUTLIER, SpcOptions(), 1.94, -3.06, 6.95, 5e-3),
        (TEN_OUTLIER, SCREENED, 1.94, -0.72, 4.60, 5e-3),
    ],
    ids=["one-to-ten", "pi-digits", "sixteen", "outlier-unscreened", "outlier-screened"],
)
def test_reference_limits(values, options, mean, lower, upper, abs_tol):
    result = table(values, options=options)
    assert result["mean"].tolist() == pytest.approx([mean] * len(values), abs=abs_tol)
    assert result["lower"].tolist() == pytest.approx([lower] * len(values), abs=abs_tol)
    assert result["upper"].tolist() == pytest.approx([upper] * len(values), abs=abs_tol)


def test_reference_near_band():
    result = table(range(1, 11))
    assert result["near_lower"].iloc[0] == pytest.approx(3.72667, abs=5e-6)
    assert result["near_upper"].iloc[0] == pytest.approx(7.27333, abs=5e-6)


@pytest.mark.parametrize("options", [SpcOptions(), SCREENED], ids=["unscreened", "screened"])
def test_reference_the_ten_is_the_only_point_outside(options):
    assert flagged(table(TEN_OUTLIER, options=options), "outside") == [4]


def test_screening_leaves_the_mean_alone():
    plain, screened = table(TEN_OUTLIER), table(TEN_OUTLIER, options=SCREENED)
    assert screened["mean"].tolist() == plain["mean"].tolist()


@pytest.mark.parametrize(
    ("values", "trend"),
    [([1, 2, 3, 3, 4, 5, 6], []), ([1, 2, 3, 4, 5, 6, 7], list(range(7)))],
    ids=["tie-breaks-it", "seven-rising"],
)
def test_reference_trend_tie(values, trend):
    assert flagged(table(values), "trend") == trend


@pytest.mark.parametrize(
    ("lower", "upper", "polarity", "expected"),
    [
        (1, 3, "up", "consistently_fail"),
        (5, 7, "up", "consistently_pass"),
        (1, 5, "up", "hit_and_miss"),
        (1, 3, "down", "consistently_pass"),
        (5, 7, "down", "consistently_fail"),
        (1, 5, "down", "hit_and_miss"),
    ],
)
def test_reference_assurance(lower, upper, polarity, expected):
    assert assurance(lower, upper, 4, polarity) == expected


# --- assurance boundaries ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lower", "upper", "target", "polarity", "expected"),
    [
        (4, 7, 4, "up", "hit_and_miss"),
        (1, 4, 4, "up", "hit_and_miss"),
        (4, 7, 4, "down", "hit_and_miss"),
        (0.1 + 0.2, 7, 0.3, "up", "hit_and_miss"),
        (1, 3, None, "up", None),
        (1, 3, float("nan"), "up", None),
        (1, 3, 4, "none", None),
        (float("nan"), float("nan"), 4, "up", None),
    ],
    ids=[
        "on-lower",
        "on-upper",
        "on-lower-down",
        "decimal-on-lower",
        "no-target",
        "nan-target",
        "no-polarity",
        "no-limits",
    ],
)
def test_assurance_boundaries(lower, upper, target, polarity, expected):
    assert assurance(lower, upper, target, polarity) == expected


def test_latest_limits_come_from_the_latest_segment():
    result = table([1, 2] * 6 + [20, 22] * 6, breaks=[12])
    assert latest_limits(result) == (result["lower"].iloc[-1], result["upper"].iloc[-1])
    assert latest_limits(result)[0] > 10


# --- shift -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "shift_length", "expected"),
    [
        ([5] * 7 + [-5] * 7, 7, list(range(14))),
        ([5] * 6 + [-5] * 6, 7, []),
        ([5] * 6 + [-5] * 6, 6, list(range(12))),
        ([5, 5, 5, 0, 5, 5, 5, -5, -5, -5, 0, -5, -5, -5], 7, []),
        ([5] * 7 + [0] + [-5] * 7, 7, [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14]),
        ([5, 5, 5, 0, 5, 5, 5, 5, 5, 5] + [-5] * 9, 7, list(range(10, 19))),
        ([5, 5, 5, 0, 5, 5, 5, 5, 5, 5] + [-5] * 9, 6, list(range(4, 19))),
    ],
    ids=[
        "seven-each-side",
        "six-is-not-seven",
        "six-when-set",
        "on-mean-breaks-run",
        "on-mean-point-not-flagged",
        "six-after-break-at-7",
        "six-after-break-at-6",
    ],
)
def test_shift(values, shift_length, expected):
    result = table(values, options=SpcOptions(shift_length=shift_length))
    assert result["mean"].iloc[0] == 0
    assert flagged(result, "shift") == expected


def test_shift_signal_follows_side_and_polarity():
    result = table([5] * 7 + [-5] * 7, polarity="down")
    assert result["signal"].tolist() == ["concern"] * 7 + ["improvement"] * 7
    assert result["direction"].tolist() == ["high"] * 7 + ["low"] * 7


@pytest.mark.parametrize("length", [5, 8])
def test_shift_length_must_be_six_or_seven(length):
    with pytest.raises(SpcError, match="shift_length must be 6 or 7"):
        SpcOptions(shift_length=length)


# --- trend -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([4, 4, 4, 1, 2, 3, 4, 5, 6, 7, 4, 4, 4], list(range(3, 10))),
        ([4, 4, 4, 1, 2, 3, 4, 5, 6, 6, 4, 4, 4], []),
        ([4, 4, 9, 8, 7, 6, 5, 4, 3, 4, 4], list(range(2, 9))),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], list(range(10))),
        ([1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1], list(range(13))),
    ],
    ids=["seven-rising", "six-rising", "seven-falling", "ten-rising", "peak-shared"],
)
def test_trend_flags_every_point_of_the_run(values, expected):
    assert flagged(table(values), "trend") == expected


def test_trend_signal_is_the_runs_direction_even_below_the_mean():
    values = [50.0, 52.0] * 6 + [48, 48.5, 49, 49.5, 50, 50.5, 51] + [50.0, 52.0] * 3
    result = table(values, polarity="up")
    trend = result.iloc[12:19]
    assert trend["trend"].all()
    assert not (trend["outside"] | trend["shift"] | trend["two_of_three"]).any()
    assert (trend["value"] < trend["mean"]).sum() == 6
    assert trend["signal"].tolist() == ["improvement"] * 7
    assert trend["direction"].tolist() == ["high"] * 7


def test_trend_length_is_a_setting():
    assert flagged(table([4, 4, 1, 2, 3, 4, 5, 4, 4], options=SpcOptions(trend_length=5)), "trend") == [
        2,
        3,
        4,
        5,
        6,
    ]


# --- two of three ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        ([15, 12, 15], [12, 14]),
        ([15, 15, 12], [12, 13]),
        ([7, 10, 7], [12, 14]),
        ([15, 10, 15], []),
        ([15, 12, 12], []),
        ([15, 12, 7], []),
        ([17, 12, 15], [12, 14]),
    ],
    ids=[
        "high",
        "high-adjacent",
        "low",
        "middle-other-side",
        "only-one-beyond",
        "mixed-sides",
        "with-outlier",
    ],
)
def test_two_of_three(tail, expected):
    result = table(BASELINE + tail, options=FIXED)
    assert result["near_upper"].iloc[0] == pytest.approx(11 + 2 * 2.66 / 3 * 2)
    assert flagged(result, "two_of_three") == expected


def test_two_of_three_signal():
    result = table([*BASELINE, 7, 10, 7], polarity="up", options=FIXED)
    assert result["signal"].iloc[12:].tolist() == ["concern", "", "concern"]
    assert variation(result, "up") == "concern_low"


# --- segments ----------------------------------------------------------------------------------


def test_trend_does_not_span_a_break():
    assert flagged(table(range(1, 8)), "trend") == list(range(7))
    assert flagged(table(range(1, 8), breaks=[3]), "trend") == []


def test_shift_does_not_span_a_break():
    values = [-1, -1, -1, -1, *[1] * 7, -1, -1, -1]
    assert flagged(table(values), "shift") == list(range(4, 11))
    assert flagged(table(values, breaks=[7]), "shift") == []


def test_each_segment_has_its_own_limits():
    result = table([1, 2] * 6 + [20, 22] * 6, breaks=[12])
    assert result["segment"].tolist() == [0] * 12 + [1] * 12
    assert result["mean"].tolist() == [1.5] * 12 + [21.0] * 12
    assert result["upper"].iloc[-1] == pytest.approx(21 + 2.66 * 2)


@pytest.mark.parametrize(
    ("months", "changes", "expected"),
    [
        (["2024-01", "2024-02", "2024-03", "2024-04"], ["2024-03"], [2]),
        (["2024-01", "2024-02", "2024-04", "2024-05"], ["2024-03"], [2]),
        (["2024-01", "2024-02", "2024-03"], ["2023-06", "2024-01", "2024-09"], []),
        (["2024-01", "2024-02", "2024-03", "2024-04"], ["2024-04", "2024-02", "2024-02"], [1, 3]),
        ([], ["2024-01"], []),
    ],
    ids=["exact", "missing-month", "outside-the-range", "unsorted-and-repeated", "no-months"],
)
def test_segment_starts(months, changes, expected):
    assert segment_starts(months, changes) == expected


def test_segment_starts_needs_ordered_months():
    with pytest.raises(SpcError, match="increasing order"):
        segment_starts(["2024-02", "2024-01"], [])


@pytest.mark.parametrize("bad", [-1, 5])
def test_break_outside_the_series_is_an_error(bad):
    with pytest.raises(SpcError, match=f"break {bad} is outside the series of 5 points"):
        table([1, 2, 3, 4, 5], breaks=[bad])


# --- provisional and fixed baseline ------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "breaks", "options", "expected"),
    [
        ([1.0, 2.0] * 5 + [1.0], (), SpcOptions(), [True] * 11),
        ([1.0, 2.0] * 6, (), SpcOptions(), [False] * 12),
        ([1.0, 2.0] * 10, (12,), SpcOptions(), [False] * 12 + [True] * 8),
        ([1.0, 2.0] * 10, (12,), SpcOptions(min_points_for_firm_limits=8), [False] * 20),
        ([1.0, 2.0] * 5 + [math.nan, 1.0], (), SpcOptions(), [True] * 12),
        ([1.0, 2.0] * 10, (), SpcOptions(fixed_baseline=6), [True] * 20),
    ],
    ids=["eleven", "twelve", "short-last-segment", "setting", "missing-month-not-counted", "short-baseline"],
)
def test_provisional(values, breaks, options, expected):
    assert table(values, breaks=breaks, options=options)["provisional"].tolist() == expected


def test_fixed_baseline_limits_come_from_the_first_points():
    values = [*[10, 12, 11, 13] * 3, 30, 31, 29, 30, 28, 40]
    fixed = table(values, options=FIXED)
    first = table(values[:12])
    for column in ("mean", "lower", "upper", "near_lower", "near_upper"):
        assert fixed[column].tolist() == [first[column].iloc[0]] * len(values)
    assert flagged(fixed, "outside") == list(range(12, 18))
    assert table(values)["upper"].iloc[0] != fixed["upper"].iloc[0]


def test_fixed_baseline_applies_per_segment():
    values = [1, 3] * 3 + [50, 60] + [20, 22] * 3 + [90]
    result = table(values, breaks=[8], options=SpcOptions(fixed_baseline=6))
    assert result["mean"].tolist() == [2.0] * 8 + [21.0] * 7


# --- missing months ----------------------------------------------------------------------------


def test_missing_month_gets_no_statistics_or_signal():
    months = months_from("2023-01", 16)
    values = [1.0, 2.0, 1.0, 2.0, 10.0, math.nan, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0]
    result = table(values, index=months)
    assert result.index.tolist() == months
    gap = result.loc["2023-06"]
    assert all(math.isnan(gap[column]) for column in ("value", "mean", "lower", "upper"))
    assert not gap[["outside", "shift", "trend", "two_of_three", "special"]].any()
    assert gap["signal"] == ""
    assert gap["segment"] == 0


def test_a_missing_month_breaks_the_moving_range_but_not_the_limits():
    # 1..5 then a gap then 20..24: moving ranges 1,1,1,1 and 1,1,1,1 (never 20 - 5 across the gap)
    values = [1.0, 2.0, 3.0, 4.0, 5.0, math.nan, 20.0, 21.0, 22.0, 23.0, 24.0]
    result = table(values)
    mean = (15 + 110) / 10
    assert result["mean"].dropna().unique().tolist() == [pytest.approx(mean)]
    assert result["upper"].dropna().iloc[0] == pytest.approx(mean + 2.66 * 1.0)


def test_long_form_gaps_break_runs_as_a_missing_month_does():
    values = pd.Series([5, 5, 5, 5, 5, 5, 5, 5] + [-5] * 7, dtype=float)
    gaps = np.zeros(len(values), dtype=bool)
    gaps[4] = True  # the fifth row is two months after the fourth
    with_gap = spc_many(values, np.zeros(len(values)), "up", gaps=gaps)
    nan_gap = table([5, 5, 5, 5, math.nan, 5, 5, 5, 5] + [-5] * 7).dropna(subset=["value"])
    assert flagged(with_gap, "shift") == list(range(8, 15))
    assert with_gap["shift"].tolist() == nan_gap["shift"].tolist()


# Reference vectors for the choices spc.md leaves to us (documented in docs/spc.md).
@pytest.mark.parametrize(
    ("values", "column", "expected"),
    [
        # a gap breaks a run: four, gap, three above the mean is no 7-point shift
        ([5, 5, 5, 5, math.nan, 5, 5, 5] + [-5] * 7, "shift", list(range(8, 15))),
        # seven rising months with a gap in the middle are no trend
        ([4, 4, 4, 1, 2, 3, math.nan, 4, 5, 6, 7, 4, 4, 4], "trend", []),
        # the same seven rising months without the gap are one
        ([4, 4, 4, 1, 2, 3, 4, 5, 6, 7, 4, 4, 4], "trend", list(range(3, 10))),
    ],
    ids=["gap-breaks-shift", "gap-breaks-trend", "no-gap-trend"],
)
def test_reference_gaps(values, column, expected):
    assert flagged(table(values), column) == expected


def test_reference_trend_takes_precedence_over_a_run_on_the_other_side():
    # Seven points above the mean (a shift, high) that also fall month on month (a trend, low):
    # the trend decides, so every point of it is low; higher is better, so concern.
    values = [10.0, 16.0] * 6 + [20, 19.5, 19, 18.5, 18, 17.5, 17]
    result = table(values, polarity="up")
    run = result.iloc[12:]
    assert run["shift"].all() and run["trend"].all()
    assert not run["outside"].any()
    assert run["rule"].tolist() == ["trend"] * 7
    assert run["direction"].tolist() == ["low"] * 7
    assert run["signal"].tolist() == ["concern"] * 7
    assert variation(result, "up") == "concern_low"


def test_reference_outside_takes_precedence_over_a_trend():
    values = [10.0, 11.0] * 8 + [10, 9, 8, 7, 6, 5, -30]
    result = table(values, polarity="up")
    assert result["rule"].iloc[-1] == "outside"
    assert result["direction"].iloc[-1] == "low"
    assert result["rule"].iloc[-2] == "trend"


def test_run_start_names_where_the_run_began():
    result = table([10, 14] * 6 + [15] * 7)  # the last 14 is above the mean too: 8 in a row
    assert result["rule"].iloc[-1] == "shift"
    assert int(result["run_start"].iloc[-1]) == 11
    common = result["rule"] == ""
    assert common.any()
    assert (result.loc[common, "run_start"] == -1).all()


def test_all_missing_and_empty():
    assert table([math.nan, math.nan])["special"].tolist() == [False, False]
    empty = table([])
    assert list(empty.columns) == list(COLUMNS)
    assert empty.empty
    with pytest.raises(SpcError, match="no values to assess"):
        variation(empty, "up")


# --- signals, variation and captions -----------------------------------------------------------


@pytest.mark.parametrize(
    ("polarity", "signal"),
    [("up", "improvement"), ("down", "concern"), ("none", "neutral")],
)
def test_high_outlier_signal_by_polarity(polarity, signal):
    result = table(TEN_OUTLIER, polarity=polarity)
    assert result["signal"].tolist() == [""] * 4 + [signal] + [""] * 13
    assert result["direction"].iloc[4] == "high"


@pytest.mark.parametrize(
    ("values", "polarity", "expected"),
    [
        (range(1, 11), "up", "improvement_high"),
        (range(1, 11), "down", "concern_high"),
        (range(1, 11), "none", "neutral_high"),
        (range(10, 0, -1), "up", "concern_low"),
        (range(10, 0, -1), "down", "improvement_low"),
        (range(10, 0, -1), "none", "neutral_low"),
        ([3, 1, 4, 1, 5, 9, 2], "up", "common_cause"),
        ([3, 1, 4, 1, 5, 9, 2, math.nan], "up", "common_cause"),
        ([1, 2] * 9 + [10], "down", "concern_high"),
    ],
)
def test_variation(values, polarity, expected):
    assert variation(table(list(values), polarity=polarity), polarity) == expected


def test_every_code_has_a_label_and_letter():
    assert set(VARIATION_LABELS) == set(VARIATION_LETTERS) == set(VARIATIONS)
    assert set(ASSURANCE_LABELS) == set(ASSURANCE_LETTERS) == set(ASSURANCES)
    assert all(VARIATION_LABELS.values()) and all(ASSURANCE_LETTERS.values())


@pytest.mark.parametrize(
    ("values", "polarity", "first", "breaks", "options", "expected"),
    [
        (
            [10, 12] * 6 + [14] * 7,
            "up",
            "2018-04",
            (),
            SpcOptions(),
            "Special cause improvement: 7 months in a row above the average since April 2019",
        ),
        (
            [1, 2] * 9 + [10],
            "down",
            "2022-09",
            (),
            SpcOptions(),
            "Special cause concern: a point outside the process limits in March 2024",
        ),
        (
            [10, 11] * 6 + [5, 6, 7, 8, 9, 10, 11],
            "none",
            "2018-04",
            (),
            SpcOptions(),
            "Special cause variation: a rising trend over 7 months since April 2019",
        ),
        (
            [*BASELINE, 15, 12, 15],
            "up",
            "2023-01",
            (),
            FIXED,
            "Special cause improvement: 2 of the last 3 months close to or above the upper process limit, "
            "up to March 2024",
        ),
        (
            [1, 2] * 8,
            "up",
            "2023-01",
            (),
            SpcOptions(),
            "Common cause variation: no signal that performance has changed",
        ),
        (
            [3, 1, 4, 1, 5, 9, 2],
            "up",
            "2023-01",
            (),
            SpcOptions(),
            "Common cause variation: no signal that performance has changed. "
            "Provisional limits: fewer than 12 months of data",
        ),
        (
            [1, 2] * 8 + [5, 6, 5, 6],
            "up",
            "2023-01",
            (16,),
            SpcOptions(),
            "Common cause variation: no signal that performance has changed. "
            "Provisional limits: fewer than 12 months since the last change",
        ),
        (
            [1, 2] * 8,
            "up",
            "2023-01",
            (),
            SpcOptions(fixed_baseline=6),
            "Common cause variation: no signal that performance has changed. "
            "Provisional limits: the baseline has fewer than 12 months",
        ),
    ],
    ids=[
        "shift",
        "outside",
        "trend",
        "two-of-three",
        "common",
        "provisional",
        "after-change",
        "short-baseline",
    ],
)
def test_caption(values, polarity, first, breaks, options, expected):
    months = months_from(first, len(values))
    result = table(values, polarity=polarity, breaks=breaks, options=options)
    assert caption(result, polarity, months, options) == expected


def test_caption_uses_the_latest_month_with_a_value():
    values = [1, 2] * 9 + [10, math.nan]
    months = months_from("2022-09", len(values))
    expected = "Special cause concern: a point outside the process limits in March 2024"
    assert caption(table(values, polarity="down"), "down", months) == expected


def test_caption_needs_a_month_per_row():
    with pytest.raises(SpcError, match="2 months given for a table of 3 rows"):
        caption(table([1, 2, 3]), "up", ["2024-01", "2024-02"])


@pytest.mark.parametrize(("month", "label"), [("2019-04", "April 2019"), ("2024-12", "December 2024")])
def test_month_label(month, label):
    assert month_label(month) == label


def test_unknown_polarity_is_an_error():
    with pytest.raises(SpcError, match="unknown polarity 'higher': use one of up, down, none"):
        table([1, 2, 3], polarity="higher")


# --- many series at once -----------------------------------------------------------------------


def test_spc_many_matches_spc_table_per_series():
    rng = np.random.default_rng(42)
    pieces, expected = [], []
    for number, polarity in enumerate(["up", "down", "none", "up"]):
        values = np.round(rng.normal(50, 5, size=30), 0)
        values[5:] += 10 * (number % 2)
        values[rng.random(30) < 0.1] = np.nan
        breaks = [20] if number == 3 else []
        rebase = np.isin(np.arange(30), breaks)
        pieces.append(
            pd.DataFrame({"id": f"kpi{number}", "value": values, "pol": polarity, "rebase": rebase})
        )
        one = spc_table(pd.Series(values), polarity, breaks)
        offset = 30 * number  # run_start is a row position in the long form
        positions = ("run_start", "change_start")
        expected.append(one.assign(**{c: one[c].where(one[c] < 0, one[c] + offset) for c in positions}))
    frame = pd.concat(pieces, ignore_index=True)
    result = spc_many(frame["value"], frame["id"], frame["pol"], frame["rebase"])
    pd.testing.assert_frame_equal(result, pd.concat(expected, ignore_index=True))


def test_spc_many_needs_each_series_together():
    with pytest.raises(SpcError, match="rows of each series must be together"):
        spc_many(pd.Series([1.0, 2.0, 3.0]), ["a", "b", "a"])


# --- invariants (hypothesis) -------------------------------------------------------------------

RULE_COLUMNS = ["provisional", "outside", "shift", "trend", "two_of_three", "special", "signal", "direction"]
LIMIT_COLUMNS = ["mean", "lower", "upper", "near_lower", "near_upper"]
OPTION_CHOICES = st.sampled_from(
    [
        SpcOptions(),
        SCREENED,
        SpcOptions(shift_length=6),
        SpcOptions(fixed_baseline=5),
        SpcOptions(trend_length=4),
    ]
)


@st.composite
def integer_series(draw, min_size=0):
    values = draw(st.lists(st.integers(-1000, 1000), min_size=min_size, max_size=40))
    breaks = draw(st.lists(st.integers(0, max(len(values) - 1, 0)), max_size=3)) if values else []
    polarity = draw(st.sampled_from(["up", "down", "none"]))
    return values, breaks, polarity


def assert_same_signals(left: pd.DataFrame, right: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(left[RULE_COLUMNS], right[RULE_COLUMNS])


@settings(deadline=None)
@given(integer_series(), st.integers(-1000, 1000), OPTION_CHOICES)
def test_adding_a_constant_moves_the_limits_and_keeps_the_signals(series, constant, options):
    values, breaks, polarity = series
    before = table(values, polarity, breaks, options)
    after = table([v + constant for v in values], polarity, breaks, options)
    assert_same_signals(before, after)
    for column in LIMIT_COLUMNS:
        assert after[column].tolist() == pytest.approx(
            (before[column] + constant).tolist(), abs=1e-6, nan_ok=True
        )


@settings(deadline=None)
@given(integer_series(), st.integers(1, 50), OPTION_CHOICES)
def test_scaling_scales_the_limits_and_keeps_the_signals(series, factor, options):
    values, breaks, polarity = series
    before = table(values, polarity, breaks, options)
    after = table([v * factor for v in values], polarity, breaks, options)
    assert_same_signals(before, after)
    for column in LIMIT_COLUMNS:
        assert after[column].tolist() == pytest.approx(
            (before[column] * factor).tolist(), rel=1e-9, abs=1e-6, nan_ok=True
        )


@settings(deadline=None)
@given(integer_series(), OPTION_CHOICES)
def test_negating_swaps_improvement_and_concern(series, options):
    values, breaks, polarity = series
    before = table(values, polarity, breaks, options)
    after = table([-v for v in values], polarity, breaks, options)
    for column in ["outside", "shift", "trend", "two_of_three", "special"]:
        assert after[column].tolist() == before[column].tolist()
    swap = {"improvement": "concern", "concern": "improvement", "neutral": "neutral", "": ""}
    assert after["signal"].tolist() == [swap[s] for s in before["signal"]]
    flip = {"high": "low", "low": "high", "": ""}
    assert after["direction"].tolist() == [flip[d] for d in before["direction"]]


@settings(deadline=None)
@given(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.integers(1, 40),
    st.lists(st.integers(0, 39), max_size=3),
    OPTION_CHOICES,
    st.sampled_from(["up", "down", "none"]),
)
def test_a_constant_series_has_no_signals(value, length, breaks, options, polarity):
    result = table([value] * length, polarity, [b for b in breaks if b < length], options)
    assert not result["special"].any()
    assert variation(result, polarity) == "common_cause"
    assert result["upper"].equals(result["lower"])  # NaN for a one-point segment: no moving range


@settings(deadline=None)
@given(integer_series(min_size=2), OPTION_CHOICES, st.data())
def test_rules_never_span_a_break(series, options, data):
    values, _, polarity = series
    cut = data.draw(st.integers(1, len(values) - 1))
    whole = table(values, polarity, [cut], options)
    left, right = table(values[:cut], polarity, (), options), table(values[cut:], polarity, (), options)
    moved = {c: right[c].where(right[c] < 0, right[c] + cut) for c in ("run_start", "change_start")}
    expected = pd.concat([left, right.assign(segment=1, **moved)], ignore_index=True)
    pd.testing.assert_frame_equal(whole, expected)


@settings(deadline=None)
@given(integer_series(min_size=1), OPTION_CHOICES)
def test_special_is_any_rule_and_signal_matches(series, options):
    values, breaks, polarity = series
    result = table(values, polarity, breaks, options)
    any_rule = result[["outside", "shift", "trend", "two_of_three"]].any(axis=1)
    assert result["special"].tolist() == any_rule.tolist()
    assert ((result["signal"] != "") == result["special"]).all()
    assert variation(result, polarity) in VARIATIONS
    assert caption(result, polarity, months_from("2020-01", len(values)), options)


# --- architecture ------------------------------------------------------------------------------


def test_spc_imports_neither_dash_nor_sqlalchemy_nor_other_layers():
    source = Path(__file__).resolve().parents[2] / "metrics" / "spc.py"
    imported = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= {
        "__future__",
        "itertools",
        "operator",
        "collections",
        "dataclasses",
        "numpy",
        "pandas",
        "metrics",  # its own package (month names), nothing from data/, layouts/ or callbacks/
    }
