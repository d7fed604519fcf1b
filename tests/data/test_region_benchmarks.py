"""Each authority of a region keeps its own EES configuration and benchmarks (issue 13, item 1):
`config --la CODE --org AUTHORITY`, EES files loaded for every configured authority at once,
benchmarks files with an `org` column, each authority's report and published-figure check using
its own benchmarks, and `touched()` mapping a benchmark to its authority (SQLite and PostgreSQL)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from data import report_store, schema
from data.cli import main
from data.load import load_files
from data.problems import InvalidInput
from data.queries import read_benchmarks, read_dataset
from data.settings import get_setting
from metrics.quality import run_checks

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REGION = FIXTURES / "region"
FILES = ["orgs.csv", "targets.csv", "la1-figures.csv", "la2-figures.csv", "la3-figures.csv"]
CSWW = Path(__file__).parent / "ees" / "csww_indicators_sample.csv"
KPI = "ASSESSMENTS_45WD"


def run(url: str, *args: object) -> int:
    return main(["--db", url, *(str(a) for a in args)])


@pytest.fixture
def region(engine, db_url, tmp_path):
    folder = tmp_path / "region"
    shutil.copytree(REGION, folder)
    load_files(engine, [folder / f for f in FILES], user="loader", month="2026-10")
    return engine, db_url


def current_benchmarks(engine: sa.Engine) -> dict[tuple[str, str, str, str], float | None]:
    t = schema.benchmarks
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t).where(t.c.is_current == sa.true())).all()
    return {(r.kpi, r.period, r.comparator, r.org): r.value for r in rows}


# --- python -m data config --la CODE --org AUTHORITY -------------------------------------------------


def test_several_authorities_need_org_to_configure(region, capsys):
    engine, url = region
    assert run(url, "config", "--la", "884") == 2
    assert capsys.readouterr().err.strip() == (
        "python -m data config: this database holds several authorities (LA1, LA2, LA3): name one with --org"
    )
    assert run(url, "config", "--la", "884", "--org", "LA1-A") == 2
    assert "LA1-A is a team, not an authority: the authorities are LA1, LA2, LA3" in capsys.readouterr().err
    assert run(url, "config", "--la", "884", "--org", "REG") == 2
    assert "REG is a group, not an authority" in capsys.readouterr().err
    assert run(url, "config", "--la", "884", "--org", "NOPE") == 2
    assert "unknown authority 'NOPE': the authorities are LA1, LA2, LA3" in capsys.readouterr().err
    with engine.connect() as conn:
        assert get_setting(conn, "la_code") == "" and get_setting(conn, "la_code@LA1") == ""


def test_each_authority_keeps_its_own_configuration(region, capsys):
    engine, url = region
    assert run(url, "config", "--la", "E06000019", "--org", "LA1") == 0
    assert capsys.readouterr().out.startswith("LA1: authority: Herefordshire, County of (884, E06000019)\n")
    assert run(url, "config", "--la", "394", "--org", "LA2") == 0
    with engine.connect() as conn:
        assert get_setting(conn, "la_code@LA1") == "884"
        assert get_setting(conn, "la_code@LA2") == "394"
        assert get_setting(conn, "la_region@LA2") == "North East"
        assert get_setting(conn, "la_code") == ""  # no authority of one
    capsys.readouterr()
    assert run(url, "config") == 0
    out = capsys.readouterr().out
    assert "LA1: authority: Herefordshire, County of (884, E06000019)\nregion: West Midlands\n" in out
    assert "LA2: authority: Sunderland (394, E08000024)\nregion: North East\n" in out
    assert out.rstrip().endswith("LA3: not configured: run `python -m data config --la CODE --org LA3`")
    assert run(url, "config", "--org", "LA2") == 0
    assert capsys.readouterr().out.startswith("LA2: authority: Sunderland (394, E08000024)\n")


def test_one_authority_configures_as_before_with_or_without_org(engine, db_url, capsys):
    load_files(engine, [FIXTURES / "orgs.csv"], month="2024-06")
    assert run(db_url, "config", "--la", "884") == 0
    assert capsys.readouterr().out.startswith("authority: Herefordshire, County of (884, E06000019)\n")
    with engine.connect() as conn:
        root = str(
            conn.execute(sa.select(schema.org_units.c.code).where(schema.org_units.c.parent == "")).scalar()
        )
    assert run(db_url, "config", "--la", "893", "--org", root) == 0
    with engine.connect() as conn:
        assert get_setting(conn, "la_code") == "893"  # the keys without a suffix, as always
    assert run(db_url, "load", CSWW) == 0
    assert {org for *_, org in current_benchmarks(engine)} == {""}


# --- EES files for every configured authority ---------------------------------------------------------


def test_an_ees_file_gives_every_configured_authority_its_benchmarks(region, capsys):
    engine, url = region
    assert run(url, "config", "--la", "884", "--org", "LA1") == 0
    assert run(url, "config", "--la", "893", "--org", "LA2") == 0  # Shropshire
    capsys.readouterr()
    assert run(url, "load", CSWW) == 0
    out = capsys.readouterr().out
    assert f"{CSWW}: note: authority LA1: Herefordshire, County of (884, E06000019)" in out
    assert f"{CSWW}: note: authority LA2: Shropshire (893, E06000051)" in out
    assert f"{CSWW}: note: not configured, England only: LA3" in out
    stored = current_benchmarks(engine)
    key = ("CASELOAD_AVG", "2025-09")
    assert {(c, o) for k, p, c, o in stored if (k, p) == key} == {
        ("England", ""),
        *((c, o) for c in ("Region", "Statistical neighbours", "Published (DfE)") for o in ("LA1", "LA2")),
    }
    assert stored[(*key, "England", "")] == pytest.approx(15.2)
    assert stored[(*key, "Published (DfE)", "LA1")] != stored[(*key, "Published (DfE)", "LA2")]
    assert stored[(*key, "Statistical neighbours", "LA1")] != stored[(*key, "Statistical neighbours", "LA2")]
    notes = read_benchmarks(engine, ["CASELOAD_AVG"])
    regional = notes[(notes["comparator"] == "Region") & (notes["period"] == "2025-09")]
    assert dict(zip(regional["org"], regional["note"], strict=True)) == {
        "LA1": "West Midlands",
        "LA2": "West Midlands",
    }
    assert run(url, "load", CSWW) == 0  # loading again changes nothing
    assert "0 added, 0 revised" in capsys.readouterr().out


def test_an_ees_file_needs_one_configured_authority_of_several(region, capsys):
    _, url = region
    assert run(url, "load", CSWW) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{CSWW}:1:-: no authority is configured: run `python -m data config --la CODE --org AUTHORITY` "
        "for each authority (LA1, LA2, LA3): EES files give benchmarks for the configured authority"
    )


# --- benchmarks files with an org column, the report, touched() and the published check -------------


def bench_file(write_file, name: str, rows: list[str]) -> Path:
    return write_file(name, "kpi,period,comparator,value,org\n" + "".join(f"{r}\n" for r in rows))


def test_a_benchmarks_file_names_authorities(region, write_file):
    engine, _ = region
    bad = bench_file(
        write_file,
        "bad.csv",
        [f"{KPI},2026-09,Region,70,NOPE", f"{KPI},2026-09,Region,70,LA1-A", f"{KPI},2026-09,Region,70,REG"],
    )
    with pytest.raises(InvalidInput) as caught:
        load_files(engine, [bad], month="2026-10")
    assert [str(p) for p in caught.value.problems] == [
        f"{bad}:2:org: unknown org unit 'NOPE'",
        f"{bad}:3:org: 'LA1-A' is a team, not an authority: a benchmark belongs to an authority "
        "(or, with org empty, to every authority)",
        f"{bad}:4:org: 'REG' is a group, not an authority: a benchmark belongs to an authority "
        "(or, with org empty, to every authority)",
    ]


def test_each_report_uses_its_own_benchmarks_before_every_authoritys(region, write_file, catalogue):
    engine, _ = region
    first = bench_file(
        write_file,
        "bench.csv",
        [
            "CP_PLANS,2026-09,England,80,",
            "CP_PLANS,2026-09,Region,50,",  # every authority's
            "CP_PLANS,2026-09,Region,75,LA1",  # LA1's own beats it
        ],
    )
    loaded = load_files(engine, [first], month="2026-10")

    def comparators() -> dict[str, tuple[float, float]]:
        rows = report_store.read_rows(engine, "month", orgs=["LA1", "LA2"], kpis=["CP_PLANS"], end="2026-09")
        rows = rows[rows["period"] == "2026-09"]
        return {o: (e, r) for o, e, r in zip(rows["org"], rows["england"], rows["region"], strict=True)}

    assert comparators() == {"LA1": (80.0, 75.0), "LA2": (80.0, 50.0)}
    # a benchmark with an org touches that authority only; one without, every authority
    second = bench_file(write_file, "bench2.csv", ["CP_PLANS,2026-09,Region,62,LA2"])
    summaries = load_files(engine, [second], month="2026-10")
    with engine.connect() as conn:
        touched = report_store.touched(conn, [int(summaries[0].load_id or 0)], catalogue)
        assert (touched.kpis, touched.authorities) == ({"CP_PLANS"}, {"LA2"})
        assert report_store.touched(conn, [int(loaded[0].load_id or 0)], catalogue).authorities is None
    assert comparators() == {"LA1": (80.0, 75.0), "LA2": (80.0, 62.0)}


def test_the_published_check_runs_for_each_authority(region, write_file, catalogue):
    engine, _ = region
    published = bench_file(
        write_file,
        "published.csv",
        ["CP_PLANS,2026-09,Published (DfE),118,LA1", "CP_PLANS,2026-09,Published (DfE),70,LA2"],
    )
    load_files(engine, [published], month="2026-10")
    findings = run_checks(
        read_dataset(engine), catalogue, report_store.read_rows(engine, "month"), today_month="2026-10"
    )
    mismatch = findings[findings["check"] == "published_mismatch"]
    assert list(zip(mismatch["org"], mismatch["message"], strict=True)) == [
        ("LA2", "our September 2026 figure was 81, DfE published 70: a difference of 11")
    ]
