"""The SSDA903 definitions on small hand-made returns, with the figures worked out by hand."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics import derived

COLUMNS = ["CHILD", "DECOM", "DEC", "RNE", "LS", "PLACE", "REC"]


def episodes(*rows: tuple[str, str, str | None, str, str, str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=COLUMNS)
    for column in ("DECOM", "DEC"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def figures(frame: pd.DataFrame) -> dict[str, object]:
    """period -> value for counts, (numerator, denominator) for ratios."""
    return {
        row.period: row.value if pd.notna(row.value) else (row.numerator, row.denominator)
        for row in frame.itertuples()
    }


# A: in care from 10 March, new placement on 31 May (the day the first episode ends);
# B: in and out in April, leaving on 30 April (so not looked after at the end of April);
# C: a short break (V3), never counted; D: 1 May to 15 June.
SMALL = episodes(
    ("A", "2019-03-10", "2019-05-31", "S", "C2", "U1", "X1"),
    ("A", "2019-05-31", None, "P", "C2", "U3", ""),
    ("B", "2019-04-15", "2019-04-30", "S", "V2", "U1", "E11"),
    ("C", "2019-04-01", None, "S", "V3", "U1", ""),
    ("D", "2019-05-01", "2019-06-15", "S", "C2", "U1", "E12"),
)
MONTHS = ["2019-04", "2019-05", "2019-06"]


def test_lac_count_counts_children_open_at_month_end() -> None:
    assert figures(derived.lac_count(SMALL, MONTHS)) == {"2019-04": 1, "2019-05": 2, "2019-06": 1}


def test_lac_started_counts_s_episodes_by_start_month_without_short_breaks() -> None:
    assert figures(derived.lac_started(SMALL, MONTHS)) == {"2019-04": 1, "2019-05": 1, "2019-06": 0}


def test_adoptions_count_episodes_ending_adopted() -> None:
    assert figures(derived.adoptions(SMALL, MONTHS)) == {"2019-04": 1, "2019-05": 0, "2019-06": 1}


# E: placements 1 Aug-1 Dec 2018, 1 Dec-1 Mar (a legal-status change L inside it) and from 1 March
# (a same-carer move T inside it): three placements; F: one placement all along.
STABILITY = episodes(
    ("E", "2018-08-01", "2018-12-01", "S", "C2", "U1", "X1"),
    ("E", "2018-12-01", "2019-01-01", "P", "C2", "U3", "X1"),
    ("E", "2019-01-01", "2019-03-01", "L", "C1", "U3", "X1"),
    ("E", "2019-03-01", "2019-05-01", "B", "C2", "U4", "X1"),
    ("E", "2019-05-01", None, "T", "C2", "U5", ""),
    ("F", "2018-01-01", None, "S", "C2", "U1", ""),
)


def test_placements_start_at_s_p_b_and_continue_through_l_t_u() -> None:
    spans = derived.placements(STABILITY)
    assert spans[spans["CHILD"] == "E"]["start"].dt.strftime("%Y-%m-%d").tolist() == [
        "2018-08-01",
        "2018-12-01",
        "2019-03-01",
    ]


def test_three_placements_in_the_rolling_year() -> None:
    result = figures(derived.lac_3plus_placements(STABILITY, ["2019-06", "2019-12"]))
    # June 2019: E's three placements all fall in July 2018 - June 2019; December: the first
    # ended on 1 December 2018, before the year to 31 December 2019 began.
    assert result == {"2019-06": (1.0, 2.0), "2019-12": (0.0, 2.0)}


def test_reviews_follow_regulation_33_with_bank_holidays() -> None:
    care = episodes(("G", "2019-04-01", None, "S", "C2", "U1", ""))
    reviews = pd.DataFrame({"CHILD": ["G", "G"], "REVIEW": pd.to_datetime(["2019-04-29", "2019-08-05"])})
    result = figures(derived.lac_reviews_timely(care, reviews, derived.year_months("2019/20")))
    # first due 20 working days after 1 April 2019 (Good Friday, Easter Monday out): 1 May, held
    # 29 April; second due 29 July, held 5 August (late); third due 5 February 2020, never held.
    assert result == {"2019-05": (1.0, 1.0), "2019-07": (0.0, 1.0), "2020-02": (0.0, 1.0)}


def test_year_months_and_collection_year() -> None:
    assert derived.year_months("2017/18")[0] == "2017-04"
    assert derived.year_months("2017/18")[-1] == "2018-03"
    assert derived.collection_year(pd.Timestamp("2018-03-31")) == "2017/18"
    assert derived.collection_year(pd.Timestamp("2018-04-01")) == "2018/19"


def test_care_leavers_exclude_died_and_returned_home() -> None:
    oc3 = pd.DataFrame(
        {
            "IN_TOUCH": ["YES", "YES", "NO", "DIED", "RHOM", "REFU"],
            "ACTIV": ["F1", "G5", "0", "F1", "P2", "P3"],
            "ACCOM": ["B1", "B2", "0", "B1", "C1", "Z1"],
        }
    )
    result = derived.care_leavers(oc3, "2017/18").set_index("kpi")
    assert result.loc["CL_IN_TOUCH", ["numerator", "denominator"]].tolist() == [2, 4]
    assert result.loc["CL_EET", ["numerator", "denominator"]].tolist() == [2, 4]  # F1, P3
    assert result.loc["CL_SUITABLE_ACCOM", ["numerator", "denominator"]].tolist() == [2, 4]  # B1, Z1
    assert set(result["period"]) == {"2018-03"}


def test_health_assessments_and_missing_and_rate() -> None:
    oc2 = pd.DataFrame({"HEALTH_CHECK": ["1", "0", "1", "1"]})
    assert figures(derived.lac_health_assessments(oc2, "2017/18")) == {"2018-03": (3.0, 4.0)}
    missing = pd.DataFrame(
        {"MISSING": ["M", "A", "M"], "MIS_START": pd.to_datetime(["2019-04-02", "2019-04-03", "2019-06-30"])}
    )
    counted = figures(derived.lac_missing_episodes(missing, MONTHS))
    assert counted == {"2019-04": 1, "2019-05": 0, "2019-06": 1}
    rate = derived.lac_rate(derived.lac_count(SMALL, MONTHS), 40_000)
    assert figures(rate)["2019-05"] == (2.0, 40_000.0)


# --- properties ----------------------------------------------------------------------------------

DAY = st.dates(min_value=pd.Timestamp("2018-01-01").date(), max_value=pd.Timestamp("2020-12-31").date())
EPISODE = st.tuples(
    st.sampled_from(["a", "b", "c", "d"]),
    DAY,
    st.one_of(st.none(), st.integers(0, 400)),
    st.sampled_from(["S", "P", "L", "B", "T"]),
    st.sampled_from(["C2", "V3"]),
)


def _frame(rows: list[tuple]) -> pd.DataFrame:
    records = []
    for child, start, length, rne, ls in rows:
        end = None if length is None else str(start + pd.Timedelta(days=length).to_pytimedelta())
        records.append((child, str(start), end, rne, ls, "U1", "X1"))
    return episodes(*records)


@settings(max_examples=60, deadline=None)
@given(st.lists(EPISODE, max_size=12), EPISODE, st.sampled_from(["2019-01", "2019-07", "2020-03"]))
def test_an_episode_ending_before_a_month_never_changes_its_count(
    rows: list, extra: tuple, month: str
) -> None:
    base = _frame(rows)
    start = pd.Timestamp(f"{month}-01")
    child, _, _, rne, ls = extra
    first, last = str(start - pd.Timedelta(days=40)), str(start - pd.Timedelta(days=1))
    ended = episodes((child, first, last, rne, ls, "U1", "X1"))
    before = derived.lac_count(base, [month])
    after = derived.lac_count(pd.concat([base, ended], ignore_index=True), [month])
    assert before["value"].tolist() == after["value"].tolist()


@settings(max_examples=40, deadline=None)
@given(st.lists(EPISODE, min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_shuffling_rows_changes_nothing(rows: list, random: object) -> None:
    base = _frame(rows)
    shuffled = base.sample(frac=1, random_state=7).reset_index(drop=True)
    months = derived.year_months("2019/20")
    reviews = pd.DataFrame({"CHILD": base["CHILD"], "REVIEW": base["DECOM"] + pd.Timedelta(days=30)})
    for function in (derived.lac_count, derived.lac_started, derived.lac_3plus_placements):
        pd.testing.assert_frame_equal(function(base, months), function(shuffled, months))
    pd.testing.assert_frame_equal(
        derived.lac_reviews_timely(base, reviews, months),
        derived.lac_reviews_timely(shuffled, reviews.sample(frac=1, random_state=3), months),
    )
