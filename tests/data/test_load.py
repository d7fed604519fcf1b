"""Loading: every error kind with its exact message, all-or-nothing, idempotency, revisions."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from data import schema
from data.load import load_files
from data.problems import InvalidInput
from data.queries import figure_history, read_figures, read_loads

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MONTH = "2024-06"  # "this month" for the tests: later months are in the future

ORGS = """
code,name,parent,type
LA,Example Council,,authority
SFS,Safeguarding and Family Support,LA,service
ASS1,Assessment Team 1,SFS,team
ASS2,Assessment Team 2,SFS,team
"""
OUT_OF_RANGE = (
    "is in the form YYYY-MM but out of range: the year must be 1900 or later, the month 01 to 12, "
    "and a date's day must exist"
)
HEADER = "period,kpi,org,numerator,denominator,value\n"


def load(engine, *paths, month=MONTH):
    return load_files(engine, list(paths), month=month, user="tester")


def problems_of(engine, path, month=MONTH) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        load(engine, path, month=month)
    return [str(p).removeprefix(f"{path}:") for p in caught.value.problems]


def table_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("figures"):
            return {}
        return {
            name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for name, t in schema.metadata.tables.items()
        }


@pytest.fixture
def seeded(engine, write_file):
    load(engine, write_file("orgs.csv", ORGS))
    return engine


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "period,kpi,org,numerator,value\n2024-01,LAC_COUNT,LA,,3\n",
            ["1:denominator: missing column 'denominator'"],
        ),
        (
            "period,kpi,org,numerator,denominator,value,colour\n2024-01,LAC_COUNT,LA,,,3,red\n",
            [
                "1:colour: unknown column 'colour' (a figures file has: "
                "period, kpi, org, numerator, denominator, value, commentary, provenance)"
            ],
        ),
        (HEADER + "2024-01,NOT_A_KPI,LA,,,3\n", ["2:kpi: unknown KPI code 'NOT_A_KPI'"]),
        (HEADER + "2024-01,LAC_COUNT,XYZ,,,3\n", ["2:org: unknown org unit 'XYZ'"]),
        (
            HEADER + "2024-13,LAC_COUNT,LA,,,3\n",
            [f"2:period: '2024-13' {OUT_OF_RANGE}"],
        ),
        (HEADER + "Jan 2024,LAC_COUNT,LA,,,3\n", ["2:period: 'Jan 2024' is not a month (YYYY-MM)"]),
        (
            HEADER + "2024-02-30,LAC_COUNT,LA,,,3\n",
            [f"2:period: '2024-02-30' {OUT_OF_RANGE}"],
        ),
        (HEADER + "2024-07,LAC_COUNT,LA,,,3\n", ["2:period: 2024-07 is in the future"]),
        (
            HEADER + "2024-01,LAC_COUNT,LA,,,3\n2024-01,LAC_COUNT,LA,,,4\n",
            ["3:period: duplicate of row 2 (same period, kpi and org)"],
        ),
        (HEADER + "2024-01,LAC_COUNT,LA,,,-1\n", ["2:value: a count cannot be negative: -1"]),
        (HEADER + "2024-01,LAC_COUNT,LA,,,2.5\n", ["2:value: a count must be a whole number: 2.5"]),
        (HEADER + "2024-01,LAC_COUNT,LA,,,three\n", ["2:value: 'three' is not a number"]),
        (
            HEADER + "2024-01,ASSESSMENTS_45WD,ASS1,6,5,\n",
            ["2:numerator: numerator 6 is greater than its denominator"],
        ),
        (
            HEADER + "2024-01,ASSESSMENTS_45WD,ASS1,0,0,\n",
            ["2:denominator: a denominator must be greater than 0"],
        ),
        (
            HEADER + "2024-01,ASSESSMENTS_45WD,ASS1,4,5,70\n",
            ["2:value: value 70 disagrees with numerator/denominator (80)"],
        ),
        (
            HEADER + "2024-01,ASSESSMENTS_45WD,ASS1,,5,\n",
            ["2:numerator: empty cell: numerator is required for a ratio KPI"],
        ),
        (HEADER + "2024-01,LAC_COUNT,LA,,,\n", ["2:value: empty cell: value is required for a count KPI"]),
        (HEADER + ",LAC_COUNT,LA,,,3\n", ["2:period: empty cell: period is required"]),
        (
            HEADER + "2024-01,LAC_COUNT,LA,1,,3\n",
            ["2:numerator: must be empty for a count KPI (numerator is not used)"],
        ),
        (HEADER + "2024-01,ASSESSMENTS_45WD,ASS1,-1,5,\n", ["2:numerator: cannot be negative: -1"]),
    ],
    ids=lambda v: v[0][:40] if isinstance(v, list) else None,
)
def test_figures_errors_name_row_column_and_reason(seeded, write_file, body, expected):
    path = write_file("bad.csv", body)
    before = table_counts(seeded)
    assert problems_of(seeded, path) == expected
    assert table_counts(seeded) == before


def test_every_problem_in_a_file_is_reported_at_once(seeded, write_file):
    path = write_file(
        "bad.csv",
        HEADER + "2024-01,NOT_A_KPI,LA,,,3\n2024-01,LAC_COUNT,XYZ,,,3\n\n2024-99,LAC_COUNT,LA,,,3\n",
    )
    assert problems_of(seeded, path) == [
        "2:kpi: unknown KPI code 'NOT_A_KPI'",
        "3:org: unknown org unit 'XYZ'",
        f"5:period: '2024-99' {OUT_OF_RANGE}",
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (ORGS + "TEAM9,Team 9,NOPE,team\n", ["6:parent: unknown parent 'NOPE'"]),
        (
            ORGS + "OTHER,Other Service,,service\n",
            ["6:parent: a second root (the root is 'LA'): give this unit a parent"],
        ),
        (ORGS + "G,Region,LA,group\n", ["6:parent: a group is the top of the tree: leave its parent empty"]),
        (
            "code,name,parent,type\nG,Region,,group\nLA,Council,G,authority\nT1,Team,G,team\n",
            ["4:type: only an authority can sit under a group, not a team"],
        ),
        (
            ORGS + "LA2,Council 2,SFS,authority\n",
            ["6:parent: an authority sits at the top of the tree or under a group, not under 'SFS'"],
        ),
        (
            "code,name,parent,type\nLA,Council,,authority\nA,A,B,team\nB,B,A,team\n",
            ["3:parent: org units form a cycle: A → B → A", "4:parent: org units form a cycle: B → A → B"],
        ),
        (
            ORGS + "T1,Team,SFS,squad\n",
            ["6:type: unknown type 'squad' (expected one of: group, authority, service, team)"],
        ),
        (ORGS + "ASS1,Again,SFS,team\n", ["6:code: duplicate of row 4 (same code and from)"]),
    ],
)
def test_org_errors(engine, write_file, body, expected):
    path = write_file("orgs.csv", body)
    assert problems_of(engine, path) == expected
    assert table_counts(engine) == {}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "kpi,from,target,tolerance\nLAC_COUNT,2024-01,3,1\n",
            ["2:kpi: LAC_COUNT is a context measure (no polarity): it takes no target"],
        ),
        (
            "kpi,from,target,tolerance\nASSESSMENTS_45WD,2024-01,90,-1\n",
            ["2:tolerance: a tolerance cannot be negative: -1"],
        ),
        (
            "kpi,from,target,tolerance\nASSESSMENTS_45WD,April,90,5\n",
            ["2:from: 'April' is not a month (YYYY-MM)"],
        ),
        (
            "kpi,from,target,tolerance,org\nASSESSMENTS_45WD,2024-01,90,5,NOPE\n",
            ["2:org: unknown org unit 'NOPE'"],
        ),
    ],
)
def test_target_errors(seeded, write_file, body, expected):
    assert problems_of(seeded, write_file("targets.csv", body)) == expected


def test_process_change_and_benchmark_errors(seeded, write_file):
    changes = write_file("changes.csv", "kpi,org,period,note\n*,LA,2024-01,\nFOO,LA,2024-01,x\n")
    assert problems_of(seeded, changes) == [
        "2:note: empty cell: note is required",
        "3:kpi: unknown KPI code 'FOO'",
    ]
    bench = write_file("bench.csv", "kpi,period,comparator,value\nLAC_COUNT,2024-03,England,c\n")
    assert problems_of(seeded, bench) == ["2:value: 'c' is not a number"]


def test_a_rejected_command_writes_nothing_even_after_good_files(engine, write_file):
    good = write_file("orgs.csv", ORGS)
    bad = write_file("figures.csv", HEADER + "2024-01,LAC_COUNT,LA,,,x\n")
    with pytest.raises(InvalidInput):
        load(engine, good, bad)
    assert table_counts(engine) == {}


def test_loading_the_same_file_twice_changes_nothing(seeded, write_file):
    path = write_file(
        "figures.csv", HEADER + "2024-01,LAC_COUNT,LA,,,330\n2024-01,ASSESSMENTS_45WD,ASS1,4,5,\n"
    )
    first = load(seeded, path)
    counts = table_counts(seeded)
    second = load(seeded, path)
    assert (first[0].added, second[0].added, second[0].unchanged, second[0].load_id) == (2, 0, 2, None)
    assert table_counts(seeded) == counts


def test_a_changed_value_becomes_a_revision_and_keeps_the_old_one(seeded, write_file):
    load(seeded, write_file("jan.csv", HEADER + "2024-01,LAC_COUNT,LA,,,330\n2024-01,LAC_COUNT,SFS,,,100\n"))
    summary = load(seeded, write_file("jan-v2.csv", HEADER + "2024-01,LAC_COUNT,LA,,,332\n"))[0]
    assert (summary.added, summary.revised, summary.unchanged) == (0, 1, 0)
    current = read_figures(seeded)
    assert current.set_index("org").loc["LA", "value"] == 332
    history = figure_history(seeded, "LAC_COUNT", "LA", "2024-01")
    assert history["value"].tolist() == [330, 332]
    assert history["is_current"].tolist() == [False, True]
    assert history["file_name"].tolist() == ["jan.csv", "jan-v2.csv"]
    loads = read_loads(seeded)
    assert loads[["file_name", "rows_added", "rows_revised"]].values.tolist()[0] == ["jan-v2.csv", 0, 1]
    assert len(loads.loc[0, "sha256"]) == 64


def test_commentary_is_kept_when_a_file_has_no_commentary_column(seeded, write_file):
    load(
        seeded, write_file("a.csv", HEADER.strip() + ",commentary\n2024-01,LAC_COUNT,LA,,,330,Why it rose\n")
    )
    summary = load(seeded, write_file("b.csv", HEADER + "2024-01,LAC_COUNT,LA,,,330\n"))[0]
    assert summary.unchanged == 1
    assert read_figures(seeded)["commentary"].tolist() == ["Why it rose"]
    changed = load(
        seeded, write_file("c.csv", HEADER.strip() + ",commentary\n2024-01,LAC_COUNT,LA,,,330,New\n")
    )
    assert changed[0].revised == 1


def test_validate_writes_nothing(engine):
    load_files(engine, [FIXTURES / "orgs.csv"], dry_run=True, month=MONTH)
    assert table_counts(engine) == {}


def test_columns_match_case_insensitively_in_any_order_with_bom(seeded, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "\ufeff Value ,ORG,Kpi,Period,denominator,numerator\r\n330,LA,LAC_COUNT,2024-01-31,,\r\n".encode()
    )
    load(seeded, path)
    assert read_figures(seeded)[["period", "value"]].values.tolist() == [["2024-01", 330.0]]


def test_xlsx_is_accepted_like_csv(seeded, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["period", "kpi", "org", "numerator", "denominator", "value"])
    sheet.append(["2024-01", "ASSESSMENTS_45WD", "ASS1", 4, 5, None])
    sheet.append(["2024-02", "LAC_COUNT", "LA", None, None, "x"])
    path = tmp_path / "figures.xlsx"
    book.save(path)
    assert problems_of(seeded, path) == ["3:value: 'x' is not a number"]
    sheet.delete_rows(3)
    book.save(path)
    load(seeded, path)
    assert read_figures(seeded)["numerator"].tolist() == [4.0]


def test_figures_for_a_closed_unit_are_rejected(engine, write_file):
    load(
        engine,
        write_file("orgs.csv", "code,name,parent,type,closed\nLA,C,,authority,\nT1,Team,LA,team,2023-12\n"),
    )
    path = write_file("f.csv", HEADER + "2023-12,LAC_COUNT,T1,,,1\n2024-01,LAC_COUNT,T1,,,1\n")
    assert problems_of(engine, path) == ["3:org: org unit 'T1' was not open in that month"]


def test_a_problem_is_always_one_line():
    from data.problems import Problem

    assert (
        str(Problem("f.csv", 3, "org\nx", "unknown org unit 'A\tB'"))
        == "f.csv:3:org\\nx: unknown org unit 'A\\tB'"
    )
