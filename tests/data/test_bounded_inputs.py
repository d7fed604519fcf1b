"""The smaller defects of issue 14, one test each: honest messages and no surprises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from data.cli import main
from metrics.periods import parse_month

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
RANGE = (
    "is in the form YYYY-MM but out of range: the year must be 1900 or later, the month 01 to 12, "
    "and a date's day must exist"
)


@pytest.fixture
def seeded(tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert main(["--db", db, "load", str(FIXTURES / "orgs.csv")]) == 0
    return db


def test_a_month_out_of_range_says_so(seeded, tmp_path, capsys):
    path = tmp_path / "f.csv"
    path.write_text(
        "period,kpi,org,numerator,denominator,value\n1800-01,LAC_COUNT,LA,,,3\n", encoding="utf-8"
    )
    capsys.readouterr()
    assert main(["--db", seeded, "validate", str(path)]) == 1
    assert capsys.readouterr().err.splitlines()[0] == f"{path}:2:period: '1800-01' {RANGE}"


def test_an_iso_date_read_as_its_month_is_noted(seeded, tmp_path, capsys):
    path = tmp_path / "f.csv"
    path.write_text(
        "period,kpi,org,numerator,denominator,value\n2024-01-31,LAC_COUNT,LA,,,3\n", encoding="utf-8"
    )
    capsys.readouterr()
    assert main(["--db", seeded, "validate", str(path)]) == 0
    assert f"{path}: note: period: dates were read as their month (2024-06-15 as 2024-06)" in (
        capsys.readouterr().out.splitlines()
    )


def test_a_percentage_cell_of_a_workbook_gets_advice_about_its_format(seeded, tmp_path, capsys):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["period", "kpi", "org", "numerator", "denominator", "value"])
    sheet.append(["2024-01", "LAC_COUNT", "LA", None, None, 1.8])
    sheet["F2"].number_format = "0%"
    path = tmp_path / "f.xlsx"
    book.save(path)
    capsys.readouterr()
    assert main(["--db", seeded, "validate", str(path)]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{path}:2:value: '180%' is a cell formatted as a percentage, but this column takes a plain "
        "number: format the cell as a number (Format Cells > Number) and enter the figure itself"
    )


def test_validate_never_creates_a_database(tmp_path, capsys):
    missing = tmp_path / "none.db"
    assert main(["--db", f"sqlite:///{missing}", "validate", str(FIXTURES / "orgs.csv")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"python -m data validate: no database at {missing}: build the demo (python -m data demo) or "
        "load files first"
    ]
    assert not missing.exists()


@pytest.mark.parametrize("text", ["٢٠٢٤-٠١", "２０２４-０１", "2024-0١", "१९९९-०१"])
def test_months_take_ascii_digits_only_as_the_loader(text):
    assert parse_month(text) is None


CLOSED_PIPE = """
import os, sys
from data.cli import main
read, write = os.pipe()
os.close(read)  # the reader (head) has gone
os.dup2(write, sys.stdout.fileno())
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("command", ["history", "export"])
def test_output_into_a_closed_pipe_ends_quietly(seeded, command):
    assert main(["--db", seeded, "load", str(FIXTURES / "figures.csv")]) == 0
    done = subprocess.run(
        [sys.executable, "-c", CLOSED_PIPE, "--db", seeded, command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
