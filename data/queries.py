"""Reads: the stored facts as pandas frames for ``metrics`` to compute with.

Every query is SQLAlchemy Core with bound parameters. Only current revisions are read unless
history is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

import pandas as pd
import sqlalchemy as sa

from data import schema
from data.settings import DEMO_LABEL_KEY, get_setting
from metrics.report import Dataset

Source = sa.Engine | sa.Connection


def _frame(source: Source, query: sa.Select) -> pd.DataFrame:
    if isinstance(source, sa.Engine):
        with source.connect() as conn:
            return _frame(conn, query)
    result = source.execute(query)
    # plain tuples: given Row objects, pandas asks each one for a ``dtype`` attribute, which
    # SQLAlchemy answers by a failed key lookup (about a third of the time of reading figures)
    return pd.DataFrame([tuple(row) for row in result.fetchall()], columns=list(result.keys()))


def read_orgs(source: Source) -> pd.DataFrame:
    """Current org unit versions: code, name, parent, type, from, closed."""
    t = schema.org_units
    query = sa.select(t.c.code, t.c.name, t.c.parent, t.c.type, t.c.valid_from.label("from"), t.c.closed)
    frame = _frame(source, query.where(t.c.is_current == sa.true()).order_by(t.c.code, t.c.valid_from))
    return frame.astype(dict.fromkeys(frame.columns, str)) if not frame.empty else frame


def read_figures(
    source: Source, kpis: Iterable[str] | None = None, units: Iterable[str] | None = None
) -> pd.DataFrame:
    """Current figures (all months), optionally for some KPIs or units only."""
    t = schema.figures
    query = sa.select(t.c.kpi, t.c.org, t.c.period, t.c.numerator, t.c.denominator, t.c.value, t.c.commentary)
    query = query.where(t.c.is_current == sa.true())
    if kpis is not None:
        query = query.where(t.c.kpi.in_(list(kpis)))
    if units is not None:
        query = query.where(t.c.org.in_(list(units)))
    frame = _frame(source, query)
    return frame.astype({"numerator": float, "denominator": float, "value": float})


DATASET_COLUMNS = ["period", "kpi", "org", "numerator", "denominator", "value", "commentary"]
DATASET_CHUNK = 50_000


def iter_figures(engine: sa.Engine, chunk: int = DATASET_CHUNK) -> Iterator[pd.DataFrame]:
    """Every current figure in the figures input's columns, ordered by period, KPI and unit, in
    frames of ``chunk`` rows read inside one transaction (a consistent whole, bounded memory).
    Yields one empty frame when there is none, so a download still has its header."""
    t = schema.figures
    query = (
        sa.select(*(t.c[c] for c in DATASET_COLUMNS))
        .where(t.c.is_current == sa.true())
        .order_by(t.c.period, t.c.kpi, t.c.org)
    )
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("figures"):
            yield pd.DataFrame({c: pd.Series(dtype=object) for c in DATASET_COLUMNS})
            return
        result = conn.execution_options(yield_per=chunk).execute(query)
        sent = False
        for rows in result.partitions():
            frame = pd.DataFrame(rows, columns=DATASET_COLUMNS)
            sent = True
            yield frame.astype({"numerator": float, "denominator": float, "value": float})
        if not sent:
            yield pd.DataFrame({c: pd.Series(dtype=object) for c in DATASET_COLUMNS})


def read_targets(source: Source) -> pd.DataFrame:
    t = schema.targets
    query = sa.select(t.c.kpi, t.c.org, t.c.valid_from.label("from"), t.c.target, t.c.tolerance)
    return _frame(source, query.where(t.c.is_current == sa.true()))


def read_benchmarks(
    source: Source, kpis: Iterable[str] | None = None, authority: str | None = None
) -> pd.DataFrame:
    """Current benchmarks (of ``kpis``; of ``authority``: its own and every authority's, org "")."""
    t = schema.benchmarks
    query = sa.select(t.c.kpi, t.c.period, t.c.comparator, t.c.value, t.c.symbol, t.c.note, t.c.org)
    query = query.where(t.c.is_current == sa.true())
    if kpis is not None:
        query = query.where(t.c.kpi.in_(list(kpis)))
    if authority is not None:
        query = query.where(t.c.org.in_(["", authority]))
    return _frame(source, query.order_by(t.c.kpi, t.c.comparator, t.c.period)).astype({"value": float})


def read_process_changes(source: Source) -> pd.DataFrame:
    t = schema.process_changes
    query = sa.select(t.c.kpi, t.c.org, t.c.period, t.c.note).where(t.c.is_current == sa.true())
    return _frame(source, query.order_by(t.c.period))


def revisions_query(kpis: Iterable[str] | None = None) -> sa.Select:
    """The query of :func:`read_revisions`: each superseded row joined to the row that replaced
    it by key and load, which ``ix_figures_key_load`` answers with one index search per
    revision (linear in revisions; a search of a whole load per row was quadratic)."""
    old, new, lo = schema.figures.alias("old"), schema.figures.alias("new"), schema.loads
    values = ("value", "numerator", "denominator")
    query = (
        sa.select(
            old.c.kpi,
            old.c.org,
            old.c.period,
            *(old.c[c].label(f"{c}_before") for c in values),
            *(new.c[c].label(f"{c}_after") for c in values),
            lo.c.file_name,
            lo.c.loaded_at,
        )
        .join(
            new,
            (new.c.kpi == old.c.kpi)
            & (new.c.org == old.c.org)
            & (new.c.period == old.c.period)
            & (new.c.load_id == old.c.superseded_by),
        )
        .join(lo, lo.c.id == old.c.superseded_by)
        .where(old.c.is_current == sa.false())
    )
    if kpis is not None:
        query = query.where(old.c.kpi.in_(list(kpis)))
    return query.order_by(old.c.id)


def read_revisions(source: Source, kpis: Iterable[str] | None = None) -> pd.DataFrame:
    """Every revision of a figure: values before and after, and the file and time of the load
    that made it (the load named by the older row's ``superseded_by``), oldest first."""
    values = ("value", "numerator", "denominator")
    frame = _frame(source, revisions_query(kpis))
    return frame.astype({f"{c}_{w}": float for c in values for w in ("before", "after")})


def read_dataset(
    source: Source,
    kpis: Iterable[str] | None = None,
    *,
    figures: bool = True,
    revisions: bool = True,
    units: Iterable[str] | None = None,
) -> Dataset:
    """Everything a report needs, read in one transaction so the numbers are consistent.

    ``figures``: the current figures (the web process reads the stored report instead);
    ``revisions``: every revision of a figure, which the data-quality checks need."""
    if isinstance(source, sa.Engine):
        with source.connect() as conn:
            return read_dataset(conn, kpis, figures=figures, revisions=revisions, units=units)
    if not sa.inspect(source).has_table("settings"):
        return Dataset()
    found = Dataset(
        orgs=read_orgs(source),
        targets=read_targets(source),
        benchmarks=read_benchmarks(source, kpis),
        process_changes=read_process_changes(source),
        notice=get_setting(source, DEMO_LABEL_KEY),
        commentary=read_commentary(source),
    )
    if figures:
        found = replace(found, figures=read_figures(source, kpis, units))
    if revisions:
        found = replace(found, revisions=read_revisions(source, kpis))
    return found


def read_loads(source: Source) -> pd.DataFrame:
    """The load history, newest first."""
    t = schema.loads
    return _frame(source, sa.select(t).order_by(t.c.id.desc()))


def newest_load(source: Source) -> str:
    """A stamp of the newest load (id, time, checksum): a cache key that changes with the data."""
    if isinstance(source, sa.Engine):
        with source.connect() as conn:
            return newest_load(conn)
    if not sa.inspect(source).has_table("loads"):
        return "empty"
    t = schema.loads
    row = source.execute(
        sa.select(t.c.id, t.c.loaded_at, t.c.sha256).order_by(t.c.id.desc()).limit(1)
    ).first()
    return "empty" if row is None else f"{row.id}:{row.loaded_at}:{row.sha256}"


def figure_history(source: Source, kpi: str, org: str, period: str) -> pd.DataFrame:
    """Every revision of one figure, oldest first, with the file each came from."""
    f, lo = schema.figures, schema.loads
    query = (
        sa.select(
            f.c.numerator,
            f.c.denominator,
            f.c.value,
            f.c.commentary,
            f.c.is_current,
            lo.c.file_name,
            lo.c.loaded_at,
        )
        .join(lo, lo.c.id == f.c.load_id)
        .where(f.c.kpi == kpi, f.c.org == org, f.c.period == period)
        .order_by(f.c.id)
    )
    return _frame(source, query)


def read_commentary(source: Source) -> pd.DataFrame:
    """Current commentary written in the dashboard: kpi, org, period, commentary, written_by,
    written_at (who wrote the current version, and when)."""
    columns = ["kpi", "org", "period", "commentary", "written_by", "written_at"]
    if isinstance(source, sa.Engine):
        with source.connect() as conn:
            return read_commentary(conn)
    if not sa.inspect(source).has_table("commentary"):
        return pd.DataFrame({c: pd.Series(dtype=str) for c in columns})
    t, lo = schema.commentary, schema.loads
    query = (
        sa.select(
            t.c.kpi,
            t.c.org,
            t.c.period,
            t.c.text.label("commentary"),
            lo.c.loaded_by.label("written_by"),
            lo.c.loaded_at.label("written_at"),
        )
        .join(lo, lo.c.id == t.c.load_id)
        .where(t.c.is_current == sa.true())
        .order_by(t.c.kpi, t.c.org, t.c.period)
    )
    frame = _frame(source, query)
    return frame if not frame.empty else pd.DataFrame({c: pd.Series(dtype=str) for c in columns})


def commentary_history(source: Source, kpi: str, org: str, period: str) -> pd.DataFrame:
    """Every version of one commentary, oldest first: text, written_by, written_at, is_current."""
    t, lo = schema.commentary, schema.loads
    query = (
        sa.select(
            t.c.text.label("commentary"),
            lo.c.loaded_by.label("written_by"),
            lo.c.loaded_at.label("written_at"),
            t.c.is_current,
        )
        .join(lo, lo.c.id == t.c.load_id)
        .where(t.c.kpi == kpi, t.c.org == org, t.c.period == period)
        .order_by(t.c.id)
    )
    return _frame(source, query)


ACTION_COLUMNS = ["title", "owner", "due", "status", "kpis", "org", "starts_process", "description"]


def read_actions(source: Source) -> pd.DataFrame:
    """Current improvement actions: id, the CSV columns, created_by/at (first version) and
    updated_by/at (current version), ordered by id."""
    columns = ["id", *ACTION_COLUMNS, "created_by", "created_at", "updated_by", "updated_at"]
    if isinstance(source, sa.Engine):
        with source.connect() as conn:
            return read_actions(conn)
    if not sa.inspect(source).has_table("actions"):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    t, lo = schema.actions, schema.loads
    first = (
        sa.select(t.c.action_id, sa.func.min(t.c.load_id).label("first_load"))
        .group_by(t.c.action_id)
        .subquery()
    )
    made = lo.alias("made")
    query = (
        sa.select(
            t.c.action_id.label("id"),
            *(t.c[c] for c in ACTION_COLUMNS),
            made.c.loaded_by.label("created_by"),
            made.c.loaded_at.label("created_at"),
            lo.c.loaded_by.label("updated_by"),
            lo.c.loaded_at.label("updated_at"),
        )
        .join(lo, lo.c.id == t.c.load_id)
        .join(first, first.c.action_id == t.c.action_id)
        .join(made, made.c.id == first.c.first_load)
        .where(t.c.is_current == sa.true())
        .order_by(t.c.action_id)
    )
    frame = _frame(source, query)
    return frame if not frame.empty else pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
