"""Loading EES open-data files and the statistical-neighbour model (``python -m data load``).

:func:`data.load.load_file` hands a file here when its header is in the EES layout
(:func:`data.ees.is_ees`) or is the DfE statistical-neighbour model
(:func:`data.ees.is_neighbour_model`), before the ordinary kind detection.

- An EES file becomes benchmark rows for the configured authority (:mod:`data.authority`):
  England, its region, its statistical neighbours' average and its own published figure
  ("Published (DfE)"); in a database of several authorities, for every configured authority at
  once (England with org "", the others with org the authority). They are written as kind
  ``benchmarks`` through the ordinary :func:`data.revisions.write_rows`, so a figure a later
  release revises becomes a new revision, the load records the file's name and checksum, and its
  note says which release (time_period range and file) it was. EES symbols stay absent values
  (NULL) with the symbol and a note.
- The neighbour model replaces the bundled one: its text is kept in the settings table
  (``neighbour_model``), the load is recorded in the history with kind ``neighbours``.

Rates per 10,000 children (CIN_RATE, CP_RATE) need the 0-17 population from the looked-after
children file: :class:`EesBatch` reads every EES file of one command first and collects the
population from all of them, as :mod:`data.ees` asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from data import authority, ees
from data.problems import WHOLE_FILE, InvalidInput, Problem
from data.readers import RawTable, read_header, read_table
from data.revisions import LoadSummary, Progress, start_load, write_rows
from data.settings import set_setting
from metrics.catalogue import Catalogue

NEIGHBOURS_KIND = "neighbours"


def _header(path: Path) -> list[str]:
    """The file's header as the reader reads it, without reading the rows ([] when the file
    cannot be read: the loader reports why when it reads the file itself)."""
    return read_header(path)


def recognises(table: RawTable) -> bool:
    """True for an EES open-data file or the statistical-neighbour model."""
    return ees.is_ees(table.header) or ees.is_neighbour_model(table.header)


class EesBatch:
    """The EES files of one command, read once by the one reader, with the 0-17 population they
    provide together (:attr:`tables` holds them, for the loader to use instead of reading again).

    A statistical-neighbour model in the same command is used for the EES files of that command
    (whatever the order of the files), as it will be stored by the same load.
    """

    def __init__(self, paths: Sequence[Path]) -> None:
        self.tables: dict[Path, RawTable] = {}
        self.neighbours: pd.DataFrame | None = None
        self.neighbours_name = ""
        populations: list[pd.DataFrame] = []
        for path in paths:
            header = _header(path)
            if not ees.is_ees(header) and not ees.is_neighbour_model(header):
                continue
            try:
                table = self.tables[path] = read_table(path)
            except InvalidInput:  # reported when the file itself is loaded
                continue
            frame = ees.ees_frame(table)
            if not ees.is_ees(header):
                self.neighbours, self.neighbours_name = frame, path.name
            elif ees.ees_population_sources(frame.columns):
                populations.append(ees.ees_population(frame))
        populations = [p for p in populations if not p.empty]
        self.population = pd.concat(populations, ignore_index=True) if populations else None


def load_ees_file(
    conn: sa.Connection,
    path: Path,
    table: RawTable,
    catalogue: Catalogue,
    batch: EesBatch,
    *,
    user: str,
    progress: Progress | None = None,
) -> LoadSummary:
    """Validate and write one EES file or neighbour model (InvalidInput: nothing written)."""
    if ees.is_neighbour_model(table.header) and not ees.is_ees(table.header):
        return _load_neighbour_model(conn, path, table, user=user)
    clean, notes = ees_rows(conn, path, table, catalogue, batch)
    return write_rows(
        conn,
        "benchmarks",
        clean,
        replace(table, notes=[*table.notes, *notes]),
        path,
        user=user,
        progress=progress,
    )


def _fail(table: RawTable, message: str, row: int = 1, column: str = WHOLE_FILE) -> InvalidInput:
    return InvalidInput([Problem(table.source, row, column, message)])


def ees_rows(
    conn: sa.Connection, path: Path, table: RawTable, catalogue: Catalogue, batch: EesBatch
) -> tuple[pd.DataFrame, list[str]]:
    """The benchmark rows (kpi, period, comparator, org, value, symbol, note) and the load's notes:
    of every configured authority at once (England once, org ""; the others with org the
    authority, or "" in a database of one authority)."""
    if batch.neighbours is not None:
        model = authority.model_of(batch.neighbours, batch.neighbours_name)
    else:
        model = authority.neighbour_model(conn)
    try:
        configured = authority.configured_authorities(conn, model.frame)
    except authority.NotConfigured as exc:
        raise _fail(table, f"{exc}: EES files give benchmarks for the configured authority") from exc
    except ees.UnknownAuthority as exc:
        raise _fail(table, f"the configured authority: {exc}; {authority.CONFIGURE}") from exc
    frame = ees.ees_frame(table)
    parts: list[pd.DataFrame] = []
    for org, la in configured.items():
        try:
            found_rows, found = ees.ees_benchmarks(frame, path.name, la, model.frame, batch.population)
        except ees.MappingError as exc:
            raise InvalidInput([Problem(table.source, 1, WHOLE_FILE, str(p)) for p in exc.problems]) from exc
        except ees.UnknownAuthority as exc:
            raise _fail(table, f"{org}: {exc}" if org else str(exc)) from exc
        if found:
            where = f"{org}: " if org else ""
            raise InvalidInput([Problem(table.source, p.row, p.column, f"{where}{p.message}") for p in found])
        # England is every authority's (org ""); the region, neighbours and published figure are
        # the authority's own (in a database of one authority, org "" too)
        england = found_rows["comparator"] == ees.ENGLAND
        parts.append(
            found_rows.assign(org=pd.Series(org, index=found_rows.index, dtype=object).where(~england, ""))
        )
    result = pd.concat(parts, ignore_index=True).drop_duplicates(["kpi", "period", "comparator", "org"])
    unknown = sorted(set(result["kpi"]) - {k.code for k in catalogue})
    result = result[result["kpi"].isin([k.code for k in catalogue])]
    if model.loaded:
        result = result.assign(
            note=result["note"].str.replace(
                f"({ees.NEIGHBOUR_MODEL})", f"(model from {model.label})", regex=False
            )
        )
    clean = pd.DataFrame(
        {
            "kpi": result["kpi"].astype(str),
            "period": result["period"].astype(str),
            "comparator": result["comparator"].astype(str),
            "org": result["org"].astype(str),
            "value": result["value"].astype(float),
            "symbol": result["symbol"].where(result["symbol"] != "", None),
            "note": result["note"].where(result["note"] != "", None),
        }
    ).reset_index(drop=True)
    notes = [f"release: {path.name}, time_period {_time_periods(frame)}"]
    notes += [
        f"authority: {la.label}" if not org else f"authority {org}: {la.label}"
        for org, la in configured.items()
    ]
    left = [org for org in authority.authority_units(conn) if "" not in configured and org not in configured]
    if left:
        notes.append(
            f"not configured, England only: {', '.join(left)} (python -m data config --la CODE --org ...)"
        )
    notes.append(f"statistical neighbours: {model.label}")
    absent = int(clean["value"].isna().sum())
    if absent:
        notes.append(f"{absent} benchmark(s) absent: EES symbol or no figure, the reason kept in the note")
    if unknown:
        notes.append(f"not loaded, not in the KPI catalogue: {', '.join(unknown)}")
    return clean, notes


def _time_periods(frame: pd.DataFrame) -> str:
    names = ees.columns_by_name(frame)
    periods = sorted({str(p).strip() for p in frame[names["time_period"]]} - {""})
    if not periods:
        return "none"
    return periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]}"


# --------------------------------------------------------------------------------------------
# The statistical-neighbour model
# --------------------------------------------------------------------------------------------


def check_neighbour_model(table: RawTable, frame: pd.DataFrame) -> list[Problem]:
    """Codes that are not old 3-digit LA codes, and authorities listed twice (``frame``: the
    table as :func:`data.ees.ees_frame` gives it)."""
    names = ees.columns_by_name(frame)
    spelt = {name: column.replace("\ufeff", "").strip() for name, column in names.items()}
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    neighbour_columns = [f"sn_{n}" for n in range(1, ees.NEIGHBOUR_COUNT + 1)]
    cells = frame[[names["old_la_code"], *(names[c] for c in neighbour_columns)]].to_numpy()
    for line, values in zip(table.rows.tolist(), cells, strict=True):
        code, *others = (str(v).strip() for v in values)
        if not ees.OLD_CODE.match(code):
            problems.append(
                table.problem(
                    line, spelt["old_la_code"], f"{code!r} is not an old 3-digit LA code such as 884"
                )
            )
        elif code in seen:
            problems.append(
                table.problem(line, WHOLE_FILE, f"duplicate row: {code} is also on row {seen[code]}")
            )
        else:
            seen[code] = line
        for column, other in zip(neighbour_columns, others, strict=True):
            if other and not ees.OLD_CODE.match(other):
                problems.append(
                    table.problem(line, spelt[column], f"{other!r} is not an old 3-digit LA code such as 884")
                )
    return problems


def _load_neighbour_model(conn: sa.Connection, path: Path, table: RawTable, *, user: str) -> LoadSummary:
    frame = ees.ees_frame(table)
    problems = check_neighbour_model(table, frame)
    if problems:
        raise InvalidInput(problems)
    try:
        configured = authority.configured_authorities(conn, frame)
    except authority.NotConfigured:
        configured = {}
    except ees.UnknownAuthority as exc:
        raise _fail(table, f"the configured authority is not in this model: {exc}") from exc
    current = authority.neighbour_model(conn)
    before = authority.model_rows(current.frame)
    after = authority.model_rows(frame)
    added = sum(1 for code in after if code not in before)
    revised = sum(1 for code, row in after.items() if code in before and before[code] != row)
    unchanged = len(after) - added - revised
    if added == revised == 0:
        notes = [f"statistical-neighbour model for {len(after)} authorities: the same as {current.label}"]
        return LoadSummary(table.source, NEIGHBOURS_KIND, 0, 0, unchanged, None, tuple(notes))
    replacing = authority.model_of(frame, path.name)
    notes = [f"statistical-neighbour model for {len(after)} authorities: replaces {current.label}"]
    for la in configured.values():
        notes.append(f"neighbours of {la.label}: {', '.join(n.name for n in la.neighbours)}")
    counts = {"rows_added": added, "rows_revised": revised, "rows_unchanged": unchanged}
    load_id = start_load(conn, path, NEIGHBOURS_KIND, user, "; ".join(notes), **counts)
    # a file listing the same neighbours as the bundled model goes back to the bundled model
    set_setting(conn, authority.MODEL_KEY, authority.model_text(frame) if replacing.loaded else "")
    set_setting(conn, authority.MODEL_NAME_KEY, path.name if replacing.loaded else "")
    for org, la in configured.items():
        authority.store_display(conn, la, org)
    return LoadSummary(table.source, NEIGHBOURS_KIND, added, revised, unchanged, load_id, tuple(notes))
