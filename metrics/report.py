"""The figures report: the one computation behind the dashboard, its downloads and the export.

``figures_report`` turns the stored facts (a :class:`Dataset`) into rows in the export columns
of the public contract. The CLI's ``export``, ``/api/figures.csv`` and every page call it, so
the dashboard and a downloaded CSV can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from metrics.aggregate import FIGURE_COLUMNS, kpi_attributes, over_time, roll_up
from metrics.catalogue import Catalogue
from metrics.orgtree import UnknownOrg, descendants, root, tree_by_month
from metrics.periods import PERIOD_KINDS, month_range
from metrics.rag import rag_series
from metrics.targets import TARGET_COLUMNS, attach_targets
from metrics.travel import direction_of_travel

CONTRACT_COLUMNS = ["period", "kpi", "org", "numerator", "denominator", "value", "target", "rag"]
EXTRA_COLUMNS = [
    "tolerance",
    "direction",
    "kpi_name",
    "unit",
    "org_name",
    "months",
    "end_month",
    "commentary",
]
EXPORT_COLUMNS = CONTRACT_COLUMNS + EXTRA_COLUMNS
ORG_COLUMNS = ["code", "name", "parent", "type", "from", "closed"]


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


@dataclass(frozen=True)
class Dataset:
    """Current facts as stored: figures, org unit versions, targets, and labels."""

    figures: pd.DataFrame = field(default_factory=lambda: _empty(FIGURE_COLUMNS))
    orgs: pd.DataFrame = field(default_factory=lambda: _empty(ORG_COLUMNS))
    targets: pd.DataFrame = field(default_factory=lambda: _empty(TARGET_COLUMNS))
    notice: str = ""


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
    monthly = roll_up(figures, tree_by_month(dataset.orgs, months), catalogue)
    return monthly if orgs is None else monthly[monthly["org"].isin(orgs)]


def figures_report(dataset: Dataset, catalogue: Catalogue, query: ReportQuery) -> pd.DataFrame:
    """Rows in the export columns for one unit, ordered by KPI (catalogue order) then period."""
    query.check(catalogue)
    if dataset.orgs.empty:
        return _empty(EXPORT_COLUMNS)
    org = query.org or root(dataset.orgs)
    if org not in set(dataset.orgs["code"]):
        raise UnknownOrg(org)
    figures = dataset.figures
    if query.kpis is not None:
        figures = figures[figures["kpi"].isin(query.kpis)]
    if query.start:
        figures = figures[figures["period"] >= query.start]
    if query.end:
        figures = figures[figures["period"] <= query.end]
    scoped = Dataset(figures=figures, orgs=dataset.orgs, targets=dataset.targets)
    monthly = monthly_figures(scoped, catalogue, [org])
    return period_report(monthly, dataset, catalogue, query.period)


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
    rows["kpi_name"] = rows["kpi"].map(kpi_attributes(catalogue, "name"))
    rows["unit"] = rows["kpi"].map(kpi_attributes(catalogue, "unit"))
    names = dataset.orgs.drop_duplicates("code", keep="last").set_index("code")["name"]
    rows["org_name"] = rows["org"].map(names)
    order = {k.code: i for i, k in enumerate(catalogue)}
    rows = rows.sort_values(["kpi", "end_month"], key=lambda s: s.map(order) if s.name == "kpi" else s)
    return rows.reset_index(drop=True)[EXPORT_COLUMNS]
