"""Hostile inputs against their valid twins (issue 14): time and peak memory, as ratios.

Each case runs in its own process (peak RSS is the process's), hostile and valid in the same
run. Goal: every hostile input refused or served within 2x the time and memory of its twin, or
refused in under 5 s with memory under 300 MB. Each line ends with the CPU time of both (user
and system), which other jobs on the machine change less than the wall-clock time.

    .venv/bin/python bench/hostile.py [--rows 200000] [--revisions 20000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RUN = """
import json, re, resource, sys, time
sys.path.insert(0, {root!r})
started = time.perf_counter()
{body}
usage = resource.getrusage(resource.RUSAGE_SELF)
with open("/proc/self/status") as status_file:  # VmHWM: ru_maxrss carries the parent's over exec
    peak = int(re.search(r"VmHWM:\\s+(\\d+) kB", status_file.read()).group(1)) * 1024
print(json.dumps({{"seconds": time.perf_counter() - started, "cpu": usage.ru_utime + usage.ru_stime,
                   "peak": peak, "status": status}}))
"""
VALIDATE = "from data.cli import main\nstatus = main(['--db', {db!r}, 'validate', {path!r}])"
REVISIONS = (
    "from data.engine import make_engine\nfrom data.queries import {fn}\n"
    "status = len({fn}(make_engine({db!r}, read_only=True)))"
)


def measure(body: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", RUN.format(root=str(ROOT), body=body)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def figures_rows(rows: int) -> list[list[object]]:
    """Unique keys: 500 teams x 312 months (1998-2023) per KPI, then the next count KPI."""
    kpis = ("REFERRALS", "CP_PLANS", "CONTACTS", "CIN_PLANS", "S47_ENQUIRIES", "ICPC_HELD", "LAC_COUNT")
    if rows > len(kpis) * 156_000:
        raise SystemExit(f"at most {len(kpis) * 156_000:,} rows (one per team, month and count KPI)")
    out: list[list[object]] = []
    for i in range(rows):
        month = (i // 500) % 312
        period = f"{1998 + month // 12}-{month % 12 + 1:02d}"
        out.append([period, kpis[i // 156_000], f"T{i % 500}", None, None, i % 97, "ok"])
    return out


HEADER = ["period", "kpi", "org", "numerator", "denominator", "value", "commentary"]


def write_orgs(folder: Path) -> Path:
    path = folder / "orgs.csv"
    lines = ["code,name,parent,type", "LA,Council,,authority"] + [
        f"T{i},Team {i},LA,team" for i in range(500)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write(",".join(HEADER) + "\n")
        for row in rows:
            out.write(",".join("" if v is None else str(v) for v in row) + "\n")
    return path


def pad(path: Path, member: str, mebibytes: int, text: bool = False) -> Path:
    """Add a member of ``mebibytes`` MiB that compresses to almost nothing."""
    block = (b"a" if text else b"\0") * (1 << 20)
    with (
        zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open(member, "w", force_zip64=True) as out,
    ):
        for _ in range(mebibytes):
            out.write(block)
    return path


def row(name: str, hostile: dict, valid: dict) -> str:
    t = hostile["seconds"] / max(valid["seconds"], 1e-9)
    cpu = hostile["cpu"] / max(valid["cpu"], 1e-9)
    m = hostile["peak"] / max(valid["peak"], 1)
    verdict = (
        "ok"
        if (t <= 2 and m <= 2) or (hostile["seconds"] < 5 and hostile["peak"] < 300 * 2**20)
        else "MISSED"
    )
    return (
        f"{name:<34} {hostile['seconds']:>7.2f} s {hostile['peak'] / 2**20:>7.0f} MB  |"
        f" {valid['seconds']:>7.2f} s {valid['peak'] / 2**20:>7.0f} MB  | {t:>5.2f}x {m:>5.2f}x  "
        f"exit {hostile['status']}/{valid['status']}  {verdict}  "
        f"(CPU {hostile['cpu']:.1f} s / {valid['cpu']:.1f} s = {cpu:.2f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000, help="rows of the large workbook and its CSV")
    parser.add_argument("--revisions", type=int, default=20_000)
    args = parser.parse_args()
    from data.engine import make_engine
    from data.load import load_files
    from tests.data.test_revision_cost import fill

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = f"sqlite:///{folder / 'db.sqlite'}"
        load_files(make_engine(db), [write_orgs(folder)])
        lines = [
            f"{'input':<34} {'hostile':>18}  | {'valid twin':>18}  | time  memory",
        ]
        small = figures_rows(10)
        # revisions: every one of N figures revised, read as revisions vs read as current figures
        rev = f"sqlite:///{folder / 'rev.sqlite'}"
        fill(make_engine(rev), args.revisions)
        lines.append(
            row(
                f"{args.revisions:,} revisions (read_revisions)",
                measure(REVISIONS.format(fn="read_revisions", db=rev)),
                measure(REVISIONS.format(fn="read_figures", db=rev)),
            )
        )
        # zip bomb: sheet-sized member inflating to 1 GiB vs a valid workbook of the same size
        bomb = pad(write_xlsx(folder / "bomb.xlsx", small), "xl/worksheets/sheet2.xml", 1024)
        twin_rows = figures_rows(max(10, bomb.stat().st_size // 40))
        twin = write_xlsx(folder / "twin.xlsx", twin_rows)
        lines.append(
            row(
                f"xlsx zip bomb ({bomb.stat().st_size / 2**20:.1f} MB -> 1 GiB)",
                measure(VALIDATE.format(db=db, path=str(bomb))),
                measure(VALIDATE.format(db=db, path=str(twin))),
            )
        )
        shared = pad(write_xlsx(folder / "shared.xlsx", small), "xl/sharedStrings.xml", 512, text=True)
        lines.append(
            row(
                f"512 MiB shared string ({shared.stat().st_size / 2**20:.1f} MB)",
                measure(VALIDATE.format(db=db, path=str(shared))),
                measure(VALIDATE.format(db=db, path=str(twin))),
            )
        )
        rows = figures_rows(args.rows)
        big_xlsx = write_xlsx(folder / "big.xlsx", rows)
        big_csv = write_csv(folder / "big.csv", rows)
        lines.append(
            row(
                f"{args.rows:,}-row xlsx vs the same CSV",
                measure(VALIDATE.format(db=db, path=str(big_xlsx))),
                measure(VALIDATE.format(db=db, path=str(big_csv))),
            )
        )
        print("\n".join(lines))
        print(json.dumps({"rows": args.rows, "revisions": args.revisions}))


if __name__ == "__main__":
    main()
