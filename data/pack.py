"""The committee pack: ``python -m data pack --period "2026/27 Q2" [--public] --out pack.pdf|pack.xlsx``.

Fetches report rows through :func:`data.report_store.read_report` (the one seam every reader
uses), shapes them with :mod:`metrics.pack`, and writes a PDF (an HTML template with print CSS,
printed by headless Chromium through Playwright) or an Excel workbook (openpyxl).
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from data.queries import Source, read_loads
from data.report_store import read_report
from data.settings import DEMO_LABEL_KEY, get_setting
from metrics.catalogue import Catalogue, Kpi, load_catalogue
from metrics.pack import SUPPRESSION_NOTE, pack_period, suppress, with_versus
from metrics.periods import add_months
from metrics.report import ReportQuery

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
HISTORY_PERIODS = {"quarter": 8, "year": 5}
FOOTER = (
    '<div style="font-family: Arial; font-size: 8pt; width: 100%; padding: 0 14mm; display: flex; '
    'justify-content: space-between;"><span>{title}</span><span>Page <span class="pageNumber"></span> of '
    '<span class="totalPages"></span></span><span>Printed {printed}</span></div>'
)
NUMBER_FORMATS = {
    "percent": '0.0"%"',
    "rate": "0.0",
    "average": "0.0",
    "days": '0.0" days"',
    "weeks": '0.0" weeks"',
    "count": "#,##0",
}


@dataclass
class Pack:
    """What the pack shows: the headline indicators' rows for the period and their history."""

    label: str
    kind: str
    start: str
    end: str
    authority: str
    as_at: str
    printed: str
    public: bool
    notice: str
    kpis: dict[str, Kpi]
    rows: pd.DataFrame  # one row per headline indicator and period (history), suppressed if public
    codes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"Children's social care performance: committee pack, {self.label}"

    def row(self, code: str) -> pd.Series | None:
        mine = self.rows[(self.rows["kpi"] == code) & (self.rows["period"] == self.label)]
        return None if mine.empty else mine.iloc[0]

    def history(self, code: str) -> pd.DataFrame:
        return self.rows[self.rows["kpi"] == code].reset_index(drop=True)


def build_pack(
    source: Source,
    label: str,
    public: bool = False,
    catalogue: Catalogue | None = None,
    org: str | None = None,
) -> Pack:
    """The pack for a quarter ("2026/27 Q2") or a financial year ("2026/27") of the authority
    (``org``: which one, in a database of several)."""
    catalogue = catalogue or load_catalogue()
    kind, start, end = pack_period(label)
    headline = list(catalogue.committee)
    codes = tuple(k.code for k in headline)
    first = add_months(start, -(HISTORY_PERIODS[kind] - 1) * (3 if kind == "quarter" else 12))
    rows = read_report(source, ReportQuery(kpis=codes, org=org, start=first, end=end, period=kind), catalogue)
    monthly = read_report(
        source, ReportQuery(kpis=codes, org=org, start=end, end=end, period="month"), catalogue
    )
    rows = rows.drop(columns=["variation"]).merge(monthly[["kpi", "variation"]], on="kpi", how="left")
    rows = with_versus(rows, {k.code: k.polarity for k in catalogue})
    rows = (
        suppress(rows)
        if public
        else rows.assign(
            suppressed=False,
            shown_value=rows["value"],
            shown_numerator=rows["numerator"],
            shown_denominator=rows["denominator"],
        )
    )
    loads = read_loads(source)
    as_at = _when(loads["loaded_at"].max()) if not loads.empty else "no loads"
    authority = str(rows["org_name"].iloc[0]) if not rows.empty else "The council"
    notice = _notice(source)
    return Pack(
        label=label.strip(),
        kind=kind,
        start=start,
        end=end,
        authority=authority,
        as_at=as_at,
        printed=f"{dt.date.today().day} {dt.date.today().strftime('%B %Y')}",
        public=public,
        notice=notice,
        kpis={k.code: k for k in headline},
        rows=rows,
        codes=list(codes),
    )


def _when(stamp: object) -> str:
    """A load time as people write it: "1 December 2026, 22:39"."""
    when = pd.Timestamp(str(stamp))
    return f"{when.day} {when.strftime('%B %Y, %H:%M')}"


def _notice(source: Source) -> str:
    """The demo label ("Illustrative demo data, not real figures"), printed on the cover."""
    if isinstance(source, sa.Engine):
        with source.connect() as conn:
            return get_setting(conn, DEMO_LABEL_KEY)
    return get_setting(source, DEMO_LABEL_KEY)


def write_pdf(pack: Pack, out: Path) -> None:
    """Print the pack's HTML to an A4 PDF with "Page N of M" and the print date on every page.

    Printed in a thread of its own: Playwright's synchronous API refuses to start in a thread that
    already runs an event loop (a web server's, or another Playwright session's)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as printer:
        printer.submit(_print_pdf, pack, out).result()


def _print_pdf(pack: Pack, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    from data.pack_render import pack_html

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(pack_html(pack), wait_until="load")
            page.pdf(
                path=str(out),
                format="A4",
                print_background=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=FOOTER.format(title=pack.title, printed=pack.printed),
                margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"},
            )
        finally:
            browser.close()


def write_xlsx(pack: Pack, out: Path) -> None:
    """A workbook: a summary sheet, one sheet per indicator, a notes sheet; numbers as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    summary.append([pack.title])
    summary.append([f"{pack.authority}; data as at {pack.as_at}; printed {pack.printed}"])
    header = ["Indicator", "Value", "Numerator", "Denominator", "Target", "Status", "England", "Neighbours"]
    summary.append(header)
    for code in pack.codes:
        row = pack.row(code)
        kpi = pack.kpis[code]
        if row is None:
            summary.append([kpi.name, "no figure"])
            continue
        _append(
            summary,
            kpi,
            [
                kpi.name,
                row["shown_value"],
                row["shown_numerator"],
                row["shown_denominator"],
                row["target"],
                row["rag"] or "no target",
                row["england"],
                row["neighbours"],
            ],
        )
    for code in pack.codes:
        kpi = pack.kpis[code]
        sheet = book.create_sheet(code[:31])
        sheet.append([kpi.name])
        sheet.append(
            ["Period", "Value", "Numerator", "Denominator", "Target", "Status", "England", "Neighbours"]
        )
        for _, r in pack.history(code).iterrows():
            _append(
                sheet,
                kpi,
                [
                    r["period"],
                    r["shown_value"],
                    r["shown_numerator"],
                    r["shown_denominator"],
                    r["target"],
                    r["rag"] or "no target",
                    r["england"],
                    r["neighbours"],
                ],
            )
        sheet["A1"].font = Font(bold=True)
    notes = book.create_sheet("Notes")
    notes.append(["Indicator", "Code", "Definition", "Numerator", "Denominator", "Source"])
    for code in pack.codes:
        kpi = pack.kpis[code]
        notes.append(
            [kpi.name, kpi.code, " ".join(kpi.definition.split()), kpi.numerator, kpi.denominator, kpi.source]
        )
    notes.append([])
    if pack.notice:
        notes.append([pack.notice])
    if pack.public:
        notes.append([SUPPRESSION_NOTE])
    for sheet in book.worksheets:
        sheet.column_dimensions["A"].width = 48
    summary["A1"].font = Font(bold=True)
    book.save(out)


def _append(sheet, kpi: Kpi, cells: list) -> None:
    """One row: numbers as numbers (with the KPI's number format), text as text, missing empty."""
    clean = [None if isinstance(c, float) and pd.isna(c) else c for c in cells]
    sheet.append(clean)
    formats = [
        None,
        NUMBER_FORMATS[kpi.unit],
        "#,##0",
        "#,##0",
        NUMBER_FORMATS[kpi.unit],
        None,
        NUMBER_FORMATS[kpi.unit],
        NUMBER_FORMATS[kpi.unit],
    ]
    for cell, fmt in zip(sheet[sheet.max_row], formats, strict=False):
        if fmt and isinstance(cell.value, int | float):
            cell.number_format = fmt


def write_pack(source: Source, label: str, out: Path, public: bool = False, org: str | None = None) -> Pack:
    """Build the pack and write it as ``out``'s suffix says (.pdf or .xlsx)."""
    pack = build_pack(source, label, public, org=org)
    if out.suffix.lower() == ".pdf":
        write_pdf(pack, out)
    else:
        write_xlsx(pack, out)
    return pack
