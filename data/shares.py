"""What each authority shares with its group: its decision, nothing by default.

``python -m data share --org LA1 --kpi CODE ...`` (or ``--all``) publishes the authority's
monthly figures of those KPIs to the other authorities of its group; ``--stop`` withdraws them.
Every change is audited and rebuilds the regional view in its transaction, and gives the report
a new version, so every web host shows the change on its next request.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa

from data import audit, region_store, schema
from data.queries import read_orgs
from data.report_store import VERSION_KEY
from data.settings import set_setting
from metrics import orgtree
from metrics.catalogue import Catalogue
from metrics.errors import UserError


class ShareError(UserError):
    """A share that cannot be made as asked (the message says why)."""


def change_shares(
    conn: sa.Connection,
    org: str,
    kpis: Sequence[str] | None,
    catalogue: Catalogue,
    *,
    share: bool,
    who: str,
    address: str = audit.COMMAND_LINE,
) -> list[str]:
    """Share (or, ``share=False``, stop sharing) ``kpis`` of authority ``org`` (None: every KPI
    in the catalogue); the KPI codes whose state changed."""
    orgs = read_orgs(conn)
    if org not in set(orgs.loc[orgs["type"] == orgtree.AUTHORITY, "code"]):
        raise ShareError(f"{org!r} is not an authority in the org structure")
    group = orgtree.group_of(orgs, org)
    if not group:
        raise ShareError(f"{org} is not in a group: add a unit of type 'group' above it to share figures")
    codes = [k.code for k in catalogue] if kpis is None else list(dict.fromkeys(kpis))
    unknown = [c for c in codes if c not in catalogue]
    if unknown:
        raise ShareError(f"there is no indicator with the code {unknown[0]!r}")
    t = schema.shares
    now = set(conn.execute(sa.select(t.c.kpi).where(t.c.org == org)).scalars())
    changed = [c for c in codes if (c in now) != share]
    if not changed:
        return []
    if share:
        conn.execute(
            t.insert(), [{"org": org, "kpi": c, "shared_at": audit.now(), "shared_by": who} for c in changed]
        )
    else:
        conn.execute(t.delete().where(t.c.org == org, t.c.kpi.in_(changed)))
    action = "share" if share else "stop sharing"
    audit.record(conn, who, action, org, address, {"group": group, "kpis": changed})
    region_store.rebuild_region(conn, catalogue, changed, [org])
    set_setting(conn, VERSION_KEY, uuid.uuid4().hex)
    return changed
