"""A region on one installation: a group and three authorities loaded from files, what each
shares, the stored regional view against a hand-worked example, and loads that keep to their
own authority (SQLite and PostgreSQL)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from data import schema
from data.cli import main
from data.load import load_files
from data.problems import InvalidInput
from data.region_store import read_region, read_shares
from metrics.access import User

REGION = Path(__file__).resolve().parents[1] / "fixtures" / "region"
FILES = ["orgs.csv", "targets.csv", "la1-figures.csv", "la2-figures.csv", "la3-figures.csv"]
KPI = "ASSESSMENTS_45WD"


@pytest.fixture
def region(engine, db_url, tmp_path):
    folder = tmp_path / "region"
    shutil.copytree(REGION, folder)
    load_files(engine, [folder / f for f in FILES], user="loader", month="2026-10")
    return engine, db_url, folder


def share(db_url, *args) -> int:
    return main(["--db", db_url, "share", *args])


def month_rows(engine, month="2026-09", kpi=KPI):
    rows = read_region(engine, "REG", kpi, month, month)
    return {r["org"]: r for r in rows.to_dict("records")}


def test_nothing_is_shared_by_default(region):
    engine, _, _ = region
    assert read_shares(engine).empty
    assert read_region(engine, "REG", KPI).empty


def test_the_regional_view_matches_the_hand_worked_example(region, capsys):
    engine, db_url, _ = region
    assert share(db_url, "--org", "LA1", "--kpi", KPI, "CP_PLANS") == 0
    assert share(db_url, "--org", "LA2", "--kpi", KPI) == 0
    assert share(db_url, "--org", "LA3", "--all") == 0
    assert "LA1 shares ASSESSMENTS_45WD, CP_PLANS" in capsys.readouterr().out
    rows = month_rows(engine)
    # fixtures/region/README.md: LA1 70/100, LA2 45/50, LA3 16/20; pooled 131/170
    assert {o: (r["value"], r["rank"], r["quartile"], r["rag"]) for o, r in rows.items() if o != "REG"} == {
        "LA2": (90.0, 1, "A", "green"),  # 90 against the general target 85
        "LA3": (80.0, 2, "C", "amber"),  # within 5 of 85
        "LA1": (70.0, 3, "D", "green"),  # against its own target, 65
    }
    pooled = rows["REG"]
    assert (pooled["numerator"], pooled["denominator"]) == (131, 170)
    assert pooled["value"] == pytest.approx(77.0588, abs=1e-4)
    assert pooled["authorities"] == 3 and pd.isna(pooled["rag"])
    assert set(month_rows(engine, kpi="CP_PLANS")) == {"LA1", "REG"}  # LA2 does not share it; LA3 has none


def test_stopping_a_share_takes_the_authority_out_of_the_view(region):
    engine, db_url, _ = region
    share(db_url, "--org", "LA1", "--kpi", KPI)
    share(db_url, "--org", "LA2", "--kpi", KPI)
    assert share(db_url, "--org", "LA2", "--kpi", KPI, "--stop") == 0
    rows = month_rows(engine)
    assert set(rows) == {"LA1", "REG"}
    assert rows["LA1"]["quartile"] is None  # alone: no band
    assert rows["REG"]["numerator"] == 70


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--org", "LA1-A", "--kpi", KPI], "'LA1-A' is not an authority"),
        (["--org", "LA1", "--kpi", "NOPE"], "no indicator with the code 'NOPE'"),
        (["--org", "LA1"], "name the authority with --org and the KPIs"),
    ],
)
def test_share_refuses_what_it_cannot_do(region, capsys, args, says):
    _, db_url, _ = region
    assert share(db_url, *args) == 2
    assert says in capsys.readouterr().err


def test_an_authority_without_a_group_cannot_share(engine, db_url, write_file, capsys):
    orgs = write_file("orgs.csv", "code,name,parent,type\nLA1,One,,authority\nLA2,Two,,authority\n")
    load_files(engine, [orgs], user="loader", month="2026-10")
    assert share(db_url, "--org", "LA1", "--all") == 2
    assert "LA1 is not in a group" in capsys.readouterr().err


def report_ids(engine, org_prefix: str) -> dict[tuple, int]:
    r = schema.report
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(r.c.id, r.c.kind, r.c.as_at, r.c.kpi, r.c.org).where(r.c.org.like(f"{org_prefix}%"))
        )
        return {tuple(row[1:]): row[0] for row in rows}


def test_one_authoritys_load_leaves_every_other_authoritys_report_untouched(region):
    engine, db_url, folder = region
    share(db_url, "--org", "LA1", "--kpi", KPI)
    share(db_url, "--org", "LA2", "--kpi", KPI)
    la2_before, la1_before = report_ids(engine, "LA2"), report_ids(engine, "LA1")
    october = folder / "la1-october.csv"
    october.write_text(
        "period,kpi,org,numerator,denominator,value,commentary\n"
        "2026-10,ASSESSMENTS_45WD,LA1-A,45,50,,\n2026-10,ASSESSMENTS_45WD,LA1-B,45,50,,\n",
        encoding="utf-8",
    )
    load_files(engine, [october], user="loader", month="2026-11")
    assert report_ids(engine, "LA2") == la2_before  # not rewritten: the same rows, the same ids
    la1_after = report_ids(engine, "LA1")
    assert ("month", "2026-10", KPI, "LA1") in la1_after and set(la1_after) > set(la1_before)
    october_view = month_rows(engine, "2026-10")
    assert october_view["LA1"]["value"] == 90.0 and october_view["REG"]["authorities"] == 1


@pytest.mark.parametrize(
    ("org", "refused"),
    [("LA1", ["3:org: you may load only for LA1 and the units below it, not LA2-A (in LA2)"]), ("", [])],
)
def test_a_file_naming_two_authorities_needs_a_writer_of_both(region, org, refused):
    engine, _, folder = region
    both = folder / "both.csv"
    both.write_text(
        "period,kpi,org,numerator,denominator,value,commentary\n"
        "2026-10,ASSESSMENTS_45WD,LA1-A,45,50,,\n2026-10,ASSESSMENTS_45WD,LA2-A,44,50,,\n",
        encoding="utf-8",
    )
    writer = User("officer@la1.example", "officer", org)
    before = report_ids(engine, "")
    if refused:
        with pytest.raises(InvalidInput) as caught:
            load_files(engine, [both], user=writer.email, month="2026-11", writer=writer)
        assert [str(p).split(":", 1)[1] for p in caught.value.problems] == refused
        assert report_ids(engine, "") == before  # nothing written
    else:
        load_files(engine, [both], user=writer.email, month="2026-11", writer=writer)
        assert ("month", "2026-10", KPI, "LA2") in report_ids(engine, "LA2")


def test_a_groups_figures_are_never_rolled_up_and_export_asks_which_authority(region, capsys):
    engine, db_url, _ = region
    assert "REG" not in {org for _, _, _, org in report_ids(engine, "")}
    assert main(["--db", db_url, "export", "--kpi", KPI]) == 2
    assert "several authorities (LA1, LA2, LA3)" in capsys.readouterr().err
    assert main(["--db", db_url, "export", "--kpi", KPI, "--org", "LA2"]) == 0
    assert "2026-09,ASSESSMENTS_45WD,LA2,45,50,90,85,green" in capsys.readouterr().out
