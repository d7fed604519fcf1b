"""The Annex A definitions on small hand-made lists, with the figures worked out by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics import derived_annex_a as annex
from metrics.workdays import working_days_after


def dates(*values: str | None) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values)))


def by_key(frame: pd.DataFrame) -> dict[tuple[str, str, str], object]:
    return {
        (r.period, r.kpi, r.org): r.value if pd.notna(r.value) else (r.numerator, r.denominator)
        for r in frame.itertuples()
    }


def test_working_days_skip_weekends_and_england_bank_holidays() -> None:
    # Christmas 2020: Friday 25th, and Boxing Day (a Saturday) observed on Monday 28th
    start, end = dates("2020-12-24", "2020-12-01"), dates("2020-12-29", "2021-02-03")
    assert working_days_after(start, end).tolist() == [1.0, 43.0]


def test_assessments_within_45_working_days() -> None:
    list4 = pd.DataFrame(
        {
            "start_date": dates("2020-12-01", "2020-12-01", "2021-01-04"),
            # 43 working days (timely), 46 (late: 8 Feb is the 46th), and one authorised in March
            "authorised_date": dates("2021-02-03", "2021-02-08", "2021-03-01"),
            "org": ["T1", "T2", "T1"],
        }
    )
    result = by_key(annex.by_org(list4, "LA", lambda f: annex.assessments(f, ["2021-02", "2021-03"])))
    assert result[("2021-02", "ASSESSMENTS_COMPLETED", "LA")] == 2
    assert result[("2021-02", "ASSESSMENTS_45WD", "LA")] == (1.0, 2.0)
    assert result[("2021-02", "ASSESSMENTS_45WD", "T2")] == (0.0, 1.0)
    assert result[("2021-03", "ASSESSMENTS_45WD", "T1")] == (1.0, 1.0)
    assert result[("2021-03", "ASSESSMENTS_COMPLETED", "T2")] == 0
    assert ("2021-03", "ASSESSMENTS_45WD", "T2") not in result  # nothing completed: no ratio


def test_contacts_referrals_and_rereferrals() -> None:
    list1 = pd.DataFrame({"contact_date": dates("2020-10-01", "2020-10-31", "2020-11-02")})
    assert by_key(annex.by_org(list1, "LA", lambda f: annex.contacts(f, ["2020-10", "2020-11"]))) == {
        ("2020-10", "CONTACTS", "LA"): 2,
        ("2020-11", "CONTACTS", "LA"): 1,
    }
    list3 = pd.DataFrame(
        {"referral_date": dates("2020-10-01", "2020-10-02", "2020-10-03"), "referrals_12m": ["0", "1", "3"]}
    )
    result = by_key(annex.by_org(list3, "LA", lambda f: annex.referrals(f, ["2020-10"])))
    assert result == {("2020-10", "REFERRALS", "LA"): 3, ("2020-10", "REREFERRALS_12M", "LA"): (2.0, 3.0)}


def test_section_47_and_initial_conferences_within_15_working_days() -> None:
    list5 = pd.DataFrame(
        {
            "strategy_date": dates("2020-09-16", "2020-09-16", "2020-10-01"),
            # 13 working days (timely), 16 (late), no conference
            "icpc_date": dates("2020-10-05", "2020-10-08", None),
        }
    )
    result = by_key(annex.by_org(list5, "LA", lambda f: annex.section47(f, ["2020-09", "2020-10"])))
    assert result[("2020-09", "S47_ENQUIRIES", "LA")] == 2
    assert result[("2020-10", "S47_ENQUIRIES", "LA")] == 1
    assert result[("2020-10", "ICPC_HELD", "LA")] == 2
    assert result[("2020-10", "ICPC_15WD", "LA")] == (1.0, 2.0)


def test_cp_plans_at_month_end_and_two_years_plus() -> None:
    list7 = pd.DataFrame(
        {
            "child": ["a", "b", "c", "d"],
            "plan_start": dates("2018-09-30", "2020-10-15", "2020-06-01", "2020-11-01"),
            "plan_end": dates(None, None, "2020-10-31", None),
            "last_visit": dates("2021-02-20", "2021-02-01", None, None),
        }
    )
    result = by_key(annex.by_org(list7, "LA", lambda f: annex.cp_plans(f, ["2020-10"])))
    # at 31 October 2020: a (2 years and a month), b; c ended that day, d not started
    assert result == {("2020-10", "CP_PLANS", "LA"): 2, ("2020-10", "CP_2YEARS_PLUS", "LA"): (1.0, 2.0)}
    visits = by_key(annex.by_org(list7, "LA", lambda f: annex.cp_visits(f, pd.Timestamp("2021-03-05"))))
    # on plan 5 March 2021: a (visited 20 Feb: 10 working days), b (1 Feb: late), d (no visit
    # since its plan started 1 November: late)
    assert visits == {("2021-03", "CP_VISITS_TIMELY", "LA"): (1.0, 3.0)}


def test_lac_count_and_visits_from_list_8() -> None:
    list8 = pd.DataFrame(
        {
            "child": ["a", "b", "c"],
            "lac_start": dates("2015-01-01", "2020-01-01", "2020-06-01"),
            "lac_end": dates(None, None, "2020-09-22"),
            "last_visit": dates("2020-12-15", "2021-01-20", "2020-09-01"),
            "placement_start": dates("2016-01-01", "2020-01-01", "2020-06-01"),
            "placement_type": ["U1: Foster placement - relatives - long term", "U6: Foster", "U6"],
        }
    )
    counts = by_key(annex.by_org(list8, "LA", lambda f: annex.lac_count(f, ["2020-08", "2020-09"])))
    assert counts == {("2020-08", "LAC_COUNT", "LA"): 3, ("2020-09", "LAC_COUNT", "LA"): 2}
    visits = by_key(annex.by_org(list8, "LA", lambda f: annex.lac_visits(f, pd.Timestamp("2021-03-05"))))
    # a: long-term placement over a year old, 3 months allowed (visited 15 Dec: in time);
    # b: 6 weeks allowed (20 Jan is 44 days before): late
    assert visits == {("2021-03", "LAC_VISITS_TIMELY", "LA"): (1.0, 2.0)}


DAY = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2021, 6, 30))


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(DAY, st.integers(0, 120), st.sampled_from(["", "T1", "T2"])), min_size=1, max_size=15)
)
def test_shuffling_list_rows_changes_nothing(rows: list[tuple[dt.date, int, str]]) -> None:
    starts = pd.Series(pd.to_datetime([r[0] for r in rows]))
    frame = pd.DataFrame(
        {
            "child": [str(i % 5) for i in range(len(rows))],
            "start_date": starts,
            "authorised_date": starts + pd.to_timedelta([r[1] for r in rows], unit="D"),
            "plan_start": starts,
            "plan_end": (starts + pd.to_timedelta([r[1] for r in rows], unit="D")).where(starts.dt.day > 10),
            "org": [r[2] for r in rows],
        }
    )
    months = ["2020-06", "2020-12", "2021-03"]
    shuffled = frame.sample(frac=1, random_state=11).reset_index(drop=True)
    for definition in (annex.assessments, annex.cp_plans):
        before = annex.by_org(frame, "LA", lambda f, d=definition: d(f, months))
        after = annex.by_org(shuffled, "LA", lambda f, d=definition: d(f, months))
        pd.testing.assert_frame_equal(before, after)
