"""The team grid: report rows for a unit and the units below it, shaped into indicators x units.

Pure shaping of report rows (export columns, one frame per unit, as ``source.report`` or
``data.report_store.read_report`` give them): nothing here computes a value, a RAG status or
an SPC signal. The grid's CSV (``/api/teams.csv``) is :func:`teams_csv_rows` of the same frame,
so the download equals the screen.
"""

from __future__ import annotations

import pandas as pd

from metrics.catalogue import Catalogue

TEAMS_CSV_COLUMNS = ["period", "kpi", "org", "value", "target", "rag", "variation"]
TEAMS_CSV_COLUMNS += ["numerator", "denominator", "change", "kpi_name", "org_name"]
"""The grid's download: every figure a cell shows (value, n of N, target), its marks and names."""
GRID_COLUMNS = [*TEAMS_CSV_COLUMNS, "unit", "stage", "position"]
SEVERITY = {"red": 0, "amber": 1, "green": 2}
SPECIAL = ("improvement", "concern", "neutral")
CHANGES = {
    "newly_red": "Newly red",
    "newly_on_target": "Newly on target",
    "new_special_cause": "New special cause",
}
STAGE_SORT = "stage"


def team_grid(
    current: pd.DataFrame,
    latest: pd.DataFrame,
    before: pd.DataFrame,
    units: list[str],
    catalogue: Catalogue,
    sort: str = STAGE_SORT,
) -> pd.DataFrame:
    """One row per indicator x unit, in grid order (indicator rows, then ``units`` as columns).

    ``current``: report rows of the chosen period for every unit; ``latest`` and ``before``: the
    monthly report rows of the chosen month and of the month before it (their ``variation`` is the
    SPC marker, and their RAG statuses give the "changed since last month" marks). Indicators no
    unit reports are left out. ``sort`` is ``"stage"`` (catalogue order within each stage) or a
    unit code: that unit's red first, then amber, green, none.
    """
    if current.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in GRID_COLUMNS})
    reported = set(current.loc[current["value"].notna(), "kpi"])
    kpis = [k for k in catalogue if k.code in reported]
    frame = pd.DataFrame(
        [(k.code, k.name, k.unit, k.stage, org) for k in kpis for org in units],
        columns=["kpi", "kpi_name", "unit", "stage", "org"],
    )
    keep = ["kpi", "org", "period", "value", "numerator", "denominator", "target", "rag", "org_name"]
    frame = frame.merge(current[keep], on=["kpi", "org"], how="left")
    frame["period"] = frame["period"].fillna(current["period"].iloc[0])
    names = current.drop_duplicates("org").set_index("org")["org_name"]
    frame["org_name"] = frame["org"].map(names).fillna(frame["org"])
    frame = frame.merge(_marks(latest, "now"), on=["kpi", "org"], how="left")
    frame = frame.merge(_marks(before, "then"), on=["kpi", "org"], how="left")
    frame["variation"] = frame["variation_now"]
    frame["change"] = [
        change_mark(rn, rt, vn, vt)
        for rn, rt, vn, vt in zip(
            frame["rag_now"], frame["rag_then"], frame["variation_now"], frame["variation_then"], strict=True
        )
    ]
    order = _kpi_order(frame, kpis, sort)
    frame["position"] = frame["kpi"].map(order) * len(units) + frame["org"].map(
        {u: i for i, u in enumerate(units)}
    )
    frame = frame.sort_values("position").reset_index(drop=True)
    frame["rag"] = frame["rag"].where(frame["rag"].notna(), None)
    return frame[GRID_COLUMNS]


def _marks(rows: pd.DataFrame, suffix: str) -> pd.DataFrame:
    columns = ["kpi", "org", "rag", "variation"]
    if rows.empty:
        return pd.DataFrame(
            {c if c in ("kpi", "org") else f"{c}_{suffix}": pd.Series(dtype=object) for c in columns}
        )
    last = rows.sort_values("period").drop_duplicates(["kpi", "org"], keep="last")[columns]
    return last.rename(columns={"rag": f"rag_{suffix}", "variation": f"variation_{suffix}"})


def change_mark(rag_now: object, rag_then: object, variation_now: object, variation_then: object) -> str:
    """The "changed since last month" mark of a cell (a key of :data:`CHANGES`, or "")."""
    if rag_now == "red" and rag_then in ("green", "amber"):
        return "newly_red"
    if rag_now == "green" and rag_then in ("amber", "red"):
        return "newly_on_target"
    special = isinstance(variation_now, str) and variation_now.startswith(SPECIAL)
    if special and variation_then == "common_cause":
        return "new_special_cause"
    return ""


def _kpi_order(frame: pd.DataFrame, kpis: list, sort: str) -> dict[str, int]:
    codes = [k.code for k in kpis]
    if sort == STAGE_SORT or sort not in set(frame["org"]):
        stages = list(dict.fromkeys(k.stage for k in kpis))
        codes = sorted(
            codes, key=lambda c: (stages.index(next(k.stage for k in kpis if k.code == c)), codes.index(c))
        )
        return {c: i for i, c in enumerate(codes)}
    mine = frame[frame["org"] == sort].set_index("kpi")["rag"]
    ranked = sorted(codes, key=lambda c: (SEVERITY.get(str(mine.get(c)), 3), codes.index(c)))
    return {c: i for i, c in enumerate(ranked)}


def teams_csv_rows(grid: pd.DataFrame) -> pd.DataFrame:
    """The grid's download: one row per indicator x unit, in grid order, the CSV's columns."""
    return grid[TEAMS_CSV_COLUMNS].reset_index(drop=True)


def unreported(card: pd.DataFrame) -> pd.DataFrame:
    """Scorecard rows without a figure for the period (folded under one line on a team's card)."""
    return card[card["value"].isna()]
