"""Data-quality checks: where the figures themselves look wrong.

:func:`run_checks` runs every check over the stored facts (a :class:`~metrics.report.Dataset`)
and the stored report's monthly rows of every unit (figures and SPC limits, as every page shows
them; ``data.report_store.read_rows(conn, "month")``), and returns one
row per finding in ``FINDING_COLUMNS``. Each check is a small vectorised function; each finding
says in plain English what is wrong and names the numbers, and links to the KPI's trend page.

Severities (``SEVERITIES``), and why:

* **error**: two figures contradict each other, so at least one of them is wrong: team figures
  that do not add up to their parent's own loaded figure (``sum_mismatch``), and the authority's
  own figure differing from what the DfE published for the same date (``published_mismatch``).
  ``python -m data check`` exits 1 when there is one.
* **warning**: the figures look incomplete or fed wrongly: months missing inside a series
  (``missing_months``), a series that stopped being loaded (``stale``), a denominator that jumps
  month on month (``denominator_jump``).
* **info**: worth a look, possibly genuine: a value outside its SPC process limits
  (``outside_limits``, "check at source"), a figure revised after it was first loaded
  (``revised``).

Which figures each check looks at: the missing months, stale, denominator and process-limit
checks look at the series a unit loads itself ("own" figures), never at figures rolled up from
its teams (a rolled-up series inherits its teams' problems, which are reported once, at the
team). The sum check compares a unit's own figure with its children's figures (own or rolled
up). The published check compares the authority's figure (own or rolled up) with the benchmark
named "Published (DfE)".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

import numpy as np
import pandas as pd

from metrics import spc
from metrics.aggregate import kpi_attributes, ratio_value
from metrics.catalogue import Catalogue
from metrics.orgtree import authorities, tree_by_month
from metrics.periods import month_index, month_name
from metrics.report import Dataset, benchmarks_for

FINDING_COLUMNS = ["check", "title", "severity", "kpi", "kpi_name", "org", "period", "message", "link"]
SEVERITIES = ("error", "warning", "info")
PUBLISHED = "Published (DfE)"

# check -> (title, severity), in the order the checks run and are shown within a severity
CHECKS: dict[str, tuple[str, str]] = {
    "sum_mismatch": ("Team figures that do not add up", "error"),
    "published_mismatch": ("Differences from the DfE's published figures", "error"),
    "missing_months": ("Missing months", "warning"),
    "stale": ("Stale data", "warning"),
    "denominator_jump": ("Denominators that jump", "warning"),
    "outside_limits": ("Values outside their process limits", "info"),
    "revised": ("Figures revised after first load", "info"),
}
# A finding is the same finding in a later run when these match (used to record only the
# findings a load caused). Messages are left out because some name numbers that move with every
# load (process limits, the latest month); a revision is one event, so its message is kept.
IDENTITY = ["check", "kpi", "org", "period"]
IDENTIFIED_BY_MESSAGE = frozenset({"revised"})

_EPS = 1e-9  # float noise allowed on top of a tolerance (figures are sums of decimals)


class QualityError(ValueError):
    """The checks were given settings they cannot use: the message says which."""


@dataclass(frozen=True)
class QualityOptions:
    """Thresholds of the checks.

    ``sum_tolerance``: how far (absolute) the sum of the children may be from the parent's own
    figure (counts: the values; ratio KPIs: numerators and denominators) before it is an error.
    ``stale_months``: how many months the latest figure may lag ``today_month`` (2: in November,
    figures up to September are expected). ``denominator_jump``: a denominator more than this many
    times the previous month's, or less than its reciprocal, is flagged; exactly the factor is
    not. ``denominator_floor``: jumps where both months' denominators are below this are small
    numbers moving, not a feed problem, and are not flagged. ``published_tolerance``: how far the
    authority's figure, rounded to the published figure's decimals, may be from it.
    ``spikes_only``: report only values outside the process limits that also jump away from
    their neighbours (see :func:`_outside_limits`); False reports every point outside the limits.
    ``spc_options``: the SPC settings the process limits are drawn with.
    """

    sum_tolerance: float = 0.0
    stale_months: int = 2
    denominator_jump: float = 2.0
    denominator_floor: float = 20.0
    published_tolerance: float = 0.0
    spikes_only: bool = True
    spc_options: spc.SpcOptions = field(default_factory=spc.SpcOptions)

    def __post_init__(self) -> None:
        if self.sum_tolerance < 0 or self.published_tolerance < 0:
            raise QualityError("tolerances cannot be negative")
        if self.stale_months < 0:
            raise QualityError(f"stale_months cannot be negative, not {self.stale_months}")
        if not self.denominator_jump > 1:
            raise QualityError(f"denominator_jump must be more than 1, not {self.denominator_jump}")


def run_checks(
    dataset: Dataset,
    catalogue: Catalogue,
    monthly: pd.DataFrame,
    *,
    today_month: str | None = None,
    options: QualityOptions = QualityOptions(),
) -> pd.DataFrame:
    """Every finding of every check, errors first, then by check, KPI (catalogue order), unit, month.

    ``monthly`` is the stored report's monthly rows for every unit; ``today_month``
    (``YYYY-MM``, default the current month) is what the stale check measures from.
    """
    if dataset.figures.empty and dataset.revisions.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FINDING_COLUMNS})
    context = _Context(dataset, catalogue, monthly, today_month or dt.date.today().strftime("%Y-%m"), options)
    frames = [
        found.assign(check=name)
        for name, check in _CHECK_FUNCTIONS.items()
        if not (found := check(context)).empty
    ]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FINDING_COLUMNS})
    findings = pd.concat(frames, ignore_index=True)
    findings["severity"] = findings["check"].map(lambda c: CHECKS[c][1])
    return shown_findings(findings, catalogue)


def shown_findings(findings: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Findings (stored, or just found) in ``FINDING_COLUMNS`` with titles, KPI names and links,
    errors first, then by check, KPI (catalogue order), unit and month."""
    if findings.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FINDING_COLUMNS})
    findings = findings.copy()
    findings["title"] = findings["check"].map(lambda c: CHECKS[c][0])
    findings["kpi_name"] = findings["kpi"].map(kpi_attributes(catalogue, "name")).fillna(findings["kpi"])
    findings["period"] = findings["period"].fillna("")
    findings["link"] = _links(findings)
    order = {k.code: i for i, k in enumerate(catalogue)}
    severity = {s: i for i, s in enumerate(SEVERITIES)}
    check_order = {c: i for i, c in enumerate(CHECKS)}
    keys = pd.DataFrame(
        {
            "s": findings["severity"].map(severity),
            "c": findings["check"].map(check_order),
            "k": findings["kpi"].map(order).fillna(len(order)),
            "o": findings["org"],
            "p": findings["period"],
        }
    )
    findings = findings.loc[keys.sort_values(["s", "c", "k", "o", "p"], kind="stable").index]
    return findings.reset_index(drop=True)[FINDING_COLUMNS]


def _links(findings: pd.DataFrame) -> pd.Series:
    """The KPI trend page of each finding: /kpi?kpi=..&org=..&period=month&to=.. (no ``to``
    without a month), with the codes quoted as :func:`urllib.parse.urlencode` would."""

    def quoted(column: pd.Series) -> pd.Series:
        return column.map({v: quote_plus(str(v)) for v in column.unique()})

    period = findings["period"]
    to = ("&to=" + quoted(period)).where(period != "", "")
    return "/kpi?kpi=" + quoted(findings["kpi"]) + "&org=" + quoted(findings["org"]) + "&period=month" + to


def finding_keys(findings: pd.DataFrame) -> pd.Series:
    """What makes two findings the same finding (see ``IDENTITY``), as one string per row."""
    if findings.empty:
        return pd.Series([], dtype=object, index=findings.index)
    parts = findings[IDENTITY].fillna("").astype(str)
    key = parts["check"] + "|" + parts["kpi"] + "|" + parts["org"] + "|" + parts["period"]
    by_message = findings["check"].isin(IDENTIFIED_BY_MESSAGE)
    return key.where(~by_message, key + "|" + findings["message"].astype(str))


def has_errors(findings: pd.DataFrame) -> bool:
    return bool((findings["severity"] == "error").any()) if not findings.empty else False


# --- the checks -------------------------------------------------------------------------------


class _Context:
    """What several checks need, computed once."""

    def __init__(
        self,
        dataset: Dataset,
        catalogue: Catalogue,
        monthly: pd.DataFrame,
        today: str,
        options: QualityOptions,
    ) -> None:
        self.dataset, self.catalogue, self.monthly = dataset, catalogue, monthly
        self.today, self.options = today, options
        self.is_ratio = kpi_attributes(catalogue, "is_ratio")
        self.unit = kpi_attributes(catalogue, "unit")
        self.over_time = kpi_attributes(catalogue, "over_time")
        self.factor = kpi_attributes(catalogue, "factor")
        # The figures units loaded themselves, as monthly_figures shows them (a ratio KPI's value
        # from its numerator and denominator), grouped into series (one KPI of one unit, numbered
        # in ``series``) in month order, each month also as an integer (``index``).
        own = dataset.figures[["kpi", "org", "period", "numerator", "denominator", "value"]]
        own = own.drop_duplicates(["kpi", "org", "period"])
        ratio = own["kpi"].map(self.is_ratio).fillna(False).astype(bool)
        factor = own["kpi"].map(self.factor).astype(float)
        own = own.assign(
            value=own["value"].where(~ratio, ratio_value(own["numerator"], own["denominator"], factor)),
            numerator=own["numerator"].where(ratio),
            denominator=own["denominator"].where(ratio),
            index=_month_indexes(own["period"]),
        )
        kpi_code, org_code = pd.factorize(own["kpi"])[0], pd.factorize(own["org"])[0]
        series = kpi_code.astype("int64") * (int(org_code.max(initial=0)) + 1) + org_code
        order = np.lexsort((own["index"].to_numpy(), series))
        self.own = own.iloc[order].assign(series=series[order]).reset_index(drop=True)


def _spans(own: pd.DataFrame) -> pd.DataFrame:
    """Per series of own figures: its KPI and unit, first and last month (as integers), count."""
    heads = own["series"].ne(own["series"].shift()).to_numpy()
    tails = np.r_[heads[1:], True] if len(own) else heads
    index = own["index"].to_numpy()
    return pd.DataFrame(
        {
            "kpi": own["kpi"].to_numpy()[heads],
            "org": own["org"].to_numpy()[heads],
            "first": index[heads],
            "last": index[tails],
            "count": np.diff(np.r_[np.flatnonzero(heads), len(own)]),
        }
    )


def _month_indexes(periods: pd.Series) -> pd.Series:
    uniques = {m: month_index(m) for m in periods.unique()}
    return periods.map(uniques).astype("int64")


def _frame(**columns: object) -> pd.DataFrame:
    return pd.DataFrame({"kpi": [], "org": [], "period": [], "message": []} | columns)


def _missing_months(ctx: _Context) -> pd.DataFrame:
    """Months with no figure between a unit's first and latest figure of a KPI, while it was open."""
    own = ctx.own
    if own.empty:
        return _frame()
    span = _spans(own)
    gappy = span[span["last"] - span["first"] + 1 > span["count"]]
    if gappy.empty:
        return _frame()
    lengths = (gappy["last"] - gappy["first"] + 1).to_numpy()
    grid = pd.DataFrame(
        {
            "kpi": np.repeat(gappy["kpi"].to_numpy(), lengths),
            "org": np.repeat(gappy["org"].to_numpy(), lengths),
            "index": np.concatenate(
                [np.arange(a, b + 1) for a, b in zip(gappy["first"], gappy["last"], strict=True)]
            ),
        }
    )
    grid = grid.merge(own[["kpi", "org", "index"]], how="left", indicator=True)
    missing = grid[grid["_merge"] == "left_only"].drop(columns="_merge")
    missing["period"] = [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in missing["index"]]
    # a unit is not missing figures for months in which it did not exist (closed, not yet open)
    tree = tree_by_month(ctx.dataset.orgs, sorted(missing["period"].unique()))
    missing = missing.merge(tree[["org", "period"]], on=["org", "period"], how="inner")
    if missing.empty:
        return _frame()
    missing = missing.sort_values(["kpi", "org", "index"]).reset_index(drop=True)
    # one finding per run of consecutive missing months
    new_run = (
        (missing["index"].diff() != 1)
        | (missing["kpi"] != missing["kpi"].shift())
        | (missing["org"] != missing["org"].shift())
    )
    missing["run"] = new_run.cumsum()
    runs = missing.groupby("run").agg(
        kpi=("kpi", "first"),
        org=("org", "first"),
        start=("period", "first"),
        end=("period", "last"),
        months=("index", "size"),
    )
    runs = runs.merge(span, on=["kpi", "org"])
    messages = []
    for r in _records(runs):
        gap = month_name(r.start) if r.months == 1 else f"{month_name(r.start)} to {month_name(r.end)}"
        first = month_name(_month(int(r.first)))
        last = month_name(_month(int(r.last)))
        messages.append(
            f"no figure{'s' if r.months > 1 else ''} for {gap}: {r.months} month{_s(r.months)} missing "
            f"in a series that runs from {first} to {last}"
        )
    return _frame(kpi=runs["kpi"], org=runs["org"], period=runs["start"], message=messages)


def _revised(ctx: _Context) -> pd.DataFrame:
    """Figures changed by a later load: before and after, when and from which file."""
    rev = ctx.dataset.revisions
    if rev.empty:
        return _frame()
    changed = pd.Series(False, index=rev.index)
    for column in ("value", "numerator", "denominator"):
        before, after = rev[f"{column}_before"], rev[f"{column}_after"]
        changed |= ~((before == after) | (before.isna() & after.isna()))
    rev = rev[changed]  # a change to the commentary alone is not a revised figure
    messages = [
        f"revised from {_describe(ctx, r.kpi, r.numerator_before, r.denominator_before, r.value_before)} "
        f"to {_describe(ctx, r.kpi, r.numerator_after, r.denominator_after, r.value_after)} "
        f"by {r.file_name}, loaded {_when(r.loaded_at)}"
        for r in _records(rev)
    ]
    return _frame(kpi=rev["kpi"], org=rev["org"], period=rev["period"], message=messages)


def _sum_mismatch(ctx: _Context) -> pd.DataFrame:
    """A unit's own figure against the sum of its children's (counts: values; ratios: parts)."""
    own, monthly, orgs = ctx.own, ctx.monthly, ctx.dataset.orgs
    if own.empty or orgs.empty:
        return _frame()
    parents = set(orgs.loc[orgs["parent"] != "", "parent"])
    # only KPIs that more than one unit loads can have a parent's figure and its children's
    shared = _spans(own)["kpi"].value_counts()
    own_parents = own[own["org"].isin(parents) & own["kpi"].isin(shared.index[shared > 1])]
    if own_parents.empty:
        return _frame()
    tree = tree_by_month(orgs, sorted(own_parents["period"].unique()))
    tree = tree[tree["parent"].isin(set(own_parents["org"]))]
    rows = monthly.merge(tree[["org", "period", "parent"]], on=["org", "period"], how="inner")
    rows = rows.merge(own_parents[["kpi", "org", "period"]].rename(columns={"org": "parent"}))
    if rows.empty:
        return _frame()
    group = rows.groupby(["kpi", "parent", "period"], sort=False)
    sums = group[["numerator", "denominator", "value"]].sum(min_count=1)
    sums["units"] = group.size()
    sums = sums.reset_index().rename(columns={"parent": "org"})
    both = sums.merge(own_parents, on=["kpi", "org", "period"], suffixes=("_sum", ""))
    is_ratio = both["kpi"].map(ctx.is_ratio).astype(bool)
    tol = ctx.options.sum_tolerance
    diffs = {c: (both[f"{c}_sum"] - both[c]).abs() for c in ("value", "numerator", "denominator")}
    bad = {c: d > tol + _EPS * np.fmax(both[c].abs(), 1.0) for c, d in diffs.items()}
    flagged = (~is_ratio & bad["value"]) | (is_ratio & (bad["numerator"] | bad["denominator"]))
    both = both[flagged]
    messages = []
    for r in _records(both):
        below = f"the {r.units} unit{_s(r.units)} below {r.org} add{'' if r.units > 1 else 's'} up to"
        if ctx.is_ratio[r.kpi]:
            parts = [
                f"the {name}s differ by {_num(abs(total - mine))}"
                for name, total, mine in (
                    ("numerator", r.numerator_sum, r.numerator),
                    ("denominator", r.denominator_sum, r.denominator),
                )
                if abs(total - mine) > tol + _EPS * max(abs(mine), 1.0)
            ]
            messages.append(
                f"{below} {_num(r.numerator_sum)}/{_num(r.denominator_sum)}, but {r.org}'s own figure is "
                f"{_num(r.numerator)}/{_num(r.denominator)}: {' and '.join(parts)} (tolerance {_num(tol)})"
            )
        else:
            messages.append(
                f"{below} {_num(r.value_sum)}, but {r.org}'s own figure is {_num(r.value)}: "
                f"a difference of {_num(abs(r.value_sum - r.value))} (tolerance {_num(tol)})"
            )
    return _frame(kpi=both["kpi"], org=both["org"], period=both["period"], message=messages)


def _outside_limits(ctx: _Context) -> pd.DataFrame:
    """Values outside their segment's XmR process limits: check the figure at source.

    The limits are the stored report's (``ctx.monthly`` holds its monthly rows), so a finding
    quotes the limits the KPI's chart draws. With ``spikes_only`` (the default) a point must also
    stand out from its neighbours: its moving range from the point before, and to the point
    after, each exceed the upper range limit (3.267 times the average moving range; a segment's
    first or last point needs only the one neighbour it has). That is the shape of a keying or
    extract error, or of a sudden change in the month just loaded; a series drifting slowly past
    limits drawn over many years is a change in the process, which the SPC view shows.
    """
    own = ctx.own
    valued = own[own["value"].notna()].reset_index(drop=True)
    spc_columns = ["spc_mean", "spc_lower", "spc_upper", "spc_segment", "spc_rule", "spc_provisional"]
    if valued.empty or not set(spc_columns) <= set(ctx.monthly.columns):
        return _frame()
    stored = ctx.monthly[["kpi", "org", "period", *spc_columns]]
    valued = valued.merge(stored, on=["kpi", "org", "period"], how="left")
    series = valued["series"].to_numpy()
    y = valued["value"].to_numpy(dtype=float)
    mean, upper = valued["spc_mean"].to_numpy(dtype=float), valued["spc_upper"].to_numpy(dtype=float)
    hits = (valued["spc_rule"] == "outside").to_numpy(dtype=bool, copy=True)
    segment = valued["spc_segment"].to_numpy(dtype=float)
    consecutive = np.diff(valued["index"].to_numpy()) == 1
    linked = (series[1:] == series[:-1]) & (segment[1:] == segment[:-1]) & consecutive
    has_prev, has_next = np.r_[False, linked], np.r_[linked, False]
    if ctx.options.spikes_only:
        limit = spc.SCREEN * (upper - mean) / spc.LIMIT  # the upper range limit, from the average mR
        jump = np.abs(np.diff(y)) > limit[1:]
        jump_in = np.r_[False, jump] & has_prev
        jump_out = np.r_[jump, False] & has_next
        hits &= (jump_in | ~has_prev) & (jump_out | ~has_next) & (has_prev | has_next)
    before = np.r_[np.nan, y[:-1]]
    before[~has_prev] = np.nan
    before_month = valued["period"].shift(fill_value="").to_numpy()
    firm = ctx.options.spc_options.min_points_for_firm_limits
    rows, before, before_month = valued[hits], before[hits], before_month[hits]
    messages = []
    for r, b, m in zip(_records(rows), before.tolist(), before_month.tolist(), strict=True):
        side, limit_value = (
            ("above the upper", r.spc_upper) if r.value > r.spc_upper else ("below the lower", r.spc_lower)
        )
        text = (
            f"{_value(ctx, r.kpi, r.value)} is {side} process limit of {_value(ctx, r.kpi, limit_value)} "
            f"(average {_value(ctx, r.kpi, r.spc_mean)})"
        )
        if not np.isnan(b):
            text += f", after {_value(ctx, r.kpi, b)} in {month_name(m)}"
        text += ": check the figure at source"
        if r.spc_provisional == "yes":
            text += f" (provisional limits: fewer than {firm} months)"
        messages.append(text)
    return _frame(kpi=rows["kpi"], org=rows["org"], period=rows["period"], message=messages)


def _stale(ctx: _Context) -> pd.DataFrame:
    """Series whose latest month lags today by more than ``stale_months`` (while the unit is open)."""
    own = ctx.own
    if own.empty:
        return _frame()
    latest = _spans(own).rename(columns={"last": "index"})
    expected = month_index(ctx.today) - ctx.options.stale_months
    closed = ctx.dataset.orgs.drop_duplicates("code", keep="last").set_index("code")["closed"]
    closed_at = latest["org"].map(closed).fillna("")
    cutoff = np.array([min(expected, month_index(c)) if c else expected for c in closed_at], dtype="int64")
    stale = latest[latest["index"].to_numpy() < cutoff]
    messages = [
        f"the latest figure is for {month_name(_month(i))}, {month_index(ctx.today) - i} months before "
        f"{month_name(ctx.today)}: figures up to {month_name(_month(expected))} were expected"
        for i in stale["index"].tolist()
    ]
    periods = [_month(i) for i in stale["index"].tolist()]
    return _frame(kpi=stale["kpi"], org=stale["org"], period=periods, message=messages)


def _denominator_jump(ctx: _Context) -> pd.DataFrame:
    """A ratio KPI whose denominator changes by more than the factor between consecutive months."""
    own = ctx.own
    if own.empty:
        return _frame()
    ratio_kpis = [k for k, r in ctx.is_ratio.items() if r]
    rows = own[own["kpi"].isin(ratio_kpis) & own["denominator"].notna()].reset_index(drop=True)
    if len(rows) < 2:
        return _frame()
    prev = rows.shift()
    consecutive = (rows["series"] == prev["series"]) & (rows["index"] - prev["index"] == 1)
    now, before = rows["denominator"], prev["denominator"]
    factor = ctx.options.denominator_jump
    with np.errstate(divide="ignore", invalid="ignore"):
        up = now > factor * before * (1 + _EPS)
        down = before > factor * now * (1 + _EPS)
    big = np.fmax(now, before) >= ctx.options.denominator_floor
    hit = consecutive & (up | down) & big
    rows, prev = rows[hit], prev[hit]
    messages = []
    for r, p in zip(_records(rows), _records(prev), strict=True):
        if min(r.denominator, p.denominator) > 0:
            times = max(r.denominator, p.denominator) / min(r.denominator, p.denominator)
            how = f"{_num(round(times, 1))} times {'as many' if r.denominator > p.denominator else 'fewer'}"
        else:
            how = "from nothing" if r.denominator > p.denominator else "to nothing"
        messages.append(
            f"the denominator went from {_num(p.denominator)} in {month_name(p.period)} to "
            f"{_num(r.denominator)} in {month_name(r.period)}, {how} "
            f"(a change of more than {_num(factor)} times either way is flagged)"
        )
    return _frame(kpi=rows["kpi"], org=rows["org"], period=rows["period"], message=messages)


def _published_mismatch(ctx: _Context) -> pd.DataFrame:
    """The authority's figure at the date of a DfE publication against the published figure.

    A stock (``over_time = "last"``) is compared in the month; a flow (``"sum"``) over the 12
    months ending then (a year's starts), and only when all 12 are there. Ours is rounded to the
    published figure's decimals first, so 66.8 per 10,000 against a published 67 is no finding.
    """
    bench, orgs, monthly = ctx.dataset.benchmarks, ctx.dataset.orgs, ctx.monthly
    if bench.empty or orgs.empty or monthly.empty:
        return _frame()
    published = bench[(bench["comparator"] == PUBLISHED) & bench["value"].notna()]
    published = published[published["kpi"].isin(set(monthly["kpi"]))].reset_index(drop=True)
    if published.empty:
        return _frame()
    # each authority against its own published figures (and those of every authority, org "")
    found = [_published_mismatch_of(ctx, a, benchmarks_for(published, a)) for a in authorities(orgs)]
    found = [f for f in found if not f.empty]
    return pd.concat(found, ignore_index=True) if found else _frame()


def _published_mismatch_of(ctx: _Context, authority: str, published: pd.DataFrame) -> pd.DataFrame:
    """One authority's figures against the published figures ``published`` (its own)."""
    monthly = ctx.monthly
    if published.empty:
        return _frame()
    ours = monthly[monthly["org"] == authority]
    ours = ours.assign(index=_month_indexes(ours["period"]))
    published = published.assign(index=_month_indexes(published["period"]))
    flows = published["kpi"].map(ctx.over_time) == "sum"
    # stocks: the month itself; flows: each of the 12 months ending then, added up below
    offsets = np.where(flows, 12, 1)
    wanted = published.loc[published.index.repeat(offsets), ["kpi", "period", "index", "value"]]
    wanted = wanted.rename(columns={"value": "published", "period": "bench_period"})
    wanted["month"] = wanted["index"] - wanted.groupby(level=0).cumcount()
    wanted["key"] = wanted.index
    parts = wanted.merge(
        ours[["kpi", "index", "numerator", "denominator", "value"]].rename(columns={"index": "month"}),
        on=["kpi", "month"],
        how="inner",
    )
    group = parts.groupby("key")
    totals = group[["numerator", "denominator", "value"]].sum(min_count=1)
    totals["months"] = group.size()
    totals = totals.join(published[["kpi", "period", "value"]].rename(columns={"value": "published"}))
    totals = totals[totals["months"] == offsets[published.index.get_indexer(totals.index)]]
    is_ratio = totals["kpi"].map(ctx.is_ratio).astype(bool)
    factors = totals["kpi"].map(ctx.factor).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        computed = factors * totals["numerator"] / totals["denominator"].where(totals["denominator"] > 0)
    totals["ours"] = totals["value"].where(~is_ratio, computed)
    totals = totals[totals["ours"].notna()]
    decimals = totals["published"].map(_decimals)
    scale = 10.0**decimals
    totals["rounded"] = np.floor(totals["ours"] * scale + 0.5 + _EPS) / scale
    diff = (totals["rounded"] - totals["published"]).abs()
    totals = totals[diff > ctx.options.published_tolerance + _EPS * np.fmax(totals["published"].abs(), 1.0)]
    messages = []
    for r in _records(totals):
        when = (
            f"our figure for the 12 months to {month_name(r.period)}"
            if ctx.over_time[r.kpi] == "sum"
            else f"our {month_name(r.period)} figure"
        )
        ours_text = _num(r.ours)
        if _num(r.rounded) != ours_text:
            ours_text += f" ({_num(r.rounded)} to the published precision)"
        messages.append(
            f"{when} was {ours_text}, DfE published {_num(r.published)}: "
            f"a difference of {_num(abs(r.rounded - r.published))}"
        )
    return _frame(kpi=totals["kpi"], org=authority, period=totals["period"], message=messages)


_CHECK_FUNCTIONS: dict[str, Callable[[_Context], pd.DataFrame]] = {
    "sum_mismatch": _sum_mismatch,
    "published_mismatch": _published_mismatch,
    "missing_months": _missing_months,
    "stale": _stale,
    "denominator_jump": _denominator_jump,
    "outside_limits": _outside_limits,
    "revised": _revised,
}


# --- wording ----------------------------------------------------------------------------------


def _records(frame: pd.DataFrame) -> list[Any]:
    """Rows as named tuples, typed loosely (each field holds whatever its column holds)."""
    return list(frame.itertuples(index=False))


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _num(x: float) -> str:
    """A number as a reader writes it: 1,553; 80; 27.35 (at most two decimals, none trailing)."""
    text = f"{float(x):,.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _decimals(x: float) -> int:
    """Decimals a published figure is given to (67 -> 0, 15.2 -> 1), at most 6."""
    text = f"{float(x):.6f}".rstrip("0")
    return len(text) - text.index(".") - 1


def _value(ctx: _Context, kpi: str, value: float) -> str:
    """A KPI value with its unit: 80.5%, 27.3 per 10,000, 412."""
    unit = ctx.unit.get(kpi, "count")
    if unit == "percent":
        return f"{_num(round(value, 1))}%"
    if unit == "rate":
        return f"{_num(round(value, 1))} per 10,000"
    if unit in ("days", "weeks"):
        return f"{_num(round(value, 1))} {unit}"
    return _num(value)


def _describe(ctx: _Context, kpi: str, numerator: float, denominator: float, value: float) -> str:
    """A stored figure: a count's value, or a ratio's parts and the value they make."""
    if not ctx.is_ratio.get(kpi, False) or pd.isna(numerator) or pd.isna(denominator):
        return "no value" if pd.isna(value) else _num(value)
    factor = float(ctx.factor.get(kpi, 1.0))  # type: ignore[arg-type]
    text = f"{_num(numerator)}/{_num(denominator)}"
    if denominator > 0:
        text += f" ({_value(ctx, kpi, factor * numerator / denominator)})"
    return text


def _when(stamp: str) -> str:
    """An ISO load time as '2026-11-21 23:43' (UTC as stored)."""
    return str(stamp).replace("T", " ")[:16]
