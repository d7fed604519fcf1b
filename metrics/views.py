"""What each dashboard page shows, computed from the report (pure functions, no Dash).

Every view is built from :func:`metrics.report.figures_report`, the same function behind the
export and ``/api/figures.csv``, so a number on screen always equals the downloaded one.
"""

from __future__ import annotations

import math

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


def busiest_parent(dataset: Dataset, kpi: str) -> str | None:
    """The unit with the most children holding their own figures for ``kpi`` in the latest month."""
    figures = dataset.figures
    mine = figures[figures["kpi"] == kpi]
    if mine.empty:
        return None
    month = str(mine["period"].max())
    latest = mine.loc[mine["period"] == month, "org"]
    parents = dataset.orgs.drop_duplicates("code", keep="last").set_index("code")["parent"]
    counts = latest.map(parents).loc[lambda s: s.fillna("") != ""].value_counts()
    return str(counts.index[0]) if len(counts) else None


def scorecard(
    dataset: Dataset, catalogue: Catalogue, monthly: pd.DataFrame, org: str, period: str, month: str
) -> pd.DataFrame:
    """One row per KPI in catalogue order: the period containing ``month``, plus stage, sparkline.

    KPIs without a figure for the period keep a row (value missing) so the card says so.
    ``spark`` holds the last 13 monthly values (None where missing), oldest first.
    """
    history = figures_report(
        dataset,
        catalogue,
        ReportQuery(org=org, period="month", start=add_months(month, 1 - SPARK_MONTHS), end=month),
        monthly,
    )
    if period == "month":  # the same report as the history's, from ``month`` on: do not make it twice
        rows = history[history["period"] >= month].reset_index(drop=True)
    else:
        rows = figures_report(
            dataset, catalogue, ReportQuery(org=org, period=period, start=month, end=month), monthly
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
    return with_latest_benchmarks(card, dataset.benchmarks, catalogue, month)


SCORECARD_COMPARATORS = {"england": "England", "neighbours": "Statistical neighbours"}
"""The comparators a scorecard row shows: field prefix -> comparator name."""


def with_latest_benchmarks(
    card: pd.DataFrame, benchmarks: pd.DataFrame, catalogue: Catalogue, month: str
) -> pd.DataFrame:
    """Each KPI's latest England and neighbour figures at or before ``month``, and how we compare.

    Adds, for ``england`` and ``neighbours``: ``*_latest`` (the value), ``*_period`` (the month it
    refers to), ``*_when`` (that month in words; "year to ..." for a flow, published as a 12-month
    total) and ``*_vs`` ("better", "worse", "the same" by the KPI's polarity; empty when the KPI
    has no polarity or the row's figure does not cover the same span as the benchmark).
    """
    polarity = {k.code: k.polarity for k in catalogue}
    flows = {k.code for k in catalogue if k.over_time == "sum"}
    known = benchmarks[benchmarks["value"].notna() & (benchmarks["period"] <= month)]
    known = known.sort_values("period")
    card = card.copy()
    months = card["months"] if "months" in card else pd.Series(float("nan"), index=card.index)
    for prefix, comparator in SCORECARD_COMPARATORS.items():
        latest = known[known["comparator"] == comparator].drop_duplicates("kpi", keep="last")
        latest = latest.set_index("kpi")
        card[f"{prefix}_latest"] = card["kpi"].map(latest["value"]).astype(float)
        card[f"{prefix}_period"] = card["kpi"].map(latest["period"])
        card[f"{prefix}_when"] = [
            ("year to " if k in flows else "") + month_name(p) if isinstance(p, str) else ""
            for k, p in zip(card["kpi"], card[f"{prefix}_period"], strict=True)
        ]
        card[f"{prefix}_vs"] = [
            versus(v, b, polarity.get(k, "none")) if k not in flows or m == 12 else ""
            for k, v, b, m in zip(card["kpi"], card["value"], card[f"{prefix}_latest"], months, strict=True)
        ]
    return card


def versus(value: float | None, benchmark: float | None, polarity: str) -> str:
    """Whether ``value`` is better or worse than ``benchmark`` by polarity ("" when it cannot say).

    Values that agree to one decimal place (the precision figures are published to) are "the same".
    """
    if polarity not in ("up", "down") or value is None or benchmark is None:
        return ""
    ours, theirs = float(value), float(benchmark)
    if math.isnan(ours) or math.isnan(theirs):
        return ""
    if round(ours, 1) == round(theirs, 1):
        return "the same"
    return "better" if (ours > theirs) == (polarity == "up") else "worse"


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


NO_FIGURE_FOR = "; no figure for "


def benchmark_footnotes(
    dataset: Dataset,
    kpi: str,
    start: str | None = None,
    end: str | None = None,
    hidden: tuple[str, ...] = (),
) -> list[str]:
    """Why a comparator is missing in a year (EES symbols such as suppression), oldest first.

    Also which statistical neighbours had no figure where the average covers fewer than all ten.
    Only months from ``start`` to ``end`` (``YYYY-MM``, either may be None) and comparators not
    ``hidden`` (the committee view hides some).
    """
    bench = dataset.benchmarks
    chosen = bench[(bench["kpi"] == kpi) & bench["note"].notna() & ~bench["comparator"].isin(hidden)]
    if start:
        chosen = chosen[chosen["period"] >= start]
    if end:
        chosen = chosen[chosen["period"] <= end]
    chosen = chosen.sort_values(["period", "comparator"])
    notes = []
    for comparator, period, value, note in zip(
        chosen["comparator"], chosen["period"], chosen["value"], chosen["note"], strict=True
    ):
        when = f"{comparator}, {month_name(str(period))}"
        if pd.isna(value):
            notes.append(f"{when}: no figure: {note}")
        elif NO_FIGURE_FOR in str(note):
            absent = str(note).split(NO_FIGURE_FOR, 1)[1].split("; DfE ", 1)[0]
            notes.append(f"{when}: average without {absent}")
    return notes


def comparator_notes(
    dataset: Dataset, kpi: Kpi, rows: pd.DataFrame, hidden: tuple[str, ...] = (), *, committee: bool = False
) -> list[str]:
    """Plain-English notes on the comparator lines of a trend chart: which are hidden and why.

    ``hidden`` names the lines the committee view took off this chart.
    """
    bench = dataset.benchmarks
    loaded = set(bench.loc[bench["kpi"] == kpi.code, "comparator"])
    notes = []
    if committee:
        shown = "Committee view: only our figures, England and the statistical neighbours are shown"
        notes.append(f"{shown}; hidden: {', '.join(hidden)}." if hidden else f"{shown}.")
    columns = [c for c in ("england", "region", "neighbours", "published") if c in rows]
    if kpi.over_time == "sum" and loaded and not any(rows[c].notna().any() for c in columns):
        notes.append(
            "The published figures for this indicator are totals for the year to 31 March, so they "
            "are compared with whole financial years only, not with months or quarters."
        )
    if kpi.unit == "count" and any(rows[c].notna().any() for c in ("england", "region") if c in rows):
        notes.append(
            "England and region figures are totals for far more children than one council's, so they "
            "are in the table, not drawn on the chart."
        )
    return notes
