"""The command line: ``python -m data load|validate|derive|export|history|check|demo|backup|config``.

A thin wrapper: each command parses its arguments, calls one library function and turns typed
errors into ``FILE:ROW:COLUMN: message`` lines. Exit status 0 success, 1 invalid input
(nothing written), 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from data import authority, report_store
from data.actions import actions_csv
from data.audit import COMMAND_LINE, read_audit
from data.backup import BackupError, backup_database
from data.casefiles import commands as casefiles
from data.engine import NoDatabase, default_url, make_engine, sqlite_path
from data.export import export_csv
from data.findings import read_findings
from data.load import _user, load_files
from data.problems import InvalidInput
from data.queries import read_actions, read_dataset, read_loads
from data.region_store import read_shares
from data.report_store import read_report
from data.settings import DEMO_LABEL_KEY, get_setting
from data.shares import change_shares
from data.users import add_user, list_users, remove_user
from metrics.access import ROLES
from metrics.catalogue import load_catalogue
from metrics.errors import UserError
from metrics.periods import PERIOD_KINDS
from metrics.quality import has_errors, run_checks
from metrics.query import parse_query

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A command line that does not make sense (exit status 2)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m data",
        description="Load, check and export the children's social care performance figures.",
    )
    parser.add_argument(
        "--db", help="SQLAlchemy database URL (default: $DATABASE_URL, else the bundled SQLite file)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, text in (
        ("load", "validate and load files (org units, figures, targets, benchmarks, process changes)"),
        ("validate", "validate files only; write nothing"),
    ):
        sub = commands.add_parser(name, help=text, description=text)
        sub.add_argument("files", nargs="+", type=Path, metavar="FILE")
        casefiles.add_options(sub)  # SSDA903 / Annex A files are derived as `derive` does
        sub.add_argument("--db", help=argparse.SUPPRESS, default=argparse.SUPPRESS)
    casefiles.add_derive_parser(commands)
    export = commands.add_parser("export", help="write figures as CSV", description="write figures as CSV")
    export.add_argument("--kpi", action="append", help="KPI code (repeat for several; default: all)")
    export.add_argument("--org", help="org unit code (default: the authority)")
    export.add_argument("--from", dest="start", metavar="YYYY-MM")
    export.add_argument("--to", dest="end", metavar="YYYY-MM")
    export.add_argument("--period", metavar="|".join(PERIOD_KINDS), default="month")
    export.add_argument("--out", type=Path, help="output file (default: standard output)")
    export.add_argument("--db", help=argparse.SUPPRESS, default=argparse.SUPPRESS)
    history = commands.add_parser(
        "history", help="list the loads", description="list the loads, newest first"
    )
    history.add_argument("--db", help=argparse.SUPPRESS, default=argparse.SUPPRESS)
    check = commands.add_parser(
        "check",
        help="run the data-quality checks; exit 1 if any finding is an error",
        description="run the data-quality checks on the current data and list every finding; "
        "exit status 1 when any finding has severity error, else 0",
    )
    check.add_argument("--db", help=argparse.SUPPRESS, default=argparse.SUPPRESS)
    config = commands.add_parser(
        "config",
        help="set or show the authority that EES benchmarks are loaded for",
        description="set (--la) or show the authority that EES benchmark files are loaded for",
    )
    config.add_argument("--la", metavar="CODE", help="new (E06000019) or old (884) LA code")
    config.add_argument(
        "--org",
        metavar="AUTHORITY",
        help="the authority (org unit) it is for: needed when the database holds several",
    )
    config.add_argument("--db", help=argparse.SUPPRESS, default=argparse.SUPPRESS)
    share = commands.add_parser(
        "share",
        help="share an authority's monthly figures with its group (nothing is shared by default)",
        description="publish (or, with --stop, withdraw) an authority's monthly figures of some KPIs "
        "to the other authorities of its group; --list shows what is shared",
    )
    share.add_argument("--org", metavar="CODE", help="the authority")
    chosen = share.add_mutually_exclusive_group()
    chosen.add_argument("--kpi", nargs="+", metavar="CODE", help="KPI codes")
    chosen.add_argument("--all", action="store_true", help="every KPI in the catalogue")
    chosen.add_argument("--list", action="store_true", help="show what each authority shares")
    share.add_argument("--stop", action="store_true", help="stop sharing these KPIs")
    share.add_argument("--db", help=argparse.SUPPRESS, default=argparse.SUPPRESS)
    rebuild = commands.add_parser(
        "rebuild",
        help="recompute the stored report from the figures (after a catalogue or rule change)",
        description="recompute the whole stored report (every unit, KPI and period) in one transaction",
    )
    rebuild.add_argument("--db", help=argparse.SUPPRESS, default=argparse.SUPPRESS)
    demo = commands.add_parser("demo", help="(re)build the bundled demo database")
    demo.add_argument("--db", help=argparse.SUPPRESS, default=argparse.SUPPRESS)
    pack = commands.add_parser(
        "pack",
        help="write the scrutiny committee's pack (PDF or Excel)",
        description="write the committee pack of the headline indicators (committee = true in the "
        "catalogue) for a quarter or a financial year, as PDF or Excel by the --out suffix",
    )
    pack.add_argument("--period", required=True, help='a quarter ("2026/27 Q2") or a year ("2026/27")')
    pack.add_argument("--public", action="store_true", help="suppress small numbers (for publication)")
    pack.add_argument("--out", type=Path, required=True, help="pack.pdf or pack.xlsx")
    pack.add_argument("--org", metavar="CODE", help="the authority (in a database of several)")
    pack.add_argument("--db", help=argparse.SUPPRESS, default=argparse.SUPPRESS)
    backup = commands.add_parser("backup", help="write a consistent copy of the database")
    backup.add_argument("file", type=Path, metavar="FILE")
    backup.add_argument("--db", help=argparse.SUPPRESS, default=argparse.SUPPRESS)
    users = commands.add_parser(
        "users",
        help="add, list or remove the dashboard's users",
        description="manage who may sign in to the dashboard and what they may do",
    )
    users.add_argument("--db", help=argparse.SUPPRESS, default=argparse.SUPPRESS)
    user_commands = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    add = user_commands.add_parser("add", help="add a user, or change their role and unit")
    add.add_argument("email", metavar="EMAIL")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--org", default="", metavar="CODE", help="editors write only for this unit and below")
    add.add_argument("--db", help=argparse.SUPPRESS, default=argparse.SUPPRESS)
    remove = user_commands.add_parser("remove", help="remove a user")
    remove.add_argument("email", metavar="EMAIL")
    remove.add_argument("--db", help=argparse.SUPPRESS, default=argparse.SUPPRESS)
    listing = user_commands.add_parser("list", help="list the users")
    listing.add_argument("--db", help=argparse.SUPPRESS, default=argparse.SUPPRESS)
    audit_log = commands.add_parser(
        "audit", help="export the audit log of every write as CSV", description="the audit log, newest first"
    )
    audit_log.add_argument("--out", type=Path, help="output file (default: standard output)")
    audit_log.add_argument("--db", help=argparse.SUPPRESS, default=argparse.SUPPRESS)
    acts = commands.add_parser(
        "actions", help="export the improvement actions as CSV (the file format 'load' accepts)"
    )
    acts.add_argument("--out", type=Path, help="output file (default: standard output)")
    acts.add_argument("--db", help=argparse.SUPPRESS, default=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    url = getattr(args, "db", None) or default_url()
    try:
        status = COMMANDS[args.command](args, url)
        sys.stdout.flush()  # a closed pipe shows here, not in Python's flush at exit
        return status
    except BrokenPipeError:  # `history | head`: the reader has all it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's final flush must not fail again
        return EXIT_OK
    except InvalidInput as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found: nothing was written", file=sys.stderr)
        return EXIT_INVALID
    except (UsageError, UserError, BackupError, NoDatabase) as exc:
        print(f"python -m data {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except sa.exc.OperationalError as exc:
        print(
            f"python -m data {args.command}: {_database_trouble(exc)}: nothing was written", file=sys.stderr
        )
        return EXIT_INVALID


def _database_trouble(exc: sa.exc.OperationalError) -> str:
    """One line for a database that could not be used (busy, unreachable), never a traceback."""
    text = str(exc.orig).strip().splitlines()[0] if exc.orig else "unknown error"
    if "locked" in text or "lock timeout" in text:
        return "the database is busy with another load; try again when it has finished"
    return f"the database could not be used ({text})"


def _progress_bar(done: int, total: int) -> None:
    width = 40
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r  writing [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} rows")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def cmd_load(args: argparse.Namespace, url: str, dry_run: bool = False) -> int:
    progress = _progress_bar if sys.stderr.isatty() else None
    engine = make_engine(url)
    summaries = load_files(
        engine, args.files, dry_run=dry_run, progress=progress, case_options=casefiles.options_of(args)
    )
    for summary in summaries:
        print(summary)
    if dry_run:
        print(f"{len(summaries)} file(s) valid: nothing was written")
    load_ids = [s.load_id for s in summaries if s.load_id is not None]
    found = read_findings(engine, max(load_ids)) if load_ids and not dry_run else None
    if found is not None and len(found):
        errors = int((found["severity"] == "error").sum())
        print(
            f"{len(found)} new data-quality finding(s), {errors} error(s): "
            "'python -m data history' lists them, 'python -m data check' lists every current one"
        )
    return EXIT_OK


def cmd_validate(args: argparse.Namespace, url: str) -> int:
    path = sqlite_path(url)
    if path is not None and not path.exists():  # validate writes nothing, not even an empty file
        raise NoDatabase(f"no database at {path}: build the demo (python -m data demo) or load files first")
    return cmd_load(args, url, dry_run=True)


def cmd_export(args: argparse.Namespace, url: str) -> int:
    asked = {"kpi": args.kpi, "org": args.org, "from": args.start, "to": args.end, "period": args.period}
    query, _ = parse_query({k: v for k, v in asked.items() if v is not None}, load_catalogue())
    engine = make_engine(url, read_only=True)
    with engine.connect() as conn:  # one transaction: the rows and the label of one load
        rows = read_report(conn, query)
        text = export_csv(rows, get_setting(conn, DEMO_LABEL_KEY))
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_history(args: argparse.Namespace, url: str) -> int:
    engine = make_engine(url, read_only=True)
    loads = read_loads(engine)
    if loads.empty:
        print("no loads yet")
        return EXIT_OK
    findings = read_findings(engine)
    by_load: dict[int, list[str]] = {}
    for load_id, line in zip(findings["load_id"].tolist(), finding_lines(findings), strict=True):
        by_load.setdefault(int(load_id), []).append(line)
    for row in loads.to_dict("records"):
        print(
            f"{row['id']:>4}  {row['loaded_at']}  {row['file_name']}  {row['kind']}  sha256 {row['sha256']}  "
            f"by {row['loaded_by']}  "
            f"added {row['rows_added']}, revised {row['rows_revised']}, unchanged {row['rows_unchanged']}"
            + (f"  ({row['note']})" if row["note"] else "")
        )
        for line in by_load.get(int(row["id"]), []):
            print(f"      {line}")
    return EXIT_OK


def finding_lines(findings: pd.DataFrame) -> list[str]:
    """``SEVERITY check KPI ORG PERIOD: message``, one line per finding."""
    return [
        f"{severity.upper()} {check} {kpi} {org} {period or '-'}: {message}"
        for severity, check, kpi, org, period, message in findings[
            ["severity", "check", "kpi", "org", "period", "message"]
        ].itertuples(index=False, name=None)
    ]


def cmd_check(args: argparse.Namespace, url: str) -> int:
    """Every current finding, one per line; exit 1 when any is an error."""
    catalogue = load_catalogue()
    with make_engine(url, read_only=True).connect() as conn:
        dataset = read_dataset(conn)
        monthly = report_store.read_rows(conn, "month")
    findings = run_checks(dataset, catalogue, monthly)
    for line in finding_lines(findings):
        print(line)
    counts = findings["severity"].value_counts()
    print(
        f"{len(findings)} finding(s): "
        + ", ".join(f"{int(counts.get(s, 0))} {s}(s)" for s in ("error", "warning", "info")),
        file=sys.stderr,
    )
    return EXIT_INVALID if has_errors(findings) else EXIT_OK


def cmd_rebuild(args: argparse.Namespace, url: str) -> int:
    from data.migrate import ensure_schema

    engine = make_engine(url)
    if engine.dialect.name == "sqlite" and not _sqlite_exists(url):
        raise NoDatabase(f"no database at {url}")
    catalogue = load_catalogue()
    with engine.begin() as conn:
        ensure_schema(conn, catalogue)
        rows = report_store.rebuild(conn, catalogue)
    print(f"report rebuilt: {rows:,} rows")
    return EXIT_OK


def cmd_share(args: argparse.Namespace, url: str) -> int:
    from data.migrate import ensure_schema

    if args.list:
        shares = read_shares(make_engine(url, read_only=True))
        if args.org:
            shares = shares[shares["org"] == args.org]
        for org, kpis in shares.groupby("org")["kpi"]:
            print(f"{org}: {' '.join(kpis)}")
        if shares.empty:
            print("nothing is shared")
        return EXIT_OK
    if not args.org or not (args.kpi or args.all):
        raise UsageError("name the authority with --org and the KPIs with --kpi CODE ... or --all")
    catalogue = load_catalogue()
    with make_engine(url).begin() as conn:
        ensure_schema(conn, catalogue)
        changed = change_shares(
            conn, args.org, None if args.all else args.kpi, catalogue, share=not args.stop, who=_user()
        )
    verb = "no longer shares" if args.stop else "shares"
    print(f"{args.org} {verb} {', '.join(changed)}" if changed else f"{args.org}: nothing changed")
    return EXIT_OK


def _sqlite_exists(url: str) -> bool:
    path = sqlite_path(url)
    return path is None or path.exists()


def cmd_demo(args: argparse.Namespace, url: str) -> int:
    from data.demo import build_demo_database

    print(build_demo_database(url))
    return EXIT_OK


def cmd_backup(args: argparse.Namespace, url: str) -> int:
    print(backup_database(url, args.file))
    return EXIT_OK


def cmd_config(args: argparse.Namespace, url: str) -> int:
    if args.la is None:
        try:
            with make_engine(url, read_only=True).connect() as conn:
                org = authority.config_org(conn, args.org) if args.org else None
                print(authority.describe(conn, org or None))
        except NoDatabase:
            print(f"no authority is configured: {authority.CONFIGURE}")
        return EXIT_OK
    from data.migrate import ensure_schema

    with make_engine(url).begin() as conn:
        ensure_schema(conn)
        org = authority.config_org(conn, args.org)
        try:
            before, la = authority.configure(conn, args.la, org)
        except authority.UnknownAuthority as exc:
            raise UsageError(f"unknown LA code {args.la!r}: {exc}") from exc
        print(authority.describe(conn, org or None))
    if before and before != la.old_code:
        print(
            f"note: benchmarks loaded before are for the authority {before}: load the EES files again "
            f"for {la.name}'s region, neighbours and published figures"
        )
    return EXIT_OK


def _write_out(text: str, out: Path | None) -> None:
    if out:
        out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def cmd_users(args: argparse.Namespace, url: str) -> int:
    from data.migrate import ensure_schema

    if args.users_command == "list":
        users = list_users(make_engine(url, read_only=True))
        for row in users.to_dict("records"):
            print(
                f"{row['email']}  {row['role']}  {row['org'] or '(every unit)'}  "
                f"added {row['added_at']} by {row['added_by']}"
            )
        if users.empty:
            print("no users yet: python -m data users add EMAIL --role admin")
        return EXIT_OK
    with make_engine(url).begin() as conn:
        ensure_schema(conn)
        if args.users_command == "add":
            user = add_user(conn, args.email, args.role, args.org, by=_user(), address=COMMAND_LINE)
            print(f"{user.email}: {user.role}" + (f" for {user.org} and below" if user.org else ""))
        else:
            remove_user(conn, args.email, by=_user(), address=COMMAND_LINE)
            print(f"removed {args.email.strip().lower()}")
    return EXIT_OK


def cmd_audit(args: argparse.Namespace, url: str) -> int:
    rows = read_audit(make_engine(url, read_only=True))
    _write_out(export_csv(rows.astype(str) if len(rows) else rows), args.out)
    return EXIT_OK


def cmd_actions(args: argparse.Namespace, url: str) -> int:
    _write_out(actions_csv(read_actions(make_engine(url, read_only=True))), args.out)
    return EXIT_OK


def cmd_pack(args: argparse.Namespace, url: str) -> int:
    from data.pack import write_pack
    from metrics.pack import PackPeriodError, pack_period

    if args.out.suffix.lower() not in (".pdf", ".xlsx"):
        raise UsageError(f"--out must end in .pdf or .xlsx, not {args.out.name!r}")
    try:
        pack_period(args.period)
    except PackPeriodError as exc:
        raise UsageError(str(exc)) from exc
    engine = make_engine(url, read_only=True)
    pack = write_pack(engine, args.period, args.out, public=args.public, org=args.org)
    if pack.rows.empty:
        print(f"python -m data pack: no figures for {args.period}", file=sys.stderr)
        return EXIT_INVALID
    print(f"wrote {args.out} ({len(pack.codes)} headline indicators, {pack.label})")
    return EXIT_OK


COMMANDS = {
    "users": cmd_users,
    "audit": cmd_audit,
    "actions": cmd_actions,
    "pack": cmd_pack,
    "load": cmd_load,
    "validate": cmd_validate,
    "derive": casefiles.cmd_derive,
    "export": cmd_export,
    "history": cmd_history,
    "check": cmd_check,
    "rebuild": cmd_rebuild,
    "demo": cmd_demo,
    "backup": cmd_backup,
    "config": cmd_config,
    "share": cmd_share,
}
