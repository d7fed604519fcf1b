"""What each dashboard page shows, shaped from stored report rows (pure functions, no Dash).

Every number arrives in report rows (``data.report_store``: the rows the export writes), so a
number on screen always equals the downloaded one; these functions select and arrange, and
compute no figure, status or SPC verdict of their own.
"""

from __future__ import annotations

import math

import pandas as pd

from metrics import spc
from metrics.catalogue import Catalogue, Kpi
from metrics.periods import add_months, month_name
from metrics.report import Dataset

SPARK_MONTHS = 13


def latest_month(series: pd.DataFrame) -> str | None:
    """The newest month with any figure (the default month of every page), from the report's
    series summary (``data.report_store.read_series``)."""
    if series.empty:
        return None
    return str(series["latest_month"].max())


def available_months(series: pd.DataFrame) -> list[str]:
    """Every month from the first to the latest with a figure, newest first."""
    if series.empty:
        return []
    first, last = str(series["first_month"].min()), str(series["latest_month"].max())
    months = []
    month = last
    while month >= first:
        months.append(month)
        month = add_months(month, -1)
    return months


def busiest_parent(series: pd.DataFrame, orgs: pd.DataFrame, kpi: str) -> str | None:
    """The unit with the most children holding their own figures for ``kpi`` in its latest month."""
    mine = series[(series["kpi"] == kpi) & series["own"].astype(bool)]
    if mine.empty:
        return None
    latest = mine.loc[mine["latest_month"] == mine["latest_month"].max(), "org"]
    parents = orgs.drop_duplicates("code", keep="last").set_index("code")["parent"]
    counts = latest.map(parents).loc[lambda s: s.fillna("") != ""].value_counts()
    return str(counts.index[0]) if len(counts) else None


def scorecard(
    history: pd.DataFrame, rows: pd.DataFrame, catalogue: Catalogue, benchmarks: pd.DataFrame, month: str
) -> pd.DataFrame:
    """One row per KPI in catalogue order: the period containing ``month``, plus stage, sparkline.

    ``history`` is the unit's monthly report rows for the 13 months to ``month``; ``rows`` its
    report rows for the period shown. KPIs without a figure for the period keep a row (value
    missing) so the card says so. SPC icons always come from the monthly row of ``month``.
    ``spark`` holds the last 13 monthly values (None where missing), oldest first.
    """
    icons = history[history["period"] == month].set_index("kpi")[SPC_CARD_COLUMNS]
    rows = rows.drop(columns=SPC_CARD_COLUMNS).join(icons, on="kpi")
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
    return with_latest_benchmarks(card, benchmarks, catalogue, month)


SPC_CARD_COLUMNS = ["variation", "assurance", "spc_rule", "spc_since", "spc_moved", "spc_provisional"]
SPC_CARD_COLUMNS += ["spc_segment", "spc_from", "spc_to"]
"""The monthly SPC fields a scorecard row shows, whatever the period."""


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


def spc_point(row: pd.Series | dict) -> spc.SpcPoint | None:
    """The stored SPC fields of one monthly report row as a :class:`metrics.spc.SpcPoint`
    (None when the month has no SPC: no value)."""
    variation = row.get("variation")
    if not isinstance(variation, str) or not variation:
        return None

    def text(name: str) -> str | None:
        value = row.get(name)
        return value if isinstance(value, str) and value else None

    segment = row.get("spc_segment")
    start, end = text("spc_from"), text("spc_to")
    return spc.SpcPoint(
        month=str(row.get("end_month") or row.get("period")),
        variation=variation,
        rule=text("spc_rule") or "",
        since=text("spc_since"),
        provisional=row.get("spc_provisional") == "yes",
        segment=0 if segment is None or pd.isna(segment) else int(segment),
        baseline=(start, end) if start and end else None,
        moved_from=text("spc_moved"),
    )


def spc_caption(rows: pd.DataFrame, first_shown: str | None = None) -> str:
    """The plain-English SPC sentence for the latest month of a monthly trend (report rows), with
    which months the limits come from when they reach back before ``first_shown``."""
    valued = rows[rows["value"].notna()]
    if valued.empty:
        return ""
    point = spc_point(valued.iloc[-1])
    if point is None:
        return ""
    text = spc.describe(point) + "."
    baseline = spc.baseline_text(point, first_shown or str(valued["end_month"].min()))
    return f"{text} {baseline}" if baseline else text


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
