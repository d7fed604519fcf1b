"""Improvement actions in the numbers: overdue, and "did it work?" from the SPC columns."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from metrics.catalogue import Kpi
from metrics.periods import month_name

UNIT_WORDS = {"percent": " percentage points", "rate": "", "days": " days", "count": "", "average": ""}


def overdue(actions: pd.DataFrame, today: dt.date) -> pd.Series:
    """True for open actions whose due date has passed."""
    if actions.empty:
        return pd.Series(dtype=bool)
    return (actions["status"] == "open") & (actions["due"].astype(str) < today.isoformat())


def action_month(action: dict) -> str:
    """The month an action is judged from: when it starts a new process, else when it is due."""
    return str(action.get("starts_process") or str(action.get("due", ""))[:7])


def did_it_work(rows: pd.DataFrame, month: str, kpi: Kpi) -> str:
    """Plain words comparing the SPC mean before ``month`` with the mean from it on.

    ``rows``: monthly report rows of one KPI and unit (the stored SPC columns ``spc_mean`` and
    ``spc_signal``), oldest first."""
    valued = rows[rows["value"].notna()].sort_values("period")
    before, after = valued[valued["period"] < month], valued[valued["period"] >= month]
    when = month_name(month)
    if before.empty:
        return f"There are no figures before {when} to compare with."
    if after.empty:
        return f"There are no figures yet from {when} on: too early to tell."
    mean_before = float(before["spc_mean"].iloc[-1])
    mean_after = float(after["spc_mean"].iloc[-1])
    plain_before, plain_after = float(before["value"].mean()), float(after["value"].mean())
    shift = plain_after - plain_before
    unit = UNIT_WORDS.get(kpi.unit, "")
    text = (
        f"Before {when} the monthly figure averaged {plain_before:.1f} ({len(before)} months); "
        f"from {when} it averages {plain_after:.1f} ({len(after)} months)"
    )
    if kpi.polarity in ("up", "down") and abs(shift) >= 0.05:
        better = (shift > 0) == (kpi.polarity == "up")
        text += f", {'better' if better else 'worse'} by {abs(shift):.1f}{unit}"
    signals = after["spc_signal"].dropna().astype(str)
    special = signals[(signals != "") & (signals != "none")]
    if mean_after != mean_before:
        text += (
            f". The process limits were re-based at {when} "
            f"(centre line {mean_before:.1f} before, {mean_after:.1f} after)"
        )
    if len(after) < 6:
        text += f". Only {len(after)} month(s) since: too early to call a real change"
    elif special.empty:
        text += ". No special-cause signal since: the change is within normal variation (noise)"
    else:
        text += f". {len(special)} month(s) since show a special-cause signal: a real change"
    return text + "."
