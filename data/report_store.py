"""The stored report: built once per load, in the load's transaction; read by every reader.

``rebuild`` recomputes the report rows (``metrics.report.build_report``) of the KPIs a write
touched and replaces them, so a reader sees the old report or the new one, never a mix.
``read_report`` and ``read_rows`` are the only way pages, downloads, ``/api/figures.csv``,
``python -m data export``, the data-quality checks and the committee pack get a number.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from data import region_store, schema
from data.queries import Source, _frame, read_benchmarks, read_dataset, read_figures, read_orgs
from data.revisions import bulk_insert
from data.settings import get_setting, set_setting
from metrics import catalogue as catalogue_module
from metrics import orgtree
from metrics.catalogue import Catalogue, load_catalogue
from metrics.orgtree import UnknownOrg, root
from metrics.periods import period_start
from metrics.report import (
    RULES_VERSION,
    SERIES_COLUMNS,
    STORED_COLUMNS,
    ReportError,
    ReportQuery,
    benchmarks_for,
    build_report,
    for_authority,
    org_names,
    select_report,
    series_summary,
)

VERSION_KEY = "report_version"
RULES_KEY = "report_rules"
BATCH_FIGURES = 15_000
"""KPIs are rebuilt in batches of about this many current figures (one KPI at least), so memory
stays bounded: well under 100 MB a batch."""


def rules_stamp(catalogue: Catalogue) -> str:
    """What the stored report was computed with: the rules' version and the catalogue file."""
    text = Path(catalogue_module.__file__).with_name("kpis.toml").read_bytes()
    codes = ",".join(k.code for k in catalogue).encode()
    return f"{RULES_VERSION}:{hashlib.sha256(text + codes).hexdigest()[:16]}"


def is_current(conn: sa.Connection, catalogue: Catalogue) -> bool:
    """True when the stored report was built with this program's rules and catalogue."""
    return get_setting(conn, RULES_KEY) == rules_stamp(catalogue)


def rebuild(
    conn: sa.Connection,
    catalogue: Catalogue,
    kpis: Iterable[str] | None = None,
    authorities: Iterable[str] | None = None,
) -> int:
    """Recompute the stored report for ``kpis`` of ``authorities`` (None: every one) in this
    transaction; rows written. Each authority's report is built from its own tree, so a load of
    one authority's files costs the same however many other authorities the database holds.

    On SQLite, when most of the report is rewritten (a full rebuild, or a month's file touching
    every KPI), the report's indexes are dropped first and created again at the end, in the same
    transaction: building an index once is cheaper than keeping it up to date row by row, and
    readers (WAL) see the old report, indexes included, until the transaction commits. Not on
    PostgreSQL, where dropping an index would lock readers out until the commit."""
    wanted = None if kpis is None else set(kpis)
    codes = [k.code for k in catalogue if wanted is None or k.code in wanted]
    orgs = read_orgs(conn)
    heads = orgtree.authorities(orgs)
    scope = heads if authorities is None else [a for a in heads if a in set(authorities)]
    if wanted is None and authorities is None:  # KPIs and units dropped leave nothing behind
        for table in (schema.report, schema.report_series, schema.region_report):
            conn.execute(table.delete())
    every_authority = authorities is None or set(scope) >= set(heads)
    reindex = every_authority and _rewrites_most(conn, _current_counts(conn), codes)
    if reindex:
        for index in schema.report.indexes:
            index.drop(conn, checkfirst=True)
    split = len(heads) > 1 or bool(orgtree.groups(orgs))  # else the whole tree is the authority's
    context = read_dataset(conn, [], revisions=False)
    written = 0
    for authority in scope:
        units = sorted(orgtree.descendants(orgs, authority))
        for batch in _batches(conn, codes, units):
            dataset = replace(
                context,
                figures=read_figures(conn, batch, units if split else None),
                benchmarks=benchmarks_for(read_benchmarks(conn, batch, authority), authority),
            )
            dataset = for_authority(dataset, authority) if split else dataset
            rows = build_report(dataset, catalogue)
            series = series_summary(rows, dataset.figures)
            if wanted is not None or authorities is not None:
                for table in (schema.report, schema.report_series):
                    kept = table.c.kpi.in_(batch) & (table.c.org.in_(units) if split else sa.true())
                    conn.execute(table.delete().where(kept))
            bulk_insert(conn, schema.report, rows[STORED_COLUMNS], None)
            bulk_insert(conn, schema.report_series, series[SERIES_COLUMNS], None)
            written += len(rows)
    if reindex:
        for index in schema.report.indexes:
            index.create(conn, checkfirst=True)
    region_store.rebuild_region(conn, catalogue, codes, None if authorities is None else scope)
    set_setting(conn, VERSION_KEY, uuid.uuid4().hex)
    set_setting(conn, RULES_KEY, rules_stamp(catalogue))
    return written


def _current_counts(conn: sa.Connection, units: Sequence[str] | None = None) -> dict[str, int]:
    """Current figures by KPI (of ``units``: None, every unit)."""
    f = schema.figures
    query = sa.select(f.c.kpi, sa.func.count()).where(f.c.is_current == sa.true())
    if units is not None:
        query = query.where(f.c.org.in_(list(units)))
    return {str(kpi): int(count) for kpi, count in conn.execute(query.group_by(f.c.kpi)).all()}


def _rewrites_most(conn: sa.Connection, counts: dict[str, int], codes: Sequence[str]) -> bool:
    """True on SQLite when the KPIs rebuilt hold most of the current figures (and so of the report)."""
    if conn.dialect.name != "sqlite":
        return False
    total = sum(counts.values())
    return total > 0 and 2 * sum(counts.get(code, 0) for code in codes) >= total


def _batches(conn: sa.Connection, codes: Sequence[str], units: Sequence[str]) -> list[list[str]]:
    """KPI codes in groups of about ``BATCH_FIGURES`` current figures of ``units``."""
    counts = _current_counts(conn, units)
    batches: list[list[str]] = [[]]
    size = 0
    for code in codes:
        count = int(counts.get(code, 0))
        if batches[-1] and size + count > BATCH_FIGURES:
            batches.append([])
            size = 0
        batches[-1].append(code)
        size += count
    return [b for b in batches if b]


@dataclass(frozen=True)
class Touched:
    """What some loads may have changed in the report: KPIs, and authorities (None: all)."""

    kpis: set[str]
    authorities: set[str] | None


def touched(conn: sa.Connection, load_ids: Sequence[int], catalogue: Catalogue) -> Touched:
    """The KPIs and authorities whose report rows the loads ``load_ids`` may have changed: those
    of every row they added or superseded; every KPI and authority when they changed the org
    tree, every KPI for a ``*`` process change, every authority for a target of every unit or a
    benchmark of every authority (org ""); a benchmark with an org, that authority only."""
    everything = {k.code for k in catalogue}
    if not load_ids:
        return Touched(set(), set())
    orgs = schema.org_units
    changed_tree = conn.execute(
        sa.select(orgs.c.id).where(orgs.c.load_id.in_(load_ids) | orgs.c.superseded_by.in_(load_ids)).limit(1)
    ).first()
    if changed_tree:
        return Touched(everything, None)
    found: set[str] = set()
    units: set[str] = set()
    every_authority = False
    facts = (schema.figures, schema.targets, schema.benchmarks, schema.process_changes, schema.commentary)
    for table in facts:
        hit = table.c.load_id.in_(load_ids) | table.c.superseded_by.in_(load_ids)
        # org "": a target of every unit, a benchmark of every authority (England, or a file
        # without an org column); a benchmark with an org is that authority's only
        pairs = [
            (str(k), str(o))
            for k, o in conn.execute(sa.select(table.c.kpi, table.c.org).where(hit).distinct())
        ]
        found |= {k for k, _ in pairs}
        units |= {o for _, o in pairs if o}
        every_authority |= any(not o for _, o in pairs)
    kpis = everything if "*" in found else found & everything
    if every_authority:
        return Touched(kpis, None)
    head_of = orgtree.authority_map(read_orgs(conn))
    return Touched(kpis, {head_of[u] for u in units if head_of.get(u)})


def report_version(source: Source) -> str:
    """Changes whenever the stored report does: a cache key for everything read from it."""
    if isinstance(source, sa.Engine):
        with source.connect() as conn:
            return report_version(conn)
    if not sa.inspect(source).has_table("settings"):
        return "empty"
    return get_setting(source, VERSION_KEY, "empty")


def read_rows(
    source: Source,
    kind: str,
    *,
    orgs: Sequence[str] | None = None,
    kpis: Sequence[str] | None = None,
    start: str | None = None,
    end: str | None = None,
) -> pd.DataFrame:
    """Stored report rows (:data:`STORED_COLUMNS`) of one period kind, by indexed query: rows as
    at ``end`` or before, from the first month of the period containing ``start``."""
    t = schema.report
    stored_kind = "year" if kind == "ytd" else kind  # year to date: the year as at each month
    query = sa.select(*(t.c[c] for c in STORED_COLUMNS)).where(t.c.kind == stored_kind)
    if orgs is not None:
        query = query.where(t.c.org.in_(list(orgs)))
    if kpis is not None:
        query = query.where(t.c.kpi.in_(list(kpis)))
    if start:
        query = query.where(t.c.as_at >= period_start(start, kind))
    if end:
        query = query.where(t.c.as_at <= end)
    frame = _frame(source, query)
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in STORED_COLUMNS})
    numbers = ["numerator", "denominator", "value", "target", "tolerance", "months", "spc_mean"]
    numbers += ["spc_lower", "spc_upper", "spc_segment", "england", "region", "neighbours", "published"]
    return frame.astype(dict.fromkeys(numbers, float) | {"closing": bool})


def read_series(source: Source) -> pd.DataFrame:
    """Every KPI x unit series in the report: first and latest month, own figures or rolled up."""
    if isinstance(source, sa.Engine):
        with source.connect() as conn:
            return read_series(conn)
    t = schema.report_series
    if not sa.inspect(source).has_table("report_series"):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SERIES_COLUMNS})
    frame = _frame(source, sa.select(*(t.c[c] for c in SERIES_COLUMNS)).order_by(t.c.kpi, t.c.org))
    return frame.astype({"own": bool}) if not frame.empty else frame


def read_report(source: Source, query: ReportQuery, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """The export rows for ``query`` (one unit; the authority when ``query.org`` is None)."""
    if isinstance(source, sa.Engine):
        with source.connect() as conn:
            return read_report(conn, query, catalogue)
    catalogue = catalogue or load_catalogue()
    query.check(catalogue)
    inspector = sa.inspect(source)
    orgs = read_orgs(source) if inspector.has_table("org_units") else pd.DataFrame()
    if orgs.empty:
        return select_report(pd.DataFrame(columns=STORED_COLUMNS), catalogue, query)
    if not inspector.has_table("report"):
        raise ReportError("this database has no stored report yet: run 'python -m data rebuild'")
    org = query.org or root(orgs)
    if org not in set(orgs["code"]):
        raise UnknownOrg(org)
    rows = read_rows(source, query.period, orgs=[org], kpis=query.kpis, start=query.start, end=query.end)
    return select_report(rows, catalogue, query.with_org(org), org_names(orgs))
