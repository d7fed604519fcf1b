"""Key-value settings stored in the database (schema version, demo label, configured LA)."""

from __future__ import annotations

import sqlalchemy as sa

from data.schema import settings

DEMO_LABEL_KEY = "demo_label"


def get_setting(conn: sa.Connection, key: str, default: str = "") -> str:
    found = conn.execute(sa.select(settings.c.value).where(settings.c.key == key)).scalar()
    return default if found is None else str(found)


def set_setting(conn: sa.Connection, key: str, value: str) -> None:
    if conn.execute(sa.select(settings.c.key).where(settings.c.key == key)).first():
        conn.execute(settings.update().where(settings.c.key == key).values(value=value))
    else:
        conn.execute(settings.insert().values(key=key, value=value))
