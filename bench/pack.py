"""Benchmark: the committee pack (PDF and workbook) against printing the plain scorecard to PDF.

    python bench/pack.py [--scaled bench/out/scaled.db]

On the demo database (built into a temporary folder) and, when given, the scaled one
(``python bench/scaled.py`` builds it): the whole PDF pack, the workbook, and, in the same run,
Chromium printing the authority's scorecard page (served on loopback) to PDF. Goal: the whole
PDF pack in under 10 s on the demo.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from data.demo import build_demo_database  # noqa: E402
from data.engine import make_engine  # noqa: E402
from data.pack import CHROMIUM, CHROMIUM_ARGS, write_pack  # noqa: E402
from tests.browser.serving import Served  # noqa: E402

PERIOD = "2026/27 Q2"
GOAL_SECONDS = 10.0


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def print_scorecard(url: str, out: Path) -> float:
    """Seconds for Chromium to open the authority's scorecard and print it to PDF (A4 landscape)."""
    served = Served(url)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()

            def run() -> None:
                page.goto(f"{served.url}/?org=LA&period=quarter&month=2026-09")
                page.locator("table.scorecard").first.wait_for()
                page.pdf(path=str(out), landscape=True, format="A4")

            seconds = timed(run)
            browser.close()
    finally:
        served.close()
    return seconds


def bench(name: str, url: str, folder: Path) -> dict[str, float]:
    engine = make_engine(url, read_only=True)
    result = {
        "pack PDF": timed(lambda: write_pack(engine, PERIOD, folder / f"{name}.pdf")),
        "pack workbook": timed(lambda: write_pack(engine, PERIOD, folder / f"{name}.xlsx")),
        "scorecard page to PDF": print_scorecard(url, folder / f"{name}-scorecard.pdf"),
    }
    engine.dispose()
    return result


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scaled", type=Path, help="the scaled database (bench/scaled.py)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        demo = f"sqlite:///{folder / 'demo.db'}"
        build_demo_database(demo)
        runs = {"demo": bench("demo", demo, folder)}
        if args.scaled:
            runs["scaled"] = bench("scaled", f"sqlite:///{args.scaled.resolve()}", folder)
    print(f"{'dataset':<8} {'pack PDF':>10} {'workbook':>10} {'scorecard PDF':>14}")
    for name, r in runs.items():
        pdf, book, page = r["pack PDF"], r["pack workbook"], r["scorecard page to PDF"]
        print(f"{name:<8} {pdf:>9.2f}s {book:>9.2f}s {page:>13.2f}s")
    ok = runs["demo"]["pack PDF"] < GOAL_SECONDS
    print(f"goal: demo PDF pack under {GOAL_SECONDS:.0f} s: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
