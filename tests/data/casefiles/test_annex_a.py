"""Annex A workbooks: lists by sheet name, columns by name with their variants, the extract's
period, teams, and every problem as FILE[List N]:ROW:COLUMN."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from data.casefiles.batch import CaseFiles, Options
from data.casefiles.common import normalise
from data.problems import InvalidInput
from data.readers import read_table
from metrics.catalogue import Catalogue
from tests.data.casefiles.conftest import ANNEX_A
from tests.data.casefiles.test_ssda903 import MONTH, orgs


def derive(paths: list[Path], catalogue: Catalogue, **options: str) -> pd.DataFrame:
    (result,) = CaseFiles(paths).derive(orgs(), catalogue, MONTH, Options(**options))
    return result.output.set_index(["period", "kpi", "org"])


def problems(paths: list[Path], catalogue: Catalogue) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        CaseFiles(paths).derive(orgs(), catalogue, MONTH, Options())
    return [str(p) for p in caught.value.problems]


def test_names_match_whatever_their_case_spaces_and_apostrophes() -> None:
    assert normalise("Child\u2019s Category of Need ") == normalise("child's category of need")
    assert normalise("List_3") == normalise("List 3") == "list3"
    assert normalise("Date\u00a0of Referral") == normalise("date of referral")


def test_the_sample_workbook_derives_by_authority_and_team(
    samples: Path, alias_file: Path, catalogue: Catalogue
) -> None:
    output = derive([alias_file, ANNEX_A], catalogue)
    months = sorted(output.index.get_level_values("period").unique())
    # events from 16/09/2020 to 02/03/2021: September and March are only partly covered; the
    # visits are as at the extract date, 2 March 2021
    assert months == ["2020-10", "2020-11", "2020-12", "2021-01", "2021-02", "2021-03"]
    assert set(output.xs("2021-03", level="period").index.get_level_values("kpi")) == {
        "CP_VISITS_TIMELY",
        "LAC_VISITS_TIMELY",
    }

    def ratio(*key: str) -> list[str]:
        return output.loc[key, ["numerator", "denominator"]].tolist()

    assert output.loc[("2021-02", "ASSESSMENTS_COMPLETED", "LA"), "value"] == "3"
    assert ratio("2021-02", "ASSESSMENTS_45WD", "L4U1") == ["0", "2"]  # 'Locality 4 Unit 2' by alias
    assert ratio("2020-10", "ICPC_15WD", "LA") == ["3", "3"]  # 13 and 14 working days
    assert output.loc[("2020-12", "LAC_COUNT", "CIC1"), "value"] == "3"
    assert output.loc[("2020-10", "LAC_COUNT", "CIC3"), "value"] == "0"  # ceased 22/09/2020
    # as at 02/03/2021: visited 06/01 (late: 6 weeks), 22/02, 20/01 (long-term placement: 3 months), 22/02
    assert ratio("2021-03", "LAC_VISITS_TIMELY", "LA") == ["3", "4"]
    assert (
        output.loc[("2020-10", "CONTACTS", "LA"), "provenance"] == "Annex A Annex_A.xlsx[List 1] (derived-1)"
    )


def test_from_and_to_choose_the_months(samples: Path, alias_file: Path, catalogue: Catalogue) -> None:
    output = derive([alias_file, ANNEX_A], catalogue, start="2020-09", end="2020-10")
    assert output.loc[("2020-09", "CONTACTS", "LA"), "value"] == "5"
    assert "2020-11" not in output.index.get_level_values("period")


def test_unmapped_teams_are_one_problem_each_all_at_once(samples: Path, catalogue: Catalogue) -> None:
    source = str(ANNEX_A)
    unmapped = (
        "is not an org unit: give an org unit that name, or map it to one in a team alias file (team,org)"
    )
    assert problems([ANNEX_A], catalogue) == [
        f"{source}[List 3]:6:Allocated Team: team 'Locality 2 Unit 1' {unmapped}",
        f"{source}[List 4]:5:Allocated Team: team 'Locality 4 Unit 2' {unmapped}",
        f"{source}[List 5]:4:Allocated Team: team 'Locality 3 Unit 2' {unmapped}",
        f"{source}[List 5]:6:Allocated Team: team 'Locality 2 Duty Team' {unmapped}",
    ]


def _variant_workbook(path: Path) -> Path:
    """Another year's layout: ``List_1``, lower case and trailing spaces, text dates, ``Age of
    Child (Years)``, and in List 4 problems: a bad date, an assessment authorised before it
    starts, a formula never calculated, a duplicate row."""
    book = openpyxl.Workbook()
    list1 = book.active
    list1.title = "List_1"
    list1.append(["child unique id", "Age of Child (Years)", "date of contact "])
    list1.append([1, 5, "01/10/2020"])
    list1.append([2, 7, dt.datetime(2020, 10, 31)])
    list1.append([3, 9, "2020-11-30"])
    list4 = book.create_sheet("List 4")
    authorised = "Continuous Assessment Date of Authorisation"
    list4.append(["Child Unique ID", "CONTINUOUS ASSESSMENT START DATE", authorised, "Allocated Team "])
    list4.append([1, "01/10/2020", "32/10/2020", ""])
    list4.append([2, "05/10/2020", "01/10/2020", ""])
    list4.append([3, "05/10/2020", "=B4+10", ""])
    list4.append([2, "05/10/2020", "01/10/2020", ""])
    book.save(path)
    return path


def test_variant_layout_and_every_problem_at_once(tmp_path: Path, catalogue: Catalogue) -> None:
    path = _variant_workbook(tmp_path / "annex.xlsx")
    source = f"{path}[List 4]"
    authorised = "Continuous Assessment Date of Authorisation"
    assert problems([path], catalogue) == [
        f"{source}:4:{authorised}: a formula with no saved result (the workbook was not saved by Excel): "
        "open it in Excel, save it, and load it again",
    ]
    book = openpyxl.load_workbook(path)
    book["List 4"]["C4"] = "16/10/2020"
    book.save(path)
    assert problems([path], catalogue) == [
        f"{source}:2:{authorised}: '32/10/2020' is not a date (DD/MM/YYYY or an Excel date)",
        f"{source}:3:{authorised}: the assessment is authorised (01/10/2020) before it starts (05/10/2020)",
        f"{source}:5:{authorised}: the assessment is authorised (01/10/2020) before it starts (05/10/2020)",
        f"{source}:5:-: duplicate of row 3",
    ]


def test_variant_layout_derives(tmp_path: Path, catalogue: Catalogue) -> None:
    path = _variant_workbook(tmp_path / "annex.xlsx")
    book = openpyxl.load_workbook(path)
    del book["List 4"]
    book.save(path)
    output = derive([path], catalogue)
    # contacts from 01/10/2020 (a whole month) to 30/11/2020 (the month's last day)
    assert output["value"].to_dict() == {
        ("2020-10", "CONTACTS", "LA"): "2",
        ("2020-11", "CONTACTS", "LA"): "1",
    }


def test_a_workbook_that_is_not_annex_a_is_left_to_the_loader(tmp_path: Path) -> None:
    path = tmp_path / "figures.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["period", "kpi", "org", "numerator", "denominator", "value"])
    book.save(path)
    assert not CaseFiles([path])
    assert read_table(path).header[0] == "period"
