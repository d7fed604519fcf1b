"""A small authority with two services, figures for two teams, and users of every role."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from data.audit import COMMAND_LINE
from data.load import load_files
from data.users import add_user

ORGS = """code,name,parent,type
LA,Example Council,,authority
SFS,Safeguarding and Family Support,LA,service
ASS1,Assessment Team 1,SFS,team
ASS2,Assessment Team 2,SFS,team
CIC,Children in Care,LA,service
LAC1,Looked After Team 1,CIC,team
"""
FIGURES = "period,kpi,org,numerator,denominator,value,commentary\n" + "".join(
    f"2024-{m:02d},ASSESSMENTS_45WD,{org},{n},{d},,\n"
    for m in range(1, 13)
    for org, n, d in (("ASS1", 40 + m % 5, 50), ("ASS2", 18 - m % 3, 20), ("LAC1", 9, 10))
)
USERS = {
    "viewer@council.example": ("viewer", ""),
    "editor@council.example": ("editor", "SFS"),
    "cic.editor@council.example": ("editor", "CIC"),
    "officer@council.example": ("officer", ""),
    "admin@council.example": ("admin", ""),
}
MONTH = "2025-01"


def build(engine: sa.Engine, folder: Path) -> None:
    """Load the org units and figures, then add the users."""
    orgs, figures, targets = folder / "orgs.csv", folder / "figures.csv", folder / "targets.csv"
    orgs.write_text(ORGS, encoding="utf-8")
    figures.write_text(FIGURES, encoding="utf-8")
    targets.write_text("kpi,from,target,tolerance\nASSESSMENTS_45WD,2024-01,95,2\n", encoding="utf-8")
    load_files(engine, [orgs, figures, targets], user="loader", month=MONTH)
    with engine.begin() as conn:
        for email, (role, org) in USERS.items():
            add_user(conn, email, role, org, by="setup", address=COMMAND_LINE)


def counts(engine: sa.Engine) -> dict[str, int]:
    """Rows in every table: a refused write must leave all of them as they were."""
    from data import schema

    with engine.connect() as conn:
        return {
            t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
            for t in schema.metadata.sorted_tables
        }
