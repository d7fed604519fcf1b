"""Targets by period: a target holds from its first month until replaced.

A target set for one unit beats the general target for the same KPI. Targets are business
inputs, set by people; control limits (``metrics.spc``) are statistics. The two stay apart.
"""

from __future__ import annotations

import pandas as pd

from metrics.periods import month_index

TARGET_COLUMNS = ["kpi", "org", "from", "target", "tolerance"]


def attach_targets(rows: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Add ``target`` and ``tolerance`` for each row's KPI, unit and ``end_month``."""
    out = rows.copy()
    out["target"] = float("nan")
    out["tolerance"] = float("nan")
    if out.empty or targets.empty:
        return out
    out["_at"] = out["end_month"].map(month_index)
    out["_row"] = range(len(out))
    plan = targets.assign(_at=targets["from"].map(month_index)).sort_values("_at")
    left = out[["_row", "_at", "kpi", "org"]].sort_values("_at")
    general = pd.merge_asof(left, plan[plan["org"] == ""].drop(columns="org"), on="_at", by="kpi")
    specific = pd.merge_asof(left, plan[plan["org"] != ""], on="_at", by=["kpi", "org"])
    chosen = specific.set_index("_row")[["target", "tolerance"]].combine_first(
        general.set_index("_row")[["target", "tolerance"]]
    )
    out["target"] = out["_row"].map(chosen["target"])
    out["tolerance"] = out["_row"].map(chosen["tolerance"])
    return out.drop(columns=["_at", "_row"])
