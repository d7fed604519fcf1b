"""``python -m data derive`` and the case files of ``python -m data load``.

``derive`` writes the figures a load would write, with a provenance column, and never writes
to the database (it reads the org units from it, read-only, unless an org units file is given
on the command line). ``load`` writes them as ordinary figures through
:func:`data.revisions.write_rows`, in the command's one transaction: one load per source (the
SSDA903 return, each workbook, each data book), its note naming every source file with its
checksum and row count and the rule version.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from data.casefiles.batch import OUTPUT_COLUMNS, CaseFiles, Options
from data.engine import NoDatabase, make_engine
from data.problems import WHOLE_FILE, InvalidInput, Problem
from data.queries import read_orgs
from data.readers import RawTable, read_table
from data.revisions import LoadSummary, Progress, write_rows
from data.validate import Context, check_columns, detect_kind, validate_orgs
from metrics.catalogue import Catalogue, load_catalogue
from metrics.periods import parse_month

ORG_COLUMNS = ["code", "name", "parent", "type", "from", "closed"]


def _year(text: str) -> str:
    start = text[:4]
    if not (
        len(text) == 7 and text[4] == "/" and start.isdigit() and text[5:] == f"{(int(start) + 1) % 100:02d}"
    ):
        raise argparse.ArgumentTypeError(f"{text!r} is not a financial year (2019/20)")
    return text


def _month(text: str) -> str:
    month = parse_month(text)
    if month is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month (YYYY-MM)")
    return month


def _population(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0
    if value <= 0 or not value.is_integer():
        raise argparse.ArgumentTypeError(f"{text!r} is not a population (a whole number above 0)")
    return value


def add_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``derive`` that ``load`` and ``validate`` share."""
    parser.add_argument(
        "--year", type=_year, metavar="YYYY/YY", help="SSDA903 collection year (default: from the episodes)"
    )
    parser.add_argument(
        "--from", dest="case_from", type=_month, metavar="YYYY-MM", help="first Annex A month"
    )
    parser.add_argument("--to", dest="case_to", type=_month, metavar="YYYY-MM", help="last Annex A month")
    parser.add_argument(
        "--population", type=_population, metavar="N", help="children aged 0-17, for LAC_RATE"
    )


def options_of(args: argparse.Namespace) -> Options:
    return Options(
        year=getattr(args, "year", None),
        start=getattr(args, "case_from", None),
        end=getattr(args, "case_to", None),
        population=getattr(args, "population", None),
    )


def add_derive_parser(commands: argparse._SubParsersAction) -> None:
    text = "derive monthly figures from SSDA903 tables, Annex A workbooks and data books; write nothing"
    sub = commands.add_parser("derive", help=text, description=text)
    sub.add_argument("files", nargs="+", type=Path, metavar="FILE")
    add_options(sub)
    sub.add_argument("--out", type=Path, help="output figures file (default: standard output)")
    sub.add_argument("--db", help=argparse.SUPPRESS, default=argparse.SUPPRESS)


def cmd_derive(args: argparse.Namespace, url: str) -> int:
    """Derive and write the figures file; the notes go to standard error."""
    catalogue = load_catalogue()
    month = pd.Timestamp.today().strftime("%Y-%m")
    cases = CaseFiles(args.files)
    orgs, problems = _orgs_given(args.files, cases, catalogue, month)
    if orgs is None:
        orgs = _stored_orgs(url)
    try:
        results = cases.derive(orgs, catalogue, month, options_of(args))
    except InvalidInput as exc:
        raise InvalidInput([*problems, *exc.problems]) from None
    if problems:
        raise InvalidInput(problems)
    frames = [r.output for r in results]
    output = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=OUTPUT_COLUMNS)
    buffer = io.StringIO()
    output.to_csv(buffer, index=False, lineterminator="\n")
    if args.out:
        args.out.write_text(buffer.getvalue(), encoding="utf-8")
    else:
        sys.stdout.write(buffer.getvalue())
    for result in results:
        for note in result.notes:
            print(f"{result.source}: note: {note}", file=sys.stderr)
    print(f"{len(output)} figure(s) derived: nothing was written to the database", file=sys.stderr)
    return 0


def _orgs_given(paths: list[Path], cases: CaseFiles, catalogue: Catalogue,
                month: str) -> tuple[pd.DataFrame | None, list[Problem]]:  # fmt: skip
    """Org units from org units files on the command line (None when there are none); any other
    file that is not a case file is a problem: ``derive`` loads nothing."""
    frames, problems = [], []
    empty = pd.DataFrame(columns=ORG_COLUMNS)
    for path in paths:
        if path in cases.claimed:
            continue
        try:
            table = read_table(path)
        except InvalidInput as exc:
            problems.extend(exc.problems)
            continue
        kind = detect_kind(table)
        if kind.name != "orgs" or check_columns(table, kind):
            message = (
                "not a case file (an SSDA903 table, an Annex A workbook, a data book), an org units "
                "file or a team alias file (team,org): derive reads only those; load other files with "
                "python -m data load"
            )
            problems.append(Problem(table.source, 1, WHOLE_FILE, message))
            continue
        clean, found = validate_orgs(table, Context(catalogue, empty, month))
        problems.extend(found)
        frames.append(clean.rename(columns={"valid_from": "from"})[ORG_COLUMNS])
    if not frames:
        return None, problems
    return pd.concat(frames, ignore_index=True).astype(str), problems


def _stored_orgs(url: str) -> pd.DataFrame:
    try:
        engine = make_engine(url, read_only=True)
        with engine.connect() as conn:
            frame = read_orgs(conn)
    except (NoDatabase, sa.exc.OperationalError, sa.exc.ProgrammingError):
        return pd.DataFrame(columns=ORG_COLUMNS)
    return frame if len(frame) else pd.DataFrame(columns=ORG_COLUMNS)


def load_case_files(
    conn: sa.Connection,
    cases: CaseFiles,
    catalogue: Catalogue,
    *,
    user: str,
    month: str,
    options: Options | None = None,
    progress: Progress | None = None,
) -> list[LoadSummary]:
    """Derive against the org units as they stand in this transaction and write the figures."""
    orgs = read_orgs(conn)
    if orgs.empty:
        orgs = pd.DataFrame(columns=ORG_COLUMNS)
    summaries = []
    for result in cases.derive(orgs, catalogue, month, options or Options()):
        record = RawTable(result.source, pd.DataFrame(), pd.Series(dtype="int64"), [], list(result.notes))
        summaries.append(
            write_rows(conn, "figures", result.clean, record, result.primary, user=user, progress=progress)
        )
    return summaries
