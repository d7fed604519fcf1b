"""Who may do what: roles, and the units an editor's writes are limited to (pure, no I/O).

A viewer reads; an editor writes commentary and actions for the units under their ``org`` (every
unit when it is empty); an officer may also upload files; an admin may do everything, including
managing users. The check runs on the server for every write, inside the write's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from metrics.orgtree import UnknownOrg, descendants

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
