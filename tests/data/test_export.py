"""Export: the contract's example, hand-worked quarter and year figures, round trip, CLI."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.cli import main
from data.export import export_csv, format_number, neutralise
from data.load import load_files
from data.queries import read_dataset
from metrics.catalogue import load_catalogue
from metrics.report import ReportQuery, figures_report

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ROOT = Path(__file__).resolve().parents[2]


def export_rows(engine, **query) -> list[dict[str, str]]:
    rows = figures_report(read_dataset(engine), load_catalogue(), ReportQuery(**query))
    return list(csv.DictReader(io.StringIO(export_csv(rows))))


@pytest.fixture
def example(engine):
    load_files(engine, [FIXTURES / n for n in ("orgs.csv", "targets.csv", "figures.csv")], month="2024-06")
    return engine


def test_export_matches_the_contract_example(example):
    with open(FIXTURES / "expected-export.csv", newline="") as handle:
        expected = list(csv.DictReader(handle))
    for row in expected:
        got = {
            r["period"]: r
            for r in export_rows(example, kpis=(row["kpi"],), org=row["org"], period=row.pop("command"))
        }[row["period"]]
        assert {k: got[k] for k in row} == row


HAND_WORKED = """
code,name,parent,type
LA,Council,,authority
S1,Service,LA,service
T1,Team 1,S1,team
T2,Team 2,S1,team
"""
# Hand-worked: Apr-Jun 2024 is 2024/25 Q1; Jan-Mar 2024 is 2023/24 Q4.
# ratio (sum): T1 8/10, 9/10, 5/10; T2 1/2, 2/2, 0/2  -> Q1 S1 = 25/36 = 69.4444%
# stock (last): CP_PLANS T1 10, 12, 11; T2 5, 6, 7     -> Q1 S1 = 11 + 7 = 18
# flow (sum): REFERRALS T1 3, 4, 5; T2 1, 1, 1         -> Q1 S1 = 15
# LA has its own REFERRALS figure in May only (20): the LA's May uses it, April and June roll up.
HAND_FIGURES = """
period,kpi,org,numerator,denominator,value
2024-04,ASSESSMENTS_45WD,T1,8,10,
2024-05,ASSESSMENTS_45WD,T1,9,10,
2024-06,ASSESSMENTS_45WD,T1,5,10,
2024-04,ASSESSMENTS_45WD,T2,1,2,
2024-05,ASSESSMENTS_45WD,T2,2,2,
2024-06,ASSESSMENTS_45WD,T2,0,2,
2024-04,CP_PLANS,T1,,,10
2024-05,CP_PLANS,T1,,,12
2024-06,CP_PLANS,T1,,,11
2024-04,CP_PLANS,T2,,,5
2024-05,CP_PLANS,T2,,,6
2024-06,CP_PLANS,T2,,,7
2024-04,REFERRALS,T1,,,3
2024-05,REFERRALS,T1,,,4
2024-06,REFERRALS,T1,,,5
2024-04,REFERRALS,T2,,,1
2024-05,REFERRALS,T2,,,1
2024-06,REFERRALS,T2,,,1
2024-05,REFERRALS,LA,,,20
2024-03,REFERRALS,T1,,,2
"""


@pytest.fixture
def hand(engine, write_file):
    load_files(
        engine, [write_file("orgs.csv", HAND_WORKED), write_file("f.csv", HAND_FIGURES)], month="2024-06"
    )
    return engine


@pytest.mark.parametrize(
    ("period", "org", "kpi", "label", "expected"),
    [
        ("quarter", "S1", "ASSESSMENTS_45WD", "2024/25 Q1", ("25", "36", "69.4444")),
        ("quarter", "T2", "ASSESSMENTS_45WD", "2024/25 Q1", ("3", "6", "50")),
        ("year", "S1", "ASSESSMENTS_45WD", "2024/25", ("25", "36", "69.4444")),
        ("quarter", "S1", "CP_PLANS", "2024/25 Q1", ("", "", "18")),
        ("year", "LA", "CP_PLANS", "2024/25", ("", "", "18")),
        ("quarter", "S1", "REFERRALS", "2024/25 Q1", ("", "", "15")),
        ("quarter", "LA", "REFERRALS", "2024/25 Q1", ("", "", "30")),  # 4 + 20 + 6
        ("quarter", "LA", "REFERRALS", "2023/24 Q4", ("", "", "2")),
        ("year", "LA", "REFERRALS", "2023/24", ("", "", "2")),
        ("month", "LA", "REFERRALS", "2024-05", ("", "", "20")),
        ("month", "LA", "REFERRALS", "2024-06", ("", "", "6")),
        ("ytd", "S1", "ASSESSMENTS_45WD", "2024-05 YTD", ("20", "24", "83.3333")),
    ],
)
def test_periods_agree_with_hand_worked_examples(hand, period, org, kpi, label, expected):
    rows = {r["period"]: r for r in export_rows(hand, kpis=(kpi,), org=org, period=period)}
    assert (rows[label]["numerator"], rows[label]["denominator"], rows[label]["value"]) == expected


def test_to_is_an_as_at_cut_off_and_from_the_first_period_shown(hand):
    rows = export_rows(hand, kpis=("REFERRALS",), org="S1", period="quarter", start="2024-05", end="2024-05")
    assert [(r["period"], r["value"], r["months"]) for r in rows] == [("2024/25 Q1", "9", "2")]
    months = export_rows(hand, kpis=("REFERRALS",), org="S1", period="month", start="2024-05", end="2024-06")
    assert [(r["period"], r["value"], r["direction"]) for r in months] == [
        ("2024-05", "5", "higher"),
        ("2024-06", "6", "higher"),
    ]


ROUND_TRIP_KPIS = ["ASSESSMENTS_45WD", "REFERRALS", "CP_PLANS", "CIN_RATE", "CASELOAD_AVG"]


@st.composite
def figure_files(draw):
    months = draw(st.lists(st.sampled_from([f"2023-{m:02d}" for m in range(1, 13)]), min_size=1, unique=True))
    rows = []
    for month in months:
        for kpi in draw(st.lists(st.sampled_from(ROUND_TRIP_KPIS), min_size=1, max_size=3, unique=True)):
            if kpi in ("REFERRALS", "CP_PLANS"):
                rows.append((month, kpi, "", "", str(draw(st.integers(0, 100_000)))))
            else:
                den = draw(st.integers(1, 50_000))
                num = draw(st.integers(0, den)) if kpi == "ASSESSMENTS_45WD" else draw(st.integers(0, 10**6))
                rows.append((month, kpi, str(num), str(den), ""))
    return rows


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=figure_files())
def test_load_then_export_gives_back_the_input(tmp_path_factory, rows):
    from data.engine import make_engine

    folder = tmp_path_factory.mktemp("roundtrip")
    (folder / "orgs.csv").write_text("code,name,parent,type\nLA,Council,,authority\n")
    body = "".join(f"{p},{k},LA,{n},{d},{v}\n" for p, k, n, d, v in rows)
    (folder / "f.csv").write_text("period,kpi,org,numerator,denominator,value\n" + body)
    engine = make_engine(f"sqlite:///{folder / 'rt.db'}")
    load_files(engine, [folder / "orgs.csv", folder / "f.csv"], month="2024-01")
    got = {(r["period"], r["kpi"]): r for r in export_rows(engine)}
    engine.dispose()
    assert len(got) == len(rows)
    for period, kpi, num, den, value in rows:
        row = got[(period, kpi)]
        assert (row["numerator"], row["denominator"]) == (num, den)
        if value:
            assert row["value"] == value


@pytest.mark.parametrize(
    ("raw", "shown"),
    [(58.0, "58"), (82.857142857, "82.8571"), (float("nan"), ""), (None, ""), (0.00004, "0")],
)
def test_format_number(raw, shown):
    assert format_number(raw) == shown


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+44", "'+44"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("ok", "ok"),
    ],
)
def test_formula_like_text_is_neutralised(text, safe):
    assert neutralise(text) == safe


def test_cli_export_history_and_exit_statuses(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert (
        main(["--db", db, "load", *(str(FIXTURES / n) for n in ("orgs.csv", "targets.csv", "figures.csv"))])
        == 0
    )
    out = tmp_path / "out.csv"
    assert main(["--db", db, "export", "--period", "year", "--kpi", "LAC_COUNT", "--out", str(out)]) == 0
    assert out.read_text().splitlines()[1].startswith("2023/24,LAC_COUNT,LA,,,341,,")
    assert main(["--db", db, "export", "--org", "NOPE"]) == 2
    assert "unknown org unit 'NOPE'" in capsys.readouterr().err
    assert main(["--db", db, "export", "--period", "week"]) == 2
    assert main(["--db", db, "history"]) == 0
    assert "figures.csv" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("period,kpi,org,numerator,denominator,value\n2024-01,LAC_COUNT,LA,,,x\n")
    assert main(["--db", db, "load", str(bad)]) == 1
    assert capsys.readouterr().err.splitlines()[0] == f"{bad}:2:value: 'x' is not a number"


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for command in ("load", "validate", "export", "history", "check", "demo", "backup"):
        assert f"python -m data {command}" in readme


def test_python_m_data_runs_as_a_module(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "data", "--db", f"sqlite:///{tmp_path / 'x.db'}", "nonsense"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


def test_an_unreachable_database_is_one_line_not_a_traceback(capsys):
    assert main(["--db", "postgresql+psycopg://nobody@127.0.0.1:1/none", "history"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("python -m data history: the database could not be used (")
    assert "Traceback" not in err and len(err.splitlines()) == 1
