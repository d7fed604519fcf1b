"""Who may do what: roles, and the units an editor's writes are limited to (pure, no I/O).

A viewer reads; an editor writes commentary and actions for the units under their ``org`` (every
unit when it is empty); an officer may also upload files; an admin may do everything, including
managing users. The check runs on the server for every write, inside the write's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from metrics.orgtree import UnknownOrg, authorities, authority_map, descendants, group_of, groups

ROLES = ("viewer", "editor", "officer", "admin")
WRITE, UPLOAD, ADMIN = "write", "upload", "admin"
NEEDS = {WRITE: "editor", UPLOAD: "officer", ADMIN: "admin"}


class Forbidden(PermissionError):
    """The user may not do this (the message says why, in plain words)."""


@dataclass(frozen=True)
class User:
    email: str
    role: str
    org: str = ""

    def at_least(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


def require(
    user: User | None, capability: str, unit: str | None = None, orgs: pd.DataFrame | None = None
) -> None:
    """Raise Forbidden unless ``user`` has ``capability`` (for ``unit``, when one is named)."""
    if user is None:
        raise Forbidden("you are not signed in, or have no access to this dashboard")
    needed = NEEDS[capability]
    if not user.at_least(needed):
        raise Forbidden(f"a {user.role} may not do this: it needs the {needed} role")
    if unit is None or not user.org or user.at_least("admin"):
        return
    try:
        allowed = descendants(orgs if orgs is not None else pd.DataFrame(), user.org)
    except (UnknownOrg, KeyError) as exc:
        raise Forbidden(f"your unit {user.org!r} is not in the org structure") from exc
    if unit not in allowed:
        raise Forbidden(f"you may write only for {user.org} and the units below it, not {unit}")


@dataclass(frozen=True)
class Scope:
    """What one reader may see: some units in full (None: every unit), and the monthly figures
    other authorities of the reader's group share, as (authority, KPI) pairs. ``home`` is the
    authority a page opens on. Enforced on the server for every read (``callbacks.source``)."""

    full: frozenset[str] | None = None
    shared: frozenset[tuple[str, str]] = frozenset()
    home: str = ""
    group: str = ""  # the reader's group: the regional view they see ("" for every reader: any)

    @property
    def everything(self) -> bool:
        return self.full is None

    def sees_unit(self, code: str) -> bool:
        return self.full is None or code in self.full or any(o == code for o, _ in self.shared)

    def may_read(self, code: str, period: str = "month", kpis: tuple[str, ...] | None = None) -> bool:
        """May the reader ask for ``code``'s report by ``period`` for ``kpis`` (None: those it
        may see)? Another authority's unit: only months, only of KPIs it shares."""
        if self.full is None or code in self.full:
            return True
        shared = {k for o, k in self.shared if o == code}
        return bool(shared) and period == "month" and set(kpis or ()) <= shared

    def shared_kpis(self, code: str) -> tuple[str, ...]:
        return tuple(sorted(k for o, k in self.shared if o == code))


EVERYTHING = Scope()


def scope_for(viewer: str, orgs: pd.DataFrame, shares: pd.DataFrame) -> Scope:
    """The scope of a reader whose unit is ``viewer`` ("" or "*": every unit).

    A user of an authority (or of a unit in one) sees that authority's units in full and what
    the other authorities of its group share; a user of a group sees only what is shared; a
    unit that is not in the tree sees nothing. In a database of one authority this is
    everything, as before."""
    if viewer in ("", "*") or len(authorities(orgs)) < 2:
        return EVERYTHING
    heads = authority_map(orgs)
    home = heads.get(viewer, "")
    if home:
        full = frozenset(descendants(orgs, home))
        group = group_of(orgs, home)
    elif viewer in set(groups(orgs)):
        full, group = frozenset({viewer}), viewer
    else:
        return Scope(full=frozenset())
    if not group:
        return Scope(full=full, home=home)
    shared = frozenset(
        (str(o), str(k))
        for o, k in zip(shares["org"], shares["kpi"], strict=True)
        if o != home and group_of(orgs, str(o)) == group
    )
    return Scope(full=full, shared=shared, home=home, group=group)


def visible_rows(rows: pd.DataFrame, scope: Scope, kind: str = "month") -> pd.DataFrame:
    """The rows (with ``org`` and ``kpi``) of period ``kind`` the reader may see."""
    if scope.full is None or rows.empty:
        return rows
    keep = rows["org"].isin(scope.full)
    if kind == "month" and scope.shared:
        pairs = pd.MultiIndex.from_tuples(sorted(scope.shared), names=["org", "kpi"])
        keep |= pd.MultiIndex.from_frame(rows[["org", "kpi"]]).isin(pairs)
    return rows[keep]


def visible_units(
    frame: pd.DataFrame, scope: Scope, column: str = "org", generic: bool = False
) -> pd.DataFrame:
    """Rows about units the reader sees in full (``generic``: also rows for every unit, org "")."""
    if scope.full is None or frame.empty:
        return frame
    keep = frame[column].isin(scope.full) | ((frame[column] == "") if generic else False)
    return frame[keep]


def visible_orgs(orgs: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """The org unit versions the reader may know of: their own authority's, and the authorities
    that share something with them (no unit of theirs); no other unit, not even its name."""
    if scope.full is None or orgs.empty:
        return orgs
    sharing = {o for o, _ in scope.shared}
    seen = orgs[orgs["code"].isin(scope.full | sharing)].copy()
    seen.loc[~seen["parent"].isin(scope.full), "parent"] = ""  # the group above is not shown
    return seen
