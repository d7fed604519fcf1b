"""Monthly figures derived from the SSDA903 return (children looked after), as pure functions.

Every function takes the return's tables as frames (dates already parsed to ``datetime64``,
codes as text, one row per record) and a list of months (``YYYY-MM``), and returns figures as
rows ``period, kpi, numerator, denominator, value`` for the authority: counts in ``value``,
ratios as numerator and denominator (never a pre-computed percentage, so they aggregate).
The definitions and their DfE sources are in ``docs/derived-figures.md``; the data layer reads,
validates and labels the figures (org unit, provenance).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.periods import month_range
from metrics.workdays import bank_holidays

RULES_VERSION = "derived-1"
FIGURE_COLUMNS = ["period", "kpi", "numerator", "denominator", "value"]
SHORT_BREAKS = ("V3", "V4")  # legal status: an agreed series of short-term placements
NEW_PLACEMENT = ("S", "P", "B")  # reasons for a new episode that start a placement with new carers
TEMPORARY_PLACEMENTS = ("T0", "T1", "T2", "T3", "T4")
ADOPTED = ("E11", "E12")
CARE_LEAVER_EXCLUDED = ("DIED", "RHOM")  # died, or returned home for 6 months or more


def year_months(year: str) -> list[str]:
    """The twelve months of a financial year written ``2019/20`` (April 2019 to March 2020)."""
    start = int(year[:4])
    return month_range(f"{start}-04", f"{start + 1}-03")


def collection_year(latest: pd.Timestamp) -> str:
    """The collection year ending on the 31 March on or after ``latest``."""
    start = latest.year if latest.month > 3 else latest.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def month_end(month: str) -> pd.Timestamp:
    return pd.Timestamp(f"{month}-01") + pd.offsets.MonthEnd(0)


def _count(kpi: str, counts: dict[str, int]) -> pd.DataFrame:
    rows = [{"period": m, "kpi": kpi, "numerator": None, "denominator": None, "value": float(v)}
            for m, v in counts.items()]  # fmt: skip
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS)


def _ratio(kpi: str, parts: dict[str, tuple[int, int]]) -> pd.DataFrame:
    rows = [
        {"period": m, "kpi": kpi, "numerator": float(n), "denominator": float(d), "value": None}
        for m, (n, d) in parts.items()
        if d > 0  # no denominator, no figure: a ratio of nothing is not zero
    ]
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS)


def _in_care(episodes: pd.DataFrame) -> pd.DataFrame:
    """Episodes that count as being looked after: not short breaks."""
    return episodes[~episodes["LS"].isin(SHORT_BREAKS)]


def _in_order(episodes: pd.DataFrame) -> pd.DataFrame:
    """Episodes by child and start, ties broken on every other column: the file's row order
    never matters."""
    keys = [c for c in ("CHILD", "DECOM", "DEC", "RNE", "LS", "PLACE", "REC") if c in episodes]
    return episodes.sort_values(keys, kind="stable", na_position="last")


def looked_after_at(episodes: pd.DataFrame, day: pd.Timestamp) -> pd.Index:
    """Children with an episode open at the end of ``day`` (DECOM on or before it, DEC empty or
    after it), short breaks excluded."""
    care = _in_care(episodes)
    open_ = (care["DECOM"] <= day) & (care["DEC"].isna() | (care["DEC"] > day))
    return pd.Index(care.loc[open_, "CHILD"].unique())


def lac_count(episodes: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """LAC_COUNT: children looked after at the end of each month, each counted once."""
    return _count("LAC_COUNT", {m: len(looked_after_at(episodes, month_end(m))) for m in months})


def lac_started(episodes: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """LAC_STARTED: episodes starting a period of care (RNE ``S``) whose DECOM is in the month."""
    care = _in_care(episodes)
    started = care.loc[care["RNE"] == "S", "DECOM"].dt.strftime("%Y-%m")
    counts = started.value_counts()
    return _count("LAC_STARTED", {m: int(counts.get(m, 0)) for m in months})


def adoptions(episodes: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """ADOPTIONS: episodes ending with the child adopted (REC ``E11``/``E12``) in the month."""
    ended = episodes.loc[episodes["REC"].isin(ADOPTED) & episodes["DEC"].notna(), "DEC"]
    counts = ended.dt.strftime("%Y-%m").value_counts()
    return _count("ADOPTIONS", {m: int(counts.get(m, 0)) for m in months})


def placements(episodes: pd.DataFrame) -> pd.DataFrame:
    """Placements (CHILD, start, end): runs of episodes with the same carers. A placement starts
    with a child's first episode and with every episode whose RNE is ``S``, ``P`` or ``B``
    (new carers); ``L`` (legal status only), ``T`` and ``U`` (same carers) continue it.
    Temporary placements (PLACE ``T0``-``T4``) and short breaks are not placements."""
    care = _in_care(episodes)
    care = _in_order(care[~care["PLACE"].isin(TEMPORARY_PLACEMENTS)])
    first = care["CHILD"].ne(care["CHILD"].shift())
    starts = first | care["RNE"].isin(NEW_PLACEMENT)
    number = starts.cumsum()
    open_end = care["DEC"].isna()
    grouped = care.assign(_n=number, _open=open_end).groupby("_n", sort=False)
    result = pd.DataFrame(
        {
            "CHILD": grouped["CHILD"].first(),
            "start": grouped["DECOM"].min(),
            "end": grouped["DEC"].max().where(~grouped["_open"].any()),
        }
    )
    return result.reset_index(drop=True)


def lac_3plus_placements(episodes: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """LAC_3PLUS_PLACEMENTS: of the children looked after at month end, those with 3 or more
    placements (see :func:`placements`) open at any time in the 12 months to that date."""
    spans = placements(episodes)
    parts: dict[str, tuple[int, int]] = {}
    for month in months:
        end = month_end(month)
        window = end - pd.DateOffset(years=1) + pd.Timedelta(days=1)
        looked_after = looked_after_at(episodes, end)
        open_ = (spans["start"] <= end) & (spans["end"].isna() | (spans["end"] >= window))
        per_child = spans.loc[open_ & spans["CHILD"].isin(looked_after), "CHILD"].value_counts()
        parts[month] = (int((per_child >= 3).sum()), len(looked_after))
    return _ratio("LAC_3PLUS_PLACEMENTS", parts)


def care_periods(episodes: pd.DataFrame) -> pd.DataFrame:
    """Periods of care (CHILD, start, end): from an episode with RNE ``S`` (or a child's first
    episode) to the end of the last episode before the next ``S``."""
    care = _in_order(_in_care(episodes))
    first = care["CHILD"].ne(care["CHILD"].shift())
    number = (first | (care["RNE"] == "S")).cumsum()
    grouped = care.assign(_n=number, _open=care["DEC"].isna()).groupby("_n", sort=False)
    return pd.DataFrame(
        {
            "CHILD": grouped["CHILD"].first(),
            "start": grouped["DECOM"].min(),
            "end": grouped["DEC"].max().where(~grouped["_open"].any()),
            "started": grouped["RNE"].first() == "S",
        }
    ).reset_index(drop=True)


def review_schedule(episodes: pd.DataFrame, reviews: pd.DataFrame, last_day: pd.Timestamp) -> pd.DataFrame:
    """Reviews due (CHILD, due, held, on_time) by regulation 33: the first within 20 working days
    of the start of a period of care, the second within 3 months of the first, later ones within
    6 months of the one before. A due date is known only where the tables show what it runs
    from (the period's start, for a period that starts in the episodes with RNE ``S``, or the
    review before); the review after the last one held is due, and late, if its due date is by
    ``last_day`` and the child is still looked after then."""
    periods = care_periods(episodes)
    if periods.empty:
        return pd.DataFrame(
            {"CHILD": [], "due": pd.Series([], dtype="datetime64[ns]"), "held": [], "on_time": []}
        )
    periods = periods.reset_index(names="period_id")
    held = reviews[["CHILD", "REVIEW"]].dropna().drop_duplicates()
    joined = held.merge(periods, on="CHILD")
    inside = (joined["REVIEW"] >= joined["start"]) & (
        joined["end"].isna() | (joined["REVIEW"] <= joined["end"])
    )
    joined = joined[inside].sort_values(["period_id", "REVIEW"], kind="stable")
    joined["k"] = joined.groupby("period_id").cumcount() + 1
    previous = joined.groupby("period_id")["REVIEW"].shift()
    gap = pd.Series(pd.NaT, index=joined.index, dtype="datetime64[ns]")
    second = joined["k"] == 2
    gap[second] = previous[second] + pd.DateOffset(months=3)
    later = joined["k"] > 2
    gap[later] = previous[later] + pd.DateOffset(months=6)
    first_due = _first_due(periods)
    is_first = joined["k"] == 1
    gap[is_first] = _lookup(joined.loc[is_first, "period_id"], first_due)
    held_rows = pd.DataFrame(
        {"CHILD": joined["CHILD"], "due": gap, "held": joined["REVIEW"], "on_time": joined["REVIEW"] <= gap}
    ).dropna(subset=["due"])
    last = joined.groupby("period_id").agg(k=("k", "max"), review=("REVIEW", "max"))
    nxt = periods.join(last, on="period_id")
    nxt["due"] = pd.Series(pd.NaT, index=nxt.index, dtype="datetime64[ns]")
    none_held = nxt["k"].isna()
    nxt.loc[none_held, "due"] = _lookup(nxt.loc[none_held, "period_id"], first_due)
    one = nxt["k"] == 1
    nxt.loc[one, "due"] = nxt.loc[one, "review"] + pd.DateOffset(months=3)
    more = nxt["k"] > 1
    nxt.loc[more, "due"] = nxt.loc[more, "review"] + pd.DateOffset(months=6)
    missed = nxt["due"].notna() & (nxt["due"] <= last_day) & (nxt["end"].isna() | (nxt["end"] > nxt["due"]))
    missed_rows = pd.DataFrame(
        {"CHILD": nxt.loc[missed, "CHILD"], "due": nxt.loc[missed, "due"], "held": pd.NaT, "on_time": False}
    )
    return pd.concat([held_rows, missed_rows], ignore_index=True)


def _lookup(ids: pd.Series, dates: pd.Series) -> pd.Series:
    """``dates[id]`` for each id (NaT where absent), on the index of ``ids``."""
    found = dates.reindex(ids.to_numpy())
    return pd.Series(pd.to_datetime(found.to_numpy()), index=ids.index, dtype="datetime64[ns]")


def _first_due(periods: pd.DataFrame) -> pd.Series:
    """20 working days after the start of each period that starts with RNE ``S``."""
    started = periods[periods["started"]]
    if started.empty:
        return pd.Series(dtype="datetime64[ns]")
    days = started["start"].to_numpy().astype("datetime64[D]")
    due = np.busday_offset(
        days, 20, roll="forward", holidays=bank_holidays(started["start"], started["start"])
    )
    return pd.Series(pd.to_datetime(due), index=started["period_id"].to_numpy())


def lac_reviews_timely(episodes: pd.DataFrame, reviews: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """LAC_REVIEWS_TIMELY: of the reviews due in the month (:func:`review_schedule`), those held
    by their due date."""
    schedule = review_schedule(episodes, reviews, month_end(months[-1]))
    month = schedule["due"].dt.strftime("%Y-%m")
    due = month.value_counts()
    on_time = month[schedule["on_time"].astype(bool)].value_counts()
    return _ratio("LAC_REVIEWS_TIMELY", {m: (int(on_time.get(m, 0)), int(due.get(m, 0))) for m in months})


def lac_missing_episodes(missing: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """LAC_MISSING_EPISODES: missing episodes (MISSING ``M``, not ``A`` away) starting in the month."""
    started = missing.loc[missing["MISSING"] == "M", "MIS_START"].dropna().dt.strftime("%Y-%m")
    counts = started.value_counts()
    return _count("LAC_MISSING_EPISODES", {m: int(counts.get(m, 0)) for m in months})


def lac_health_assessments(oc2: pd.DataFrame, year: str) -> pd.DataFrame:
    """LAC_HEALTH_ASSESSMENTS (annual, at March): of the children in ``oc2`` (looked after for 12
    months at 31 March), those whose health assessment is up to date (HEALTH_CHECK ``1``)."""
    march = year_months(year)[-1]
    return _ratio("LAC_HEALTH_ASSESSMENTS", {march: (int((oc2["HEALTH_CHECK"] == "1").sum()), len(oc2))})


def care_leavers(oc3: pd.DataFrame, year: str) -> pd.DataFrame:
    """CL_IN_TOUCH, CL_EET, CL_SUITABLE_ACCOM (annual, at March) from ``oc3``: care leavers aged
    19-21, excluding those who died or returned home (IN_TOUCH ``DIED``, ``RHOM``); in touch is
    ``YES``; in education, employment or training is an ACTIV code starting ``F`` or ``P``;
    suitable accommodation an ACCOM code of a letter and ``1``."""
    march = year_months(year)[-1]
    cohort = oc3[~oc3["IN_TOUCH"].isin(CARE_LEAVER_EXCLUDED)]
    total = len(cohort)
    frames = [
        _ratio("CL_IN_TOUCH", {march: (int((cohort["IN_TOUCH"] == "YES").sum()), total)}),
        _ratio("CL_EET", {march: (int(cohort["ACTIV"].str.match(r"^[FP]\d$").sum()), total)}),
        _ratio("CL_SUITABLE_ACCOM", {march: (int(cohort["ACCOM"].str.fullmatch(r"[A-Z]1").sum()), total)}),
    ]
    return pd.concat(frames, ignore_index=True)


def lac_rate(counts: pd.DataFrame, population: float) -> pd.DataFrame:
    """LAC_RATE: LAC_COUNT per 10,000 children aged 0-17 (numerator count, denominator population)."""
    parts = {
        str(p): (int(v), int(population)) for p, v in zip(counts["period"], counts["value"], strict=True)
    }
    return _ratio("LAC_RATE", parts)
