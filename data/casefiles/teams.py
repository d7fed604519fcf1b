"""Allocated teams mapped to org units: by the unit's name, or through an alias file ``team,org``.

Every team name that maps to no org unit is one problem, at its first row, all listed at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from data.casefiles.common import normalise
from data.problems import Problem
from data.readers import RawTable

UNMAPPED = (
    "team {team!r} is not an org unit: give an org unit that name, or map it to one in a team "
    "alias file (team,org)"
)


def is_alias_file(header: list[str]) -> bool:
    return sorted(normalise(h) for h in header if h.strip()) == ["org", "team"]


@dataclass
class TeamMap:
    """Team name (as compared) -> org unit code."""

    codes: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    root: str = ""

    @classmethod
    def build(cls, orgs: pd.DataFrame, aliases: list[RawTable]) -> TeamMap:
        mapping = cls()
        roots: list[str] = (
            sorted(orgs.loc[orgs["parent"] == "", "code"].astype(str).unique()) if len(orgs) else []
        )
        mapping.root = roots[0] if roots else ""
        known = set(orgs["code"]) if len(orgs) else set()
        for code, name in zip(orgs.get("code", []), orgs.get("name", []), strict=True):
            mapping.codes.setdefault(normalise(str(name)), str(code))
        for table in aliases:
            frame = table.frame
            team_col = next(c for c in frame.columns if normalise(c) == "team")
            org_col = next(c for c in frame.columns if normalise(c) == "org")
            for index, team, org in zip(frame.index, frame[team_col], frame[org_col], strict=True):
                row = int(table.rows[index])
                if org not in known:
                    mapping.problems.append(table.problem(row, "org", f"unknown org unit {org!r}"))
                elif team:
                    mapping.codes[normalise(team)] = org
        return mapping

    def assign(self, teams: pd.Series, rows: pd.Series, source: str, column: str | None,
               reported: set[str]) -> tuple[pd.Series, list[Problem]]:  # fmt: skip
        """The org code of each row's team ('' where the cell is empty or unmapped) and one
        problem per team name not reported before (``reported`` is shared across lists)."""
        keys = teams.map(normalise)
        codes = keys.map(self.codes).fillna("")
        problems = []
        unmapped = (teams != "") & (codes == "")
        for index in teams.index[unmapped & ~keys.duplicated()]:
            if keys[index] in reported:
                continue
            reported.add(keys[index])
            message = UNMAPPED.format(team=teams[index])
            problems.append(Problem(source, int(rows[index]), column or "Allocated Team", message))
        return codes.where(teams != "", ""), problems
