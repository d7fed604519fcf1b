"""The figures report: the one computation behind the dashboard, its downloads and the export.

``build_report`` turns the stored facts (a :class:`Dataset`) into every row any reader can ask
for; the loader runs it once per load and stores the rows (``data.report_store``). Readers (every
page, ``/api/figures.csv``, ``python -m data export``, the data-quality checks, the committee
pack) select stored rows with :func:`select_report`, so no two of them can disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from metrics import spc
from metrics.aggregate import FIGURE_COLUMNS, PERIOD_COLUMNS, finish_ratios, kpi_attributes, roll_up
from metrics.catalogue import Catalogue
from metrics.errors import UserError
from metrics.orgtree import UnknownOrg, descendants, root, subtree, tree_by_month
from metrics.periods import (
    PERIOD_KINDS,
    add_months,
    month_index,
    month_name,
    month_range,
    period_label,
    period_labels,
)
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
EXTRA_COLUMNS += ["commentary", "spc_provisional", "spc_rule", "spc_since", "spc_from", "spc_to"]
EXTRA_COLUMNS += ["spc_segment", "spc_moved"]
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
    home: str = ""  # the authority a reader's pages open on ("" : the only one, or the first)
    # One row per revision of a figure: the values before and after, and the load (file, time)
    # that made it. Empty when nothing was ever revised.
    revisions: pd.DataFrame = field(default_factory=lambda: _empty(REVISION_COLUMNS))
    # Commentary written in the dashboard (kpi, org, period, commentary, written_by, written_at):
    # it replaces a figures file's commentary for the same KPI, unit and month.
    commentary: pd.DataFrame = field(default_factory=lambda: _empty(["kpi", "org", "period", "commentary"]))


def for_authority(dataset: Dataset, code: str) -> Dataset:
    """One authority's part of the facts, its tree rooted at it: what its report is built from.
    Targets with no unit (every unit's) apply to every authority; a group takes no part."""
    orgs = subtree(dataset.orgs, code)
    units = set(orgs["code"])

    def own(frame: pd.DataFrame, *, generic: bool = False) -> pd.DataFrame:
        keep = frame["org"].isin(units) | ((frame["org"] == "") if generic else False)
        return frame[keep].reset_index(drop=True)

    return replace(
        dataset,
        orgs=orgs,
        benchmarks=benchmarks_for(dataset.benchmarks, code),
        figures=own(dataset.figures),
        targets=own(dataset.targets, generic=True),
        process_changes=own(dataset.process_changes),
        commentary=own(dataset.commentary),
        revisions=own(dataset.revisions),
    )


def benchmarks_for(benchmarks: pd.DataFrame, authority: str) -> pd.DataFrame:
    """The benchmarks an authority's report uses: every authority's (``org`` "": England, and
    files without an org column) and its own (its region, neighbours, published figure); its own
    beats every authority's for the same KPI, period and comparator. A frame without ``org`` is
    every authority's."""
    if "org" not in benchmarks or benchmarks.empty:
        return benchmarks
    org = benchmarks["org"].fillna("").astype(str)
    chosen = benchmarks[(org == "") | (org == authority)]
    mine = (org[chosen.index] == authority).to_numpy()
    ordered = chosen.iloc[np.argsort(mine, kind="stable")]  # its own rows last: they win
    kept = ordered.drop_duplicates(["kpi", "period", "comparator"], keep="last")
    return kept.sort_index().reset_index(drop=True)


class ReportError(UserError):
    """A report was asked for with parameters that cannot be met (the message says why)."""


@dataclass(frozen=True)
class ReportQuery:
    """What to report: KPIs (None: all), one unit (None: the authority), months and period."""

    kpis: tuple[str, ...] | None = None
    org: str | None = None
    start: str | None = None
    end: str | None = None
    period: str = "month"

    def with_org(self, org: str) -> ReportQuery:
        return replace(self, org=org)

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


REPORT_KINDS = ("month", "quarter", "year")
"""The period kinds stored. Year to date is the financial year as at each month (the same
figures), stored once: :func:`select_report` labels it and gives it its own direction."""
RULES_VERSION = "2026-12"
"""Changes when a rule behind the stored report changes: a stored report built with other rules is
rebuilt at the next load (``python -m data rebuild`` does it at once)."""
SPC_DETAIL_COLUMNS = EXTRA_COLUMNS[-6:]
STORED_COLUMNS = ["kind", "as_at", "closing", "period", "kpi", "org", "numerator", "denominator", "value"]
STORED_COLUMNS += ["target", "tolerance", "rag", "direction", "months", *SPC_COLUMNS, "spc_provisional"]
STORED_COLUMNS += [*SPC_DETAIL_COLUMNS, *COMPARATORS, "commentary", "ytd_direction"]
"""The stored report's columns: every export column but the names (joined when read), plus the
period kind, the month a row is as at (``end_month`` in the export) and ``closing`` (the row is
the last month of its period that has a figure)."""


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


def build_report(dataset: Dataset, catalogue: Catalogue) -> pd.DataFrame:
    """Every row any reader can ask for: each unit (own figures or rolled up) x KPI x month, and
    the quarter, year to date and financial year as at each month, with targets, RAG, direction
    of travel, SPC, comparators and commentary. Columns: :data:`STORED_COLUMNS`.

    Computed once per load and stored (``data.report_store``); readers select, never compute.
    """
    monthly = monthly_figures(dataset, catalogue)
    if monthly.empty:
        return _empty(STORED_COLUMNS)
    polarity_of = kpi_attributes(catalogue, "polarity")
    frames = []
    for kind in REPORT_KINDS:
        rows = as_at_periods(monthly, kind, catalogue)
        rows = attach_targets(rows, dataset.targets)
        polarity = rows["kpi"].map(polarity_of)
        rows["rag"] = rag_series(rows["value"], rows["target"], rows["tolerance"], polarity)
        rows.loc[polarity == "none", ["target", "tolerance"]] = float("nan")
        rows["direction"] = direction_of_travel(rows, polarity, previous_value(rows, kind))
        rows["ytd_direction"] = (
            direction_of_travel(rows, polarity, previous_value(rows, "ytd")) if kind == "year" else None
        )
        if kind == "month":
            rows = with_spc(rows, dataset.process_changes, polarity)
        else:
            rows = rows.assign(spc_provisional=None, **_blank(SPC_COLUMNS + SPC_DETAIL_COLUMNS))
        flows = rows["kpi"].map(kpi_attributes(catalogue, "over_time")) == "sum"
        rows = _with_comparators(rows, dataset.benchmarks, flows)
        frames.append(rows.assign(kind=kind, as_at=rows["end_month"]))
    report = pd.concat(frames, ignore_index=True)
    return report[STORED_COLUMNS]


SERIES_COLUMNS = ["kpi", "org", "first_month", "latest_month", "own"]


def series_summary(report: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """One row per KPI x unit in the report: its first and latest month, and whether the unit
    loads its own figures (rather than having them rolled up). Small: pages read it whole to
    choose defaults and list months without reading figures."""
    months = report[report["kind"] == "month"]
    if months.empty:
        return _empty(SERIES_COLUMNS)
    spans = months.groupby(["kpi", "org"], sort=False)["as_at"].agg(["min", "max"]).reset_index()
    spans.columns = ["kpi", "org", "first_month", "latest_month"]
    own = set(zip(figures["kpi"], figures["org"], strict=True))
    spans["own"] = [key in own for key in zip(spans["kpi"], spans["org"], strict=True)]
    return spans[SERIES_COLUMNS]


def as_at_periods(monthly: pd.DataFrame, kind: str, catalogue: Catalogue) -> pd.DataFrame:
    """Periods of ``kind`` as at each month with a figure: a quarter as at its second month
    combines its first two months (flows add, stocks take that month).

    ``end_month`` is the month the row is as at; ``months`` counts the months combined;
    ``closing`` marks the last row of each period.
    Commentary of a period names each month it belongs to, never carrying one month's into another.
    """
    frame = monthly[FIGURE_COLUMNS].sort_values(["kpi", "org", "period"]).reset_index(drop=True)
    frame["end_month"] = frame["period"]
    if kind == "month":
        return frame.assign(months=1, closing=True)[[*PERIOD_COLUMNS, "closing"]]
    labels = period_labels(frame["period"], kind)
    group = [frame["kpi"], frame["org"], labels]
    flows = frame["kpi"].map(kpi_attributes(catalogue, "over_time")) == "sum"
    summed = frame[["numerator", "denominator", "value"]].where(flows, 0.0).groupby(group).cumsum()
    for column in ("numerator", "denominator", "value"):
        frame[column] = frame[column].where(~flows, summed[column].where(frame[column].notna()))
    frame["months"] = frame.groupby(group).cumcount() + 1
    frame = finish_ratios(frame, catalogue)
    frame["commentary"] = _period_commentary(frame, labels)
    frame["period"] = labels
    frame["closing"] = ~frame.duplicated(["kpi", "org", "period"], keep="last")
    return frame[[*PERIOD_COLUMNS, "closing"]]


def _period_commentary(frame: pd.DataFrame, labels: pd.Series) -> pd.Series:
    """For each row, the commentary of its period's months up to it, each with its month."""
    noted = frame["commentary"].notna() & (frame["commentary"].astype(str) != "")
    out = pd.Series(None, index=frame.index, dtype=object)
    if not noted.any():
        return out
    tagged = frame.loc[noted, "period"].map(month_name) + ": " + frame.loc[noted, "commentary"].astype(str)
    key = frame["kpi"] + "|" + frame["org"] + "|" + labels
    rows = pd.DataFrame(
        {"key": key, "at": frame["period"], "text": tagged.reindex(frame.index), "pos": np.arange(len(frame))}
    )
    rows = rows[rows["key"].isin(set(key[noted]))].sort_values(["key", "at"], kind="stable")
    keys, ats = rows["key"].tolist(), rows["at"].tolist()
    notes, positions = rows["text"].tolist(), rows["pos"].tolist()
    found: list[int] = []
    values: list[str] = []
    texts: list[str] = []
    start, count = 0, len(keys)
    while start < count:  # each run of rows of one period and month: the notes up to that month
        stop = start + 1
        while stop < count and keys[stop] == keys[start] and ats[stop] == ats[start]:
            stop += 1
        if start == 0 or keys[start] != keys[start - 1]:
            texts = []
        texts.extend(text for text in notes[start:stop] if isinstance(text, str))
        if texts:
            joined = "; ".join(texts)
            found.extend(positions[start:stop])
            values.extend([joined] * (stop - start))
        start = stop
    joined_rows = pd.Series(values, index=frame.index[found], dtype=object)
    out.loc[joined_rows.index] = joined_rows
    return out


def previous_value(rows: pd.DataFrame, kind: str) -> pd.Series:
    """The figure each row's direction of travel compares with: the previous recorded month; for a
    quarter or year, the previous period's final figure; for year to date, the same month a year
    before."""
    key = rows["kpi"] + "|" + rows["org"]
    if kind == "month":
        ordered = rows.sort_values("end_month")
        return ordered.groupby(key.loc[ordered.index], sort=False)["value"].shift(1).reindex(rows.index)
    if kind == "ytd":
        months = rows["end_month"].unique()  # a few hundred distinct months, not one call a row
        year_before = rows["end_month"].map({m: add_months(m, -12) for m in months})
        lookup = pd.Series(rows["value"].to_numpy(), index=key + "|" + rows["end_month"])
        return (key + "|" + year_before).map(lookup[~lookup.index.duplicated()]).astype(float)
    closing = rows[rows["closing"]].sort_values("end_month")
    before = closing.groupby(key.loc[closing.index], sort=False)["value"].shift(1)
    lookup = pd.Series(before.to_numpy(), index=(key + "|" + rows["period"]).loc[closing.index])
    return (key + "|" + rows["period"]).map(lookup).astype(float)


def select_report(
    stored: pd.DataFrame, catalogue: Catalogue, query: ReportQuery, org_names: pd.Series | None = None
) -> pd.DataFrame:
    """Rows in the export columns for one unit, ordered by KPI (catalogue order) then period,
    selected from stored report rows (:func:`build_report`): no figure is computed here.

    ``end`` is an "as at" cut-off: a quarter or year ending later is the figure to date.
    ``start`` is the first period shown: periods ending before it are left out.
    """
    if query.period == "ytd":  # the financial year as at each month, labelled as its month
        rows = stored[stored["kind"] == "year"]
        rows = rows.assign(period=rows["as_at"] + " YTD", direction=rows["ytd_direction"])
    else:
        rows = stored[stored["kind"] == query.period]
    if query.org is not None:
        rows = rows[rows["org"] == query.org]
    if query.kpis is not None:
        rows = rows[rows["kpi"].isin(query.kpis)]
    if query.end:
        rows = rows[rows["as_at"] <= query.end]
    rows = rows.sort_values("as_at").drop_duplicates(["kpi", "org", "period"], keep="last")
    if query.start:
        rows = rows[rows["period"] >= period_label(query.start, query.period)]
    return export_rows(rows, catalogue, org_names)


def export_rows(rows: pd.DataFrame, catalogue: Catalogue, org_names: pd.Series | None = None) -> pd.DataFrame:
    """Stored report rows in the export's columns and order, with KPI and unit names."""
    if rows.empty:
        return _empty(EXPORT_COLUMNS)
    order = {k.code: i for i, k in enumerate(catalogue)}
    rows = rows.assign(
        end_month=rows["as_at"],
        kpi_name=rows["kpi"].map(kpi_attributes(catalogue, "name")),
        unit=rows["kpi"].map(kpi_attributes(catalogue, "unit")),
        org_name=rows["org"].map(org_names) if org_names is not None else None,
        _order=rows["kpi"].map(order),
    )
    rows = rows.sort_values(["_order", "org", "as_at"])
    return rows[EXPORT_COLUMNS].reset_index(drop=True)


def org_names(orgs: pd.DataFrame) -> pd.Series:
    """Each unit's latest name, by code."""
    return orgs.drop_duplicates("code", keep="last").set_index("code")["name"]


def figures_report(dataset: Dataset, catalogue: Catalogue, query: ReportQuery) -> pd.DataFrame:
    """:func:`build_report` then :func:`select_report` in memory, for one unit: what the stored
    report answers for ``query`` (tests and the in-memory benchmark floor use it)."""
    query.check(catalogue)
    if dataset.orgs.empty:
        return _empty(EXPORT_COLUMNS)
    org = query.org or root(dataset.orgs)
    if org not in set(dataset.orgs["code"]):
        raise UnknownOrg(org)
    figures = dataset.figures
    keep = descendants(dataset.orgs, org)
    figures = figures[figures["org"].isin(keep)]
    if query.kpis is not None:
        figures = figures[figures["kpi"].isin(query.kpis)]
    stored = build_report(replace(dataset, figures=figures), catalogue)
    return select_report(stored, catalogue, query.with_org(org), org_names(dataset.orgs))


SPC_NUMBERS = ("spc_mean", "spc_lower", "spc_upper", "spc_segment")


def _blank(columns: list[str]) -> dict[str, Any]:
    """Empty columns: NaN for numbers (so they stay numeric), None for text."""
    return {c: float("nan") if c in SPC_NUMBERS else None for c in columns}


def with_spc(rows: pd.DataFrame, changes: pd.DataFrame, polarity: pd.Series) -> pd.DataFrame:
    """XmR limits, signals and icons on every month of each KPI and unit's series.

    Each month's variation is its point's; its assurance reads its target against its segment's
    limits. On a series' latest month, a run or trend reaching it is a sustained change
    (``spc_moved``: the month it began) and no assurance is given from limits it has left.
    """
    rows = rows.assign(_pol=polarity, spc_provisional=None, **_blank(SPC_COLUMNS + SPC_DETAIL_COLUMNS))
    rows = rows.sort_values(["kpi", "org", "period"]).reset_index(drop=True)
    valued = rows[rows["value"].notna()]
    if valued.empty:
        return rows.drop(columns="_pol")
    series = (valued["kpi"] + "|" + valued["org"]).to_numpy()
    index = valued["period"].map(month_index).to_numpy()
    same = np.r_[False, series[1:] == series[:-1]]
    gaps = same & (np.r_[0, np.diff(index)] > 1)
    rebase = rebase_flags(valued, changes)
    table = spc.spc_many(valued["value"], series, valued["_pol"], rebase=rebase, gaps=gaps)
    table = table.set_index(valued.index)
    periods = valued["period"].to_numpy(dtype=object)
    at = valued.index
    rows.loc[at, "spc_mean"] = table["mean"].astype(float)
    rows.loc[at, "spc_lower"] = table["lower"].astype(float)
    rows.loc[at, "spc_upper"] = table["upper"].astype(float)
    rows.loc[at, "spc_segment"] = table["segment"].astype(float)
    rows.loc[at, "spc_signal"] = table["signal"]
    rows.loc[at, "spc_provisional"] = table["provisional"].map({True: "yes", False: "no"})
    rows.loc[at, "spc_rule"] = table["rule"].replace("", None)
    start = table["run_start"].to_numpy()
    since = np.where(start >= 0, periods[np.maximum(start, 0)], None)
    rows.loc[at, "spc_since"] = pd.Series(since, index=at, dtype=object)
    segment_key = pd.Series(series, index=at) + "|" + table["segment"].astype(str)
    rows.loc[at, "spc_from"] = valued.groupby(segment_key)["period"].transform("min")
    rows.loc[at, "spc_to"] = valued.groupby(segment_key)["period"].transform("max")
    rows.loc[at, "variation"] = spc.variation_codes(table["direction"], table["special"], valued["_pol"])
    rows.loc[at, "assurance"] = spc.assurance_codes(
        table["lower"], table["upper"], valued["target"], valued["_pol"]
    )
    latest = at[~pd.Series(series).duplicated(keep="last").to_numpy()]
    sustained = latest[(table.loc[latest, "shift"] | table.loc[latest, "trend"]).to_numpy(dtype=bool)]
    if len(sustained):
        began = table.loc[sustained, "change_start"].to_numpy()
        rows.loc[sustained, "spc_moved"] = periods[began]
        rows.loc[sustained, "assurance"] = None
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
    key = (rows["kpi"] + "|" + rows["end_month"]).to_numpy(dtype=object)
    for column, comparator in COMPARATORS.items():
        chosen = benchmarks[benchmarks["comparator"] == comparator]
        # the last row of a kpi and period wins, as in a dict built from the rows in order
        chosen = chosen.drop_duplicates(["kpi", "period"], keep="last")
        lookup = pd.Series(
            pd.to_numeric(chosen["value"], errors="coerce").astype(float).to_numpy(),
            index=pd.Index((chosen["kpi"] + "|" + chosen["period"]).to_numpy(dtype=object), dtype=object),
        )
        found = pd.Series(key, index=rows.index).map(lookup).astype(float)
        rows[column] = found.where(comparable)
    return rows
