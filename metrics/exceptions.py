"""The exception report: the indicators a meeting must discuss, most severe first.

An indicator is an exception when it is red or amber, when SPC shows special-cause concern, or
when its assurance says the current process will consistently fail the target.
"""

from __future__ import annotations

import pandas as pd

from metrics.catalogue import Catalogue
from metrics.report import Dataset, ReportQuery, figures_report
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


def latest_commentary(
    dataset: Dataset, catalogue: Catalogue, monthly: pd.DataFrame, org: str, kpis: list[str], month: str
) -> dict[str, tuple[str, str]]:
    """For each KPI, the newest commentary up to ``month`` and the month it belongs to."""
    found: dict[str, tuple[str, str]] = {}
    rows = monthly[(monthly["org"] == org) & monthly["kpi"].isin(kpis) & (monthly["period"] <= month)]
    noted = rows[rows["commentary"].notna() & (rows["commentary"] != "")].sort_values("period")
    for row in noted.drop_duplicates("kpi", keep="last").itertuples():
        found[str(row.kpi)] = (str(row.period), str(row.commentary))
    return found


def captions(
    dataset: Dataset, catalogue: Catalogue, monthly: pd.DataFrame, org: str, kpis: list[str], month: str
) -> dict[str, str]:
    """The SPC caption of each KPI's monthly series for the unit, to ``month``."""
    out = {}
    for code in kpis:
        rows = figures_report(dataset, catalogue, ReportQuery(kpis=(code,), org=org, end=month), monthly)
        if not rows.empty:
            out[code] = spc_caption(dataset, rows, catalogue[code])
    return out
