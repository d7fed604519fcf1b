"""The exception report: the indicators a meeting must discuss, most severe first.

An indicator is an exception when it is red or amber, when SPC shows special-cause concern, or
when its assurance says the current process will consistently fail the target.
"""

from __future__ import annotations

import pandas as pd

from metrics.views import spc_caption

RAG_WEIGHT = {"red": 4, "amber": 2}
REASONS = {
    "rag": "{rag} against target",
    "concern": "special-cause concern",
    "fail": "will consistently fail its target",
}


def exception_rows(card: pd.DataFrame) -> pd.DataFrame:
    """Scorecard rows that are exceptions, with ``severity`` and ``reasons``, most severe first."""
    rag = card["rag"].fillna("")
    concern = card["variation"].fillna("").str.startswith("concern")
    fail = card["assurance"].fillna("") == "consistently_fail"
    severity = rag.map(RAG_WEIGHT).fillna(0) + 2 * concern + 1 * fail
    rows = card.assign(severity=severity, concern=concern, fail=fail)
    rows = rows[rows["severity"] > 0].copy()
    rows["reasons"] = [
        "; ".join(
            [REASONS["rag"].format(rag=str(r.rag).capitalize())] * (r.rag in RAG_WEIGHT)
            + [REASONS["concern"]] * bool(r.concern)
            + [REASONS["fail"]] * bool(r.fail)
        )
        for r in rows.itertuples()
    ]
    order = {code: i for i, code in enumerate(card["kpi"])}
    rows["_order"] = rows["kpi"].map(order)
    return rows.sort_values(["severity", "_order"], ascending=[False, True]).drop(columns="_order")


def commentary_for(card: pd.DataFrame, month: str) -> dict[str, tuple[str, str]]:
    """For each KPI of the card, the commentary of the period shown and the month it is for.

    A figure's commentary belongs to its month: a KPI with none for this period has none here,
    however recent an older one is (the trend page lists older commentary with its month).
    """
    noted = card[card["commentary"].notna() & (card["commentary"].astype(str) != "")]
    return {str(r.kpi): (month, str(r.commentary)) for r in noted.itertuples()}


def captions(history: pd.DataFrame, kpis: list[str]) -> dict[str, str]:
    """The SPC sentence of each KPI's monthly series for the unit, from its stored report rows."""
    out = {}
    for code in kpis:
        rows = history[history["kpi"] == code]
        if not rows.empty:
            out[code] = spc_caption(rows)
    return out
