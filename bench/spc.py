"""Benchmark: vectorised SPC (metrics.spc) against a plain Python loop implementation.

Builds a scaled dataset (40 units x 45 KPIs x 120 months, numpy seed 42, with level shifts,
trends, process changes, missing months and ties), runs SPC for every series both ways in the
same run, checks they give the same signals, and prints the times and their ratio, plus the time
of the SPC icons for one unit's scorecard (45 KPIs). Run from the repository root:

    python bench/spc.py
"""

from __future__ import annotations

import itertools
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import pandas as pd

from metrics.spc import (
    LIMIT,
    NEAR_LIMIT,
    REL_TOL,
    SCREEN,
    SpcOptions,
    assurance,
    latest_limits,
    spc_many,
    spc_table,
    variation,
)

UNITS, KPIS, MONTHS = 40, 45, 120
OPTIONS = SpcOptions()


# --- the reference: plain Python loops over lists ----------------------------------------------


def loop_signals(values: list[float], polarity: str, breaks: list[int], options: SpcOptions) -> list[str]:
    """The signal per month ("improvement", "concern", "neutral" or ""), one loop at a time."""
    n = len(values)
    bounds = sorted({0, *breaks, n})
    signals = [""] * n
    sign = {"up": 1, "down": -1, "none": 0}[polarity]
    for start, stop in itertools.pairwise(bounds):
        idx = [i for i in range(start, stop) if not math.isnan(values[i])]
        y = [values[i] for i in idx]
        for i, direction in zip(idx, loop_segment(y, options), strict=True):
            if direction == 0:
                continue
            if sign == 0:
                signals[i] = "neutral"
            else:
                signals[i] = "improvement" if direction == sign else "concern"
    return signals


def loop_segment(y: list[float], options: SpcOptions) -> list[int]:
    """Direction of each flagged point of one segment (+1 high, -1 low, 0 not flagged)."""
    m = len(y)
    if m == 0:
        return []
    base = y if options.fixed_baseline is None else y[: options.fixed_baseline]
    total = 0.0
    for value in base:
        total += value
    mean = total / len(base)
    ranges = [abs(base[i] - base[i - 1]) for i in range(1, len(base))]
    amr = _loop_mean(ranges)
    if options.screen_outliers and ranges and amr == amr:
        threshold = SCREEN * amr
        amr = _loop_mean([r for r in ranges if amr == 0 or r < threshold - REL_TOL * threshold])
    tol = REL_TOL * max(abs(mean), amr) if amr == amr else REL_TOL * abs(mean)
    upper, lower = mean + LIMIT * amr, mean - LIMIT * amr
    near_upper, near_lower = mean + NEAR_LIMIT * amr, mean - NEAR_LIMIT * amr

    side = [1 if v > mean + tol else -1 if v < mean - tol else 0 for v in y]
    outside = [v > upper + tol or v < lower - tol for v in y]
    beyond = [v > near_upper + tol or v < near_lower - tol for v in y]

    shift = [False] * m
    run_start = 0
    for i in range(1, m + 1):
        if i == m or side[i] != side[run_start]:
            if side[run_start] != 0 and i - run_start >= options.shift_length:
                for j in range(run_start, i):
                    shift[j] = True
            run_start = i

    trend_dir = [0] * m
    steps = [(y[i + 1] > y[i]) - (y[i + 1] < y[i]) for i in range(m - 1)]
    run_start = 0
    for i in range(1, len(steps) + 1):
        if i == len(steps) or steps[i] != steps[run_start]:
            if steps[run_start] != 0 and i - run_start >= options.trend_length - 1:
                for j in range(run_start, i + 1):
                    if trend_dir[j] == 0:
                        trend_dir[j] = steps[run_start]
            run_start = i

    two = [False] * m
    for i in range(m - 2):
        if side[i] != 0 and side[i] == side[i + 1] == side[i + 2] and sum(beyond[i : i + 3]) >= 2:
            for j in range(i, i + 3):
                if beyond[j]:
                    two[j] = True

    result = []
    for i in range(m):
        if outside[i] or shift[i] or two[i]:
            result.append(side[i])
        else:
            result.append(trend_dir[i])
    return result


def _loop_mean(xs: list[float]) -> float:
    total = 0.0
    for x in xs:
        total += x
    return total / len(xs) if xs else math.nan


# --- the scaled dataset ------------------------------------------------------------------------


def build_dataset(seed: int = 42) -> list[tuple[np.ndarray, str, list[int]]]:
    """Series of (values, polarity, breaks) with shifts, trends, changes, gaps and ties."""
    rng = np.random.default_rng(seed)
    series = []
    for _ in range(UNITS * KPIS):
        level = rng.uniform(10, 90)
        noise = rng.uniform(0.5, 6)
        y = level + noise * rng.normal(size=MONTHS)
        if rng.random() < 0.3:  # a real shift in level
            y[rng.integers(24, 110) :] += rng.choice([-1, 1]) * rng.uniform(1.5, 3) * noise
        if rng.random() < 0.15:  # a real trend
            start = rng.integers(12, 100)
            length = rng.integers(8, 16)
            y[start : start + length] += np.arange(len(y[start : start + length])) * noise
        y = np.round(y, 1)  # one decimal place, so ties and points on the mean occur
        y[rng.random(MONTHS) < 0.02] = np.nan  # missing months
        breaks = sorted({int(b) for b in rng.integers(1, MONTHS, size=rng.integers(0, 3))})
        polarity = str(rng.choice(["up", "down", "none"]))
        series.append((y, polarity, breaks))
    return series


def main() -> None:
    months = pd.period_range("2015-04", periods=MONTHS, freq="M").strftime("%Y-%m")
    data = build_dataset()
    print(f"SPC benchmark: {UNITS} units x {KPIS} KPIs x {MONTHS} months = {len(data)} series")

    started = time.perf_counter()
    tables = [spc_table(pd.Series(y, index=months), pol, br, OPTIONS) for y, pol, br in data]
    vector_time = time.perf_counter() - started

    started = time.perf_counter()
    loops = [loop_signals(y.tolist(), pol, br, OPTIONS) for y, pol, br in data]
    loop_time = time.perf_counter() - started

    long_values = pd.Series(np.concatenate([y for y, _, _ in data]))
    ids = np.repeat(np.arange(len(data)), MONTHS)
    polarities = np.repeat([pol for _, pol, _ in data], MONTHS)
    rebase = np.zeros(len(long_values), dtype=bool)
    for k, (_, _, br) in enumerate(data):
        rebase[[k * MONTHS + b for b in br]] = True
    started = time.perf_counter()
    many = spc_many(long_values, ids, polarities, rebase, OPTIONS)
    many_time = time.perf_counter() - started

    mismatches = sum(t["signal"].tolist() != s for t, s in zip(tables, loops, strict=True))
    batch_signals = np.concatenate([t["signal"].to_numpy(dtype=object) for t in tables])
    batch_mismatches = int((many["signal"].to_numpy(dtype=object) != batch_signals).sum())
    flagged = sum(int(t["special"].sum()) for t in tables)
    print(f"points flagged special cause: {flagged} of {len(long_values)}")
    print(f"series where spc_table and the loop disagree: {mismatches}")
    print(f"rows where spc_many and spc_table disagree: {batch_mismatches}")

    print(f"loop implementation, every series:      {loop_time * 1000:8.1f} ms")
    print(f"spc_table, one call per series:         {vector_time * 1000:8.1f} ms")
    print(f"spc_many, all series in one call:       {many_time * 1000:8.1f} ms")
    print(f"ratio loop / spc_table:                 {loop_time / vector_time:8.2f}x")
    print(f"ratio loop / spc_many:                  {loop_time / many_time:8.2f}x")

    unit = data[:KPIS]
    started = time.perf_counter()
    for y, pol, br in unit:
        table = spc_table(pd.Series(y, index=months), pol, br, OPTIONS)
        variation(table, pol)
        assurance(*latest_limits(table), 50.0, pol)
    scorecard_time = time.perf_counter() - started
    print(f"one unit's scorecard icons ({KPIS} KPIs):    {scorecard_time * 1000:8.1f} ms (budget 50 ms)")
    if mismatches or batch_mismatches:
        raise SystemExit("the implementations disagree")


if __name__ == "__main__":
    main()
