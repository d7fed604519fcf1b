"""The regional view, stored: computed from the shared authority rows of the stored report.

``rebuild_region`` runs at the end of every report rebuild (``data.report_store.rebuild``) and
after every change of what is shared (``data.shares``), in the same transaction, so the view,
its CSV and everything else read the same rows. The table holds only what was shared.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import sqlalchemy as sa

from data import schema
from data.queries import Source, _frame, read_orgs
from data.revisions import bulk_insert
from metrics import orgtree
from metrics.catalogue import Catalogue
from metrics.region import REGION_COLUMNS, region_rows


def members(orgs: pd.DataFrame) -> dict[str, list[str]]:
    """Each group's authorities (as the latest version of the tree places them)."""
    latest = orgs.sort_values("from").drop_duplicates("code", keep="last")
    found: dict[str, list[str]] = {g: [] for g in orgtree.groups(orgs)}
    for code, parent, kind in zip(latest["code"], latest["parent"], latest["type"], strict=True):
        if kind == orgtree.AUTHORITY and parent in found:
            found[parent].append(code)
    return {g: sorted(codes) for g, codes in found.items()}


def read_shares(source: Source) -> pd.DataFrame:
    """What each authority shares with its group: org, kpi, shared_at, shared_by."""
    t = schema.shares
    if isinstance(source, sa.Engine):
        with source.connect() as conn:
            return read_shares(conn)
    if not sa.inspect(source).has_table("shares"):
        return pd.DataFrame({c.name: pd.Series(dtype=str) for c in t.columns})
    return _frame(source, sa.select(t).order_by(t.c.org, t.c.kpi))


def rebuild_region(
    conn: sa.Connection,
    catalogue: Catalogue,
    kpis: Iterable[str] | None = None,
    authorities: Iterable[str] | None = None,
) -> int:
    """Recompute the regional rows of ``kpis`` (None: every KPI) for the groups of
    ``authorities`` (None: every group) from the stored report; rows written."""
    orgs = read_orgs(conn)
    if orgs.empty:
        return 0
    codes = [k.code for k in catalogue] if kpis is None else sorted(set(kpis))
    touched = None if authorities is None else set(authorities)
    shares = read_shares(conn)
    written = 0
    for group, authorities_in in members(orgs).items():
        if touched is not None and not touched & set(authorities_in):
            continue
        t, r = schema.region_report, schema.report
        conn.execute(t.delete().where(t.c.grp == group, t.c.kpi.in_(codes)))
        shared = shares[shares["org"].isin(authorities_in) & shares["kpi"].isin(codes)]
        if shared.empty:
            continue
        columns = ["kpi", "org", "period", "numerator", "denominator", "value", "target", "rag", "england"]
        query = sa.select(*(r.c[c] for c in columns)).where(
            r.c.kind == "month",
            r.c.org.in_(sorted(set(shared["org"]))),
            r.c.kpi.in_(sorted(set(shared["kpi"]))),
        )
        rows = _frame(conn, query)
        pairs = pd.MultiIndex.from_frame(shared[["kpi", "org"]])
        rows = rows[pd.MultiIndex.from_frame(rows[["kpi", "org"]]).isin(pairs)] if not rows.empty else rows
        numbers = ["numerator", "denominator", "value", "target", "england"]
        out = region_rows(rows.astype(dict.fromkeys(numbers, float)), group, catalogue)
        bulk_insert(conn, t, out[REGION_COLUMNS].astype({"rank": object}), None)
        written += len(out)
    return written


def read_region(
    source: Source, group: str, kpi: str, start: str | None = None, end: str | None = None
) -> pd.DataFrame:
    """The stored regional rows of one group and KPI, months ``start`` to ``end``."""
    t = schema.region_report
    query = sa.select(*(t.c[c] for c in REGION_COLUMNS)).where(t.c.grp == group, t.c.kpi == kpi)
    if start:
        query = query.where(t.c.period >= start)
    if end:
        query = query.where(t.c.period <= end)
    frame = _frame(source, query.order_by(t.c.period, t.c.id))
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in REGION_COLUMNS})
    numbers = ["numerator", "denominator", "value", "target", "england"]
    return frame.astype(dict.fromkeys(numbers, float) | {"rank": "Int64"})
