"""Benchmark rows for one authority from one EES file: England, its region, the average of its
statistical neighbours and its own published figure ("Published (DfE)").
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from data.ees.authorities import (
    NEIGHBOUR_MODEL,
    LocalAuthority,
    Neighbour,
    UnknownAuthority,
    load_neighbours,
    resolve_la,
)
from data.ees.mapping import EesEntry, EesMapping, _norm, load_mapping
from data.ees.parsing import (
    _NEW_CODE,
    LOCAL_AUTHORITY,
    NATIONAL,
    POPULATION_COLUMNS,
    REGIONAL,
    SYMBOLS,
    WHOLE,
    EesProblem,
    _classify,
    _geo_key,
    _Parsed,
    _passes,
    _read,
    _Row,
    _text,
)

ENGLAND = "England"
REGION = "Region"
NEIGHBOURS = "Statistical neighbours"
PUBLISHED = "Published (DfE)"
COMPARATORS = (ENGLAND, REGION, NEIGHBOURS, PUBLISHED)
BENCHMARK_COLUMNS = ("kpi", "period", "comparator", "value", "symbol", "note", "source")


@dataclass(frozen=True)
class _Figure:
    """One row's figure for one entry: the value, its counts, or why there is none."""

    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    symbol: str = ""
    reason: str = ""  # why value is None
    count_reason: str = ""  # why numerator/denominator are None, naming the column


_Population = dict[tuple[str, int, str, str], tuple[float | None, str]]


def _symbol_reason(symbol: str, where: str = "") -> str:
    """Why a cell gives no number: "c: suppressed ...", "x in cases: not available", ..."""
    if not symbol:
        return f"no figure in {where}" if where else "no figure in the file"
    return f"{symbol} in {where}: {SYMBOLS[symbol]}" if where else f"{symbol}: {SYMBOLS[symbol]}"


def _figure(entry: EesEntry, row: _Row, population: _Population) -> _Figure:
    """The published figure of one row (value column, else numerator / denominator x factor)."""
    numerator = denominator = None
    symbol = reason = count_reason = ""
    if entry.numerator:
        # (number, symbol, reason as a note gives it, reason naming the column)
        parts: list[tuple[float | None, str, str, str]] = []
        for column in (entry.numerator, *entry.denominator):
            number, sym, _ = _classify(row.cells[_norm(column)])
            parts.append((number, sym, _symbol_reason(sym), _symbol_reason(sym, column)))
        if entry.population:
            key = (entry.population, row.year, row.level, _geo_key(row))
            number, sym = population.get(key, (None, ""))
            why = (
                _symbol_reason(sym, "the population estimate")
                if key in population
                else f"no 0–17 population estimate for {row.year}"
            )
            parts.append((number, sym, why, why))
        missing = [p for p in parts if p[0] is None]
        if missing:
            _, symbol, reason, count_reason = missing[0]
        else:
            numerator = parts[0][0]
            denominator = sum(p[0] or 0.0 for p in parts[1:])
            if denominator == 0:
                numerator = denominator = None
                reason = count_reason = "cannot be computed: the denominator is zero"
    if entry.value:
        value, value_symbol, _ = _classify(row.cells[_norm(entry.value)])
        if value is None:
            return _Figure(
                None, numerator, denominator, value_symbol, _symbol_reason(value_symbol), count_reason
            )
        return _Figure(value, numerator, denominator, count_reason=count_reason)
    if numerator is None or denominator is None:
        return _Figure(None, None, None, symbol, reason, count_reason)
    return _Figure(numerator / denominator * entry.factor, numerator, denominator)


def _population_lookup(population: pd.DataFrame | None) -> _Population:
    lookup: _Population = {}
    if population is None or population.empty:
        return lookup
    for source, year, level, code, value, symbol in population[list(POPULATION_COLUMNS)].itertuples(
        index=False, name=None
    ):
        number = None if pd.isna(value) else float(value)
        lookup[(str(source), int(year), str(level), _text(code))] = (number, _text(symbol))
    return lookup


def _span(years: Iterable[int]) -> str:
    ordered = sorted(set(years))
    if not ordered:
        return "no year"
    return str(ordered[0]) if len(ordered) == 1 else f"{ordered[0]}–{ordered[-1]}"


def ees_benchmarks(
    frame: pd.DataFrame,
    source_name: str,
    la_code: str | LocalAuthority,
    neighbours_frame: pd.DataFrame | None = None,
    population: pd.DataFrame | None = None,
    *,
    mapping: EesMapping | None = None,
) -> tuple[pd.DataFrame, list[EesProblem]]:
    """Benchmark rows for one authority from one EES file, and the file's problems.

    ``frame`` is the file as read (text cells best: :func:`read_ees_csv`); ``source_name`` is the
    file's name, kept in the ``source`` column; ``la_code`` a new or old LA code or a resolved
    :class:`LocalAuthority`; ``neighbours_frame`` the statistical-neighbour file (default: the
    bundled copy); ``population`` the concatenated :func:`ees_population` of the files loaded
    together, needed by entries that compute a rate per 10,000 children.

    Rows: kpi, period (YYYY-MM), comparator (England, Region, Statistical neighbours,
    Published (DfE)), value (NaN when there is no figure), symbol (the EES symbol that stood
    instead of a number, else ""), note (plain English: the region's name, how the neighbours
    were averaged, why a figure is absent) and source. With any problem the frame is empty.
    """
    the_mapping = mapping or load_mapping()
    parsed = _read(frame, the_mapping)
    empty = pd.DataFrame({c: pd.Series(dtype=float if c == "value" else object) for c in BENCHMARK_COLUMNS})
    if parsed.problems:
        return empty, parsed.problems

    neighbours = neighbours_frame if neighbours_frame is not None else load_neighbours()
    if isinstance(la_code, LocalAuthority):
        la = la_code
    else:
        wanted = _text(la_code).upper()
        try:
            la = resolve_la(wanted, neighbours, [frame])
        except UnknownAuthority:
            if _NEW_CODE.match(wanted):  # a new code not in this file: the authority is missing
                message = (
                    f"authority {wanted} is not in this file: no Local authority row has new_la_code {wanted}"
                )
                return empty, [EesProblem(1, WHOLE, message)]
            raise
    la_rows = [r for r in parsed.rows if r.level == LOCAL_AUTHORITY and _is_la(r, la)]
    if not la_rows:
        message = f"{la.label} is not in this file: no Local authority row has old_la_code {la.old_code}"
        return empty, [EesProblem(1, WHOLE, message)]

    lookup = _population_lookup(population)
    problems: list[EesProblem] = []
    file_years = {r.year for r in parsed.rows}
    for entry in parsed.entries:
        if entry.population:
            covered = {k[1] for k in lookup if k[0] == entry.population} & file_years
            if not covered:
                source = the_mapping.population(entry.population)
                given = _span(k[1] for k in lookup if k[0] == entry.population)
                problems.append(
                    EesProblem(
                        1,
                        WHOLE,
                        f"{entry.kpi} needs the {source.name} for {_span(file_years)} "
                        f"(given: {given}): load that file in the same command",
                    )
                )
    if problems:
        return empty, problems

    records: list[dict[str, object]] = []
    for entry in parsed.entries:
        records.extend(_entry_benchmarks(entry, parsed, la, lookup, source_name))
    if not records:
        return empty, []
    result = pd.DataFrame.from_records(records, columns=list(BENCHMARK_COLUMNS))
    result["value"] = result["value"].astype(float)
    return result, []


def _is_la(row: _Row, la: LocalAuthority) -> bool:
    return la.old_code in row.old_codes or any(c in row.new_codes for c in la.new_codes)


def _entry_benchmarks(
    entry: EesEntry, parsed: _Parsed, la: LocalAuthority, population: _Population, source: str
) -> list[dict[str, object]]:
    rows = [r for r in parsed.rows if _passes(r.cells, entry.filter)]
    covered = {k[1] for k in population if k[0] == entry.population} if entry.population else None
    out: list[dict[str, object]] = []
    by_year: dict[int, list[_Row]] = {}
    for row in rows:
        by_year.setdefault(row.year, []).append(row)
    la_all = sorted((r for r in rows if r.level == LOCAL_AUTHORITY and _is_la(r, la)), key=lambda r: r.year)
    for year in sorted(by_year):
        if covered is not None and year not in covered:
            continue  # no population estimate for this year: no rate can be computed
        year_rows = by_year[year]
        period = f"{year:04d}-{entry.month:02d}"

        def add(comparator: str, figure: _Figure, note: str, period: str = period) -> None:
            text = "; ".join(t for t in (note, figure.reason if figure.value is None else "") if t)
            out.append(
                {
                    "kpi": entry.kpi,
                    "period": period,
                    "comparator": comparator,
                    "value": math.nan if figure.value is None else figure.value,
                    "symbol": figure.symbol if figure.value is None else "",
                    "note": text,
                    "source": source,
                }
            )

        national = [r for r in year_rows if r.level == NATIONAL]
        if national:
            add(ENGLAND, _figure(entry, national[0], population), "")

        own = _own_row(year_rows, la)
        region_code = own.region_code if own else (la_all[-1].region_code if la_all else "")
        regional = [r for r in year_rows if r.level == REGIONAL and r.region_code == region_code]
        if region_code and regional:
            add(REGION, _figure(entry, regional[0], population), regional[0].region_name)

        neighbour = _neighbour_figure(entry, year_rows, la, population)
        if neighbour is not None:
            add(NEIGHBOURS, neighbour[0], neighbour[1])

        if own is not None:
            joint = (
                f"published jointly for {own.la_name}"
                if len(own.old_codes) > 1 or len(own.new_codes) > 1
                else ""
            )
            add(PUBLISHED, _figure(entry, own, population), joint)
    return out


def _own_row(rows: list[_Row], la: LocalAuthority) -> _Row | None:
    """The authority's row in one year: its own row before a row it shares with another."""
    mine = [r for r in rows if r.level == LOCAL_AUTHORITY and _is_la(r, la)]
    mine.sort(key=lambda r: len(r.old_codes))
    return mine[0] if mine else None


def _neighbour_figure(
    entry: EesEntry, rows: list[_Row], la: LocalAuthority, population: _Population
) -> tuple[_Figure, str] | None:
    """The neighbours' average for one year, and a note saying how it was made."""
    total = len(la.neighbours)
    if not total:
        return None
    used: dict[int, _Figure] = {}
    with_figures: list[Neighbour] = []
    missing: dict[str, list[str]] = {}  # reason -> names, in the model's order
    for neighbour in la.neighbours:
        candidates = [r for r in rows if r.level == LOCAL_AUTHORITY and neighbour.old_code in r.old_codes]
        candidates.sort(key=lambda r: len(r.old_codes))
        if not candidates:
            missing.setdefault("not in the file for this year", []).append(neighbour.name)
            continue
        row = candidates[0]
        figure = _figure(entry, row, population)
        usable = figure.numerator is not None if entry.from_counts else figure.value is not None
        if not usable:
            # the published figure's reason ("c: suppressed ..."), or, where only the counts are
            # missing behind a published figure, which count is missing
            why = figure.reason if figure.value is None else figure.count_reason
            missing.setdefault(why, []).append(neighbour.name)
            continue
        used[row.line] = figure  # an authority reported jointly with another counts once
        with_figures.append(neighbour)
    how = (
        "sum of numerators over sum of denominators" if entry.from_counts else "mean of the published figures"
    )
    absent = "; ".join(f"{', '.join(names)} ({why})" for why, names in missing.items())
    if not used:
        note = f"none of the {total} statistical neighbours had a figure"
        if absent:
            note += f": {absent}"
        return _Figure(None, reason=""), note
    figures = list(used.values())
    if entry.from_counts:
        numerator = sum(f.numerator or 0.0 for f in figures)
        denominator = sum(f.denominator or 0.0 for f in figures)
        value = numerator / denominator * entry.factor if denominator else None
    else:
        value = sum(f.value or 0.0 for f in figures) / len(figures)
    note = f"{how} of {len(with_figures)} of {total} statistical neighbours ({NEIGHBOUR_MODEL})"
    if absent:
        note += f"; no figure for {absent}"
    if value is None:
        return _Figure(None, reason="cannot be computed: the denominators add up to zero"), note
    return _Figure(value), note
