"""What each dashboard page shows, computed from the report (pure functions, no Dash).

Every view is built from :func:`metrics.report.figures_report`, the same function behind the
export and ``/api/figures.csv``, so a number on screen always equals the downloaded one.
"""

from __future__ import annotations

import pandas as pd

from metrics import spc
from metrics.catalogue import Catalogue, Kpi
from metrics.orgtree import children
from metrics.periods import add_months, month_name
from metrics.report import Dataset, ReportQuery, figures_report, rebase_flags

SPARK_MONTHS = 13


def latest_month(dataset: Dataset) -> str | None:
    """The newest month with any figure (the default month of every page)."""
    if dataset.figures.empty:
        return None
    return str(dataset.figures["period"].max())


def available_months(dataset: Dataset) -> list[str]:
    """Months with figures, newest first."""
    if dataset.figures.empty:
        return []
    return sorted(dataset.figures["period"].unique(), reverse=True)


def scorecard(
    dataset: Dataset, catalogue: Catalogue, monthly: pd.DataFrame, org: str, period: str, month: str
) -> pd.DataFrame:
    """One row per KPI in catalogue order: the period containing ``month``, plus stage, sparkline.

    KPIs without a figure for the period keep a row (value missing) so the card says so.
    ``spark`` holds the last 13 monthly values (None where missing), oldest first.
    """
    rows = figures_report(
        dataset, catalogue, ReportQuery(org=org, period=period, start=month, end=month), monthly
    )
    history = figures_report(
        dataset,
        catalogue,
        ReportQuery(org=org, period="month", start=add_months(month, 1 - SPARK_MONTHS), end=month),
        monthly,
    )
    if period != "month":  # SPC icons always come from the monthly series
        icons = history.drop_duplicates("kpi", keep="last").set_index("kpi")[["variation", "assurance"]]
        rows = rows.drop(columns=["variation", "assurance"]).join(icons, on="kpi")
    months = [add_months(month, -i) for i in range(SPARK_MONTHS - 1, -1, -1)]
    values = history.pivot_table(index="kpi", columns="period", values="value", aggfunc="last")
    values = values.reindex(columns=months)
    base = pd.DataFrame({"kpi": [k.code for k in catalogue], "stage": [k.stage for k in catalogue]})
    card = base.merge(rows, on="kpi", how="left")
    card["kpi_name"] = card["kpi"].map({k.code: k.name for k in catalogue})
    card["unit"] = card["kpi"].map({k.code: k.unit for k in catalogue})
    card["spark"] = [
        [None if pd.isna(v) else float(v) for v in values.loc[k]]
        if k in values.index
        else [None] * SPARK_MONTHS
        for k in card["kpi"]
    ]
    return card


def exceptions_only(card: pd.DataFrame) -> pd.DataFrame:
    """The rows a head of service must discuss: red or amber."""
    return card[card["rag"].isin(["red", "amber"])]


def trend(
    dataset: Dataset,
    catalogue: Catalogue,
    monthly: pd.DataFrame,
    kpi: str,
    org: str,
    period: str,
    start: str | None,
    end: str | None,
) -> pd.DataFrame:
    """The KPI's values for one unit over time (with targets, RAG, SPC and comparators)."""
    query = ReportQuery(kpis=(kpi,), org=org, period=period, start=start, end=end)
    return figures_report(dataset, catalogue, query, monthly)


def breakdown(
    dataset: Dataset, catalogue: Catalogue, monthly: pd.DataFrame, kpi: str, org: str, month: str
) -> pd.DataFrame:
    """The latest value (at ``month``) for each child unit of ``org`` that has one."""
    frames = [
        figures_report(
            dataset, catalogue, ReportQuery(kpis=(kpi,), org=child, start=month, end=month), monthly
        )
        for child in children(dataset.orgs, org, month)
    ]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def comparison(
    dataset: Dataset,
    catalogue: Catalogue,
    monthly: pd.DataFrame,
    kpi: str,
    org: str,
    start: str,
    end: str,
) -> pd.DataFrame:
    """Monthly rows of one KPI for every unit that was a child of ``org`` at some point in range."""
    units = sorted({c for m in (start, end) for c in children(dataset.orgs, org, m)})
    frames = [
        figures_report(dataset, catalogue, ReportQuery(kpis=(kpi,), org=unit, start=start, end=end), monthly)
        for unit in units
    ]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def spc_caption(dataset: Dataset, rows: pd.DataFrame, kpi: Kpi) -> str:
    """The plain-English SPC sentence for a monthly trend of one unit (rows from :func:`trend`)."""
    valued = rows[rows["value"].notna()].reset_index(drop=True)
    if valued.empty:
        return ""
    flags = rebase_flags(valued, dataset.process_changes)
    breaks = [i for i in flags[flags].index if i > 0]
    table = spc.spc_table(valued["value"], kpi.polarity, breaks)
    return spc.caption(table, kpi.polarity, list(valued["period"]))


def process_changes_for(dataset: Dataset, kpi: str, org: str) -> pd.DataFrame:
    changes = dataset.process_changes
    return changes[(changes["org"] == org) & changes["kpi"].isin([kpi, "*"])]


def benchmark_footnotes(dataset: Dataset, kpi: str) -> list[str]:
    """Why a published comparator is missing in a year (EES symbols such as suppression)."""
    bench = dataset.benchmarks
    missing = bench[(bench["kpi"] == kpi) & bench["value"].isna() & bench["note"].notna()]
    return [f"{r.comparator}, {month_name(r.period)}: {r.note}" for r in missing.itertuples()]
