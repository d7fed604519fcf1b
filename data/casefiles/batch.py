"""The case files of one command: recognised, read, checked, and turned into figures.

:class:`CaseFiles` takes every path of a ``derive`` or ``load`` command and claims those that
are SSDA903 tables, Annex A workbooks, wide data books or team alias files (the others are the
ordinary loader's). :meth:`CaseFiles.derive` returns one :class:`Derived` per source (the
SSDA903 return, each workbook, each data book): the figures, already checked as a figures file
is, each with its provenance, and the notes a load records (source files, checksums, row
counts, rule version). Only figures leave this module: child-level rows never reach the
database.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from data.casefiles import databook, ssda903
from data.casefiles.annex_a import LISTS, AnnexList, extract_period, is_annex_a, read_annex_a
from data.casefiles.teams import TeamMap, is_alias_file
from data.problems import WHOLE_FILE, InvalidInput, Problem
from data.readers import RawTable, read_header, read_table
from data.revisions import file_sha256
from data.validate import Context, validate_figures
from metrics import derived
from metrics import derived_annex_a as annex
from metrics.catalogue import Catalogue
from metrics.periods import add_months, month_range

OUTPUT_COLUMNS = ["period", "kpi", "org", "numerator", "denominator", "value", "provenance"]
NO_ORGS = (
    "no org units to label the figures with: load the org units first, or give the org units file "
    "in the same command"
)


@dataclass(frozen=True)
class Options:
    """What the command line may say: the SSDA903 year, the Annex A period, the population."""

    year: str | None = None
    start: str | None = None
    end: str | None = None
    population: float | None = None


@dataclass
class Derived:
    """Figures from one source: checked rows to write, the output with provenance, notes."""

    primary: Path
    source: str
    sources: list[Path]
    clean: pd.DataFrame
    output: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def _csv_header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return []


def _is_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


class CaseFiles:
    """The paths of one command that are case files, by what they are."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.tables: dict[str, list[Path]] = {}
        self.workbooks: list[Path] = []
        self.databooks: list[tuple[Path, RawTable]] = []
        self.aliases: list[Path] = []
        for path in paths:
            if _is_workbook(path):
                if is_annex_a(path):
                    self.workbooks.append(path)
                    continue
                header = self._first_sheet_header(path)
            else:
                header = _csv_header(path)
            kind = ssda903.table_kind(header)
            if kind:
                self.tables.setdefault(kind, []).append(path)
            elif is_alias_file(header):
                self.aliases.append(path)
            elif databook.is_databook(header):
                self.databooks.append((path, read_table(path)))

    def _first_sheet_header(self, path: Path) -> list[str]:
        return read_header(path)

    @property
    def claimed(self) -> set[Path]:
        return {
            *(p for paths in self.tables.values() for p in paths),
            *self.workbooks,
            *(p for p, _ in self.databooks),
            *self.aliases,
        }

    def __bool__(self) -> bool:
        return bool(self.claimed)

    def derive(self, orgs: pd.DataFrame, catalogue: Catalogue, month: str, options: Options) -> list[Derived]:
        """Every source's figures; InvalidInput with every problem of every file."""
        problems: list[Problem] = []
        aliases = []
        for path in self.aliases:
            try:
                aliases.append(read_table(path))
            except InvalidInput as exc:
                problems.extend(exc.problems)
        teams = TeamMap.build(orgs, aliases)
        problems.extend(teams.problems)
        context = Context(catalogue, orgs, month)
        results: list[Derived] = []
        if (self.tables or self.workbooks) and not teams.root:
            first = sorted(self.claimed - set(self.aliases))[0]
            problems.append(Problem(str(first), 1, WHOLE_FILE, NO_ORGS))
        else:
            for attempt in (
                *([lambda: self._ssda903(teams.root, context, options)] if self.tables else []),
                *(lambda p=p: self._annex_a(p, teams, context, options) for p in self.workbooks),
            ):
                try:
                    results.append(attempt())
                except InvalidInput as exc:
                    problems.extend(exc.problems)
        for path, table in self.databooks:
            clean, found = databook.databook_figures(table, context)
            problems.extend(found)
            if not found:
                output = clean.assign(provenance=f"data book {path.name}")[OUTPUT_COLUMNS]
                rows = f"{len(table.frame):,} rows"
                note = f"wide data book {path.name} (sha256 {file_sha256(path)}, {rows})"
                results.append(Derived(path, table.source, [path], clean, output, [*table.notes, note]))
        problems.extend(_twice(results))
        if problems:
            raise InvalidInput(problems)
        return results

    # --- SSDA903 ---------------------------------------------------------------------------------

    def _ssda903(self, root: str, context: Context, options: Options) -> Derived:
        problems: list[Problem] = []
        tables: dict[str, ssda903.Table] = {}
        for kind, paths in self.tables.items():
            for extra in paths[1:]:
                message = f"a second {kind} table (the first is {paths[0].name}): derive one return at a time"
                problems.append(Problem(str(extra), 1, WHOLE_FILE, message))
            try:
                table, found = ssda903.read_903(paths[0], kind)
            except InvalidInput as exc:
                problems.extend(exc.problems)
                continue
            problems.extend(found)
            tables[kind] = table
        if "episodes" not in self.tables:
            first = sorted(p for paths in self.tables.values() for p in paths)[0]
            message = "an SSDA903 return needs its episodes table (episodes.csv) in the same command"
            problems.append(Problem(str(first), 1, WHOLE_FILE, message))
        if "episodes" in tables and "header" in tables:
            problems.extend(ssda903.children_in_header(tables["episodes"], tables["header"]))
        if problems:
            raise InvalidInput(problems)
        episodes = tables["episodes"].frame
        if episodes.empty:
            raise InvalidInput(
                [Problem(tables["episodes"].source, 1, WHOLE_FILE, "no episodes to derive from")]
            )
        year = options.year or derived.collection_year(episodes["DECOM"].max())
        months = derived.year_months(year)
        notes = [f"SSDA903 collection year {year}"]
        future = [m for m in months if m > context.this_month]
        if future:
            months = [m for m in months if m <= context.this_month]
            notes.append(f"months not derived, still to come: {future[0]} to {future[-1]}")
        if not months:
            raise InvalidInput(
                [Problem(tables["episodes"].source, 1, WHOLE_FILE, f"the year {year} has not begun")]
            )
        names = {kind: t.path.name for kind, t in tables.items()}
        year_end = derived.year_months(year)[-1]
        if year_end in months:
            notes.append(f"LAC_3PLUS_PLACEMENTS at {year_end} only: the return holds the year's episodes")
        frames: list[tuple[pd.DataFrame, tuple[str, ...]]] = [
            (derived.lac_count(episodes, months), ("episodes",)),
            (derived.lac_started(episodes, months), ("episodes",)),
            # a return holds the year's episodes: only a month whose 12 months lie in the year
            (derived.lac_3plus_placements(episodes, [m for m in months if m == year_end]), ("episodes",)),
            (derived.adoptions(episodes, months), ("episodes",)),
        ]
        if options.population:
            frames.append((derived.lac_rate(frames[0][0], options.population), ("episodes",)))
        if "reviews" in tables:
            frames.append(
                (
                    derived.lac_reviews_timely(episodes, tables["reviews"].frame, months),
                    ("episodes", "reviews"),
                )
            )
        if "missing" in tables:
            frames.append((derived.lac_missing_episodes(tables["missing"].frame, months), ("missing",)))
        march = derived.year_months(year)[-1]
        if march in months:
            if "oc2" in tables:
                frames.append((derived.lac_health_assessments(tables["oc2"].frame, year), ("oc2",)))
            if "oc3" in tables:
                frames.append((derived.care_leavers(tables["oc3"].frame, year), ("oc3",)))
        labelled = [
            frame.assign(
                org=root,
                provenance=f"SSDA903 {year}: {', '.join(names[k] for k in used)} ({derived.RULES_VERSION})",
            )
            for frame, used in frames
        ]
        primary = tables["episodes"]
        sources = [t.path for t in tables.values()]
        unused = sorted(set(tables) - set(ssda903.USED))
        if unused:
            notes.append(f"read and checked, no figures from: {', '.join(names[k] for k in unused)}")
        notes.append(self._provenance(sources, {t.path: len(t.frame) for t in tables.values()}))
        return self._checked(primary.path, primary.source, sources, labelled, context, notes)

    # --- Annex A ---------------------------------------------------------------------------------

    def _annex_a(self, path: Path, teams: TeamMap, context: Context, options: Options) -> Derived:
        source = str(path)
        lists, notes = read_annex_a(path, source)
        problems: list[Problem] = []
        reported: set[str] = set()
        frames: dict[int, pd.DataFrame] = {}
        for number, found in sorted(lists.items()):
            codes, unmapped = teams.assign(
                found.frame["team"], found.rows, found.source, found.team_column, reported
            )
            problems.extend(unmapped)
            frames[number] = found.frame.assign(org=codes)
        if problems:
            raise InvalidInput(problems)
        first, last = extract_period(lists)
        months, period_notes = _whole_months(first, last, options)
        notes.extend(period_notes)
        if not months:
            raise InvalidInput(
                [Problem(source, 1, WHOLE_FILE, "the lists cover no whole month: give --from and --to")]
            )
        future = [m for m in months if m > context.this_month]
        months = [m for m in months if m <= context.this_month]
        if future:
            notes.append(f"months not derived, still to come: {future[0]} to {future[-1]}")
        root = teams.root
        plan = {
            1: lambda f: annex.contacts(f, months),
            3: lambda f: annex.referrals(f, months),
            4: lambda f: annex.assessments(f, months),
            5: lambda f: annex.section47(f, months),
            7: lambda f: annex.cp_plans(f, months),
            8: lambda f: annex.lac_count(f, months),
        }
        labelled = []
        for number, definition in plan.items():
            if number in frames:
                result = annex.by_org(frames[number], root, definition)
                labelled.append(result.assign(provenance=_annex_provenance(path, lists[number])))
        if last is not None and last.strftime("%Y-%m") <= context.this_month:
            for number, visits in ((7, annex.cp_visits), (8, annex.lac_visits)):
                if number in frames:
                    result = annex.by_org(frames[number], root, _as_at(visits, last))
                    as_at = f" as at {last:%d/%m/%Y}"
                    labelled.append(result.assign(provenance=_annex_provenance(path, lists[number]) + as_at))
        counts = {path: sum(len(found.frame) for found in lists.values())}
        notes.append(self._provenance([path], counts))
        return self._checked(path, source, [path], labelled, context, notes)

    # --- shared ----------------------------------------------------------------------------------

    @staticmethod
    def _provenance(paths: list[Path], rows: dict[Path, int]) -> str:
        files = "; ".join(f"{p.name} (sha256 {file_sha256(p)}, {rows.get(p, 0):,} rows)" for p in paths)
        return f"derived by rules {derived.RULES_VERSION} from {files}"

    @staticmethod
    def _checked(primary: Path, source: str, sources: list[Path], frames: list[pd.DataFrame],
                 context: Context, notes: list[str]) -> Derived:  # fmt: skip
        """The figures checked as a figures file is (a derived figure that would not load is a
        problem of its source, not a file the officer never saw)."""
        frame = pd.concat([f for f in frames if not f.empty], ignore_index=True)
        known = frame["kpi"].isin(set(context.catalogue.by_code))
        frame = frame[known].reset_index(drop=True)
        text = pd.DataFrame(
            {c: frame[c].map(_text) for c in ("period", "kpi", "org", "numerator", "denominator", "value")}
        )
        positions = pd.Series(np.arange(len(text)), index=text.index)
        clean, found = validate_figures(RawTable(source, text, positions, list(text.columns)), context)
        if found:
            raise InvalidInput(
                [Problem(source, 1, WHOLE_FILE, _derived_problem(text, p.row, p.message)) for p in found]
            )
        output = text.assign(provenance=frame["provenance"])[OUTPUT_COLUMNS]
        return Derived(primary, source, sources, clean, output, notes)


def _twice(results: list[Derived]) -> list[Problem]:
    """A figure (period, kpi, org) that two sources of one command both give: one problem per
    source pair, on the later source."""
    seen: dict[tuple[str, str, str], str] = {}
    clashes: dict[tuple[str, str], tuple[str, str, str]] = {}
    for result in results:
        for key in result.output[["period", "kpi", "org"]].itertuples(index=False, name=None):
            first = seen.setdefault(key, result.source)
            if first != result.source:
                clashes.setdefault((first, result.source), key)
    return [
        Problem(
            later,
            1,
            WHOLE_FILE,
            f"{kpi} for {org} {period} (and maybe more) is also derived from "
            f"{first}: give each figure one source",
        )
        for (first, later), (period, kpi, org) in clashes.items()
    ]


def _derived_problem(text: pd.DataFrame, position: int, message: str) -> str:
    kpi, org, period = (str(text.at[position, c]) for c in ("kpi", "org", "period"))
    return f"derived {kpi} for {org} {period}: {message}"


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_at(
    visits: Callable[[pd.DataFrame, pd.Timestamp], annex.Rows], day: pd.Timestamp
) -> Callable[[pd.DataFrame], annex.Rows]:
    return lambda frame: visits(frame, day)


def _annex_provenance(path: Path, found: AnnexList) -> str:
    return f"Annex A {path.name}[{found.sheet}] ({derived.RULES_VERSION})"


def _whole_months(first: pd.Timestamp | None, last: pd.Timestamp | None,
                  options: Options) -> tuple[list[str], list[str]]:  # fmt: skip
    """The months wholly inside the extract's period (or those given with --from/--to)."""
    if options.start or options.end:
        if first is None and (not options.start or not options.end):
            return [], []
        start = options.start or (first.strftime("%Y-%m") if first is not None else "")
        end = options.end or (last.strftime("%Y-%m") if last is not None else start)
        return month_range(start, end), [f"months given: {start} to {end}"]
    if first is None or last is None:
        return [], ["the lists hold no event dates: no period to derive"]
    start = first.strftime("%Y-%m") if first.day == 1 else add_months(first.strftime("%Y-%m"), 1)
    end = (
        last.strftime("%Y-%m")
        if last == derived.month_end(last.strftime("%Y-%m"))
        else add_months(last.strftime("%Y-%m"), -1)
    )
    notes = [f"extract period {first:%d/%m/%Y} to {last:%d/%m/%Y}"]
    if first.day != 1:
        notes.append(f"{first:%Y-%m} only partly covered (from {first:%d/%m/%Y}): not derived")
    if last != derived.month_end(last.strftime("%Y-%m")):
        notes.append(f"{last:%Y-%m} only partly covered (to {last:%d/%m/%Y}): not derived")
    months = month_range(start, end) if start <= end else []
    return months, notes


__all__ = ["LISTS", "CaseFiles", "Derived", "Options"]
