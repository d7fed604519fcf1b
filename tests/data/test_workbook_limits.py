"""Spreadsheets in bounded memory (issue 14, item 3): zip bombs refused before parsing, long
text refused at its cell."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from data.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
WHOLE = "save the sheet as CSV UTF-8 and load that"


@pytest.fixture
def seeded(tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert main(["--db", db, "load", str(FIXTURES / "orgs.csv")]) == 0
    return db


def workbook(path: Path, commentary: str = "ok") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["period", "kpi", "org", "numerator", "denominator", "value", "commentary"])
    sheet.append(["2024-01", "LAC_COUNT", "LA", None, None, 3, commentary])
    book.save(path)
    return path


def test_a_zip_bomb_is_refused_before_parsing(seeded, tmp_path, capsys):
    path = workbook(tmp_path / "bomb.xlsx")
    with (
        zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("xl/media/padding.bin", "w") as member,
    ):
        for _ in range(64):
            member.write(bytes(1 << 20))  # 64 MiB of zeros: about 64 KB compressed
    size = path.stat().st_size
    capsys.readouterr()
    assert main(["--db", seeded, "validate", str(path)]) == 1
    inflated = sum(i.file_size for i in zipfile.ZipFile(path).infolist())
    assert capsys.readouterr().err.splitlines() == [
        f"{path}:1:-: the file would unpack to {inflated / 2**20:,.0f} MB, more than the "
        f"{100 * size / 2**20:,.0f} MB read for a file of its size (at most 100 times the file, 500 MB "
        f"in all): a damaged or hostile workbook; {WHOLE}",
        "1 problem(s) found: nothing was written",
    ]


def test_a_zip_of_too_many_parts_is_refused(seeded, tmp_path, capsys):
    path = workbook(tmp_path / "parts.xlsx")
    with zipfile.ZipFile(path, "a") as archive:
        for number in range(1_000):
            archive.writestr(f"xl/media/p{number}.bin", b"")
    capsys.readouterr()
    assert main(["--db", seeded, "validate", str(path)]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{path}:1:-: the file is a zip of 1,009 parts (a workbook has a few dozen, at most 1,000 "
        "are read): save the sheet as a new workbook or as CSV UTF-8"
    )


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_text_over_2000_characters_is_refused_at_its_cell(seeded, tmp_path, capsys, suffix):
    text = "x" * 2_001
    if suffix == ".csv":
        path = tmp_path / "long.csv"
        path.write_text(
            f"period,kpi,org,numerator,denominator,value,commentary\n2024-01,LAC_COUNT,LA,,,3,{text}\n",
            encoding="utf-8",
        )
    else:
        path = workbook(tmp_path / "long.xlsx", text)
    capsys.readouterr()
    assert main(["--db", seeded, "validate", str(path)]) == 1
    assert (
        capsys.readouterr().err.splitlines()[0] == f"{path}:2:commentary: too long: at most 2000 characters"
    )
    ok = workbook(tmp_path / "ok.xlsx", "x" * 2_000)
    assert main(["--db", seeded, "validate", str(ok)]) == 0
