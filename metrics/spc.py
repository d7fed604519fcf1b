"""Statistical process control: is a change in a KPI real, or month-to-month noise?

The NHS "Making Data Count" XmR method (as in the R package NHSRplotthedots), vectorised with
numpy. Each baseline segment gets its own mean, moving-range limits and rules; rules never span
segments. The method and its reference vectors are in the shared spec ``spc.md``. Control limits
are statistics; targets are business inputs and meet the limits only in :func:`assurance`. No
colours here: the icons' labels and letters are, and the UI picks the colours.

Choices the spec leaves open, made here (docs/spc.md gives the reasons):

* **Missing months** (NaN, or a month absent from a long-form series) get no statistics, no flags
  and an empty signal. A gap **breaks** every run: a shift or trend counts recorded months in a
  row, so a 7-point run means 7 consecutive calendar months with figures; the moving range is
  not taken across a gap; two of three needs three consecutive months. The limits of a segment
  still use every point of it, either side of a gap.
* **Provisional** means the limits rest on fewer than ``min_points_for_firm_limits`` points: the
  segment's points, or its baseline when a fixed baseline is shorter.
* **Two of three**: "beyond the near-limit band" includes points beyond the process limits
  (the Making Data Count change of November 2023).
* **Precedence**: a flagged point's rule and direction follow the first rule that flags it, in
  the order outside the limits, trend, two of three, shift (Making Data Count; NHSRplotthedots
  since its PR #180). A point in a trend takes the trend's direction, the earlier trend winning
  at a peak or trough shared by two trends.
* **Ties with floating point**: "exactly on the mean", "exactly on a limit" and "target equal to
  a limit" are judged with a relative tolerance of 1e-10, so decimal data such as 0.1 + 0.2
  behaves as a reader expects.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from metrics.errors import UserError
from metrics.periods import month_index, month_name

LIMIT = 2.66
NEAR_LIMIT = 2 * LIMIT / 3
SCREEN = 3.267
REL_TOL = 1e-10

POLARITIES = ("up", "down", "none")

COLUMNS = (
    "value",
    "segment",
    "mean",
    "lower",
    "upper",
    "near_lower",
    "near_upper",
    "provisional",
    "outside",
    "shift",
    "trend",
    "two_of_three",
    "special",
    "signal",
    "direction",
    "rule",
    "run_start",
    "change_start",
)
RULES = ("outside", "shift", "trend", "two_of_three")

VARIATIONS = (
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neutral_high",
    "neutral_low",
)
ASSURANCES = ("consistently_pass", "consistently_fail", "hit_and_miss")

SIGNAL_LABELS = {
    "improvement": "Special cause improvement",
    "concern": "Special cause concern",
    "neutral": "Special cause variation",
    "": "Common cause variation",
}
VARIATION_LABELS = {
    "common_cause": "Common cause variation",
    "improvement_high": "Special cause improvement (high)",
    "improvement_low": "Special cause improvement (low)",
    "concern_high": "Special cause concern (high)",
    "concern_low": "Special cause concern (low)",
    "neutral_high": "Special cause variation, neither improvement nor concern (high)",
    "neutral_low": "Special cause variation, neither improvement nor concern (low)",
}
VARIATION_LETTERS = {
    "common_cause": "C",
    "improvement_high": "H",
    "improvement_low": "L",
    "concern_high": "H",
    "concern_low": "L",
    "neutral_high": "H",
    "neutral_low": "L",
}
VARIATION_HELP = {
    "common_cause": "The latest month is within the usual month-to-month variation.",
    "improvement_high": "The latest month is part of a real change upwards, and higher is better.",
    "improvement_low": "The latest month is part of a real change downwards, and lower is better.",
    "concern_high": "The latest month is part of a real change upwards, and lower is better.",
    "concern_low": "The latest month is part of a real change downwards, and higher is better.",
    "neutral_high": "The latest month is part of a real change upwards.",
    "neutral_low": "The latest month is part of a real change downwards.",
}
ASSURANCE_LABELS = {
    "consistently_pass": "Will consistently pass the target",
    "consistently_fail": "Will consistently fail the target",
    "hit_and_miss": "Will hit and miss the target",
}
ASSURANCE_LETTERS = {"consistently_pass": "P", "consistently_fail": "F", "hit_and_miss": "?"}
ASSURANCE_HELP = {
    "consistently_pass": "The target lies outside the process limits on the good side: "
    "unless the process changes, every month will meet it.",
    "consistently_fail": "The target lies outside the process limits on the bad side: "
    "unless the process changes, no month will meet it.",
    "hit_and_miss": "The target lies within the process limits: some months will meet it and some will not.",
}

_SIGN = {"up": 1, "down": -1, "none": 0}
_VARIATION_BY = {
    ("up", "high"): "improvement_high",
    ("up", "low"): "concern_low",
    ("down", "high"): "concern_high",
    ("down", "low"): "improvement_low",
    ("none", "high"): "neutral_high",
    ("none", "low"): "neutral_low",
}
_SIGNALS = np.array(["concern", "", "improvement", "neutral"], dtype=object)
_DIRECTIONS = np.array(["low", "", "high"], dtype=object)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


class SpcError(UserError):
    """SPC was asked something it cannot answer: the message says what was wrong."""


@dataclass(frozen=True)
class SpcOptions:
    """Settings of the method; the defaults follow the Making Data Count Excel tool."""

    shift_length: int = 7
    trend_length: int = 7
    screen_outliers: bool = False
    fixed_baseline: int | None = None
    min_points_for_firm_limits: int = 12

    def __post_init__(self) -> None:
        if self.shift_length not in (6, 7):
            raise SpcError(f"shift_length must be 6 or 7, not {self.shift_length}")
        if self.trend_length < 2:
            raise SpcError(f"trend_length must be at least 2, not {self.trend_length}")
        if self.fixed_baseline is not None and self.fixed_baseline < 2:
            raise SpcError(
                f"fixed_baseline must be at least 2 points (limits need a moving range), "
                f"not {self.fixed_baseline}"
            )
        if self.min_points_for_firm_limits < 1:
            raise SpcError(
                f"min_points_for_firm_limits must be at least 1, not {self.min_points_for_firm_limits}"
            )


def spc_table(
    values: pd.Series, polarity: str, breaks: Sequence[int] = (), options: SpcOptions = SpcOptions()
) -> pd.DataFrame:
    """SPC for one KPI series: per month, its segment's limits, the rules it trips and its signal.

    ``values`` is in month order (its index is kept; NaN marks a missing month, which is skipped);
    ``breaks`` are positions where a process change starts a new baseline segment. Columns, in
    ``COLUMNS`` order: ``value`` (the input), ``segment`` (from 0), ``mean``, ``lower``, ``upper``,
    ``near_lower``, ``near_upper``, ``provisional``, one flag per rule (``outside``, ``shift``,
    ``trend``, ``two_of_three``), ``special`` (any rule), ``signal`` ("improvement", "concern",
    "neutral" or ""), ``direction`` ("high", "low" or "": which way the special cause points),
    ``rule`` (the rule that decided the point, by precedence, or ""), ``run_start`` (the position
    where that rule's run began, -1 for none) and ``change_start`` (where a shift or trend
    containing the point began, -1 for none). A missing month breaks runs (module docstring).
    """
    _check_polarity(polarity)
    n = len(values)
    starts = np.zeros(n, dtype=bool)
    if n:
        starts[0] = True
    for item in breaks:
        position = operator.index(item)
        if not 0 <= position < n:
            raise SpcError(f"break {position} is outside the series of {n} points")
        starts[position] = True
    return _table(values, starts, starts & (np.arange(n) == 0), _SIGN[polarity], options)


def spc_many(
    values: pd.Series,
    series: npt.ArrayLike | pd.Index | pd.Series,
    polarity: str | npt.ArrayLike | pd.Series = "none",
    rebase: npt.ArrayLike | pd.Series | None = None,
    options: SpcOptions = SpcOptions(),
    gaps: npt.ArrayLike | pd.Series | None = None,
) -> pd.DataFrame:
    """SPC for many series at once (every KPI of every unit), same columns as :func:`spc_table`.

    Rows are in long form: each series' rows together and in month order, ``series`` labelling
    them. ``polarity`` is one value or one per row; ``rebase`` is True on rows where a process
    change starts a new segment; ``gaps`` is True on rows whose month does not follow the row
    before (months absent from the series), which breaks runs as a missing month does.
    Segments are numbered from 0 within each series. ``run_start`` is a row position.
    """
    n = len(values)
    codes, labels = pd.factorize(np.asarray(series) if not isinstance(series, pd.Index) else series)
    if len(codes) != n:
        raise SpcError(f"series has {len(codes)} labels for {n} values")
    first = np.ones(n, dtype=bool)
    first[1:] = codes[1:] != codes[:-1]
    if int(first.sum()) != len(labels):
        raise SpcError("the rows of each series must be together, in month order")
    if isinstance(polarity, str):
        _check_polarity(polarity)
        sign: int | IntArray = _SIGN[polarity]
    else:
        names = np.asarray(polarity)
        if names.dtype.kind != "U":
            names = names.astype(str)
        if len(names) != n:
            raise SpcError(f"polarity has {len(names)} values for {n} values")
        up, down = names == "up", names == "down"
        unknown = ~(up | down | (names == "none"))
        if unknown.any():
            shown = ", ".join(sorted({repr(str(p)) for p in names[unknown]}))
            raise SpcError(f"unknown polarity {shown}: use one of {', '.join(POLARITIES)}")
        sign = up.astype(np.int64) - down
    starts = first.copy()
    if rebase is not None:
        flags = np.asarray(rebase, dtype=bool)
        if len(flags) != n:
            raise SpcError(f"rebase has {len(flags)} values for {n} values")
        starts |= flags
    gap_flags = None
    if gaps is not None:
        gap_flags = np.asarray(gaps, dtype=bool)
        if len(gap_flags) != n:
            raise SpcError(f"gaps has {len(gap_flags)} values for {n} values")
    return _table(values, starts, first, sign, options, gap_flags)


def segment_starts(months: Sequence[str], change_months: Sequence[str]) -> list[int]:
    """Positional breaks for :func:`spc_table`: where each process change takes effect.

    A change takes effect at the first month on or after it; changes at or before the first
    month, or after the last, split nothing.
    """
    ordered = list(months)
    if any(later <= earlier for earlier, later in itertools.pairwise(ordered)):
        raise SpcError("months must be in increasing order without repeats")
    positions = np.searchsorted(np.asarray(ordered, dtype=object), sorted(change_months), side="left")
    return sorted({int(p) for p in positions if 0 < p < len(ordered)})


def variation(table: pd.DataFrame, polarity: str) -> str:
    """The variation icon's code, from the latest month with a value."""
    _check_polarity(polarity)
    row = table.iloc[_latest(table)]
    if not row["special"]:
        return "common_cause"
    return _VARIATION_BY[(polarity, str(row["direction"]))]


def assurance(lower: float, upper: float, target: float | None, polarity: str) -> str | None:
    """The assurance icon's code: can the current process meet the target?

    None when there is no target, the KPI has no polarity, or the limits are unknown. A target
    equal to a limit is hit and miss.
    """
    _check_polarity(polarity)
    if polarity == "none" or target is None or any(np.isnan([lower, upper, target])):
        return None
    tol = REL_TOL * max(abs(lower), abs(upper), abs(target), 1e-300)
    if target > upper + tol:
        return "consistently_fail" if polarity == "up" else "consistently_pass"
    if target < lower - tol:
        return "consistently_pass" if polarity == "up" else "consistently_fail"
    return "hit_and_miss"


def latest_limits(table: pd.DataFrame) -> tuple[float, float]:
    """The lower and upper process limits of the latest month with a value (for :func:`assurance`)."""
    row = table.iloc[_latest(table)]
    return float(row["lower"]), float(row["upper"])


@dataclass(frozen=True)
class SpcPoint:
    """What SPC says of one month, in the fields the stored report keeps for it.

    ``rule`` is the deciding rule ("" for common cause), ``since`` the month its run began,
    ``baseline`` the first and last months the limits were computed from, ``moved_from`` the month
    a sustained change reaching the latest month began (None when the process has not moved).
    """

    month: str
    variation: str
    rule: str = ""
    since: str | None = None
    provisional: bool = False
    segment: int = 0
    baseline: tuple[str, str] | None = None
    moved_from: str | None = None
    fixed_baseline: bool = False


def describe(point: SpcPoint, options: SpcOptions = SpcOptions()) -> str:
    """A plain-English sentence for a councillor on what SPC says of ``point``'s month."""
    if point.variation not in VARIATION_LABELS:
        raise SpcError(f"unknown variation {point.variation!r}")
    if point.variation == "common_cause":
        text = "Common cause variation: no signal that performance has changed"
    else:
        text = f"{SIGNAL_LABELS[point.variation.split('_')[0]]}: {_reason(point)}"
    if point.provisional:
        text += ". " + _provisional_text(point, options)
    if point.moved_from:
        when = month_label(point.moved_from)
        text += (
            f". The process appears to have changed from {when}: the process limits describe it "
            f"before then, so they say nothing about meeting the target; record a process change "
            f"from {when} to start new limits"
        )
    return text


def baseline_text(point: SpcPoint, first_shown: str) -> str:
    """Which months the limits come from, when they reach back before the first month shown."""
    if point.baseline is None or point.baseline[0] >= first_shown:
        return ""
    start, end = point.baseline
    count = month_index(end) - month_index(start) + 1
    return (
        f"The average and process limits are worked out from {month_label(start)} to "
        f"{month_label(end)} ({count} months), earlier than this chart starts."
    )


def caption(
    table: pd.DataFrame, polarity: str, months: Sequence[str], options: SpcOptions = SpcOptions()
) -> str:
    """:func:`describe` of the latest month with a value in ``table`` (from :func:`spc_table`).

    ``months`` are the table's months as 'YYYY-MM'; ``options`` are those the table was made with.
    """
    _check_polarity(polarity)
    if len(months) != len(table):
        raise SpcError(f"{len(months)} months given for a table of {len(table)} rows")
    last = _latest(table)
    row = table.iloc[last]
    start = int(row["run_start"])
    point = SpcPoint(
        month=months[last],
        variation=variation(table, polarity),
        rule=str(row["rule"]),
        since=months[start] if start >= 0 else None,
        provisional=bool(row["provisional"]),
        segment=int(row["segment"]),
        fixed_baseline=options.fixed_baseline is not None,
    )
    return describe(point, options)


def variation_codes(direction: npt.ArrayLike, special: npt.ArrayLike, polarity: npt.ArrayLike) -> npt.NDArray:
    """The variation icon's code for each point (vectorised :func:`variation`)."""
    d, sp, pol = (np.asarray(x, dtype=object) for x in (direction, special, polarity))
    codes = np.full(len(d), "common_cause", dtype=object)
    for (polarity_name, side), code in _VARIATION_BY.items():
        codes[sp.astype(bool) & (pol == polarity_name) & (d == side)] = code
    return codes


def assurance_codes(
    lower: npt.ArrayLike, upper: npt.ArrayLike, target: npt.ArrayLike, polarity: npt.ArrayLike
) -> npt.NDArray:
    """The assurance icon's code for each point (vectorised :func:`assurance`; None where it
    cannot say)."""
    lo, up, tg = (np.asarray(x, dtype=np.float64) for x in (lower, upper, target))
    pol = np.asarray(polarity, dtype=object)
    with np.errstate(invalid="ignore"):
        tol = REL_TOL * np.fmax(np.fmax(np.abs(lo), np.abs(up)), np.fmax(np.abs(tg), 1e-300))
        above, below = tg > up + tol, tg < lo - tol
    known = ~(np.isnan(lo) | np.isnan(up) | np.isnan(tg)) & ((pol == "up") | (pol == "down"))
    up_good = pol == "up"
    codes = np.where(
        above,
        np.where(up_good, "consistently_fail", "consistently_pass"),
        np.where(below, np.where(up_good, "consistently_pass", "consistently_fail"), "hit_and_miss"),
    ).astype(object)
    codes[~known] = None
    return codes


def month_label(month: str) -> str:
    """'2019-04' as 'April 2019'."""
    try:
        if not 1 <= int(month[5:7]) <= 12:
            raise IndexError(month)
        return month_name(f"{int(month[:4]):04d}-{month[5:7]}")
    except (ValueError, IndexError) as error:
        raise SpcError(f"month {month!r} is not in the form YYYY-MM") from error


# --- internals ---------------------------------------------------------------------------------


def _check_polarity(polarity: str) -> None:
    if polarity not in POLARITIES:
        raise SpcError(f"unknown polarity {polarity!r}: use one of {', '.join(POLARITIES)}")


def _latest(table: pd.DataFrame) -> int:
    """Position of the latest month with a value."""
    present = np.flatnonzero(table["value"].notna().to_numpy())
    if not len(present):
        raise SpcError("no values to assess: the series is empty or every month is missing")
    return int(present[-1])


def _reason(point: SpcPoint) -> str:
    """Why the point is special, naming the rule that decided it."""
    high = point.variation.endswith("_high")
    since = point.since or point.month
    count = month_index(point.month) - month_index(since) + 1
    if point.rule == "outside":
        return f"a point outside the process limits in {month_label(point.month)}"
    if point.rule == "shift":
        side = "above" if high else "below"
        return f"{count} months in a row {side} the average since {month_label(since)}"
    if point.rule == "two_of_three":
        limit, side = ("upper", "above") if high else ("lower", "below")
        return (
            f"2 of the last 3 months close to or {side} the {limit} process limit, "
            f"up to {month_label(point.month)}"
        )
    if point.rule == "trend":
        way = "rising" if high else "falling"
        return f"a {way} trend over {count} months since {month_label(since)}"
    raise SpcError(f"unknown rule {point.rule!r}")


def _provisional_text(point: SpcPoint, options: SpcOptions) -> str:
    minimum = options.min_points_for_firm_limits
    if point.fixed_baseline and options.fixed_baseline is not None and options.fixed_baseline < minimum:
        return f"Provisional limits: the baseline has fewer than {minimum} months"
    if point.segment > 0:
        return f"Provisional limits: fewer than {minimum} months since the last change"
    return f"Provisional limits: fewer than {minimum} months of data"


def _table(
    values: pd.Series,
    starts: BoolArray,
    first: BoolArray,
    sign: int | IntArray,
    options: SpcOptions,
    gaps: BoolArray | None = None,
) -> pd.DataFrame:
    """Run the method over rows whose segments start where ``starts`` is True.

    ``first`` marks the first row of each series (segments are numbered within a series);
    ``sign`` is the polarity as +1 / -1 / 0, one for all rows or one per row; ``gaps`` is True on
    rows that do not follow the row before by one month (a long-form series with months absent).
    """
    v = values.to_numpy(dtype=np.float64, na_value=np.nan)
    n = len(v)
    gseg = np.cumsum(starts) - 1
    nseg = int(gseg[-1]) + 1 if n else 0
    present = ~np.isnan(v)
    pos = np.flatnonzero(present)
    y, s = v[pos], gseg[pos]
    # a point starts a new stretch of consecutive months: a segment start, or a gap before it
    broken = np.ones(len(pos), dtype=bool)
    if len(pos) > 1:
        broken[1:] = (s[1:] != s[:-1]) | (np.diff(pos) > 1)
        if gaps is not None:
            broken[1:] |= np.asarray(gaps, dtype=bool)[pos[1:]]
    stats = _limits(y, s, broken, nseg, options)
    flags = _rules(y, s, broken, stats, options)

    def spread(x: npt.NDArray[np.generic], missing: object) -> npt.NDArray[np.generic]:
        """Values for the points with a value, spread back over every month."""
        column = np.full(n, missing, dtype=x.dtype)
        column[pos] = x
        return column

    direction = flags["direction"]
    pol = sign if isinstance(sign, int) else sign[pos]
    # 0 concern, 1 common cause, 2 improvement, 3 neutral (indexes into _SIGNALS)
    code = np.where(direction == 0, 1, np.where(pol == 0, 3, 1 + direction * pol))

    series_first_seg = gseg[np.maximum.accumulate(np.where(first, np.arange(n), 0))] if n else gseg
    out: dict[str, object] = {"value": v.copy(), "segment": (gseg - series_first_seg).astype(np.int64)}
    for name in ("mean", "lower", "upper", "near_lower", "near_upper"):
        out[name] = np.where(present, stats[name][gseg], np.nan) if nseg else v.copy()
    out["provisional"] = (stats["count"] < options.min_points_for_firm_limits)[gseg]
    for name in (*RULES, "special"):
        out[name] = spread(flags[name], False)
    out["signal"] = _SIGNALS[spread(code, 1)]
    out["direction"] = _DIRECTIONS[spread(direction + 1, 1)]
    out["rule"] = _RULE_NAMES[spread(flags["rule"], 0)]
    for name in ("run_start", "change_start"):
        start = flags[name]
        out[name] = spread(np.where(start >= 0, pos[np.maximum(start, 0)], -1), -1)
    return pd.DataFrame(out, index=values.index, copy=False)


_RULE_NAMES = np.array(["", "outside", "trend", "two_of_three", "shift"], dtype=object)
"""The rule that decides a flagged point, by precedence (index 0: none)."""


def _limits(
    y: FloatArray, s: IntArray, broken: BoolArray, nseg: int, options: SpcOptions
) -> dict[str, FloatArray]:
    """Mean, average moving range and limits per segment, from each segment's baseline points.

    Moving ranges are taken between consecutive months only (never across a gap)."""
    m = len(y)
    if options.fixed_baseline is None:
        base = np.ones(m, dtype=bool)
    else:
        rank = np.arange(m) - np.searchsorted(s, s, side="left")
        base = rank < options.fixed_baseline
    count = np.bincount(s, weights=base, minlength=nseg).astype(np.float64)
    total = np.bincount(s, weights=np.where(base, y, 0.0), minlength=nseg)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
        mr = np.abs(np.diff(y))
        pair = ~broken[1:] & base[1:] & base[:-1]
        mseg = s[1:]
        amr = _mean_by(mr, pair, mseg, nseg)
        if options.screen_outliers and m > 1:
            threshold = SCREEN * amr[mseg]
            keep = pair & ((mr < threshold - REL_TOL * threshold) | (amr[mseg] == 0))
            amr = _mean_by(mr, keep, mseg, nseg)
    return {
        "count": count,
        "mean": mean,
        "amr": amr,
        "lower": mean - LIMIT * amr,
        "upper": mean + LIMIT * amr,
        "near_lower": mean - NEAR_LIMIT * amr,
        "near_upper": mean + NEAR_LIMIT * amr,
        "tol": REL_TOL * np.fmax(np.abs(mean), amr),
    }


def _mean_by(x: FloatArray, use: BoolArray, seg: IntArray, nseg: int) -> FloatArray:
    """Mean of ``x`` where ``use``, per segment (NaN where a segment has none)."""
    count = np.bincount(seg, weights=use, minlength=nseg)
    total = np.bincount(seg, weights=np.where(use, x, 0.0), minlength=nseg)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / count


def _runs(keys: npt.NDArray[np.int64]) -> tuple[IntArray, IntArray]:
    """For each element, the length of the run of equal consecutive keys it belongs to, and the
    position where that run starts."""
    if not len(keys):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    new = np.ones(len(keys), dtype=bool)
    new[1:] = keys[1:] != keys[:-1]
    run = np.cumsum(new) - 1
    return np.bincount(run)[run], np.flatnonzero(new)[run]


def _rules(
    y: FloatArray, s: IntArray, broken: BoolArray, stats: dict[str, FloatArray], options: SpcOptions
) -> dict[str, IntArray]:
    """The four special-cause rules; each flagged point's deciding rule, direction (+1 high,
    -1 low, 0) and the position where its run began. Runs never cross ``broken`` points."""
    m = len(y)
    mean, tol = stats["mean"][s], stats["tol"][s]
    stretch = np.cumsum(broken)  # consecutive months of one segment share a number
    with np.errstate(invalid="ignore"):
        outside = (y > stats["upper"][s] + tol) | (y < stats["lower"][s] - tol)
        beyond = (y > stats["near_upper"][s] + tol) | (y < stats["near_lower"][s] - tol)
        side = np.where(y > mean + tol, 1, np.where(y < mean - tol, -1, 0)).astype(np.int64)

    # Shift: a run of points on one side of the mean, within a stretch.
    length, shift_start = _runs(stretch * 3 + side + 1)
    shift = (side != 0) & (length >= options.shift_length)

    # Trend: a run of steps all up (or all down) within a stretch; flag both ends of each step.
    trend = np.zeros(m, dtype=bool)
    trend_dir = np.zeros(m, dtype=np.int64)
    trend_start = np.full(m, -1, dtype=np.int64)
    if m > 1:
        # A step into a broken point counts as a tie, so no run crosses it.
        step = np.where(~broken[1:], np.sign(np.diff(y)), 0).astype(np.int64)
        steps, step_start = _runs(step)
        good = (step != 0) & (steps >= options.trend_length - 1)
        trend[:-1] |= good
        trend[1:] |= good
        trend_dir[:-1] = np.where(good, step, 0)
        trend_start[:-1] = np.where(good, step_start, -1)
        # the end of a step: the earlier trend wins at a point shared by two
        trend_dir[1:] = np.where(good, step, trend_dir[1:])
        trend_start[1:] = np.where(good, step_start, trend_start[1:])

    # Two of three: 3 consecutive months on one side, 2 or more beyond the near-limit band.
    two = np.zeros(m, dtype=bool)
    two_start = np.full(m, -1, dtype=np.int64)
    if m > 2:
        window = (
            ~broken[1:-1]
            & ~broken[2:]
            & (side[:-2] != 0)
            & (side[:-2] == side[1:-1])
            & (side[1:-1] == side[2:])
            & (beyond[:-2].astype(int) + beyond[1:-1] + beyond[2:] >= 2)
        )
        in_window = np.zeros(m, dtype=bool)
        for offset in (2, 1, 0):  # the earliest window a point belongs to names where it began
            hit = np.zeros(m, dtype=bool)
            hit[offset : m - 2 + offset] = window
            two_start = np.where(hit, np.arange(m) - offset, two_start)
            in_window |= hit
        two = in_window & beyond
        two_start = np.where(two, two_start, -1)

    rule = np.select([outside, trend, two, shift], [1, 2, 3, 4], 0).astype(np.int64)
    direction = np.select([outside, trend, two, shift], [side, trend_dir, side, side], 0).astype(np.int64)
    here = np.arange(m)
    run_start = np.select(
        [outside, trend, two, shift], [here, trend_start, two_start, shift_start], -1
    ).astype(np.int64)
    # where a sustained change (a shift or trend) containing the point began: the earlier one
    change_start = np.where(
        trend & shift,
        np.minimum(trend_start, shift_start),
        np.where(trend, trend_start, np.where(shift, shift_start, -1)),
    ).astype(np.int64)
    return {
        "outside": outside,
        "shift": shift,
        "trend": trend,
        "two_of_three": two,
        "special": outside | shift | trend | two,
        "direction": direction,
        "rule": rule,
        "run_start": run_start,
        "change_start": change_start,
    }
