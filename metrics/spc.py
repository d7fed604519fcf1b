"""Statistical process control: is a change in a KPI real, or month-to-month noise?

The NHS "Making Data Count" XmR method (as in the R package NHSRplotthedots), vectorised with
numpy. Each baseline segment gets its own mean, moving-range limits and rules; rules never span
segments. The method and its reference vectors are in the shared spec ``spc.md``. Control limits
are statistics; targets are business inputs and meet the limits only in :func:`assurance`. No
colours here: the icons' labels and letters are, and the UI picks the colours.

Choices the spec leaves open, made here:

* **Missing months** (NaN) are skipped: the month gets NaN statistics, no flags and an empty
  signal, and the points either side of it are treated as neighbours (the moving range and any
  run or trend bridge the gap). A missing figure is a data-quality finding, not a process event.
* **Provisional** means the limits rest on fewer than ``min_points_for_firm_limits`` points: the
  segment's points, or its baseline when a fixed baseline is shorter.
* **Two of three**: "beyond the near-limit band" includes points beyond the process limits
  (the Western Electric reading). NHSRplotthedots counts only points between the band and the
  limits; the difference only adds two-of-three flags to points already next to an outlier.
* **Direction** of a flagged point: its side of the mean when it is outside the limits, in a
  shift or in a two-of-three; otherwise (trend only) the trend's direction, the earlier trend
  winning at a peak or trough shared by two trends.
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

from metrics.periods import month_name

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


class SpcError(ValueError):
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
    "neutral" or "") and ``direction`` ("high", "low" or "": which way the special cause points).
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
) -> pd.DataFrame:
    """SPC for many series at once (every KPI of every unit), same columns as :func:`spc_table`.

    Rows are in long form: each series' rows together and in month order, ``series`` labelling
    them. ``polarity`` is one value or one per row; ``rebase`` is True on rows where a process
    change starts a new segment. Segments are numbered from 0 within each series.
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
    return _table(values, starts, first, sign, options)


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


def caption(
    table: pd.DataFrame, polarity: str, months: Sequence[str], options: SpcOptions = SpcOptions()
) -> str:
    """A plain-English sentence for a councillor on what the latest month's SPC says.

    ``months`` are the table's months as 'YYYY-MM'; ``options`` are those the table was made with.
    """
    _check_polarity(polarity)
    if len(months) != len(table):
        raise SpcError(f"{len(months)} months given for a table of {len(table)} rows")
    last = _latest(table)
    row = table.iloc[last]
    code = variation(table, polarity)
    if code == "common_cause":
        text = "Common cause variation: no signal that performance has changed"
    else:
        text = f"{SIGNAL_LABELS[code.split('_')[0]]}: {_reason(table, last, months)}"
    if row["provisional"]:
        text += ". " + _provisional_text(table, last, options)
    return text


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


def _reason(table: pd.DataFrame, last: int, months: Sequence[str]) -> str:
    """Why the latest point is special, naming the rule that says most.

    Rules that place the point on one side of the mean come first: they set its direction.
    """
    row = table.iloc[last]
    if row["outside"]:
        return f"a point outside the process limits in {month_label(months[last])}"
    # The latest segment's points with a value, up to and including the latest.
    points = np.flatnonzero(
        table["value"].notna().to_numpy() & (table["segment"] == row["segment"]).to_numpy()
    )
    high = row["direction"] == "high"
    if row["shift"]:
        same_side = table["shift"].to_numpy()[points] & (
            table["direction"].to_numpy()[points] == row["direction"]
        )
        count = _run_back(same_side)
        side = "above" if high else "below"
        return f"{count} months in a row {side} the average since {month_label(months[points[-count]])}"
    if row["two_of_three"]:
        limit, side = ("upper", "above") if high else ("lower", "below")
        return (
            f"2 of the last 3 months close to or {side} the {limit} process limit, "
            f"up to {month_label(months[last])}"
        )
    steps = np.diff(table["value"].to_numpy(dtype=float)[points])
    count = _run_back(steps > 0 if high else steps < 0) + 1
    way = "rising" if high else "falling"
    return f"a {way} trend over {count} months since {month_label(months[points[-count]])}"


def _run_back(flags: BoolArray) -> int:
    """Length of the run of True at the end of ``flags``."""
    falses = np.flatnonzero(~flags)
    return len(flags) - (int(falses[-1]) + 1 if len(falses) else 0)


def _provisional_text(table: pd.DataFrame, last: int, options: SpcOptions) -> str:
    minimum = options.min_points_for_firm_limits
    if options.fixed_baseline is not None and options.fixed_baseline < minimum:
        return f"Provisional limits: the baseline has fewer than {minimum} months"
    if int(table["segment"].iloc[last]) > 0:
        return f"Provisional limits: fewer than {minimum} months since the last change"
    return f"Provisional limits: fewer than {minimum} months of data"


def _table(
    values: pd.Series, starts: BoolArray, first: BoolArray, sign: int | IntArray, options: SpcOptions
) -> pd.DataFrame:
    """Run the method over rows whose segments start where ``starts`` is True.

    ``first`` marks the first row of each series (segments are numbered within a series);
    ``sign`` is the polarity as +1 / -1 / 0, one for all rows or one per row.
    """
    v = values.to_numpy(dtype=np.float64, na_value=np.nan)
    n = len(v)
    gseg = np.cumsum(starts) - 1
    nseg = int(gseg[-1]) + 1 if n else 0
    present = ~np.isnan(v)
    complete = bool(present.all())
    pos = np.flatnonzero(present)
    y = v if complete else v[pos]
    s = gseg if complete else gseg[pos]
    stats = _limits(y, s, nseg, options)
    flags = _rules(y, s, stats, options)

    def spread(x: npt.NDArray[np.generic], missing: object) -> npt.NDArray[np.generic]:
        """Values for the points with a value, spread back over every month."""
        if complete:
            return x
        column = np.full(n, missing, dtype=x.dtype)
        column[pos] = x
        return column

    direction = flags["direction"]
    pol = sign if isinstance(sign, int) else (sign if complete else sign[pos])
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
    return pd.DataFrame(out, index=values.index, copy=False)


def _limits(y: FloatArray, s: IntArray, nseg: int, options: SpcOptions) -> dict[str, FloatArray]:
    """Mean, average moving range and limits per segment, from each segment's baseline points."""
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
        pair = (s[1:] == s[:-1]) & base[1:] & base[:-1]
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


def _run_lengths(keys: npt.NDArray[np.int64]) -> IntArray:
    """For each element, the length of the run of equal consecutive keys it belongs to."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    new = np.ones(len(keys), dtype=bool)
    new[1:] = keys[1:] != keys[:-1]
    run = np.cumsum(new) - 1
    return np.bincount(run)[run]


def _rules(
    y: FloatArray, s: IntArray, stats: dict[str, FloatArray], options: SpcOptions
) -> dict[str, IntArray]:
    """The four special-cause rules and each flagged point's direction (+1 high, -1 low, 0)."""
    m = len(y)
    mean, tol = stats["mean"][s], stats["tol"][s]
    with np.errstate(invalid="ignore"):
        outside = (y > stats["upper"][s] + tol) | (y < stats["lower"][s] - tol)
        beyond = (y > stats["near_upper"][s] + tol) | (y < stats["near_lower"][s] - tol)
        side = np.where(y > mean + tol, 1, np.where(y < mean - tol, -1, 0)).astype(np.int64)

    # Shift: a run of points on one side of the mean, within a segment.
    shift = (side != 0) & (_run_lengths(s * 3 + side + 1) >= options.shift_length)

    # Trend: a run of steps all up (or all down) within a segment; flag both ends of each step.
    trend = np.zeros(m, dtype=bool)
    trend_dir = np.zeros(m, dtype=np.int64)
    if m > 1:
        # A step across a segment boundary counts as a tie, so no run crosses it.
        step = np.where(s[1:] == s[:-1], np.sign(np.diff(y)), 0).astype(np.int64)
        good = (step != 0) & (_run_lengths(step) >= options.trend_length - 1)
        trend[:-1] |= good
        trend[1:] |= good
        trend_dir[:-1] = np.where(good, step, 0)
        trend_dir[1:] = np.where(good, step, trend_dir[1:])

    # Two of three: 3 consecutive points on one side, 2 or more beyond the near-limit band.
    two = np.zeros(m, dtype=bool)
    if m > 2:
        window = (
            (s[2:] == s[:-2])
            & (side[:-2] != 0)
            & (side[:-2] == side[1:-1])
            & (side[1:-1] == side[2:])
            & (beyond[:-2].astype(int) + beyond[1:-1] + beyond[2:] >= 2)
        )
        in_window = np.zeros(m, dtype=bool)
        in_window[:-2] |= window
        in_window[1:-1] |= window
        in_window[2:] |= window
        two = in_window & beyond

    positional = outside | shift | two
    direction = np.where(positional, side, np.where(trend, trend_dir, 0)).astype(np.int64)
    return {
        "outside": outside,
        "shift": shift,
        "trend": trend,
        "two_of_three": two,
        "special": positional | trend,
        "direction": direction,
    }
