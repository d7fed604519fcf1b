"""Data-quality checks: one test per check with its exact message, and the boundaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metrics.periods import add_months
from metrics.quality import (
    CHECKS,
    FINDING_COLUMNS,
    QualityError,
    QualityOptions,
    finding_keys,
    has_errors,
    run_checks,
)
from metrics.report import REVISION_COLUMNS, Dataset, build_report

TODAY = "2024-06"
ORGS = pd.DataFrame(
    [
        ("LA", "Example Council", "", "authority", "", ""),
        ("SFS", "Safeguarding and Family Support", "LA", "service", "", ""),
        ("T1", "Team 1", "SFS", "team", "", ""),
        ("T2", "Team 2", "SFS", "team", "", ""),
        # closed after February 2024, open again from May 2024
        ("T3", "Team 3", "SFS", "team", "", "2024-02"),
        ("T3", "Team 3", "SFS", "team", "2024-05", ""),
    ],
    columns=["code", "name", "parent", "type", "from", "closed"],
)


def figures(*rows: tuple) -> pd.DataFrame:
    """Rows of (kpi, org, period, numerator, denominator, value); None for an empty cell."""
    frame = pd.DataFrame(rows, columns=["kpi", "org", "period", "numerator", "denominator", "value"])
    frame = frame.astype({"numerator": float, "denominator": float, "value": float})
    return frame.assign(commentary=None)


def counts(kpi: str, org: str, start: str, values: list[float | None]) -> list[tuple]:
    """A monthly series of a count KPI from ``start``; None leaves the month out."""
    return [(kpi, org, add_months(start, i), None, None, v) for i, v in enumerate(values) if v is not None]


def ratios(kpi: str, org: str, start: str, parts: list[tuple[float, float]]) -> list[tuple]:
    return [(kpi, org, add_months(start, i), n, d, None) for i, (n, d) in enumerate(parts)]


def dataset(rows: list[tuple], **extra: object) -> Dataset:
    return Dataset(figures=figures(*rows), orgs=ORGS, **extra)  # type: ignore[arg-type]


def monthly_report(data: Dataset, catalogue) -> pd.DataFrame:
    """The stored report's monthly rows, as the loader gives the checks."""
    report = build_report(data, catalogue)
    return report[report["kind"] == "month"].reset_index(drop=True)


def run(catalogue, data: Dataset, today: str = TODAY, **options: object) -> pd.DataFrame:
    return run_checks(
        data,
        catalogue,
        monthly_report(data, catalogue),
        today_month=today,
        options=QualityOptions(**options),  # type: ignore[arg-type]
    )


def found(findings: pd.DataFrame, check: str) -> list[tuple[str, str, str, str]]:
    rows = findings[findings["check"] == check]
    return list(rows[["kpi", "org", "period", "message"]].itertuples(index=False, name=None))


# --- the frame -------------------------------------------------------------------------------------


def test_no_data_gives_an_empty_frame_with_the_columns(catalogue):
    findings = run_checks(Dataset(), catalogue, Dataset().figures)
    assert list(findings.columns) == FINDING_COLUMNS
    assert findings.empty
    assert not has_errors(findings)


def test_clean_data_has_no_findings(catalogue):
    data = dataset(counts("LAC_COUNT", "T1", "2024-01", [30, 31, 30, 32, 31]))
    assert run(catalogue, data).empty


def test_every_finding_has_title_severity_name_and_link(catalogue):
    data = dataset(counts("LAC_COUNT", "T1", "2024-01", [30, None, 30, 32, 31]))
    findings = run(catalogue, data)
    assert findings.to_dict("records") == [
        {
            "check": "missing_months",
            "title": "Missing months",
            "severity": "warning",
            "kpi": "LAC_COUNT",
            "kpi_name": catalogue["LAC_COUNT"].name,
            "org": "T1",
            "period": "2024-02",
            "message": "no figure for February 2024: 1 month missing in a series that runs from "
            "January 2024 to May 2024",
            "link": "/kpi?kpi=LAC_COUNT&org=T1&period=month&to=2024-02",
        }
    ]


def test_errors_come_first(catalogue):
    rows = counts("LAC_COUNT", "T1", "2024-01", [30, None, 30, 32, 31])
    rows += counts("LAC_COUNT", "T2", "2024-01", [10, 10, 10, 10, 10])
    rows += counts("LAC_COUNT", "SFS", "2024-05", [99])
    findings = run(catalogue, dataset(rows))
    assert list(findings["severity"]) == ["error", "warning"]
    assert has_errors(findings)


def test_every_check_has_a_title_and_a_known_severity():
    assert {severity for _, severity in CHECKS.values()} == {"error", "warning", "info"}


# --- missing months --------------------------------------------------------------------------------


def test_missing_months_are_one_finding_per_gap(catalogue):
    rows = counts("LAC_COUNT", "T1", "2023-11", [30, 31, None, None, 29, 30, None, 31])
    assert found(run(catalogue, dataset(rows)), "missing_months") == [
        (
            "LAC_COUNT",
            "T1",
            "2024-01",
            "no figures for January 2024 to February 2024: 2 months missing in a series that runs "
            "from November 2023 to June 2024",
        ),
        (
            "LAC_COUNT",
            "T1",
            "2024-05",
            "no figure for May 2024: 1 month missing in a series that runs from November 2023 to June 2024",
        ),
    ]


def test_a_unit_is_not_missing_months_while_it_was_closed(catalogue):
    # T3 closed after February and opened again in May: March and April are not missing
    rows = counts("LAC_COUNT", "T3", "2024-01", [5, 6, None, None, 5, 6])
    assert found(run(catalogue, dataset(rows)), "missing_months") == []


def test_missing_months_only_count_a_units_own_figures(catalogue):
    # SFS is rolled up from T1: its figures are not "missing" where T1 has none
    rows = counts("LAC_COUNT", "T1", "2024-01", [30, None, 30])
    assert [org for _, org, *_ in found(run(catalogue, dataset(rows)), "missing_months")] == ["T1"]


# --- revisions -------------------------------------------------------------------------------------


def revisions(*rows: tuple) -> pd.DataFrame:
    """Rows of (kpi, org, period, value/num/den before, value/num/den after, file, loaded_at)."""
    frame = pd.DataFrame(rows, columns=REVISION_COLUMNS)
    return frame.astype({c: float for c in REVISION_COLUMNS if c.endswith(("_before", "_after"))})


def test_a_revised_figure_says_before_after_when_and_which_file(catalogue):
    data = dataset(
        counts("LAC_COUNT", "T1", "2024-01", [30, 31]),
        revisions=revisions(
            (
                "LAC_COUNT",
                "T1",
                "2024-01",
                33,
                None,
                None,
                30,
                None,
                None,
                "late.csv",
                "2024-03-05T10:00:00+00:00",
            ),
            (
                "ASSESSMENTS_45WD",
                "T1",
                "2024-02",
                None,
                40,
                50,
                None,
                45,
                50,
                "restated.xlsx",
                "2024-04-01T09:30:12+00:00",
            ),
            # commentary only: the figure is the same, so no finding
            (
                "LAC_COUNT",
                "T1",
                "2024-02",
                31,
                None,
                None,
                31,
                None,
                None,
                "notes.csv",
                "2024-04-02T09:00:00+00:00",
            ),
        ),
    )
    findings = run(catalogue, data)
    assert found(findings, "revised") == [
        (
            "ASSESSMENTS_45WD",
            "T1",
            "2024-02",
            "revised from 40/50 (80%) to 45/50 (90%) by restated.xlsx, loaded 2024-04-01 09:30",
        ),
        ("LAC_COUNT", "T1", "2024-01", "revised from 33 to 30 by late.csv, loaded 2024-03-05 10:00"),
    ]
    assert set(findings.loc[findings["check"] == "revised", "severity"]) == {"info"}


# --- team figures against their parent ------------------------------------------------------------


@pytest.mark.parametrize(
    ("parent", "tolerance", "expected"),
    [
        (340, 0, False),  # equal
        (341, 1, False),  # difference exactly the tolerance
        (341, 0.5, True),
        (338, 0, True),
    ],
)
def test_sum_of_teams_against_the_parent_at_the_tolerance(catalogue, parent, tolerance, expected):
    rows = [
        ("LAC_COUNT", "T1", "2024-01", None, None, 200),
        ("LAC_COUNT", "T2", "2024-01", None, None, 140),
        ("LAC_COUNT", "SFS", "2024-01", None, None, parent),
    ]
    findings = found(run(catalogue, dataset(rows), today="2024-02", sum_tolerance=tolerance), "sum_mismatch")
    assert bool(findings) is expected


def test_sum_mismatch_of_a_count_names_the_numbers(catalogue):
    rows = [
        ("LAC_COUNT", "T1", "2024-01", None, None, 200),
        ("LAC_COUNT", "T2", "2024-01", None, None, 140),
        ("LAC_COUNT", "SFS", "2024-01", None, None, 343),
    ]
    findings = run(catalogue, dataset(rows), today="2024-02")
    assert found(findings, "sum_mismatch") == [
        (
            "LAC_COUNT",
            "SFS",
            "2024-01",
            "the 2 units below SFS add up to 340, but SFS's own figure is 343: "
            "a difference of 3 (tolerance 0)",
        )
    ]
    assert list(findings["severity"]) == ["error"]


def test_sum_mismatch_of_a_percentage_compares_numerators_and_denominators(catalogue):
    rows = [
        ("ASSESSMENTS_45WD", "T1", "2024-01", 40, 50, None),
        ("ASSESSMENTS_45WD", "T2", "2024-01", 18, 20, None),
        ("ASSESSMENTS_45WD", "SFS", "2024-01", 60, 70, None),  # same denominator, 2 more on time
    ]
    assert found(run(catalogue, dataset(rows), today="2024-02"), "sum_mismatch") == [
        (
            "ASSESSMENTS_45WD",
            "SFS",
            "2024-01",
            "the 2 units below SFS add up to 58/70, but SFS's own figure is 60/70: "
            "the numerators differ by 2 (tolerance 0)",
        )
    ]


def test_a_parent_without_its_own_figure_is_not_compared(catalogue):
    rows = [("LAC_COUNT", "T1", "2024-01", None, None, 200), ("LAC_COUNT", "T2", "2024-01", None, None, 140)]
    assert found(run(catalogue, dataset(rows), today="2024-02"), "sum_mismatch") == []


# --- outside the process limits -------------------------------------------------------------------


def test_a_spike_outside_the_process_limits_is_to_be_checked_at_source(catalogue):
    values = [10, 12, 10, 12, 10, 12, 10, 12, 10, 12, 10, 12, 40, 11, 12]
    findings = run(catalogue, dataset(counts("LAC_COUNT", "T1", "2023-01", values)), today="2024-03")
    assert found(findings, "outside_limits") == [
        (
            "LAC_COUNT",
            "T1",
            "2024-01",
            "40 is above the upper process limit of 28.2 (average 13), after 12 in December 2023: "
            "check the figure at source",
        )
    ]
    assert list(findings["severity"]) == ["info"]


def test_a_jump_in_the_latest_month_is_flagged(catalogue):
    values = [10, 12, 10, 12, 10, 12, 10, 12, 10, 12, 10, 12, 10, 12, 40]
    findings = run(catalogue, dataset(counts("LAC_COUNT", "T1", "2023-01", values)), today="2024-03")
    assert [m for *_, m in found(findings, "outside_limits")] == [
        "40 is above the upper process limit of 23.19 (average 12.93), after 12 in February 2024: "
        "check the figure at source"
    ]


def test_a_slow_drift_past_the_limits_is_not_a_spike(catalogue):
    values = list(np.arange(20) + np.tile([0, 0.5], 10))
    data = dataset(counts("LAC_COUNT", "T1", "2023-01", values))
    assert found(run(catalogue, data, today="2024-08"), "outside_limits") == []
    every = found(run(catalogue, data, today="2024-08", spikes_only=False), "outside_limits")
    assert len(every) == 14


def test_process_limits_restart_at_a_process_change(catalogue):
    values = [10, 12] * 6 + [40, 42] * 5 + [40, 60]  # a real step up in January 2024, a spike at the end
    changes = pd.DataFrame(
        [("LAC_COUNT", "T1", "2024-01", "new model")], columns=["kpi", "org", "period", "note"]
    )
    data = dataset(counts("LAC_COUNT", "T1", "2023-01", values), process_changes=changes)
    assert [m for *_, m in found(run(catalogue, data, today="2024-12"), "outside_limits")] == [
        "60 is above the upper process limit of 52.17 (average 42.5), after 40 in November 2024: "
        "check the figure at source"
    ]


# --- stale data ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("latest", "stale"), [("2024-04", False), ("2024-03", True), ("2024-06", False)])
def test_stale_data_boundary(catalogue, latest, stale):
    data = dataset([("LAC_COUNT", "T1", latest, None, None, 30)])
    assert bool(found(run(catalogue, data, today="2024-06"), "stale")) is stale


def test_stale_data_says_how_old(catalogue):
    data = dataset(counts("LAC_COUNT", "T1", "2024-01", [30, 31]))
    assert found(run(catalogue, data, today="2024-06"), "stale") == [
        (
            "LAC_COUNT",
            "T1",
            "2024-02",
            "the latest figure is for February 2024, 4 months before June 2024: "
            "figures up to April 2024 were expected",
        )
    ]
    assert found(run(catalogue, data, today="2024-06", stale_months=4), "stale") == []


def test_a_closed_unit_is_not_stale(catalogue):
    closed = ORGS[ORGS["code"] != "T3"]
    closed = pd.concat(
        [closed, pd.DataFrame([("T4", "Team 4", "SFS", "team", "", "2024-02")], columns=closed.columns)]
    )
    data = Dataset(figures=figures(*counts("LAC_COUNT", "T4", "2024-01", [5, 6])), orgs=closed)
    assert found(run(catalogue, data, today="2024-12"), "stale") == []


# --- denominators that jump ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "flagged"),
    [
        (20, 40, False),  # exactly the factor
        (20, 41, True),
        (40, 20, False),  # exactly the factor, down
        (41, 20, True),
        (5, 15, False),  # small numbers: both under the floor of 20
        (0, 25, True),
        (25, 0, True),
    ],
)
def test_denominator_jump_boundaries(catalogue, before, after, flagged):
    data = dataset(ratios("ASSESSMENTS_45WD", "T1", "2024-04", [(0, before), (0, after)]))
    assert bool(found(run(catalogue, data), "denominator_jump")) is flagged


def test_denominator_jump_names_the_numbers(catalogue):
    data = dataset(ratios("ASSESSMENTS_45WD", "T1", "2024-03", [(40, 50), (100, 120), (40, 50)]))
    assert found(run(catalogue, data), "denominator_jump") == [
        (
            "ASSESSMENTS_45WD",
            "T1",
            "2024-04",
            "the denominator went from 50 in March 2024 to 120 in April 2024, 2.4 times as many "
            "(a change of more than 2 times either way is flagged)",
        ),
        (
            "ASSESSMENTS_45WD",
            "T1",
            "2024-05",
            "the denominator went from 120 in April 2024 to 50 in May 2024, 2.4 times fewer "
            "(a change of more than 2 times either way is flagged)",
        ),
    ]


def test_denominators_are_not_compared_across_a_gap(catalogue):
    data = dataset(
        [
            ("ASSESSMENTS_45WD", "T1", "2024-01", 40, 50, None),
            ("ASSESSMENTS_45WD", "T1", "2024-03", 100, 120, None),
        ]
    )
    assert found(run(catalogue, data), "denominator_jump") == []


# --- the DfE's published figures ------------------------------------------------------------------


def published(*rows: tuple[str, str, float]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [(k, p, "Published (DfE)", v, None, None) for k, p, v in rows],
        columns=["kpi", "period", "comparator", "value", "symbol", "note"],
    )
    return frame.astype({"value": float})


def test_published_mismatch_names_both_figures(catalogue):
    rows = [("LAC_COUNT", "T1", "2024-03", None, None, 100), ("LAC_COUNT", "T2", "2024-03", None, None, 42)]
    data = dataset(rows, benchmarks=published(("LAC_COUNT", "2024-03", 139)))
    findings = run(catalogue, data, today="2024-04")
    assert found(findings, "published_mismatch") == [
        ("LAC_COUNT", "LA", "2024-03", "our March 2024 figure was 142, DfE published 139: a difference of 3")
    ]
    assert list(findings["severity"]) == ["error"]


@pytest.mark.parametrize(("tolerance", "expected"), [(0, True), (2.5, True), (3, False)])
def test_published_tolerance_boundary(catalogue, tolerance, expected):
    rows = [("LAC_COUNT", "LA", "2024-03", None, None, 142)]
    data = dataset(rows, benchmarks=published(("LAC_COUNT", "2024-03", 139)))
    findings = run(catalogue, data, today="2024-04", published_tolerance=tolerance)
    assert bool(found(findings, "published_mismatch")) is expected


@pytest.mark.parametrize(
    ("numerator", "published_value", "message"),
    [
        (481, 15, None),  # 15.03 rounds to the published 15
        (486, 15.2, None),  # 15.19 rounds to 15.2
        (
            489,
            15.2,
            "our September 2023 figure was 15.28 (15.3 to the published precision), DfE published 15.2: "
            "a difference of 0.1",
        ),
    ],
)
def test_published_figures_are_compared_at_their_precision(catalogue, numerator, published_value, message):
    rows = [("CASELOAD_AVG", "LA", "2023-09", numerator, 32, None)]
    data = dataset(rows, benchmarks=published(("CASELOAD_AVG", "2023-09", published_value)))
    findings = found(run(catalogue, data, today="2023-10"), "published_mismatch")
    assert [m for *_, m in findings] == ([message] if message else [])


def test_a_flow_is_compared_over_the_year_to_the_published_month(catalogue):
    rows = counts("LAC_STARTED", "LA", "2023-04", [5] * 12)  # 60 children started care in 2023/24
    data = dataset(rows, benchmarks=published(("LAC_STARTED", "2024-03", 58)))
    assert found(run(catalogue, data, today="2024-04"), "published_mismatch") == [
        (
            "LAC_STARTED",
            "LA",
            "2024-03",
            "our figure for the 12 months to March 2024 was 60, DfE published 58: a difference of 2",
        )
    ]
    short = dataset(rows[1:], benchmarks=published(("LAC_STARTED", "2024-03", 58)))  # 11 months only
    assert found(run(catalogue, short, today="2024-04"), "published_mismatch") == []


def test_other_comparators_are_not_checked(catalogue):
    bench = published(("LAC_COUNT", "2024-03", 139)).assign(comparator="England")
    data = dataset([("LAC_COUNT", "LA", "2024-03", None, None, 142)], benchmarks=bench)
    assert found(run(catalogue, data, today="2024-04"), "published_mismatch") == []


# --- identity of findings -------------------------------------------------------------------------


def test_finding_keys_ignore_moving_numbers_but_not_revisions():
    frame = pd.DataFrame(
        [
            ("outside_limits", "LAC_COUNT", "T1", "2024-01", "40 is above 28.2"),
            ("outside_limits", "LAC_COUNT", "T1", "2024-01", "40 is above 27.9"),
            ("revised", "LAC_COUNT", "T1", "2024-01", "revised from 33 to 30"),
            ("revised", "LAC_COUNT", "T1", "2024-01", "revised from 30 to 31"),
        ],
        columns=["check", "kpi", "org", "period", "message"],
    )
    keys = finding_keys(frame)
    assert keys[0] == keys[1]
    assert keys[2] != keys[3]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"sum_tolerance": -1}, "tolerances cannot be negative"),
        ({"stale_months": -1}, "stale_months cannot be negative, not -1"),
        ({"denominator_jump": 1}, "denominator_jump must be more than 1, not 1"),
    ],
)
def test_impossible_options_are_refused(options, message):
    with pytest.raises(QualityError, match=f"^{message}$"):
        QualityOptions(**options)
