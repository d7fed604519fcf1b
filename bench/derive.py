"""Derive benchmark: an SSDA903 return scaled to 50,000 episodes and an Annex A of 100,000 rows,
derived (read, checked record by record, figures by the definitions, checked as figures), timed
against the floor: reading the same files with pandas alone (``read_csv`` of every table,
``read_excel`` of every list), in the same run. Goal: derive within 3 x the floor.

The files are the shared samples (../shared/data/casefiles) replicated under new child
identifiers; the sample return's children with overlapping episodes and its duplicate review
rows are left out first (the validator's test data breaks the rules on purpose).

    python bench/derive.py                    # 50,000 episodes, 100,000 Annex A rows
    python bench/derive.py --episodes 10000 --annex-rows 20000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLES = ROOT / "../shared" / "data" / "casefiles"
TABLES = ("episodes", "header", "reviews", "oc2", "oc3", "missing")
LISTS = ("List 1", "List 3", "List 4", "List 5", "List 7", "List 8")


def _clean_sample() -> dict[str, pd.DataFrame]:
    folder = SAMPLES / "ssda903"
    frames = {t: pd.read_csv(folder / f"{t}.csv", dtype=str, keep_default_na=False) for t in TABLES}
    episodes = frames["episodes"]
    starts = pd.to_datetime(episodes["DECOM"], format="%d/%m/%Y")
    ends = pd.to_datetime(episodes["DEC"].where(episodes["DEC"] != ""), format="%d/%m/%Y")
    order = episodes.assign(s=starts, e=ends).sort_values(["CHILD", "s"])
    following = order.groupby("CHILD")["s"].shift(-1)
    bad = set(order.loc[following.notna() & (order["e"].isna() | (order["e"] > following)), "CHILD"])
    frames["episodes"] = episodes[~episodes["CHILD"].isin(bad)]
    return {t: f.drop_duplicates() for t, f in frames.items()}


def make_ssda903(folder: Path, episodes: int) -> list[Path]:
    """The cleaned sample, copied under new child identifiers until it has ``episodes`` episodes."""
    sample = _clean_sample()
    copies = -(-episodes // len(sample["episodes"]))
    paths = []
    for table, frame in sample.items():
        scaled = pd.concat(
            [frame.assign(CHILD=f"{k:03d}" + frame["CHILD"]) for k in range(copies)], ignore_index=True
        )
        if table == "episodes":
            scaled = scaled.iloc[:episodes]
        path = folder / f"{table}.csv"
        scaled.to_csv(path, index=False)
        paths.append(path)
    return paths


def make_annex_a(folder: Path, rows: int) -> Path:
    """An Annex A workbook of the sample's lists, their rows repeated under new child
    identifiers, ``rows`` rows in all (written with openpyxl's write-only mode)."""
    import openpyxl

    sample = openpyxl.load_workbook(SAMPLES / "annex_a" / "Annex_A.xlsx", read_only=True)
    book = openpyxl.Workbook(write_only=True)
    per_list = rows // len(LISTS)
    for number, name in enumerate(LISTS):
        source = list(sample[name].iter_rows(values_only=True))
        header, body = source[0], source[1:]
        sheet = book.create_sheet(name)
        sheet.append(header)
        count = per_list + (rows - per_list * len(LISTS) if number == len(LISTS) - 1 else 0)
        for i in range(count):
            row = list(body[i % len(body)])
            row[0] = f"{i:07d}{row[0]}"
            sheet.append(row)
    sample.close()
    path = folder / "Annex_A.xlsx"
    book.save(path)
    return path


def floor(paths: list[Path], workbook: Path) -> float:
    """Reading the same files with pandas alone: every table, every list."""
    start = time.perf_counter()
    for path in paths:
        pd.read_csv(path, dtype=str, keep_default_na=False)
    pd.read_excel(workbook, sheet_name=None, dtype=str)
    return time.perf_counter() - start


def derive(paths: list[Path], workbook: Path) -> tuple[float, int]:
    """Derive everything, with an org unit for every allocated team in the workbook."""
    from data.casefiles.batch import CaseFiles, Options
    from metrics.catalogue import load_catalogue

    teams = set()
    for sheet in pd.read_excel(workbook, sheet_name=None, dtype=str).values():
        if "Allocated Team" in sheet:
            teams |= set(sheet["Allocated Team"].dropna())
    rows = [("LA", "Bench Council", "", "authority")]
    rows += [(f"T{i:03d}", name, "LA", "team") for i, name in enumerate(sorted(teams))]
    orgs = pd.DataFrame(rows, columns=["code", "name", "parent", "type"]).assign(**{"from": "", "closed": ""})
    catalogue = load_catalogue()
    start = time.perf_counter()
    results = CaseFiles([*paths, workbook]).derive(orgs, catalogue, time.strftime("%Y-%m"), Options())
    return time.perf_counter() - start, sum(len(r.output) for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=50_000)
    parser.add_argument("--annex-rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        made = time.perf_counter()
        paths = make_ssda903(folder, args.episodes)
        workbook = make_annex_a(folder, args.annex_rows)
        sizes = {p.name: sum(1 for _ in p.open()) - 1 for p in paths}
        tables = ", ".join(f"{n} {c:,}" for n, c in sizes.items())
        megabytes = workbook.stat().st_size / 1e6
        print(f"files: {tables} rows; Annex A {args.annex_rows:,} rows in {len(LISTS)} lists "
              f"({megabytes:.1f} MB); made in {time.perf_counter() - made:.1f} s")  # fmt: skip
        floor_ssda = floor(paths, workbook)
        seconds, figures = derive(paths, workbook)
        floor_again = floor(paths, workbook)
        best = min(floor_ssda, floor_again)
        print(f"floor (pandas read_csv + read_excel of the same files): {best:.2f} s "
              f"(runs: {floor_ssda:.2f} s, {floor_again:.2f} s)")  # fmt: skip
        print(f"derive (read, check, derive, check as figures): {seconds:.2f} s, {figures:,} figures")
        ratio = seconds / best
        print(f"ratio: {ratio:.2f} x the floor (goal: within 3 x): {'met' if ratio <= 3 else 'NOT met'}")


if __name__ == "__main__":
    main()
