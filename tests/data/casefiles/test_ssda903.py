"""SSDA903 tables: recognised by header, checked record by record, derived from the sample."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from data.casefiles.batch import CaseFiles, Options
from data.casefiles.ssda903 import table_kind
from data.problems import InvalidInput
from metrics.catalogue import Catalogue
from tests.data.casefiles.conftest import ORGS, SSDA903

MONTH = "2026-11"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"


def orgs() -> pd.DataFrame:
    rows = [line.split(",") for line in ORGS.strip().splitlines()[1:]]
    return pd.DataFrame(rows, columns=["code", "name", "parent", "type"]).assign(**{"from": "", "closed": ""})


def derive(paths: list[Path], catalogue: Catalogue, **options: str) -> pd.DataFrame:
    (result,) = CaseFiles(paths).derive(orgs(), catalogue, MONTH, Options(**options))
    return result.output


def problems(paths: list[Path], catalogue: Catalogue) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        CaseFiles(paths).derive(orgs(), catalogue, MONTH, Options())
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        (EPISODES, "episodes"),
        ("child, decom ,rne,ls,place,dec,rec\n", "episodes"),  # older years: fewer columns; any case
        (HEADER, "header"),
        ("CHILD,DOB,REVIEW,REVIEW_CODE\n", "reviews"),
        ("\ufeffCHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON\n", "sw_episodes"),
        ("period,kpi,org,numerator,denominator,value\n", None),
    ],
)
def test_tables_are_recognised_by_their_header(header: str, kind: str | None) -> None:
    assert table_kind(header.strip().split(",")) == kind


def test_every_sample_table_is_recognised(samples: Path) -> None:
    cases = CaseFiles(sorted(SSDA903.glob("*.csv")))
    assert sorted(cases.tables) == sorted(p.stem for p in SSDA903.glob("*.csv"))


def test_the_sample_is_rejected_for_its_deliberate_errors(samples: Path, catalogue: Catalogue) -> None:
    found = problems(sorted(SSDA903.glob("*.csv")), catalogue)
    episodes, reviews = SSDA903 / "episodes.csv", SSDA903 / "reviews.csv"
    assert len(found) == 74
    assert f"{reviews}:9826:-: duplicate of row 9825" in found
    assert (
        f"{episodes}:789:DEC: child 104558: the episode ends 17/01/2018, after the child's next episode "
        "starts (row 790, DECOM 09/12/2017): episodes of one child cannot overlap"
    ) in found
    assert sum("cannot overlap" in p for p in found) == 72


def test_the_cleaned_sample_derives_the_year_ending_march_2018(
    clean_903: list[Path], catalogue: Catalogue
) -> None:
    output = derive(clean_903, catalogue).set_index(["period", "kpi", "org"])
    assert sorted(output.index.get_level_values("period").unique())[0] == "2017-04"
    assert output.loc[("2017-04", "LAC_COUNT", "LA"), "value"] == "1658"
    assert output.loc[("2018-03", "LAC_COUNT", "LA"), "value"] == "1157"
    assert output.loc[("2018-03", "LAC_3PLUS_PLACEMENTS", "LA"), ["numerator", "denominator"]].tolist() == [
        "164",
        "1157",
    ]
    assert ("2017-04", "LAC_3PLUS_PLACEMENTS", "LA") not in output.index  # the year to April is not in it
    assert output.loc[("2018-03", "CL_IN_TOUCH", "LA"), ["numerator", "denominator"]].tolist() == ["13", "32"]
    assert output.loc[("2018-03", "LAC_HEALTH_ASSESSMENTS", "LA"), "numerator"] == "1305"
    provenance = output.loc[("2017-04", "LAC_REVIEWS_TIMELY", "LA"), "provenance"]
    assert provenance == "SSDA903 2017/18: episodes.csv, reviews.csv (derived-1)"


def test_year_option_and_population(clean_903: list[Path], catalogue: Catalogue) -> None:
    output = derive(clean_903, catalogue, year="2016/17").set_index(["period", "kpi", "org"])
    assert output.index.get_level_values("period").max() == "2017-03"
    rated = CaseFiles(clean_903).derive(orgs(), catalogue, MONTH, Options(population=40_000))[0].output
    rate = rated[(rated["kpi"] == "LAC_RATE") & (rated["period"] == "2018-03")]
    assert rate[["numerator", "denominator"]].values.tolist() == [["1157", "40000"]]


def test_record_checks_every_problem_at_once(tmp_path: Path, catalogue: Catalogue) -> None:
    episodes = tmp_path / "episodes.csv"
    episodes.write_text(
        EPISODES
        + "1,01/04/2019,S,C2,N1,U1,PR1,,X1,,,,\n"  # 2: open, but the child has a later episode
        + "1,01/06/2019,P,C2,N1,U3,PR1,,X1,,,,\n"  # 3
        + "2,31/02/2019,S,C2,N1,U1,PR1,,X1,,,,\n"  # 4: not a date
        + "3,01/05/2019,S,C2,N1,U1,PR1,01/04/2019,E11,,,,\n"  # 5: ends before it starts
        + "4,01/05/2019,S,C2,N1,,PR1,,X1,,,,\n"  # 6: no PLACE; child 4 not in header
        + "3,01/05/2019,S,C2,N1,U1,PR1,01/04/2019,E11,,,,\n",  # 7: duplicate of 5
        encoding="utf-8",
    )
    header = tmp_path / "header.csv"
    header.write_text(HEADER + "1,1,01/01/2010,WBRI,A,,\n2,1,01/01/2010,WBRI,B,,\n3,2,01/01/2011,WBRI,C,,\n")
    e = str(episodes)
    assert problems([episodes, header], catalogue) == [
        f"{e}:2:DEC: child 1: the episode has no end date (DEC) but the child has a later episode (row 3, "
        "DECOM 01/06/2019): episodes of one child cannot overlap",
        f"{e}:4:DECOM: '31/02/2019' is not a date (DD/MM/YYYY)",
        f"{e}:5:DEC: the episode ends (DEC 01/04/2019) before it starts (DECOM 01/05/2019)",
        f"{e}:6:PLACE: empty cell: PLACE is required",
        f"{e}:6:CHILD: child 4 is not in the header table (header.csv): every child in episodes must be "
        "in header",
        f"{e}:7:-: duplicate of row 5",
        f"{e}:7:DEC: the episode ends (DEC 01/04/2019) before it starts (DECOM 01/05/2019)",
    ]


def test_a_return_without_episodes_or_org_units_is_a_problem(tmp_path: Path, catalogue: Catalogue) -> None:
    header = tmp_path / "header.csv"
    header.write_text(HEADER + "1,1,01/01/2010,WBRI,A,,\n")
    assert problems([header], catalogue) == [
        f"{header}:1:-: an SSDA903 return needs its episodes table (episodes.csv) in the same command"
    ]
    with pytest.raises(InvalidInput) as caught:
        CaseFiles([header]).derive(orgs().iloc[0:0], catalogue, MONTH, Options())
    assert str(caught.value.problems[0]).endswith(
        "no org units to label the figures with: load the org units first, or give the org units file in "
        "the same command"
    )
