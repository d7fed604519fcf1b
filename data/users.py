"""Users and their roles, kept in the database (``python -m data users``)."""

from __future__ import annotations

import re

import pandas as pd
import sqlalchemy as sa

from data import audit, schema
from data.queries import Source, _frame, read_orgs
from metrics.access import ROLES, User
from metrics.errors import UserError

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}$")


def normalise_email(email: str) -> str:
    text = email.strip().lower()
    if not EMAIL.match(text):
        raise UserError(f"{email[:80]!r} is not an e-mail address")
    return text


def add_user(conn: sa.Connection, email: str, role: str, org: str = "", *, by: str, address: str) -> User:
    """Add a user or change their role and unit; audited."""
    email = normalise_email(email)
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    org = org.strip()
    if org:
        known = set(read_orgs(conn).get("code", pd.Series(dtype=str)))
        if org not in known:
            raise UserError(f"unknown org unit {org!r}: load the org units first")
    t = schema.users
    values = {"role": role, "org": org, "added_at": audit.now(), "added_by": by}
    if get_user(conn, email) is None:
        conn.execute(t.insert().values(email=email, **values))
    else:
        conn.execute(t.update().where(t.c.email == email).values(**values))
    audit.record(conn, by, "users.add", email, address, {"role": role, "org": org})
    return User(email, role, org)


def remove_user(conn: sa.Connection, email: str, *, by: str, address: str) -> None:
    email = normalise_email(email)
    t = schema.users
    if conn.execute(t.delete().where(t.c.email == email)).rowcount == 0:
        raise UserError(f"no user {email!r}")
    audit.record(conn, by, "users.remove", email, address)


def get_user(source: Source, email: str) -> User | None:
    """The user with this e-mail (any case), or None; None too on a database without the table."""
    if isinstance(source, sa.Engine):
        with source.connect() as conn:
            return get_user(conn, email)
    if not sa.inspect(source).has_table("users"):
        return None
    t = schema.users
    row = source.execute(
        sa.select(t.c.email, t.c.role, t.c.org).where(t.c.email == email.strip().lower())
    ).first()
    return None if row is None else User(row.email, row.role, row.org)


def list_users(source: Source) -> pd.DataFrame:
    t = schema.users
    return _frame(source, sa.select(t).order_by(t.c.email))
