"""Benchmarks in the views: the scorecard's latest England and neighbour figures, chart notes."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from metrics.report import BENCHMARK_COLUMNS, Dataset, _with_comparators
from metrics.views import benchmark_footnotes, comparator_notes, versus, with_latest_benchmarks

NEIGHBOURS_NOTE = (
    "sum of numerators over sum of denominators of 8 of 10 statistical neighbours (2025 model); "
    "no figure for Lincolnshire, Somerset (c: suppressed to protect confidentiality)"
)


def bench(*rows: tuple[str, str, str, float | None, str | None, str | None]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=BENCHMARK_COLUMNS)
    return frame.astype({"value": float})


BENCHMARKS = bench(
    ("CASELOAD_AVG", "2024-09", "England", 15.4, None, None),
    ("CASELOAD_AVG", "2025-09", "England", 15.2, None, None),
    ("CASELOAD_AVG", "2025-09", "Statistical neighbours", 16.4, None, NEIGHBOURS_NOTE),
    ("CASELOAD_AVG", "2025-09", "Region", 15.3, None, "West Midlands"),
    ("CP_2YEARS_PLUS", "2024-03", "Published (DfE)", None, "c", "c: suppressed to protect confidentiality"),
    ("CP_2YEARS_PLUS", "2024-03", "England", 2.3, None, None),
    ("LAC_STARTED", "2025-03", "England", 32270.0, None, None),
    ("LAC_RATE", "2025-03", "England", 67.0, None, None),
)


def card(kpi: str, value: float, months: int = 1) -> pd.DataFrame:
    return pd.DataFrame({"kpi": [kpi], "value": [value], "months": [months]})


@pytest.mark.parametrize(
    ("value", "benchmark", "polarity", "expected"),
    [
        (17.0, 15.2, "down", "worse"),
        (13.0, 15.2, "down", "better"),
        (90.0, 85.0, "up", "better"),
        (15.24, 15.2, "down", "the same"),
        (67.0, 50.0, "none", ""),
        (math.nan, 15.2, "down", ""),
        (17.0, None, "down", ""),
    ],
)
def test_better_or_worse_by_polarity(value, benchmark, polarity, expected):
    assert versus(value, benchmark, polarity) == expected


def test_the_scorecard_takes_the_latest_benchmark_at_or_before_its_month(catalogue):
    row = with_latest_benchmarks(card("CASELOAD_AVG", 17.1), BENCHMARKS, catalogue, "2026-03").iloc[0]
    assert (row.england_latest, row.england_period, row.england_when) == (15.2, "2025-09", "September 2025")
    assert (row.england_vs, row.neighbours_latest, row.neighbours_vs) == ("worse", 16.4, "worse")
    earlier = with_latest_benchmarks(card("CASELOAD_AVG", 15.0), BENCHMARKS, catalogue, "2025-08").iloc[0]
    assert (earlier.england_latest, earlier.england_vs) == (15.4, "better")
    assert math.isnan(earlier.neighbours_latest) and earlier.neighbours_vs == ""


def test_an_absent_published_figure_is_never_the_latest(catalogue):
    row = with_latest_benchmarks(card("CP_2YEARS_PLUS", 1.0), BENCHMARKS, catalogue, "2025-03").iloc[0]
    assert row.england_latest == 2.3 and row.england_vs == "better"


def test_a_flow_is_compared_only_over_twelve_months(catalogue):
    month = with_latest_benchmarks(card("LAC_STARTED", 12.0), BENCHMARKS, catalogue, "2025-06").iloc[0]
    assert (month.england_latest, month.england_when, month.england_vs) == (32270, "year to March 2025", "")
    rows = pd.DataFrame({"kpi": ["LAC_STARTED"] * 2, "end_month": ["2025-03"] * 2, "months": [1, 12]})
    out = _with_comparators(rows, BENCHMARKS, pd.Series([True, True]))
    assert math.isnan(out.england[0]) and out.england[1] == 32270


def test_footnotes_give_the_reason_for_an_absent_figure_and_missing_neighbours():
    dataset = Dataset(benchmarks=BENCHMARKS)
    assert benchmark_footnotes(dataset, "CP_2YEARS_PLUS") == [
        "Published (DfE), March 2024: no figure: c: suppressed to protect confidentiality"
    ]
    assert benchmark_footnotes(dataset, "CASELOAD_AVG") == [
        "Statistical neighbours, September 2025: average without Lincolnshire, Somerset "
        "(c: suppressed to protect confidentiality)"
    ]
    assert benchmark_footnotes(dataset, "CASELOAD_AVG", end="2025-08") == []
    assert benchmark_footnotes(dataset, "CP_2YEARS_PLUS", hidden=("Published (DfE)",)) == []


def test_chart_notes_say_what_is_hidden_and_why(catalogue):
    dataset = Dataset(benchmarks=BENCHMARKS)
    rows = pd.DataFrame({"england": [math.nan], "region": [math.nan], "neighbours": [math.nan]})
    assert comparator_notes(dataset, catalogue["LAC_STARTED"], rows) == [
        "The published figures for this indicator are totals for the year to 31 March, so they are "
        "compared with whole financial years only, not with months or quarters."
    ]
    assert comparator_notes(dataset, catalogue["CASELOAD_AVG"], rows, ("Region",), committee=True) == [
        "Committee view: only our figures, England and the statistical neighbours are shown; hidden: Region."
    ]
    counts = pd.DataFrame({"england": [81770.0], "region": [math.nan], "neighbours": [827.6]})
    assert comparator_notes(dataset, catalogue["LAC_COUNT"], counts)[-1].startswith(
        "England and region figures are totals for far more children"
    )


def test_an_authority_uses_its_own_benchmarks_before_every_authoritys():
    from metrics.report import benchmarks_for

    frame = pd.DataFrame(
        [
            ("CASELOAD_AVG", "2025-09", "England", 15.2, None, None, ""),
            ("CASELOAD_AVG", "2025-09", "Region", 15.0, None, None, "LA1"),
            ("CASELOAD_AVG", "2025-09", "Region", 14.0, None, None, ""),
            ("CASELOAD_AVG", "2025-09", "Region", 17.0, None, None, "LA2"),
        ],
        columns=[*BENCHMARK_COLUMNS, "org"],
    )
    mine = benchmarks_for(frame, "LA1")
    assert mine[["comparator", "value", "org"]].values.tolist() == [
        ["England", 15.2, ""],
        ["Region", 15.0, "LA1"],
    ]
    assert benchmarks_for(frame, "LA3")["value"].tolist() == [15.2, 14.0]  # every authority's only
    assert benchmarks_for(BENCHMARKS, "LA1").equals(BENCHMARKS)  # no org column: every authority's
