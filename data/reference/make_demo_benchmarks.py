"""Build ``demo_benchmarks.csv``: real England, region and neighbour figures for the demo.

The demo authority is fictional ("Demo County Council"), but its benchmark lines are real: those
of Herefordshire (old LA code 884), whose published figures the demo is modelled on
(``../shared/spec/published-figures.md``): England, the West Midlands and the average of
Herefordshire's ten statistical neighbours (DfE 2025 model), from the DfE EES open-data files.
"Published (DfE)" rows are left out: the demo's own monthly figures are invented, so comparing
them with Herefordshire's published figure would mean nothing.

Run once by a developer when the files change, never at build or run time (``python -m data
demo`` only reads the CSV this writes):

    .venv/bin/python -m data.reference.make_demo_benchmarks [FOLDER]

FOLDER holds the DfE files (default ``../shared/data/dfe``). The rows go through
:func:`data.ees.ees_benchmarks`, exactly as ``python -m data load`` reads the same files.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from data import ees
from metrics.catalogue import load_catalogue

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parents[2] / "shared" / "data" / "dfe"
OUTPUT = HERE / "demo_benchmarks.csv"
DEMO_LA = "884"  # Herefordshire, County of (E06000019)
FIRST_PERIOD = "2018-03"  # the demo's figures start in April 2018: earlier years are not shown
COMPARATORS = (ees.ENGLAND, ees.REGION, ees.NEIGHBOURS)
COLUMNS = ["kpi", "period", "comparator", "value", "note"]


def demo_benchmarks(folder: Path) -> pd.DataFrame:
    """England, region and neighbour rows for the demo's KPIs from the EES files in ``folder``."""
    frames = {}
    for path in sorted(folder.glob("*.csv")):
        frame = ees.read_ees_csv(path)
        if ees.is_ees(frame.columns):
            frames[path.name] = frame
    population = pd.concat(
        [ees.ees_population(f) for f in frames.values() if ees.ees_population_sources(f.columns)],
        ignore_index=True,
    )
    la = ees.resolve_la(DEMO_LA)
    parts = []
    for name, frame in frames.items():
        rows, problems = ees.ees_benchmarks(frame, name, la, population=population)
        if problems:
            raise SystemExit("\n".join(f"{name}:{p.row}:{p.column}: {p.message}" for p in problems))
        parts.append(rows)
    rows = pd.concat(parts, ignore_index=True)
    catalogue = {k.code for k in load_catalogue()}
    rows = rows[
        rows["comparator"].isin(COMPARATORS)
        & rows["kpi"].isin(catalogue)
        & (rows["period"] >= FIRST_PERIOD)
        & rows["value"].notna()  # the demo file has no symbol column: an absent figure is left out
    ].copy()
    source = "DfE " + rows["source"]
    rows["note"] = [f"{n}; {s}" if n else s for n, s in zip(rows["note"], source, strict=True)]
    rows["value"] = rows["value"].round(4)
    order = {k.code: i for i, k in enumerate(load_catalogue())}
    rows = rows.sort_values(
        ["kpi", "comparator", "period"], key=lambda s: s.map(order) if s.name == "kpi" else s
    )
    return rows[COLUMNS].reset_index(drop=True)


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else DEFAULT_SOURCE
    rows = demo_benchmarks(folder)
    rows.to_csv(OUTPUT, index=False, lineterminator="\n", float_format="%.10g")
    kpis = ", ".join(dict.fromkeys(rows["kpi"]))
    print(f"{OUTPUT.name}: {len(rows)} rows for {kpis}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
