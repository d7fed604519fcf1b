"""Users, commentary and actions written through data.writes: revisions, audit, access checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from data import writes
from data.audit import read_audit
from data.cli import main
from data.load import load_files
from data.problems import InvalidInput
from data.queries import commentary_history, read_actions, read_commentary, read_dataset, read_process_changes
from metrics.access import Forbidden
from metrics.report import ReportQuery, figures_report
from tests.auth.helpers import build, counts

HERE = "10.1.2.3"
ADMIN = "admin@council.example"


@pytest.fixture
def built(engine, tmp_path: Path):
    build(engine, tmp_path)
    return engine


def comment(engine, email: str, text: str, org: str = "ASS1", period: str = "2024-05"):
    fields = {"kpi": "ASSESSMENTS_45WD", "org": org, "period": period, "text": text}
    return writes.write_commentary(engine, email, fields, address=HERE)


def test_commentary_keeps_every_version_with_who_and_when_and_reaches_the_export(built, catalogue):
    first = comment(built, "editor@council.example", "Two new starters")
    second = comment(built, "admin@council.example", "Two new starters; agency cover ended")
    assert first.load_id is not None and second.load_id is not None
    assert comment(built, "admin@council.example", "Two new starters; agency cover ended").load_id is None
    history = commentary_history(built, "ASSESSMENTS_45WD", "ASS1", "2024-05")
    assert history["commentary"].tolist() == ["Two new starters", "Two new starters; agency cover ended"]
    assert history["written_by"].tolist() == ["editor@council.example", "admin@council.example"]
    assert history["is_current"].tolist() == [False, True]
    current = read_commentary(built)
    assert current[["kpi", "org", "period", "commentary", "written_by"]].values.tolist() == [
        ["ASSESSMENTS_45WD", "ASS1", "2024-05", "Two new starters; agency cover ended", ADMIN]
    ]
    rows = figures_report(read_dataset(built), catalogue, ReportQuery(org="ASS1"))
    assert rows.set_index("period").at["2024-05", "commentary"] == "Two new starters; agency cover ended"
    log = read_audit(built)
    assert log.loc[log["action"] == "commentary.write", "who"].tolist() == [
        "admin@council.example",
        "editor@council.example",
    ]
    assert set(log.loc[log["action"] == "commentary.write", "address"]) == {HERE}


@pytest.mark.parametrize(
    ("email", "org"),
    [
        ("viewer@council.example", "ASS1"),  # a viewer may not write
        ("editor@council.example", "LAC1"),  # an editor for another service
        ("editor@council.example", "LA"),  # nor above their own unit
        ("stranger@council.example", "ASS1"),  # no user record
    ],
)
def test_a_refused_write_changes_nothing(built, email, org):
    before = counts(built)
    with pytest.raises(Forbidden):
        comment(built, email, "forged", org=org)
    with pytest.raises(Forbidden):
        writes.create_action(built, email, action_fields(org=org), address=HERE)
    assert counts(built) == before


def test_invalid_commentary_is_refused_with_every_problem(built):
    before = counts(built)
    with pytest.raises(writes.WriteError) as caught:
        writes.write_commentary(
            built,
            "admin@council.example",
            {"kpi": "NOPE", "org": "XX", "period": "2999-01", "text": 5},
            address=HERE,
        )
    assert [f for f, _ in caught.value.problems] == ["kpi", "period", "text", "org"]
    assert counts(built) == before


def action_fields(**changes):
    return {
        "title": "Weekly huddle on assessments out of time",
        "description": "Team managers review every assessment past day 35.",
        "owner": "Head of Safeguarding",
        "due": "2024-09-30",
        "kpis": ["ASSESSMENTS_45WD"],
        "org": "ASS1",
        "starts_process": "2024-07",
        **changes,
    }


def test_an_action_starting_a_process_rebaselines_spc_and_keeps_its_versions(built):
    made = writes.create_action(built, "editor@council.example", action_fields(), address=HERE)
    action_id = made.record["action_id"]
    changes = read_process_changes(built)
    assert changes[["kpi", "org", "period"]].values.tolist() == [["ASSESSMENTS_45WD", "ASS1", "2024-07"]]
    assert changes["note"].iloc[0] == f"Action {action_id}: Weekly huddle on assessments out of time"
    writes.update_action(built, "admin@council.example", action_id, {"status": "done"}, address=HERE)
    stored = read_actions(built)
    assert stored[["id", "status", "created_by", "updated_by"]].values.tolist() == [
        [action_id, "done", "editor@council.example", "admin@council.example"]
    ]
    # moving the action to another service needs the right to write there too
    before = counts(built)
    with pytest.raises(Forbidden):
        writes.update_action(built, "editor@council.example", action_id, {"org": "LAC1"}, address=HERE)
    with pytest.raises(Forbidden):
        writes.update_action(built, "cic.editor@council.example", action_id, {"status": "open"}, address=HERE)
    with pytest.raises(writes.NotFound):
        writes.update_action(built, "admin@council.example", 999, {"status": "open"}, address=HERE)
    with pytest.raises(writes.WriteError) as caught:
        writes.update_action(built, ADMIN, action_id, {"status": "maybe", "x": 1}, address=HERE)
    assert caught.value.problems[0] == ("x", "unknown field")
    assert counts(built) == before


def test_actions_load_and_export_as_csv_with_file_row_column_problems(built, tmp_path: Path):
    good = tmp_path / "actions.csv"
    good.write_text(
        "title,owner,due,status,kpis,org,starts_process,description\n"
        "Audit drift cases,Head of CIC,2024-10-31,open,ASSESSMENTS_45WD,LAC1,2024-08,Monthly audit\n"
        "Huddles,Head of SFS,2024-09-30,done,ASSESSMENTS_45WD,SFS,,\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad-actions.csv"
    bad.write_text(
        "title,owner,due,status,kpis,org\n"
        "Fine,Someone,2024-10-31,open,ASSESSMENTS_45WD,SFS\n"
        ",Someone,31/10/2024,later,NOPE,XX\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as caught:
        load_files(built, [bad], user="officer", month="2025-01")
    assert [str(p).removeprefix(f"{bad}:") for p in caught.value.problems] == [
        "3:title: title is required",
        "3:due: due must be a date written YYYY-MM-DD, not '31/10/2024'",
        "3:status: status must be one of open, done, dropped, not 'later'",
        "3:kpis: unknown KPI code 'NOPE'",
        "3:org: unknown org unit 'XX'",
    ]
    assert read_actions(built).empty
    load_files(built, [good], user="officer", month="2025-01")
    out = tmp_path / "out.csv"
    assert main(["--db", built.url.render_as_string(hide_password=False), "actions", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == good.read_text(encoding="utf-8")
    summaries = load_files(built, [out], user="officer", month="2025-01")
    assert [s.load_id for s in summaries] == [None]  # the same actions again change nothing
    assert read_process_changes(built)["org"].tolist() == ["LAC1"]
    # text a spreadsheet would run as a formula is exported harmless
    writes.create_action(built, ADMIN, action_fields(title='=HYPERLINK("http://x")'), address=HERE)
    assert main(["--db", built.url.render_as_string(hide_password=False), "actions", "--out", str(out)]) == 0
    assert "'=HYPERLINK" in out.read_text(encoding="utf-8")


def test_users_and_audit_on_the_command_line(built, capsys, tmp_path: Path):
    url = built.url.render_as_string(hide_password=False)
    new = "New.Person@Council.example"
    assert main(["--db", url, "users", "add", new, "--role", "editor", "--org", "CIC"]) == 0
    assert main(["--db", url, "users", "add", "x@council.example", "--role", "editor", "--org", "NOPE"]) == 2
    assert main(["--db", url, "users", "add", "x@council.example", "--role", "boss"]) == 2
    assert main(["--db", url, "users", "remove", "viewer@council.example"]) == 0
    assert main(["--db", url, "users", "remove", "nobody@council.example"]) == 2
    capsys.readouterr()
    assert main(["--db", url, "users", "list"]) == 0
    listed = capsys.readouterr().out
    assert "new.person@council.example  editor  CIC" in listed
    assert "viewer@council.example" not in listed
    out = tmp_path / "audit.csv"
    assert main(["--db", url, "audit", "--out", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id,at,who,action,target,detail,address,load_id"
    assert ",users.remove,viewer@council.example," in lines[1]
    assert ",command line," in lines[1]
    assert any(",load," in line and "figures.csv" in line for line in lines)
