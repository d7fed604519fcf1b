"""Monthly figures derived from Ofsted's Annex A lists, as pure functions.

Each function takes one list as a frame with its dates parsed (``datetime64``) and an ``org``
column (the org unit each row counts for: the authority, or the team it is allocated to, see
:func:`by_org`), and the months to derive; it returns figures ``period, kpi, org, numerator,
denominator, value``. Definitions and sources: ``docs/derived-figures.md``.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from metrics.derived import FIGURE_COLUMNS, month_end
from metrics.workdays import working_days_after

ORG_FIGURE_COLUMNS = [*FIGURE_COLUMNS[:2], "org", *FIGURE_COLUMNS[2:]]
ASSESSMENT_DAYS = 45
ICPC_DAYS = 15
CP_VISIT_DAYS = 10  # working days (local policy, the catalogue's CP_VISITS_TIMELY timescale)
LAC_VISIT_WEEKS = 6  # regulation 28: at most every 6 weeks ...
LAC_VISIT_LONG_TERM_MONTHS = 3  # ... or 3 months after the first year of a long-term placement

Rows = list[dict[str, object]]


def by_org(frame: pd.DataFrame, root: str, definition: Callable[[pd.DataFrame], Rows]) -> pd.DataFrame:
    """``definition`` applied to every row for the authority ``root`` and to each team's rows
    (the ``org`` column; empty = no team) for that team."""
    rows = [dict(r, org=root) for r in definition(frame)]
    teams = frame["org"] if "org" in frame else pd.Series("", index=frame.index)
    for team, part in frame.groupby(teams, sort=True):
        if team and team != root:
            rows.extend(dict(r, org=team) for r in definition(part))
    return pd.DataFrame(rows, columns=ORG_FIGURE_COLUMNS)


def _counts(kpi: str, dates: pd.Series, months: list[str]) -> Rows:
    counts = dates.dropna().dt.strftime("%Y-%m").value_counts()
    return [{"period": m, "kpi": kpi, "value": float(counts.get(m, 0))} for m in months]


def _ratios(kpi: str, dates: pd.Series, good: pd.Series, months: list[str]) -> Rows:
    month = dates.dropna().dt.strftime("%Y-%m")
    total = month.value_counts()
    hits = month[good.reindex(month.index).fillna(False).astype(bool)].value_counts()
    return [
        {"period": m, "kpi": kpi, "numerator": float(hits.get(m, 0)), "denominator": float(total[m])}
        for m in months
        if total.get(m, 0) > 0
    ]


def contacts(list1: pd.DataFrame, months: list[str]) -> Rows:
    """CONTACTS: List 1 rows by date of contact."""
    return _counts("CONTACTS", list1["contact_date"], months)


def referrals(list3: pd.DataFrame, months: list[str]) -> Rows:
    """REFERRALS (List 3 rows by date of referral) and REREFERRALS_12M (of those, the ones with
    at least one earlier referral in the 12 months before: the list's count of referrals in the
    last 12 months excludes the referral itself, so 1 or more)."""
    earlier = pd.to_numeric(list3["referrals_12m"], errors="coerce")
    return [
        *_counts("REFERRALS", list3["referral_date"], months),
        *_ratios("REREFERRALS_12M", list3["referral_date"], earlier >= 1, months),
    ]


def assessments(list4: pd.DataFrame, months: list[str]) -> Rows:
    """ASSESSMENTS_COMPLETED (List 4 by date of authorisation) and ASSESSMENTS_45WD (of those,
    authorised within 45 working days of the start, England and Wales bank holidays excluded)."""
    days = working_days_after(list4["start_date"], list4["authorised_date"])
    return [
        *_counts("ASSESSMENTS_COMPLETED", list4["authorised_date"], months),
        *_ratios("ASSESSMENTS_45WD", list4["authorised_date"], days <= ASSESSMENT_DAYS, months),
    ]


def section47(list5: pd.DataFrame, months: list[str]) -> Rows:
    """S47_ENQUIRIES (List 5 by the start date of the strategy discussion), ICPC_HELD (by the date
    of the initial conference) and ICPC_15WD (of those, held within 15 working days of the
    strategy discussion)."""
    days = working_days_after(list5["strategy_date"], list5["icpc_date"])
    return [
        *_counts("S47_ENQUIRIES", list5["strategy_date"], months),
        *_counts("ICPC_HELD", list5["icpc_date"], months),
        *_ratios("ICPC_15WD", list5["icpc_date"], days <= ICPC_DAYS, months),
    ]


def _open_at(start: pd.Series, end: pd.Series, day: pd.Timestamp) -> pd.Series:
    return (start <= day) & (end.isna() | (end > day))


def cp_plans(list7: pd.DataFrame, months: list[str]) -> Rows:
    """CP_PLANS (children on a plan at month end: started on or before it, not ended by it, each
    child once) and CP_2YEARS_PLUS (of those, plans started 2 years or more before)."""
    rows: Rows = []
    for month in months:
        day = month_end(month)
        on_plan = list7[_open_at(list7["plan_start"], list7["plan_end"], day)]
        children = on_plan["child"].nunique()
        rows.append({"period": month, "kpi": "CP_PLANS", "value": float(children)})
        if children:
            long_ = on_plan.loc[on_plan["plan_start"] <= day - pd.DateOffset(years=2), "child"].nunique()
            rows.append(
                {
                    "period": month,
                    "kpi": "CP_2YEARS_PLUS",
                    "numerator": float(long_),
                    "denominator": float(children),
                }
            )
    return rows


def lac_count(list8: pd.DataFrame, months: list[str]) -> Rows:
    """LAC_COUNT: children in List 8 looked after at month end (started on or before it, not
    ceased by it), each child once."""
    return [
        {
            "period": m,
            "kpi": "LAC_COUNT",
            "value": float(
                list8.loc[_open_at(list8["lac_start"], list8["lac_end"], month_end(m)), "child"].nunique()
            ),
        }
        for m in months
    ]


def cp_visits(list7: pd.DataFrame, extract: pd.Timestamp) -> Rows:
    """CP_VISITS_TIMELY as at the extract date: of the children on a plan then, those whose last
    statutory visit is no more than 10 working days old (a plan younger than that counts as in
    time)."""
    on_plan = list7[_open_at(list7["plan_start"], list7["plan_end"], extract)]
    if on_plan.empty:
        return []
    day = pd.Series(extract, index=on_plan.index)
    since = working_days_after(on_plan["last_visit"].fillna(on_plan["plan_start"]), day)
    good = since <= CP_VISIT_DAYS
    return [
        {
            "period": extract.strftime("%Y-%m"),
            "kpi": "CP_VISITS_TIMELY",
            "numerator": float(on_plan.loc[good, "child"].nunique()),
            "denominator": float(on_plan["child"].nunique()),
        }
    ]


def lac_visits(list8: pd.DataFrame, extract: pd.Timestamp) -> Rows:
    """LAC_VISITS_TIMELY as at the extract date: of the children looked after then, those whose
    last social work visit is no older than 6 weeks, or 3 months where the current placement is
    long-term (its type says so) and started more than a year before."""
    looked_after = list8[_open_at(list8["lac_start"], list8["lac_end"], extract)]
    if looked_after.empty:
        return []
    long_term = looked_after["placement_type"].str.casefold().str.contains("long term", regex=False)
    long_term &= looked_after["placement_start"] <= extract - pd.DateOffset(years=1)
    oldest = pd.Series(extract - pd.DateOffset(weeks=LAC_VISIT_WEEKS), index=looked_after.index)
    oldest[long_term] = extract - pd.DateOffset(months=LAC_VISIT_LONG_TERM_MONTHS)
    good = looked_after["last_visit"] >= oldest
    return [
        {
            "period": extract.strftime("%Y-%m"),
            "kpi": "LAC_VISITS_TIMELY",
            "numerator": float(looked_after.loc[good, "child"].nunique()),
            "denominator": float(looked_after["child"].nunique()),
        }
    ]
