"""Create the schema, or upgrade an older database to it without losing data.

The version lives in ``settings`` under ``schema_version``. Each step takes the database from
version N-1 to N inside the caller's transaction; a failed step changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from data import report_store, schema
from data.settings import set_setting
from metrics.catalogue import Catalogue, load_catalogue


class SchemaTooNew(RuntimeError):
    """The database was written by a newer version of this program."""


def _add_benchmark_symbols(conn: sa.Connection) -> None:
    """Version 2: benchmarks keep the EES symbol and a note (why a figure is absent)."""
    conn.execute(sa.text("ALTER TABLE benchmarks ADD COLUMN symbol VARCHAR(8)"))
    conn.execute(sa.text("ALTER TABLE benchmarks ADD COLUMN note TEXT"))


def _add_findings(conn: sa.Connection) -> None:
    """Version 3: the findings of the data-quality checks, recorded against each load."""
    schema.findings.create(conn, checkfirst=True)  # its index too


def _index_figures_by_key_and_load(conn: sa.Connection) -> None:
    """Version 5: revisions are read in linear time (an index on key and load of figures).
    Version 4 is the stored report table (a new table: no step here)."""
    schema.ix_figures_key_load.create(conn, checkfirst=True)


def _add_benchmark_org(conn: sa.Connection) -> None:
    """Version 8: a benchmark belongs to one authority (its region, neighbours and published
    figure) or to every one (""): ``org`` joins the key, so the unique index of current rows is
    built again over (kpi, period, comparator, org). Rows already there keep org "" (every
    authority), which is what they meant."""
    if "org" not in {c["name"] for c in sa.inspect(conn).get_columns("benchmarks")}:
        conn.execute(sa.text("ALTER TABLE benchmarks ADD COLUMN org VARCHAR(64) NOT NULL DEFAULT ''"))
    conn.execute(sa.text("DROP INDEX IF EXISTS uq_benchmarks_current"))
    index = next(ix for ix in schema.benchmarks.indexes if ix.name == "uq_benchmarks_current")
    index.create(conn)


STEPS: dict[int, Callable[[sa.Connection], None]] = {
    2: _add_benchmark_symbols,
    3: _add_findings,
    5: _index_figures_by_key_and_load,
    8: _add_benchmark_org,
}
"""Steps change existing tables (a column, an index); a new table needs no step, as
``create_all`` adds it. A version with nothing to change on an existing table has no step."""


def schema_version(conn: sa.Connection) -> int:
    """0 for an empty database."""
    if not sa.inspect(conn).has_table("settings"):
        return 0
    found = conn.execute(
        sa.select(schema.settings.c.value).where(schema.settings.c.key == "schema_version")
    ).scalar()
    return int(found) if found else 0


def ensure_schema(conn: sa.Connection, catalogue: Catalogue | None = None) -> int:
    """Create or upgrade the schema and sync the KPI table from the catalogue; the version."""
    version = schema_version(conn)
    if version > schema.SCHEMA_VERSION:
        raise SchemaTooNew(
            f"the database is at schema version {version}, newer than this program's "
            f"{schema.SCHEMA_VERSION}: upgrade the program"
        )
    if version == 0:
        schema.metadata.create_all(conn)
    else:
        for step in range(version + 1, schema.SCHEMA_VERSION + 1):
            if step in STEPS:
                STEPS[step](conn)
        schema.metadata.create_all(conn)  # tables added since, if any
    set_setting(conn, "schema_version", str(schema.SCHEMA_VERSION))
    catalogue = catalogue or load_catalogue()
    _sync_kpis(conn, catalogue)
    if 0 < version < 4:  # version 4 stores the report: build it for the data already there
        report_store.rebuild(conn, catalogue)
    return schema.SCHEMA_VERSION


def _sync_kpis(conn: sa.Connection, catalogue: Catalogue) -> None:
    table = schema.kpis
    stored = {row.code: row for row in conn.execute(sa.select(table))}
    for kpi in catalogue:
        values = {
            "name": kpi.name,
            "unit": kpi.unit,
            "polarity": kpi.polarity,
            "over_time": kpi.over_time,
        }
        if kpi.code not in stored:
            conn.execute(table.insert().values(code=kpi.code, **values))
        elif any(getattr(stored[kpi.code], k) != v for k, v in values.items()):
            conn.execute(table.update().where(table.c.code == kpi.code).values(**values))
