"""An existing database upgrades to the current schema without losing data."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from data import schema
from data.load import load_files
from data.migrate import SchemaTooNew, ensure_schema, schema_version
from data.queries import read_benchmarks, read_figures
from data.settings import set_setting

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def make_version_1(engine: sa.Engine) -> None:
    """A database as version 1 wrote it: benchmarks without symbol and note."""
    load_files(engine, [FIXTURES / "orgs.csv", FIXTURES / "figures.csv"], month="2024-06")
    with engine.begin() as conn:
        conn.execute(
            schema.benchmarks.insert().values(
                kpi="LAC_COUNT",
                period="2024-03",
                comparator="England",
                value=81770,
                load_id=1,
                is_current=True,
            )
        )
        conn.exec_driver_sql("ALTER TABLE benchmarks DROP COLUMN symbol")
        conn.exec_driver_sql("ALTER TABLE benchmarks DROP COLUMN note")
        set_setting(conn, "schema_version", "1")


def test_version_1_database_upgrades_and_keeps_every_row(engine):
    make_version_1(engine)
    before = read_figures(engine).sort_values(["org", "period"]).reset_index(drop=True)
    with engine.begin() as conn:
        assert schema_version(conn) == 1
        assert ensure_schema(conn) == schema.SCHEMA_VERSION
    after = read_figures(engine).sort_values(["org", "period"]).reset_index(drop=True)
    assert after.equals(before)
    bench = read_benchmarks(engine)
    assert bench[["kpi", "value"]].values.tolist() == [["LAC_COUNT", 81770.0]]
    assert bench["symbol"].isna().all()
    with engine.begin() as conn:
        assert schema_version(conn) == schema.SCHEMA_VERSION


def test_a_newer_database_is_refused(engine):
    with engine.begin() as conn:
        ensure_schema(conn)
        set_setting(conn, "schema_version", str(schema.SCHEMA_VERSION + 1))
    with engine.begin() as conn, pytest.raises(SchemaTooNew, match="upgrade the program"):
        ensure_schema(conn)


def test_schema_has_the_dashboard_indexes(engine):
    with engine.begin() as conn:
        ensure_schema(conn)
        names = {ix["name"] for ix in sa.inspect(conn).get_indexes("figures")}
    assert {"uq_figures_current", "ix_figures_org_period", "ix_figures_load"} <= names
