"""The committee pack end to end on the demo: the PDF's pages, page numbers and figures, and the
workbook's numbers, against the export for that quarter (pdftotext, openpyxl)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from data.cli import main
from data.engine import make_engine
from data.report_store import read_report
from layouts.numbers import format_value
from metrics.catalogue import load_catalogue
from metrics.report import ReportQuery
from tests.conftest import demo_copy, skip_or_fail

pytestmark = pytest.mark.browser
PERIOD = "2026/27 Q2"


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory, demo_database: Path) -> str:
    if not Path("/usr/bin/chromium").exists() or not shutil.which("pdftotext"):
        skip_or_fail("the pack needs /usr/bin/chromium and poppler-utils (pdftotext)")
    return demo_copy(tmp_path_factory, demo_database, "pack")


@pytest.fixture(scope="module")
def export(demo_url: str):
    catalogue = load_catalogue()
    codes = tuple(k.code for k in catalogue.committee)
    query = ReportQuery(kpis=codes, start="2026-07", end="2026-09", period="quarter")
    rows = read_report(make_engine(demo_url, read_only=True), query, catalogue)
    return rows[rows["period"] == PERIOD].set_index("kpi")


def pdf_pages(path: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    )
    return text.stdout.split("\f")[:-1]


def test_pdf_pack_pages_numbers_and_figures(demo_url: str, export, tmp_path: Path):
    out = tmp_path / "pack.pdf"
    assert main(["--db", demo_url, "pack", "--period", PERIOD, "--out", str(out)]) == 0
    pages = pdf_pages(out)
    catalogue = load_catalogue()
    headline = list(catalogue.committee)
    assert 10 <= len(headline) <= 14
    assert len(pages) == 3 + len(headline), "cover, contents, summary, one page per indicator"
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert re.search(r"Printed \d{1,2} \w+ \d{4}", page)
    assert "Demo County Council" in pages[0] and "Data as at" in pages[0] and PERIOD in pages[0]
    assert "Illustrative demo data, not real figures" in pages[0]
    summary = " ".join(pages[2].split())
    for kpi in headline:
        value = format_value(float(export.at[kpi.code, "value"]), kpi.unit)
        assert value in summary, kpi.code
        page = " ".join(pages[3 + headline.index(kpi)].split())
        assert kpi.name in page and value in page and "Commentary" in page


def test_xlsx_pack_stores_numbers_with_formats(demo_url: str, export, tmp_path: Path):
    out = tmp_path / "pack.xlsx"
    assert main(["--db", demo_url, "pack", "--period", PERIOD, "--out", str(out)]) == 0
    book = load_workbook(out)
    catalogue = load_catalogue()
    assert book.sheetnames[0] == "Summary" and book.sheetnames[-1] == "Notes"
    rows = {r[0].value: r for r in book["Summary"].iter_rows(min_row=4)}
    for kpi in catalogue.committee:
        cell = rows[kpi.name][1]
        assert isinstance(cell.value, float | int), kpi.code
        assert cell.value == pytest.approx(float(export.at[kpi.code, "value"]))
        assert cell.number_format != "General"
    assert "Definition" in [c.value for c in book["Notes"][1]]


def test_public_pack_suppresses_and_says_so(demo_url: str, tmp_path: Path):
    out = tmp_path / "public.xlsx"
    assert main(["--db", demo_url, "pack", "--period", PERIOD, "--public", "--out", str(out)]) == 0
    notes = " ".join(str(c.value) for row in load_workbook(out)["Notes"].iter_rows() for c in row if c.value)
    assert "fewer than 5" in notes and "secondary suppression" in notes


def test_bad_period_or_suffix_is_a_usage_error(demo_url: str, tmp_path: Path):
    assert main(["--db", demo_url, "pack", "--period", "2026-09", "--out", str(tmp_path / "p.pdf")]) == 2
    assert main(["--db", demo_url, "pack", "--period", PERIOD, "--out", str(tmp_path / "p.doc")]) == 2
