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


def make_version_7(engine: sa.Engine) -> None:
    """A database as version 7 wrote it: benchmarks keyed (kpi, period, comparator), no org."""
    load_files(engine, [FIXTURES / "orgs.csv", FIXTURES / "figures.csv"], month="2024-06")
    with engine.begin() as conn:
        for comparator, value in (("England", 81770), ("Region", 9000)):
            conn.execute(
                schema.benchmarks.insert().values(
                    kpi="LAC_COUNT",
                    period="2024-03",
                    comparator=comparator,
                    value=value,
                    load_id=1,
                    is_current=True,
                )
            )
        conn.exec_driver_sql("DROP INDEX uq_benchmarks_current")
        conn.exec_driver_sql("ALTER TABLE benchmarks DROP COLUMN org")
        conn.exec_driver_sql(
            "CREATE UNIQUE INDEX uq_benchmarks_current ON benchmarks (kpi, period, comparator) "
            "WHERE is_current"
        )
        set_setting(conn, "schema_version", "7")


def test_version_7_benchmarks_gain_an_org_in_their_key(engine):
    make_version_7(engine)
    with engine.begin() as conn:
        assert "org" not in {c["name"] for c in sa.inspect(conn).get_columns("benchmarks")}
        assert ensure_schema(conn) == schema.SCHEMA_VERSION == 8
    bench = read_benchmarks(engine).sort_values("comparator")
    assert bench[["comparator", "value", "org"]].values.tolist() == [
        ["England", 81770.0, ""],
        ["Region", 9000.0, ""],
    ]
    with engine.connect() as conn:
        index = next(
            ix for ix in sa.inspect(conn).get_indexes("benchmarks") if ix["name"] == "uq_benchmarks_current"
        )
    assert index["column_names"] == ["kpi", "period", "comparator", "org"] and index["unique"]
    with engine.begin() as conn:  # one authority's region beside every authority's: both current
        conn.execute(
            schema.benchmarks.insert().values(
                kpi="LAC_COUNT",
                period="2024-03",
                comparator="Region",
                org="LA1",
                value=9100,
                load_id=1,
                is_current=True,
            )
        )
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:  # the key is still unique
        conn.execute(
            schema.benchmarks.insert().values(
                kpi="LAC_COUNT",
                period="2024-03",
                comparator="Region",
                org="LA1",
                value=1,
                load_id=1,
                is_current=True,
            )
        )
