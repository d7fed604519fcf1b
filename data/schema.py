"""The database schema (SQLAlchemy Core), identical on SQLite and PostgreSQL.

Every fact table keeps revisions: a changed value is a new row, the old one is kept with
``is_current`` false and ``superseded_by`` naming the load that replaced it. A partial unique
index guarantees one current row per key. ``SCHEMA_VERSION`` counts migrations (``data.migrate``).
"""

from __future__ import annotations

import sqlalchemy as sa

SCHEMA_VERSION = 8  # 5 is the revision index step; 4, 6 and 7 add only new tables; 8: benchmarks.org

metadata = sa.MetaData()

settings = sa.Table(
    "settings",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

loads = sa.Table(
    "loads",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("loaded_at", sa.String(32), nullable=False),
    sa.Column("loaded_by", sa.String(128), nullable=False),
    sa.Column("rows_added", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rows_revised", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rows_unchanged", sa.Integer, nullable=False, server_default="0"),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
)

kpis = sa.Table(
    "kpis",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("unit", sa.String(16), nullable=False),
    sa.Column("polarity", sa.String(8), nullable=False),
    sa.Column("over_time", sa.String(8), nullable=False),
)


def _revisioned(name: str, keys: list[sa.Column], values: list[sa.Column]) -> sa.Table:
    key_names = [c.name for c in keys]
    table = sa.Table(
        name,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        *keys,
        *values,
        sa.Column("load_id", sa.Integer, sa.ForeignKey("loads.id"), nullable=False),
        sa.Column("is_current", sa.Boolean, nullable=False),
        sa.Column("superseded_by", sa.Integer, sa.ForeignKey("loads.id"), nullable=True),
    )
    current = table.c.is_current == sa.true()
    sa.Index(
        f"uq_{name}_current",
        *(table.c[k] for k in key_names),
        unique=True,
        sqlite_where=current,
        postgresql_where=current,
    )
    sa.Index(f"ix_{name}_load", table.c.load_id)
    return table


org_units = _revisioned(
    "org_units",
    [sa.Column("code", sa.String(64), nullable=False), sa.Column("valid_from", sa.String(7), nullable=False)],
    [
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("parent", sa.String(64), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("closed", sa.String(7), nullable=False),
    ],
)

figures = _revisioned(
    "figures",
    [
        sa.Column("kpi", sa.String(64), sa.ForeignKey("kpis.code"), nullable=False),
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
    ],
    [
        sa.Column("numerator", sa.Float, nullable=True),
        sa.Column("denominator", sa.Float, nullable=True),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("commentary", sa.Text, nullable=True),
    ],
)
sa.Index("ix_figures_org_period", figures.c.org, figures.c.period)
# Version 5: a revision joins the row that superseded it by key and load (data.queries.read_revisions);
# without this index SQLite searched a whole load per superseded row (quadratic in revisions).
ix_figures_key_load = sa.Index(
    "ix_figures_key_load", figures.c.kpi, figures.c.org, figures.c.period, figures.c.load_id
)

targets = _revisioned(
    "targets",
    [
        sa.Column("kpi", sa.String(64), sa.ForeignKey("kpis.code"), nullable=False),
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("valid_from", sa.String(7), nullable=False),
    ],
    [sa.Column("target", sa.Float, nullable=False), sa.Column("tolerance", sa.Float, nullable=False)],
)

benchmarks = _revisioned(
    "benchmarks",
    [
        sa.Column("kpi", sa.String(64), sa.ForeignKey("kpis.code"), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("comparator", sa.String(128), nullable=False),
        # Version 8: the authority a comparator is for (its region, neighbours, published figure);
        # "" for every authority (England, and benchmarks files without an org column)
        sa.Column("org", sa.String(64), nullable=False, server_default=""),
    ],
    [
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("symbol", sa.String(8), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
    ],
)

process_changes = _revisioned(
    "process_changes",
    [
        sa.Column("kpi", sa.String(64), nullable=False),
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
    ],
    [sa.Column("note", sa.Text, nullable=False)],
)


def _findings_table(name: str, *, load_required: bool) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("load_id", sa.Integer, sa.ForeignKey("loads.id"), nullable=not load_required),
        sa.Column("check", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("kpi", sa.String(64), nullable=False),
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("period", sa.String(7), nullable=False, server_default=""),
        sa.Column("message", sa.Text, nullable=False),
    )


# Version 3: what the data-quality checks (metrics.quality) found new after each load. Not a fact
# table: findings are never revised, only added, one row per finding against the load it followed.
findings = _findings_table("findings", load_required=True)
sa.Index("ix_findings_load", findings.c.load_id)

# Version 4: the findings that hold for the data as it stands after the latest load, each with
# the load that first found it; replaced by every load (what the Data quality page shows).
current_findings = _findings_table("current_findings", load_required=False)

# Version 4: the report, computed once per load from the facts (metrics.report.build_report) and
# stored; every reader selects from it. Not a fact table: a load replaces the rows of every KPI it
# touched, in its transaction. Names are joined when read; ``as_at`` is the export's end_month.
_TEXT = {"kind": 8, "as_at": 7, "period": 16, "kpi": 64, "org": 64, "rag": 8, "direction": 8}
_TEXT |= {"ytd_direction": 8}
_TEXT |= {"spc_signal": 16, "variation": 24, "assurance": 24, "spc_provisional": 4, "spc_rule": 16}
_TEXT |= {"spc_since": 7, "spc_from": 7, "spc_to": 7, "spc_moved": 7}
_NUMBERS = ["numerator", "denominator", "value", "target", "tolerance", "months", "spc_mean", "spc_lower"]
_NUMBERS += ["spc_upper", "spc_segment", "england", "region", "neighbours", "published"]
report = sa.Table(
    "report",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    *(
        sa.Column(name, sa.String(size), nullable=name not in ("kind", "as_at", "period", "kpi", "org"))
        for name, size in _TEXT.items()
    ),
    sa.Column("closing", sa.Boolean, nullable=False),
    *(sa.Column(name, sa.Float, nullable=True) for name in _NUMBERS),
    sa.Column("commentary", sa.Text, nullable=True),
)
sa.Index("ix_report_org_kind_kpi_as_at", report.c.org, report.c.kind, report.c.kpi, report.c.as_at)
sa.Index("ix_report_kpi", report.c.kpi)

report_series = sa.Table(
    "report_series",
    metadata,
    sa.Column("kpi", sa.String(64), primary_key=True),
    sa.Column("org", sa.String(64), primary_key=True),
    sa.Column("first_month", sa.String(7), nullable=False),
    sa.Column("latest_month", sa.String(7), nullable=False),
    sa.Column("own", sa.Boolean, nullable=False),
)

# Version 6: the meeting's own words. New tables only (``create_all`` adds them; no migration step).
users = sa.Table(
    "users",
    metadata,
    sa.Column("email", sa.String(254), primary_key=True),  # stored lower-case
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("org", sa.String(64), nullable=False, server_default=""),  # "" = every unit
    sa.Column("added_at", sa.String(32), nullable=False),
    sa.Column("added_by", sa.String(254), nullable=False),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("who", sa.String(254), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("load_id", sa.Integer, sa.ForeignKey("loads.id"), nullable=True),
)

commentary = _revisioned(
    "commentary",
    [
        sa.Column("kpi", sa.String(64), sa.ForeignKey("kpis.code"), nullable=False),
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
    ],
    [sa.Column("text", sa.Text, nullable=False)],
)

actions = _revisioned(
    "actions",
    [sa.Column("action_id", sa.Integer, nullable=False)],
    [
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("due", sa.String(10), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("kpis", sa.Text, nullable=False),  # comma-separated KPI codes
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("starts_process", sa.String(7), nullable=False),  # "" = no process change
    ],
)

# Version 7: a region on one installation. What each authority shares with its group (nothing by
# default: ``python -m data share``), and the regional view computed from the shared figures.
shares = sa.Table(
    "shares",
    metadata,
    sa.Column("org", sa.String(64), primary_key=True),  # the authority
    sa.Column("kpi", sa.String(64), sa.ForeignKey("kpis.code"), primary_key=True),
    sa.Column("shared_at", sa.String(32), nullable=False),
    sa.Column("shared_by", sa.String(254), nullable=False),
)

region_report = sa.Table(
    "region_report",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("grp", sa.String(64), nullable=False),  # the group ("group" is an SQL keyword)
    sa.Column("kpi", sa.String(64), nullable=False),
    sa.Column("period", sa.String(7), nullable=False),
    sa.Column("org", sa.String(64), nullable=False),  # a sharing authority, or the group (pooled)
    *(sa.Column(c, sa.Float, nullable=True) for c in ("numerator", "denominator", "value", "target")),
    sa.Column("rag", sa.String(8), nullable=True),
    sa.Column("rank", sa.Integer, nullable=True),
    sa.Column("quartile", sa.String(1), nullable=True),
    sa.Column("authorities", sa.Integer, nullable=False),  # how many shared the KPI that month
    sa.Column("england", sa.Float, nullable=True),
)
sa.Index("ix_region_report_grp_kpi_period", region_report.c.grp, region_report.c.kpi, region_report.c.period)

FACT_TABLES = {
    "orgs": org_units,
    "figures": figures,
    "targets": targets,
    "benchmarks": benchmarks,
    "process_changes": process_changes,
    "commentary": commentary,
    "actions": actions,
}
