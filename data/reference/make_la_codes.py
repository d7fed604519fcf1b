"""Build ``la_codes.csv``: old 3-digit LA codes and new (ONS) codes of every English authority.

Run once by a developer when the Department for Education publishes new files, never at build
or run time (the product reads only the CSV it writes):

    .venv/bin/python -m data.reference.make_la_codes [FOLDER]

FOLDER holds the DfE EES open-data files (default ``../shared/data/dfe``). Every local-authority
row of every EES file there is read; authorities published jointly ("940 / 941") are split into
their two codes. One row per (old code, new code) pair, with the name as most recently published
and the first and last year the pair appears, so an authority whose new code changed (North
Yorkshire: E10000023 to 2022, E06000065 from 2023) has two rows.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from data.ees import is_ees, read_ees_csv

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parents[2] / "shared" / "data" / "dfe"
OUTPUT = HERE / "la_codes.csv"
COLUMNS = ("old_la_code", "new_la_code", "la_name", "first_year", "last_year")


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split("/") if part.strip()]


def la_codes(folder: Path) -> list[dict[str, str]]:
    """One row per (old code, new code) pair found in the EES files of ``folder``."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    for path in sorted(folder.glob("*.csv")):
        frame = read_ees_csv(path)
        if not is_ees(frame.columns):
            continue
        frame = frame[frame["geographic_level"].str.casefold() == "local authority"]
        for year_text, olds, news, names in frame[
            ["time_period", "old_la_code", "new_la_code", "la_name"]
        ].itertuples(index=False, name=None):
            year = str(year_text)[:4]
            old_codes, new_codes, la_names = _split(olds), _split(news), _split(names)
            if len(old_codes) != len(new_codes):
                continue
            if len(la_names) != len(old_codes):
                la_names = [names.strip()] * len(old_codes)
            for old, new, name in zip(old_codes, new_codes, la_names, strict=True):
                row = found.setdefault(
                    (old, new.upper()),
                    {"old_la_code": old, "new_la_code": new.upper(), "la_name": name},
                )
                if year >= row.get("last_year", ""):
                    row["la_name"] = name
                row["first_year"] = min(row.get("first_year", year), year)
                row["last_year"] = max(row.get("last_year", year), year)
    return [found[key] for key in sorted(found)]


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else DEFAULT_SOURCE
    rows = la_codes(folder)
    if not rows:
        print(f"no EES files with local-authority rows in {folder}", file=sys.stderr)
        return 1
    with OUTPUT.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{OUTPUT.name}: {len(rows)} code pairs from {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
