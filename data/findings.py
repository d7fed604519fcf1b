"""Findings of the data-quality checks, recorded against the load that caused them.

After each load (``data.load.load_files``) the checks of :mod:`metrics.quality` run over the
whole database as it stands in the load's transaction. The findings that were not stored before
are the ones this load caused: they are stored against it, so ``python -m data history`` can
show them under it. A finding counts as stored before when an earlier load recorded the same
finding (``metrics.quality.finding_keys``: same check, KPI, unit and month; for a revision, also
the same message), so a finding that stays true is recorded once, by the load that caused it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from data import schema
from data.queries import Source, read_dataset, read_orgs, read_revisions
from data.report_store import read_rows
from metrics import orgtree
from metrics.catalogue import Catalogue
from metrics.quality import QualityOptions, finding_keys, run_checks
from metrics.report import Dataset, for_authority

STORED_COLUMNS = ["load_id", "check", "severity", "kpi", "org", "period", "message"]
# After a load, every check runs when the database holds at most this many current figures
# (a large authority: 40 units x 45 KPIs x 10 years is about 216,000); above it, see check_and_record.
FULL_CHECK_LIMIT = 250_000


@dataclass(frozen=True)
class Recorded:
    """What recording the findings after a load did: how many were new, and a note if the checks
    were cut short."""

    count: int
    note: str = ""


def record_findings(conn: sa.Connection, load_id: int, findings: pd.DataFrame) -> int:
    """Store the findings not stored before, against ``load_id``; how many were stored."""
    if findings.empty:
        return 0
    stored = read_findings(conn)
    new = findings[~finding_keys(findings).isin(set(finding_keys(stored)))]
    if new.empty:
        return 0
    columns = STORED_COLUMNS[1:]
    rows = [
        {"load_id": load_id, **dict(zip(columns, values, strict=True))}
        for values in new[columns].fillna("").astype(str).itertuples(index=False, name=None)
    ]
    conn.execute(schema.findings.insert(), rows)
    return len(rows)


def check_and_record(
    conn: sa.Connection,
    load_id: int,
    catalogue: Catalogue,
    *,
    today_month: str | None = None,
    options: QualityOptions | None = None,
    full_limit: int | None = None,
    authorities: Iterable[str] | None = None,
) -> Recorded:
    """Run the checks over the database as this connection sees it; record the new findings.

    In a database of several authorities the checks run over each of ``authorities`` (None:
    every one) on its own tree, so a load of one authority's files costs the same however many
    others there are. Above ``full_limit`` current figures (default ``FULL_CHECK_LIMIT``; of the
    authority checked) only the revision check runs, which costs in proportion to the figures
    revised rather than to the whole database; the note says so. Reading and rolling up a million
    figures takes seconds, which would almost double the time of a big load.
    """
    orgs = read_orgs(conn)
    heads = orgtree.authorities(orgs)
    if len(heads) < 2 and not orgtree.groups(orgs):
        found, cut = _checked(conn, catalogue, None, today_month, options, full_limit)
        result = Recorded(record_findings(conn, load_id, found), _cut_note(cut, full_limit))
        _replace_current(conn, found, only_checks=("revised",) if cut else None)
        return result
    wanted = heads if authorities is None else [a for a in heads if a in set(authorities)]
    recorded, cut_any = 0, 0
    for head in wanted:
        found, cut = _checked(conn, catalogue, head, today_month, options, full_limit, orgs)
        recorded += record_findings(conn, load_id, found)
        units = orgtree.descendants(orgs, head)
        _replace_current(conn, found, only_checks=("revised",) if cut else None, units=units)
        cut_any = max(cut_any, cut)
    return Recorded(recorded, _cut_note(cut_any, full_limit))


def _cut_note(cut: int, full_limit: int | None) -> str:
    """``cut``: the current figures of the largest scope checked only for revisions (0: none)."""
    if not cut:
        return ""
    limit = FULL_CHECK_LIMIT if full_limit is None else full_limit
    return (
        f"data-quality checks: only revised figures were checked after this load, as the database "
        f"holds {cut:,} figures (more than {limit:,}); 'python -m data check' runs every check"
    )


def _checked(
    conn: sa.Connection,
    catalogue: Catalogue,
    head: str | None,
    today_month: str | None,
    options: QualityOptions | None,
    full_limit: int | None,
    orgs: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, int]:
    """The findings for one authority's tree (``head``; None: the whole database), and the
    number of its current figures when only the revision check ran (else 0)."""
    units = None if head is None or orgs is None else sorted(orgtree.descendants(orgs, head))
    f = schema.figures
    query = sa.select(sa.func.count()).select_from(f).where(f.c.is_current == sa.true())
    count = conn.execute(query if units is None else query.where(f.c.org.in_(units))).scalar_one()
    limit = FULL_CHECK_LIMIT if full_limit is None else full_limit
    if count > limit:
        dataset = Dataset(orgs=read_orgs(conn), revisions=read_revisions(conn))
        monthly = dataset.figures
    else:
        dataset = read_dataset(conn, units=units)
        monthly = read_rows(conn, "month", orgs=units)  # the report this load just stored: its limits
    if head is not None and units is not None:
        dataset = for_authority(dataset, head)
    findings = run_checks(
        dataset, catalogue, monthly, today_month=today_month, options=options or QualityOptions()
    )
    return findings, int(count) if count > limit else 0


def _replace_current(
    conn: sa.Connection,
    findings: pd.DataFrame,
    only_checks: tuple[str, ...] | None,
    units: Iterable[str] | None = None,
) -> None:
    """Make ``findings`` the current ones (of ``only_checks``, when the checks were cut short;
    of ``units``, when one authority was checked), each with the load that first recorded it."""
    t = schema.current_findings
    stale = t.delete()
    if only_checks is not None:
        stale = stale.where(t.c.check.in_(only_checks))
    if units is not None:
        stale = stale.where(t.c.org.in_(sorted(units)))
    conn.execute(stale)
    if findings.empty:
        return
    stored = read_findings(conn)
    first = dict(zip(finding_keys(stored), stored["load_id"], strict=True))
    columns = STORED_COLUMNS[1:]
    values = findings[columns].fillna("").astype(str)
    rows = [
        {"load_id": first.get(key), **dict(zip(columns, row, strict=True))}
        for key, row in zip(finding_keys(findings), values.itertuples(index=False, name=None), strict=True)
    ]
    conn.execute(t.insert(), rows)


def read_current_findings(source: Source) -> pd.DataFrame:
    """The findings that hold after the latest load, as that load's checks found them."""
    if isinstance(source, sa.Engine):
        with source.connect() as conn:
            return read_current_findings(conn)
    if not sa.inspect(source).has_table("current_findings"):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in STORED_COLUMNS})
    t = schema.current_findings
    result = source.execute(sa.select(*(t.c[c] for c in STORED_COLUMNS)).order_by(t.c.id))
    return pd.DataFrame(result.fetchall(), columns=STORED_COLUMNS)


def read_findings(source: Source, load_id: int | None = None) -> pd.DataFrame:
    """Stored findings (of one load, or all), in the order they were recorded."""
    if isinstance(source, sa.Engine):
        with source.connect() as conn:
            return read_findings(conn, load_id)
    if not sa.inspect(source).has_table("findings"):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in STORED_COLUMNS})
    t = schema.findings
    query = sa.select(*(t.c[c] for c in STORED_COLUMNS)).order_by(t.c.id)
    if load_id is not None:
        query = query.where(t.c.load_id == load_id)
    result = source.execute(query)
    return pd.DataFrame(result.fetchall(), columns=STORED_COLUMNS)
