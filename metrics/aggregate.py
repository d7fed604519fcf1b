"""Aggregation across the org tree and over time.

Across units, a view of a unit uses the figure loaded for that unit where there is one and
otherwise combines its children's views (recursively): counts add, ratio KPIs add numerators and
denominators. Over time, ``sum`` KPIs (flows) add months and ``last`` KPIs (stocks) take the
latest month of the period. A percentage is never an average of percentages.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.catalogue import Catalogue
from metrics.periods import financial_year, period_labels

FIGURE_COLUMNS = ["kpi", "org", "period", "numerator", "denominator", "value", "commentary"]
PERIOD_COLUMNS = [*FIGURE_COLUMNS, "end_month", "months"]


def kpi_attributes(catalogue: Catalogue, column: str) -> dict[str, object]:
    return {k.code: getattr(k, column) for k in catalogue}


def ratio_value(numerator: pd.Series, denominator: pd.Series, factor: pd.Series) -> pd.Series:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = factor * numerator / denominator.where(denominator > 0)
    return out.astype(float)


def finish_ratios(frame: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Recompute ratio values from summed numerators and denominators."""
    factors = frame["kpi"].map(kpi_attributes(catalogue, "factor")).astype(float)
    is_ratio = frame["kpi"].map(kpi_attributes(catalogue, "is_ratio")).astype(bool)
    computed = ratio_value(frame["numerator"], frame["denominator"], factors)
    frame["value"] = frame["value"].where(~is_ratio, computed)
    frame.loc[~is_ratio, ["numerator", "denominator"]] = np.nan
    return frame


def roll_up(figures: pd.DataFrame, tree: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Monthly figures for every unit: its own where loaded, else its children's combined."""
    resolved = finish_ratios(figures[FIGURE_COLUMNS].copy(), catalogue)
    if resolved.empty or tree.empty:
        return resolved
    # notes carry the unit a comment came from, once, however far up they roll
    resolved["note"] = resolved["org"] + ": " + resolved["commentary"]
    for depth in range(int(tree["depth"].max()), 0, -1):
        level = tree.loc[tree["depth"] == depth, ["org", "period", "parent"]]
        rows = resolved.merge(level, on=["org", "period"])
        if rows.empty:
            continue
        group = rows.groupby(["kpi", "parent", "period"], sort=False)
        sums = group[["numerator", "denominator", "value"]].sum(min_count=1)
        noted = rows[rows["note"].notna()]
        notes = noted.groupby(["kpi", "parent", "period"], sort=False)["note"].agg("; ".join)
        sums["note"] = notes.reindex(sums.index)
        sums = sums.reset_index().rename(columns={"parent": "org"})
        sums["commentary"] = sums["note"]
        key = ["kpi", "org", "period"]
        have = pd.MultiIndex.from_frame(resolved[key])
        new = sums[~pd.MultiIndex.from_frame(sums[key]).isin(have)]
        resolved = pd.concat([resolved, finish_ratios(new, catalogue)], ignore_index=True)
    return resolved[FIGURE_COLUMNS]


def over_time(monthly: pd.DataFrame, kind: str, catalogue: Catalogue) -> pd.DataFrame:
    """Combine months into periods of ``kind`` (month, quarter, year or ytd) by each KPI's rule.

    ``end_month`` is the last month the figure covers (the month a stock is taken at, and the
    month whose target applies); ``months`` counts the months combined.
    """
    frame = monthly[FIGURE_COLUMNS].sort_values(["kpi", "org", "period"]).reset_index(drop=True)
    if kind == "month" or frame.empty:
        return frame.assign(end_month=frame["period"], months=1)[PERIOD_COLUMNS]
    rule = frame["kpi"].map(kpi_attributes(catalogue, "over_time"))
    if kind == "ytd":
        return _year_to_date(frame, rule, catalogue)
    frame["label"] = period_labels(frame["period"], kind)
    group = ["kpi", "org", "label"]
    latest = frame[rule == "last"].groupby(group, sort=False).tail(1).copy()
    latest["months"] = frame[rule == "last"].groupby(group, sort=False)["period"].transform("size")
    flows = frame[rule == "sum"].groupby(group, sort=False)
    summed = flows[["numerator", "denominator", "value"]].sum(min_count=1)
    summed["period"] = flows["period"].max()
    summed["months"] = flows["period"].size()
    noted = frame[(rule == "sum") & frame["commentary"].notna()]
    summed["commentary"] = noted.groupby(group, sort=False)["commentary"].agg("; ".join).reindex(summed.index)
    summed = summed.reset_index()
    summed = finish_ratios(summed, catalogue)
    out = pd.concat([latest, summed], ignore_index=True)
    out["end_month"] = out["period"]
    out["period"] = out["label"]
    return out.sort_values(["kpi", "org", "end_month"]).reset_index(drop=True)[PERIOD_COLUMNS]


def _year_to_date(frame: pd.DataFrame, rule: pd.Series, catalogue: Catalogue) -> pd.DataFrame:
    frame = frame.assign(fy=frame["period"].map(financial_year), end_month=frame["period"])
    flows = rule == "sum"
    group = frame[flows].groupby(["kpi", "org", "fy"], sort=False)
    for column in ("numerator", "denominator", "value"):
        frame.loc[flows, column] = group[column].cumsum()
    frame["months"] = frame.groupby(["kpi", "org", "fy"]).cumcount() + 1
    frame.loc[~flows, "months"] = 1
    frame = finish_ratios(frame, catalogue)
    frame["period"] = frame["period"] + " YTD"
    return frame[PERIOD_COLUMNS]
