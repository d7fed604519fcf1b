"""The team grid's shaping of report rows: order, change marks, the CSV rows (no Dash)."""

from __future__ import annotations

import pandas as pd

from metrics.catalogue import Catalogue
from metrics.teams import TEAMS_CSV_COLUMNS, change_mark, team_grid, teams_csv_rows


def rows(period: str, cells: list[tuple[str, str, float | None, str | None, str | None]]) -> pd.DataFrame:
    """Report rows: (kpi, org, value, rag, variation)."""
    return pd.DataFrame(
        [
            {
                "period": period,
                "kpi": kpi,
                "org": org,
                "value": value,
                "numerator": value,  # n of 100: the percentage itself
                "denominator": None if value is None else 100.0,
                "target": 80.0 if rag else None,
                "rag": rag,
                "variation": variation,
                "org_name": {"T1": "Team 1", "T2": "Team 2", "S": "Service"}[org],
            }
            for kpi, org, value, rag, variation in cells
        ]
    )


def test_grid_is_indicators_by_units_with_change_marks(catalogue: Catalogue):
    first, second, unreported = [k.code for k in catalogue][:3]
    current = rows(
        "2026-09",
        [
            (first, "T1", 70.0, "red", "concern_low"),
            (first, "T2", 90.0, "green", "common_cause"),
            (first, "S", 80.0, "green", "common_cause"),
            (second, "T1", 5.0, None, "common_cause"),
        ],
    )
    before = rows(
        "2026-08",
        [(first, "T1", 85.0, "green", "common_cause"), (first, "T2", 70.0, "red", "common_cause")],
    )
    grid = team_grid(current, current, before, ["T1", "T2", "S"], catalogue)
    assert unreported not in set(grid["kpi"]), "no unit reports it: no row"
    assert list(zip(grid["kpi"], grid["org"], strict=True)) == [
        (first, "T1"),
        (first, "T2"),
        (first, "S"),
        (second, "T1"),
        (second, "T2"),
        (second, "S"),
    ]
    assert list(grid["change"][:3]) == ["newly_red", "newly_on_target", ""]
    assert grid["value"].isna().sum() == 2, "a unit without the figure keeps its (empty) cell"
    csv = teams_csv_rows(grid)
    assert list(csv.columns) == TEAMS_CSV_COLUMNS
    assert csv.iloc[0].to_dict() == {
        "period": "2026-09",
        "kpi": first,
        "org": "T1",
        "value": 70.0,
        "target": 80.0,
        "rag": "red",
        "variation": "concern_low",
        "numerator": 70.0,
        "denominator": 100.0,
        "change": "newly_red",
        "kpi_name": catalogue[first].name,
        "org_name": "Team 1",
    }


def test_sorting_by_a_unit_puts_its_red_first(catalogue: Catalogue):
    first, second = [k.code for k in catalogue][:2]
    current = rows("2026-09", [(first, "T1", 90.0, "green", None), (second, "T1", 10.0, "red", None)])
    grid = team_grid(current, current, current.iloc[0:0], ["T1"], catalogue, sort="T1")
    assert list(grid["kpi"]) == [second, first]
    assert list(team_grid(current, current, current, ["T1"], catalogue)["kpi"]) == [first, second]


def test_change_marks():
    assert change_mark("red", "amber", None, None) == "newly_red"
    assert change_mark("red", "red", None, None) == ""
    assert change_mark("red", None, None, None) == "", "no figure last month: not newly anything"
    assert change_mark("green", "red", None, None) == "newly_on_target"
    assert change_mark("amber", "amber", "concern_high", "common_cause") == "new_special_cause"
    assert change_mark("amber", "amber", "concern_high", "concern_high") == ""


def test_findings_for_people_are_named_filtered_and_grouped(catalogue: Catalogue):
    from metrics.findings_view import filtered, for_people, groups

    stored = pd.DataFrame(
        [
            (5, "stale", "warning", "CONTACTS", "MASH", "2026-09", "old"),
            (6, "stale", "warning", "CONTACTS", "MASH", "2026-09", "old"),  # recorded again: once
            (6, "stale", "warning", "REFERRALS", "MASH", "2026-08", "old"),
            (6, "revised", "info", "REFERRALS", "SFS", "2026-07", "revised"),
        ],
        columns=["load_id", "check", "severity", "kpi", "org", "period", "message"],
    )
    rows = for_people(stored, catalogue, {"MASH": "Front door (MASH)", "SFS": "Safeguarding"})
    assert len(rows) == 3
    assert set(rows["org_name"]) == {"Front door (MASH)", "Safeguarding"}
    assert catalogue["CONTACTS"].name in set(rows["kpi_name"])
    assert [(c, len(part)) for c, _, part in groups(rows)] == [("stale", 2), ("revised", 1)]
    assert len(filtered(rows, severity="info")) == 1
    assert len(filtered(rows, kind="stale", unit="SFS")) == 0
    assert rows.loc[0, "link"].startswith("/kpi?kpi=")
