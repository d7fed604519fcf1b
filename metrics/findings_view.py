"""The Data quality page's shaping of stored findings: names, filters, groups (no checks run here).

The findings are the ones the loads recorded (``data.findings.read_findings``); this module only
words, filters and groups them for people to read.
"""

from __future__ import annotations

import pandas as pd

from metrics.catalogue import Catalogue
from metrics.quality import CHECKS, IDENTITY, SEVERITIES, _links

ALL = "all"
PEOPLE_COLUMNS = [
    "check",
    "title",
    "severity",
    "kpi",
    "kpi_name",
    "org",
    "org_name",
    "period",
    "message",
    "link",
]


def for_people(stored: pd.DataFrame, catalogue: Catalogue, org_names: dict[str, str]) -> pd.DataFrame:
    """Each finding once (the latest recording), with the check's title and names for codes."""
    if stored.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PEOPLE_COLUMNS})
    rows = stored.drop_duplicates(IDENTITY, keep="last").copy()
    rows = rows[rows["check"].isin(list(CHECKS))]
    rows["title"] = rows["check"].map(lambda c: CHECKS[c][0])
    names = {k.code: k.name for k in catalogue}
    rows["kpi_name"] = rows["kpi"].map(lambda k: names.get(k, k))
    rows["org_name"] = rows["org"].map(lambda o: org_names.get(o, o))
    rows["period"] = rows["period"].fillna("")
    rows["link"] = _links(rows)
    order = {c: i for i, c in enumerate(CHECKS)}
    rows = rows.sort_values(
        ["check", "org_name", "kpi_name"], key=lambda s: s.map(order) if s.name == "check" else s
    )
    return rows.reset_index(drop=True)[PEOPLE_COLUMNS]


def filtered(rows: pd.DataFrame, severity: str = ALL, kind: str = ALL, unit: str = ALL) -> pd.DataFrame:
    """The findings of one severity, kind (check) and unit (``"all"``: no filter)."""
    keep = pd.Series(True, index=rows.index)
    for column, wanted in (("severity", severity), ("check", kind), ("org", unit)):
        if wanted and wanted != ALL:
            keep &= rows[column] == wanted
    return rows[keep]


def groups(rows: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """(check, title, rows) per kind of finding, in the checks' order."""
    return [
        (str(check), str(part["title"].iloc[0]), part) for check, part in rows.groupby("check", sort=False)
    ]


def severity_choices() -> list[tuple[str, str]]:
    words = {"error": "Errors", "warning": "Warnings", "info": "Checks to look at"}
    return [(ALL, "All severities")] + [(s, words[s]) for s in SEVERITIES]


def kind_choices() -> list[tuple[str, str]]:
    return [(ALL, "All kinds")] + [(check, title) for check, (title, _) in CHECKS.items()]
