"""The shared samples (../shared/data/casefiles) and the org units their teams map to."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import skip_or_fail

CASEFILES = Path(__file__).resolve().parents[3] / "../shared" / "data" / "casefiles"
SSDA903 = CASEFILES / "ssda903"
ANNEX_A = CASEFILES / "annex_a" / "Annex_A.xlsx"

ORGS = """\
code,name,parent,type
LA,Example Council,,authority
FD,Front Door,LA,service
MASH,Multi Agency Safeguarding Hub,FD,team
DUTY3,Locality 3 Duty Team,FD,team
DUTY4,Locality 4 Duty Team,FD,team
CIC1,Children in Care Team 1,LA,team
CIC2,Children in Care Team 2,LA,team
CIC3,Children in Care Team 3,LA,team
CWD,Children with Disabilities Team,LA,team
L4U1,Locality 4 Unit 1,LA,team
"""
# the sample's other team names, mapped by an alias file
ALIASES = """\
team,org
Locality 2 Unit 1,DUTY4
Locality 4 Unit 2,L4U1
Locality 3 Unit 2,L4U1
Locality 2 Duty Team,DUTY3
"""
# the sample's children with overlapping episodes (the DfE validator's own test data breaks
# its rules on purpose): removed for the copy that derives cleanly
USED_TABLES = ("episodes", "header", "reviews", "oc2", "oc3", "missing")


@pytest.fixture(scope="session")
def samples() -> Path:
    if not SSDA903.is_dir() or not ANNEX_A.is_file():
        skip_or_fail(f"the shared case-file samples are not at {CASEFILES}")
    return CASEFILES


@pytest.fixture
def orgs_file(tmp_path: Path) -> Path:
    path = tmp_path / "orgs.csv"
    path.write_text(ORGS, encoding="utf-8")
    return path


@pytest.fixture
def alias_file(tmp_path: Path) -> Path:
    path = tmp_path / "teams.csv"
    path.write_text(ALIASES, encoding="utf-8")
    return path


@pytest.fixture
def clean_903(samples: Path, tmp_path: Path) -> list[Path]:
    """A copy of the sample return without the children whose episodes overlap and without the
    two duplicated review rows."""
    episodes = pd.read_csv(SSDA903 / "episodes.csv", dtype=str, keep_default_na=False)
    starts = pd.to_datetime(episodes["DECOM"], format="%d/%m/%Y")
    ends = pd.to_datetime(episodes["DEC"].where(episodes["DEC"] != ""), format="%d/%m/%Y")
    order = episodes.assign(s=starts, e=ends).sort_values(["CHILD", "s"])
    following = order.groupby("CHILD")["s"].shift(-1)
    overlapping = following.notna() & (order["e"].isna() | (order["e"] > following))
    bad = set(order.loc[overlapping, "CHILD"])
    folder = tmp_path / "clean903"
    folder.mkdir()
    paths = []
    for name in USED_TABLES:
        frame = pd.read_csv(SSDA903 / f"{name}.csv", dtype=str, keep_default_na=False)
        if name == "episodes":
            frame = frame[~frame["CHILD"].isin(bad)]
        frame = frame.drop_duplicates()
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    return paths
