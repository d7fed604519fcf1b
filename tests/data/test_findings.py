"""Data-quality findings: recorded against the load that caused them, shown by history and check."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

import data.findings
from data import schema
from data.cli import finding_lines, main
from data.findings import read_findings
from data.load import load_files
from data.migrate import ensure_schema, schema_version
from data.queries import read_figures, read_loads
from data.settings import set_setting

MONTH = "2024-06"  # "this month" for the loads: figures up to April 2024 are not stale
ORGS = """
code,name,parent,type
LA,Example Council,,authority
T1,Team 1,LA,team
T2,Team 2,LA,team
"""
HEADER = "period,kpi,org,numerator,denominator,value\n"
GAPPY = HEADER + "".join(f"2024-0{m},LAC_COUNT,T1,,,{v}\n" for m, v in ((1, 30), (2, 31), (4, 30), (5, 32)))
REVISED = HEADER + "2024-02,LAC_COUNT,T1,,,33\n"
MISSING = (
    "WARNING missing_months LAC_COUNT T1 2024-03: no figure for March 2024: "
    "1 month missing in a series that runs from January 2024 to May 2024"
)


def load(engine, *paths, dry_run=False):
    return load_files(engine, list(paths), month=MONTH, user="tester", dry_run=dry_run)


def lines(findings) -> list[str]:
    return finding_lines(findings)


@pytest.fixture
def seeded(engine, write_file):
    load(engine, write_file("orgs.csv", ORGS))
    return engine


def test_findings_are_recorded_against_the_load_that_caused_them(seeded, write_file):
    engine = seeded
    assert read_findings(engine).empty  # org units alone find nothing
    (summary,) = load(engine, write_file("gappy.csv", GAPPY))
    assert lines(read_findings(engine, summary.load_id)) == [MISSING]
    (revision,) = load(engine, write_file("revised.csv", REVISED))
    stamp = read_loads(engine).iloc[0]["loaded_at"].replace("T", " ")[:16]
    # the missing month is still there, but an earlier load caused it: only the revision is new
    assert lines(read_findings(engine, revision.load_id)) == [
        f"INFO revised LAC_COUNT T1 2024-02: revised from 31 to 33 by revised.csv, loaded {stamp}"
    ]
    (again,) = load(engine, write_file("revised.csv", REVISED))
    assert again.load_id is None  # nothing changed, so nothing was caused
    assert len(read_findings(engine)) == 2
    assert read_findings(engine)["load_id"].tolist() == [summary.load_id, revision.load_id]


def test_a_revision_of_a_revision_is_a_new_finding(seeded, write_file):
    load(seeded, write_file("gappy.csv", GAPPY))
    load(seeded, write_file("revised.csv", REVISED))
    (second,) = load(seeded, write_file("revised-again.csv", HEADER + "2024-02,LAC_COUNT,T1,,,34\n"))
    assert [m.split(" by ")[0] for m in read_findings(seeded, second.load_id)["message"]] == [
        "revised from 33 to 34"
    ]


def test_a_dry_run_records_no_findings(seeded, write_file):
    load(seeded, write_file("gappy.csv", GAPPY), dry_run=True)
    assert read_findings(seeded).empty


def test_findings_of_a_command_go_to_its_last_load(engine, write_file):
    summaries = load(engine, write_file("orgs.csv", ORGS), write_file("gappy.csv", GAPPY))
    assert read_findings(engine)["load_id"].tolist() == [summaries[-1].load_id]


def test_history_prints_each_loads_findings_under_it(db_url, seeded, write_file, capsys):
    load(seeded, write_file("gappy.csv", GAPPY))
    capsys.readouterr()
    assert main(["--db", db_url, "history"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3
    assert "gappy.csv  figures" in out[0]
    assert out[1] == f"      {MISSING}"
    assert "orgs.csv  orgs" in out[2]


@pytest.mark.parametrize(
    ("authority", "status"),
    [
        (62, 0),  # 30 + 32 at team level: warnings at most
        (63, 1),  # the teams add up to 62: an error
    ],
)
def test_check_lists_every_finding_and_fails_on_an_error(
    db_url, seeded, write_file, capsys, authority, status
):
    body = (
        HEADER + f"2024-05,LAC_COUNT,T1,,,30\n2024-05,LAC_COUNT,T2,,,32\n2024-05,LAC_COUNT,LA,,,{authority}\n"
    )
    load(seeded, write_file("may.csv", body))
    capsys.readouterr()
    assert main(["--db", db_url, "check"]) == status
    captured = capsys.readouterr()
    error = (
        "ERROR sum_mismatch LAC_COUNT LA 2024-05: the 2 units below LA add up to 62, "
        "but LA's own figure is 63: a difference of 1 (tolerance 0)"
    )
    assert (error in captured.out.splitlines()) is (status == 1)
    assert captured.err.startswith(f"{len(captured.out.splitlines())} finding(s): {status} error(s), ")


def test_check_on_an_empty_database_finds_nothing(db_url, engine, capsys):
    with engine.begin() as conn:
        ensure_schema(conn)
    assert main(["--db", db_url, "check"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "0 finding(s): 0 error(s), 0 warning(s), 0 info(s)\n"


def test_the_load_command_says_how_many_findings_are_new(db_url, seeded, write_file, capsys):
    capsys.readouterr()
    assert main(["--db", db_url, "load", str(write_file("gappy.csv", GAPPY))]) == 0
    # the missing month, and (the command line checking against today) stale data
    last = capsys.readouterr().out.splitlines()[-1]
    assert re.match(
        r"\d+ new data-quality finding\(s\), 0 error\(s\): 'python -m data history' lists them", last
    )
    assert MISSING in lines(read_findings(seeded))


def test_a_very_large_database_gets_only_the_revision_check_and_a_note(seeded, write_file, monkeypatch):
    monkeypatch.setattr(data.findings, "FULL_CHECK_LIMIT", 3)
    (first,) = load(seeded, write_file("gappy.csv", GAPPY))
    note = (
        "data-quality checks: only revised figures were checked after this load, as the database "
        "holds 4 figures (more than 3); 'python -m data check' runs every check"
    )
    assert first.notes == (note,)
    assert read_loads(seeded).iloc[0]["note"] == note
    assert read_findings(seeded).empty  # the missing month is not looked for
    (revision,) = load(seeded, write_file("revised.csv", REVISED))
    assert read_findings(seeded, revision.load_id)["check"].tolist() == ["revised"]


def make_version_2(engine) -> None:
    """A database as version 2 wrote it: no findings table."""
    with engine.begin() as conn:
        schema.findings.drop(conn)
        set_setting(conn, "schema_version", "2")


def test_version_2_database_upgrades_to_3_and_keeps_every_row(seeded, write_file):
    engine = seeded
    load(engine, write_file("gappy.csv", GAPPY))
    before = read_figures(engine).sort_values(["org", "period"]).reset_index(drop=True)
    loads_before = read_loads(engine)
    make_version_2(engine)
    with engine.begin() as conn:
        assert schema_version(conn) == 2
        assert not sa.inspect(conn).has_table("findings")
        assert ensure_schema(conn) == schema.SCHEMA_VERSION
        assert {ix["name"] for ix in sa.inspect(conn).get_indexes("findings")} == {"ix_findings_load"}
    assert read_figures(engine).sort_values(["org", "period"]).reset_index(drop=True).equals(before)
    assert read_loads(engine).equals(loads_before)
    assert read_findings(engine).empty  # findings of loads before version 3 are not invented
    (revision,) = load(engine, write_file("revised.csv", REVISED))
    # the first load after the upgrade records everything it finds as new
    assert sorted(read_findings(engine, revision.load_id)["check"]) == ["missing_months", "revised"]
    with engine.begin() as conn:
        assert schema_version(conn) == schema.SCHEMA_VERSION
