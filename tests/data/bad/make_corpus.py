"""Build the corpus of hostile and sloppy input files in this folder.

    .venv/bin/python tests/data/bad/make_corpus.py

Every file is made here, byte for byte the same on every run (workbooks get fixed zip
timestamps and document properties), and ``tests/data/test_hostile.py`` checks the committed
files against this script and states the expected outcome of loading each one. The 200 MB file
is not committed: :func:`write_big_figures` writes it where a test asks.

Files load into a database holding :data:`ORGS` (the tests load it first); months are 2024.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import re
import struct
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXED_TIME = (2024, 6, 1, 0, 0, 0)

ORGS = "code,name,parent,type\nLA,Example Council,,authority\nSFS,Safeguarding,LA,service\n"
ORGS += "ASS1,Assessment Team 1,SFS,team\nASS2,Équipe d'évaluation 2,SFS,team\n"
HEADER = ["period", "kpi", "org", "numerator", "denominator", "value", "commentary"]
GOOD = [
    ["2024-01", "LAC_COUNT", "LA", "", "", "330", "Stable"],
    ["2024-01", "ASSESSMENTS_45WD", "ASS1", "40", "50", "", "Café visits resumed"],
    ["2024-02", "LAC_COUNT", "LA", "", "", "332", ""],
]


def csv_text(rows: list[list[str]], sep: str = ",", end: str = "\n") -> str:
    """Rows as a spreadsheet saves them: cells with the separator, quotes or newlines quoted."""

    def cell(text: str) -> str:
        if any(c in text for c in (sep, '"', "\n", "\r")):
            return '"' + text.replace('"', '""') + '"'
        return text

    return "".join(sep.join(cell(c) for c in row) + end for row in rows)


def figures(*rows: list[str], header: list[str] = HEADER, sep: str = ",", end: str = "\n") -> str:
    return csv_text([header, *rows], sep, end)


# --- workbooks -----------------------------------------------------------------------------------


def workbook(
    sheets: dict[str, list[list[object]]],
    *,
    merge: tuple[str, ...] = (),
    formats: dict[str, str] | None = None,
    patch: Callable[[str], str] | None = None,
) -> bytes:
    """An .xlsx with these sheets (the first is read); merged ranges and number formats on the
    first sheet; ``patch`` edits the first sheet's XML (to add what openpyxl cannot write)."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    first = book.worksheets[0]
    for cells in merge:
        first.merge_cells(cells)
    for cell, number_format in (formats or {}).items():
        first[cell].number_format = number_format
    buffer = io.BytesIO()
    book.save(buffer)
    return _deterministic(buffer.getvalue(), patch)


def _deterministic(data: bytes, patch: Callable[[str], str] | None = None) -> bytes:
    """The zip rewritten with fixed timestamps and document dates (and the first sheet patched)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "2024-06-01T00:00:00Z", content.decode())
                content = text.encode()
            if patch and info.filename == "xl/worksheets/sheet1.xml":
                content = patch(content.decode()).encode()
            fixed = zipfile.ZipInfo(info.filename, FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, content)
    return out.getvalue()


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file (version 3, 512-byte sectors), as a password-protected
    .xlsx or an old .xls is stored: each stream padded to 4,096 bytes (no mini stream)."""
    sector, free, end, fat_sector, nostream = 512, 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    names = sorted(streams, key=lambda n: (len(n), n.upper()))  # the directory's sort order
    assert len(names) <= 3
    fat, body, starts = [fat_sector, end], b"", []
    for name in names:
        payload = streams[name].ljust(4096, b"\0")
        payload = payload.ljust(-(-len(payload) // sector) * sector, b"\0")
        count, first = len(payload) // sector, len(fat)
        starts.append(first)
        fat += [first + i + 1 for i in range(count - 1)] + [end]
        body += payload
    assert len(fat) <= sector // 4
    fat += [free] * (sector // 4 - len(fat))

    def entry(name: str, kind: int, right: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB3I", len(encoded), kind, 1 if name else 0, nostream, right, child)
            + bytes(16 + 4 + 16)
            + struct.pack("<IQ", start, size)
        )

    directory = entry("Root Entry", 5, nostream, 1 if names else nostream, end, 0)
    for index, name in enumerate(names, start=1):
        right = index + 1 if index < len(names) else nostream
        directory += entry(name, 2, right, nostream, starts[index - 1], len(streams[name]))
    directory = directory.ljust(sector, b"\0")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(16)
        + struct.pack("<5H", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<9I", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<109I", 0, *([free] * 108))
    )
    assert len(header) == sector
    return header + struct.pack(f"<{sector // 4}I", *fat) + directory + body


def _noise(length: int, seed: str) -> bytes:
    out = b""
    while len(out) < length:
        out += hashlib.sha256((seed + str(len(out))).encode()).digest()
    return out[:length]


# --- the corpus ----------------------------------------------------------------------------------


def corpus() -> dict[str, bytes]:
    """File name -> content."""
    files: dict[str, bytes] = {}

    def text(name: str, content: str, encoding: str = "utf-8") -> None:
        files[name] = content.encode(encoding)

    good = figures(*GOOD)
    # encodings
    text("cp1252.csv", good, "cp1252")
    text("utf8-bom-crlf.csv", figures(*GOOD, end="\r\n"), "utf-8-sig")
    files["excel-unicode-text.txt"] = codecs.BOM_UTF16_LE + figures(*GOOD, sep="\t", end="\r\n").encode(
        "utf-16-le"
    )
    files["utf16-be-bom.csv"] = codecs.BOM_UTF16_BE + good.encode("utf-16-be")
    text("utf16-no-bom.csv", good, "utf-16-le")
    files["utf16-bad-surrogate.txt"] = (
        codecs.BOM_UTF16_LE + figures(*GOOD, sep="\t").encode("utf-16-le") + "2024-03\t".encode("utf-16-le")
    ) + b"\x00\xd8A\x00\n\x00"  # a lone high surrogate: not valid UTF-16
    text("mac-cr-only.csv", figures(*GOOD, end="\r"))
    files["nul-in-cell.csv"] = good.encode().replace(b"Stable", b"Sta\x00ble")
    # separators
    text("semicolon.csv", figures(*GOOD, sep=";"))
    text(
        "semicolon-decimal-comma.csv",
        figures(["2024-01", "CASELOAD_AVG", "ASS1", "185", "10", "18,5", ""], sep=";"),
    )
    text("tab.tsv", figures(*GOOD, sep="\t"))
    text(
        "semicolon-and-tab-header.csv",
        "period;kpi\torg;numerator;denominator;value\n2024-01;LAC_COUNT\tLA;;;330\n",
    )
    text("excel-sep-line.csv", "sep=;\n" + figures(*GOOD, sep=";"))
    # numbers
    text("thousands-quoted.csv", figures(["2024-01", "LAC_COUNT", "LA", "", "", "1,234", ""]))
    text("thousands-unquoted.csv", figures(*GOOD[:1]) + "2024-02,LAC_COUNT,LA,,,1,234,\n")
    text(
        "percent-value.csv", figures(["2024-01", "ASSESSMENTS_45WD", "ASS1", "40", "50", "80%", ""], GOOD[0])
    )
    text(
        "percent-elsewhere.csv",
        figures(
            ["2024-01", "LAC_COUNT", "LA", "", "", "85%", ""],
            ["2024-01", "ASSESSMENTS_45WD", "ASS1", "40%", "50", "", ""],
        ),
    )
    text("formula-text.csv", figures(["2024-01", "LAC_COUNT", "LA", "", "", "=A1+1", ""]))
    text(
        "excel-errors.csv",
        figures(
            ["2024-01", "LAC_COUNT", "LA", "", "", "#DIV/0!", ""],
            ["2024-01", "ASSESSMENTS_45WD", "ASS1", "#N/A", "50", "", ""],
        ),
    )
    text(
        "nan-and-infinity.csv",
        figures(
            ["2024-01", "LAC_COUNT", "LA", "", "", "NaN", ""],
            ["2024-02", "LAC_COUNT", "LA", "", "", "inf", ""],
            ["2024-01", "ASSESSMENTS_45WD", "ASS1", "-Infinity", "50", "", ""],
        ),
    )
    text(
        "huge-numbers.csv",
        figures(
            ["2024-01", "LAC_COUNT", "LA", "", "", "1e308", ""],
            ["2024-02", "LAC_COUNT", "LA", "", "", "1e400", ""],
            ["2024-01", "ASSESSMENTS_45WD", "ASS1", "1", "123456789012345678901234567890", "", ""],
        ),
    )
    text("scientific-notation.csv", figures(["2024-01", "LAC_COUNT", "LA", "", "", "3.3e2", ""]))
    # months
    text("excel-serial-months.csv", figures(["45292", "LAC_COUNT", "LA", "", "", "330", ""]))
    text(
        "month-names.csv",
        figures(
            ["Jun-19", "LAC_COUNT", "LA", "", "", "330", ""],
            ["Jun 2019", "LAC_COUNT", "SFS", "", "", "30", ""],
            ["06/2019", "LAC_COUNT", "ASS1", "", "", "3", ""],
        ),
    )
    text("iso-dates.csv", figures(["2024-01-31", "LAC_COUNT", "LA", "", "", "330", ""]))
    text("non-ascii-digits.csv", figures(["٢٠٢٤-٠١", "LAC_COUNT", "LA", "", "", "330", ""]))
    # structure
    files["empty.csv"] = b""
    text("whitespace-only.csv", "\r\n  \r\n\t\n")
    files["bom-only.csv"] = codecs.BOM_UTF8
    text("header-only.csv", csv_text([HEADER]))
    text(
        "duplicate-columns.csv",
        figures(["2024-01", "LAC_COUNT", "LA", "", "", "330", "330"], header=[*HEADER[:6], "value"]),
    )
    text(
        "blank-column-name.csv",
        figures(["2024-01", "LAC_COUNT", "LA", "", "", "330", "x"], header=[*HEADER[:6], ""]),
    )
    text("trailing-empty-columns.csv", csv_text([[*HEADER, "", ""]] + [[*r, "", ""] for r in GOOD]))
    text("totals-row.csv", figures(*GOOD, ["2024-01", "LAC_COUNT", "Total", "", "", "662", ""]))
    text("trailing-blank-rows.csv", figures(*GOOD) + ",,,,,,\n" * 3 + "\n\n")
    text(
        "blank-rows-then-error.csv",
        figures(GOOD[0], ["", "", "", "", "", "", ""], ["2024-02", "LAC_COUNT", "LA", "", "", "x", ""]),
    )
    text("short-rows.csv", csv_text([HEADER, ["2024-01", "LAC_COUNT", "LA", "", "", "330"]]))
    text("unclosed-quote.csv", figures(GOOD[0]) + '2024-02,LAC_COUNT,LA,,,332,"Rose because\n')
    text("leading-blank-line.csv", "\n" + good)
    text("line-break-in-header.csv", good.replace("period", '"per\niod"', 1))
    text("title-above-header.csv", "Children's services figures, June 2024\n" + good)
    text(
        "multiline-commentary.csv",
        figures(
            ["2024-01", "LAC_COUNT", "LA", "", "", "330", "Line one\nline two"],
            ["2024-02", "LAC_COUNT", "LA", "", "", "x", ""],
        ),
    )
    # not CSV at all
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(zipfile.ZipInfo("figures.csv", FIXED_TIME), good)
    files["zip-renamed.csv"] = archive.getvalue()
    files["gzip-renamed.csv"] = gzip.compress(good.encode(), mtime=0)
    files["png-renamed.csv"] = b"\x89PNG\r\n\x1a\n" + _noise(200, "png")
    files["pdf-renamed.csv"] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + _noise(200, "pdf")
    files["random-binary.csv"] = _noise(4000, "binary")
    text(
        "html-renamed.csv",
        "<!DOCTYPE html><html><body><table><tr><td>period</td></tr></table></body></html>\n",
    )
    files["password-protected.xlsx"] = compound_file(
        {
            "EncryptionInfo": b'\x04\x00\x04\x00\x40\x00\x00\x00<?xml version="1.0"?><encryption/>',
            "EncryptedPackage": struct.pack("<Q", 3000) + _noise(3000, "encrypted"),
        }
    )
    files["excel-97.xls"] = compound_file({"Workbook": _noise(5000, "biff8")})
    rows: list[list[object]] = [HEADER, *GOOD]
    plain = workbook({"Figures": rows})
    files["corrupt.xlsx"] = plain[: len(plain) // 2]
    files["workbook-renamed.csv"] = plain
    text("text-named.xlsx", good)
    # workbooks
    files["several-sheets.xlsx"] = workbook(
        {"Figures": rows, "Notes": [["Checked by the team"]], "Pivot": [["x"]]}
    )
    files["merged-cells.xlsx"] = workbook(
        {
            "Figures": [
                HEADER[:6],
                ["2024-01", "LAC_COUNT", "LA", None, None, 330],
                ["2024-02", "LAC_COUNT", None, None, None, 332],
            ]
        },
        merge=("C2:C3",),
    )
    import datetime as dt

    files["date-cells.xlsx"] = workbook(
        {
            "Figures": [
                HEADER[:6],
                [dt.datetime(2024, 1, 1), "LAC_COUNT", "LA", None, None, 330],
                [dt.datetime(2024, 2, 29), "LAC_COUNT", "LA", None, None, 332],
            ]
        },
        formats={"A2": "mmm-yy", "A3": "mmm-yy"},
    )
    files["serial-number-months.xlsx"] = workbook(
        {"Figures": [HEADER[:6], [45292, "LAC_COUNT", "LA", None, None, 330]]}
    )
    files["formulas-saved.xlsx"] = workbook(
        {"Figures": [HEADER[:6], ["2024-01", "LAC_COUNT", "LA", None, None, "=300+30"]]},
        patch=lambda xml: xml.replace("<f>300+30</f><v />", "<f>300+30</f><v>330</v>"),
    )
    files["formulas-not-saved.xlsx"] = workbook(
        {"Figures": [HEADER[:6], ["2024-01", "LAC_COUNT", "LA", None, None, "=300+30"]]}
    )
    files["error-cells.xlsx"] = workbook(
        {
            "Figures": [
                HEADER[:6],
                ["2024-01", "LAC_COUNT", "LA", None, None, "#DIV/0!"],
                ["2024-01", "ASSESSMENTS_45WD", "ASS1", "#N/A", 50, None],
            ]
        }
    )
    files["percent-format.xlsx"] = workbook(
        {"Figures": [HEADER[:6], ["2024-01", "ASSESSMENTS_45WD", "ASS1", 40, 50, 0.8]]}, formats={"F2": "0%"}
    )
    files["empty-sheet.xlsx"] = workbook({"Figures": []})
    files["header-in-row-2.xlsx"] = workbook({"Figures": [[None], HEADER, *GOOD]})
    files["huge-dimension.xlsx"] = workbook(
        {"Figures": rows},
        patch=lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', xml),
    )
    files["value-right-of-header.xlsx"] = workbook(
        {"Figures": [HEADER[:6], ["2024-01", "LAC_COUNT", "LA", None, None, 330, None, "checked"]]}
    )
    # names
    text("données juin.csv", good)
    text("orgs-injection.csv", ORGS + "INJ,@SUM(1+1),SFS,team\n")
    text(
        "figures-injection.csv",
        figures(["2024-01", "LAC_COUNT", "INJ", "", "", "5", '=HYPERLINK("http://example.com/x","Click")']),
    )
    return files


def write(folder: Path = HERE) -> list[Path]:
    """Write the corpus into ``folder``; the paths written."""
    paths = []
    for name, content in corpus().items():
        path = folder / name
        path.write_bytes(content)
        paths.append(path)
    return paths


# --- the huge file -------------------------------------------------------------------------------


def big_orgs(teams: int = 199) -> str:
    """An org tree big enough for millions of distinct figures: LA, one service, teams."""
    lines = ["code,name,parent,type", "LA,Council,,authority", "S1,Service,LA,service"]
    lines += [f"T{i:03d},Team {i},S1,team" for i in range(1, teams + 1)]
    return "\n".join(lines) + "\n"


def write_big_figures(
    path: Path, target_bytes: int, kpis: list[tuple[str, str]], teams: int = 199, commentary: int = 0
) -> int:
    """A valid figures file of about ``target_bytes`` (months from 1950, every KPI for every unit
    of :func:`big_orgs`), written month by month, with ``commentary`` characters of commentary
    on every row (else on some); the number of data rows."""
    orgs = ["LA", "S1", *(f"T{i:03d}" for i in range(1, teams + 1))]
    words = "Rose after the audit; the team is recruiting two social workers and reviewing every case. "
    long_note = (words * (commentary // len(words) + 1))[:commentary]
    written, rows, month = 0, 0, 1950 * 12
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("period,kpi,org,numerator,denominator,value,commentary\n")
        while written < target_bytes:
            period = f"{month // 12}-{month % 12 + 1:02d}"
            lines = []
            for org in orgs:
                for i, (code, unit) in enumerate(kpis):
                    note = long_note or ("Rose after the audit" if i % 7 == 0 else "")
                    if unit == "count":
                        lines.append(f"{period},{code},{org},,,{(rows + i) % 500},{note}\n")
                    else:
                        lines.append(f"{period},{code},{org},{(rows + i) % 40},{40 + i},,{note}\n")
                rows += len(kpis)
            block = "".join(lines)
            out.write(block)
            written += len(block)
            month += 1
    return rows


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    for written in write(folder):
        print(written.name)
