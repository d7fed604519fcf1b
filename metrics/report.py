"""The figures report: the one computation behind the dashboard, its downloads and the export.

``figures_report`` turns the stored facts (a :class:`Dataset`) into rows in the export columns
of the public contract. The CLI's ``export``, ``/api/figures.csv`` and every page call it, so
the dashboard and a downloaded CSV can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from metrics import spc
from metrics.aggregate import FIGURE_COLUMNS, kpi_attributes, over_time, roll_up
from metrics.catalogue import Catalogue
from metrics.orgtree import UnknownOrg, descendants, root, tree_by_month
from metrics.periods import PERIOD_KINDS, month_range, period_label
from metrics.rag import rag_series
from metrics.targets import TARGET_COLUMNS, attach_targets
from metrics.travel import direction_of_travel

CONTRACT_COLUMNS = ["period", "kpi", "org", "numerator", "denominator", "value", "target", "rag"]
SPC_COLUMNS = ["spc_mean", "spc_lower", "spc_upper", "spc_signal", "variation", "assurance"]
COMPARATORS = {
    "england": "England",
    "region": "Region",
    "neighbours": "Statistical neighbours",
    "published": "Published (DfE)",
}
EXTRA_COLUMNS = ["tolerance", "direction", "kpi_name", "unit", "org_name", "months", "end_month"]
EXTRA_COLUMNS += ["commentary", "spc_provisional"]
EXPORT_COLUMNS = CONTRACT_COLUMNS + SPC_COLUMNS + list(COMPARATORS) + EXTRA_COLUMNS
BENCHMARK_COLUMNS = ["kpi", "period", "comparator", "value", "symbol", "note"]
CHANGE_COLUMNS = ["kpi", "org", "period", "note"]
ORG_COLUMNS = ["code", "name", "parent", "type", "from", "closed"]
REVISION_COLUMNS = ["kpi", "org", "period"]
REVISION_COLUMNS += [f"{c}_{w}" for w in ("before", "after") for c in ("value", "numerator", "denominator")]
REVISION_COLUMNS += ["file_name", "loaded_at"]


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


@dataclass(frozen=True)
class Dataset:
    """Current facts as stored: figures, org unit versions, targets, and labels."""

    figures: pd.DataFrame = field(default_factory=lambda: _empty(FIGURE_COLUMNS))
    orgs: pd.DataFrame = field(default_factory=lambda: _empty(ORG_COLUMNS))
    targets: pd.DataFrame = field(default_factory=lambda: _empty(TARGET_COLUMNS))
    benchmarks: pd.DataFrame = field(default_factory=lambda: _empty(BENCHMARK_COLUMNS))
    process_changes: pd.DataFrame = field(default_factory=lambda: _empty(CHANGE_COLUMNS))
    notice: str = ""
    # One row per revision of a figure: the values before and after, and the load (file, time)
    # that made it. Empty when nothing was ever revised.
    revisions: pd.DataFrame = field(default_factory=lambda: _empty(REVISION_COLUMNS))
    # Commentary written in the dashboard (kpi, org, period, commentary, written_by, written_at):
    # it replaces a figures file's commentary for the same KPI, unit and month.
    commentary: pd.DataFrame = field(default_factory=lambda: _empty(["kpi", "org", "period", "commentary"]))


class ReportError(ValueError):
    """A report was asked for with parameters that cannot be met (the message says why)."""


@dataclass(frozen=True)
class ReportQuery:
    """What to report: KPIs (None: all), one unit (None: the authority), months and period."""

    kpis: tuple[str, ...] | None = None
    org: str | None = None
    start: str | None = None
    end: str | None = None
    period: str = "month"

    def check(self, catalogue: Catalogue) -> None:
        if self.period not in PERIOD_KINDS:
            raise ReportError(f"period must be one of {', '.join(PERIOD_KINDS)}, not {self.period!r}")
        for code in self.kpis or ():
            if code not in catalogue:
                raise ReportError(f"unknown KPI code {code!r}")
        if self.start and self.end and self.start > self.end:
            raise ReportError(f"from {self.start} is after to {self.end}")


def monthly_figures(dataset: Dataset, catalogue: Catalogue, orgs: list[str] | None = None) -> pd.DataFrame:
    """Monthly figures for each unit (own or rolled up from its children), all KPIs loaded."""
    figures = dataset.figures
    if figures.empty:
        return figures[FIGURE_COLUMNS]
    if orgs is not None:
        keep: set[str] = set()
        for code in orgs:
            keep |= descendants(dataset.orgs, code)
        figures = figures[figures["org"].isin(keep)]
    months = month_range(figures["period"].min(), figures["period"].max()) if len(figures) else []
    monthly = with_commentary(
        roll_up(figures, tree_by_month(dataset.orgs, months), catalogue), dataset.commentary
    )
    return monthly if orgs is None else monthly[monthly["org"].isin(orgs)]


def with_commentary(monthly: pd.DataFrame, written: pd.DataFrame) -> pd.DataFrame:
    """Monthly rows with the dashboard's commentary in place of the file's, where there is one."""
    if written.empty or monthly.empty:
        return monthly
    keyed = written.drop_duplicates(["kpi", "org", "period"], keep="last").set_index(["kpi", "org", "period"])
    found = keyed["commentary"].reindex(pd.MultiIndex.from_frame(monthly[["kpi", "org", "period"]]))
    has = found.notna().to_numpy()
    if not has.any():
        return monthly
    monthly = monthly.copy()
    monthly["commentary"] = monthly["commentary"].astype(object)
    monthly.loc[has, "commentary"] = found.to_numpy()[has]
    return monthly


def figures_report(
    dataset: Dataset, catalogue: Catalogue, query: ReportQuery, monthly: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Rows in the export columns for one unit, ordered by KPI (catalogue order) then period.

    ``end`` is an "as at" cut-off: months after it are not used, so a quarter or year ending
    later is the figure to date. ``start`` is the first period shown: periods ending before it
    are left out of the rows, but still count as the previous period for direction of travel.
    ``monthly`` may pass :func:`monthly_figures` computed once for every unit (a cache).
    """
    query.check(catalogue)
    if dataset.orgs.empty:
        return _empty(EXPORT_COLUMNS)
    org = query.org or root(dataset.orgs)
    if org not in set(dataset.orgs["code"]):
        raise UnknownOrg(org)
    if monthly is None:
        figures = dataset.figures
        if query.kpis is not None:
            figures = figures[figures["kpi"].isin(query.kpis)]
        monthly = monthly_figures(replace(dataset, figures=figures), catalogue, [org])
    rows = monthly[monthly["org"] == org]
    if query.kpis is not None:
        rows = rows[rows["kpi"].isin(query.kpis)]
    if query.end:
        rows = rows[rows["period"] <= query.end]
    report = period_report(rows, dataset, catalogue, query.period)
    if query.start:
        report = report[report["period"] >= period_label(query.start, query.period)]
    return report.reset_index(drop=True)


def period_report(monthly: pd.DataFrame, dataset: Dataset, catalogue: Catalogue, kind: str) -> pd.DataFrame:
    """Periods of ``kind`` from monthly figures, with targets, RAG, direction and names."""
    rows = over_time(monthly, kind, catalogue)
    if rows.empty:
        return _empty(EXPORT_COLUMNS)
    rows = attach_targets(rows, dataset.targets)
    polarity = rows["kpi"].map(kpi_attributes(catalogue, "polarity"))
    rows["rag"] = rag_series(rows["value"], rows["target"], rows["tolerance"], polarity)
    rows.loc[polarity == "none", ["target", "tolerance"]] = float("nan")
    rows["direction"] = direction_of_travel(rows, polarity)
    rows = (
        _with_spc(rows, dataset, catalogue, polarity)
        if kind == "month"
        else rows.assign(spc_provisional=None, **_blank(SPC_COLUMNS))
    )
    flows = rows["kpi"].map(kpi_attributes(catalogue, "over_time")) == "sum"
    rows = _with_comparators(rows, dataset.benchmarks, flows)
    rows["kpi_name"] = rows["kpi"].map(kpi_attributes(catalogue, "name"))
    rows["unit"] = rows["kpi"].map(kpi_attributes(catalogue, "unit"))
    names = dataset.orgs.drop_duplicates("code", keep="last").set_index("code")["name"]
    rows["org_name"] = rows["org"].map(names)
    order = {k.code: i for i, k in enumerate(catalogue)}
    rows = rows.sort_values(["kpi", "end_month"], key=lambda s: s.map(order) if s.name == "kpi" else s)
    return rows.reset_index(drop=True)[EXPORT_COLUMNS]


SPC_NUMBERS = ("spc_mean", "spc_lower", "spc_upper")


def _blank(columns: list[str]) -> dict[str, Any]:
    """Empty columns: NaN for numbers (so they stay numeric), None for text."""
    return {c: float("nan") if c in SPC_NUMBERS else None for c in columns}


def _with_spc(
    rows: pd.DataFrame, dataset: Dataset, catalogue: Catalogue, polarity: pd.Series
) -> pd.DataFrame:
    """XmR limits and signals per KPI and unit; icons on each series' latest month."""
    rows = rows.assign(_pol=polarity, spc_provisional=None, **_blank(SPC_COLUMNS))
    rows = rows.sort_values(["kpi", "org", "period"]).reset_index(drop=True)
    valued = rows[rows["value"].notna()]
    if valued.empty:
        return rows.drop(columns="_pol")
    series = valued["kpi"] + "|" + valued["org"]
    rebase = rebase_flags(valued, dataset.process_changes)
    table = spc.spc_many(valued["value"], series, valued["_pol"], rebase=rebase).set_index(valued.index)
    for column, source in (("spc_mean", "mean"), ("spc_lower", "lower"), ("spc_upper", "upper")):
        rows.loc[valued.index, column] = table[source].astype(float)
    rows.loc[valued.index, "spc_signal"] = table["signal"]
    rows.loc[valued.index, "spc_provisional"] = table["provisional"].map({True: "yes", False: "no"})
    for i in series[~series.duplicated(keep="last")].index:
        pol = str(rows.at[i, "_pol"])
        rows.at[i, "variation"] = (
            spc.variation(table.loc[[i]], pol) if table.at[i, "special"] else "common_cause"
        )
        target = float(rows.at[i, "target"])  # type: ignore[arg-type]
        lower, upper = float(table.at[i, "lower"]), float(table.at[i, "upper"])  # type: ignore[arg-type]
        rows.at[i, "assurance"] = spc.assurance(lower, upper, None if np.isnan(target) else target, pol)
    return rows.drop(columns="_pol")


def rebase_flags(rows: pd.DataFrame, changes: pd.DataFrame) -> pd.Series:
    """True on the first month on or after each process change of the row's KPI (or ``*``) and unit."""
    flags = pd.Series(False, index=rows.index)
    orgs = set(rows["org"].unique())
    for change in changes.itertuples():
        if change.org not in orgs:
            continue  # no row of that unit (a report is usually for one unit): nothing to flag
        hit = (rows["org"] == change.org) & (rows["period"] >= change.period)
        if change.kpi != "*":
            hit &= rows["kpi"] == change.kpi
        flags[rows[hit].groupby(["kpi", "org"], sort=False).head(1).index] = True
    return flags


def _with_comparators(rows: pd.DataFrame, benchmarks: pd.DataFrame, flows: pd.Series) -> pd.DataFrame:
    """England, region, neighbours and published values for each row's KPI and end month.

    A flow (a KPI summed over time, such as children starting care) is published as the total
    for the 12 months ending that month, so it is only set on rows covering 12 months.
    """
    comparable = ~flows.to_numpy(dtype=bool) | (rows["months"] == 12).to_numpy()
    # numpy object arrays: iterating pandas string columns element by element is ten times slower
    keys = list(zip(rows["kpi"].to_numpy(object), rows["end_month"].to_numpy(object), strict=True))
    for column, comparator in COMPARATORS.items():
        chosen = benchmarks[benchmarks["comparator"] == comparator]
        lookup = dict(zip(zip(chosen["kpi"], chosen["period"], strict=True), chosen["value"], strict=True))
        rows[column] = [lookup.get(key) if ok else None for key, ok in zip(keys, comparable, strict=True)]
        rows[column] = rows[column].astype(float)
    return rows
