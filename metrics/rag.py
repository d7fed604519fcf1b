"""Red / amber / green status of a value against its target.

A value that meets the target is green; one that misses it by no more than the tolerance is
amber; further is red. Polarity says which way is better; context measures (polarity ``none``)
get no status. Values are compared as shown (rounded to 4 decimal places), so a figure exactly
on the target or on the amber edge gets the status a reader expects.
"""

from __future__ import annotations

import math
from enum import StrEnum

import numpy as np
import pandas as pd

DECIMALS = 4


class Rag(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


def rag_status(
    value: float | None, target: float | None, tolerance: float | None, polarity: str
) -> Rag | None:
    """The status of one value; None where no target applies or the KPI has no polarity."""
    if polarity not in ("up", "down") or _missing(value) or _missing(target):
        return None
    tol = 0.0 if _missing(tolerance) else float(tolerance)  # type: ignore[arg-type]
    shortfall = round(float(value), DECIMALS) - float(target)  # type: ignore[arg-type]
    if polarity == "down":
        shortfall = -shortfall
    if shortfall >= 0:
        return Rag.GREEN
    if shortfall >= -tol - 1e-9:
        return Rag.AMBER
    return Rag.RED


def rag_series(value: pd.Series, target: pd.Series, tolerance: pd.Series, polarity: pd.Series) -> pd.Series:
    """Vectorised :func:`rag_status`: a string series of ``green``/``amber``/``red`` or ``""``."""
    v = value.astype(float).round(DECIMALS).to_numpy()
    t = target.astype(float).to_numpy()
    tol = tolerance.astype(float).fillna(0.0).to_numpy()
    pol = polarity.to_numpy()
    shortfall = np.where(pol == "down", t - v, v - t)
    status = np.select(
        [shortfall >= 0, shortfall >= -tol - 1e-9], [Rag.GREEN.value, Rag.AMBER.value], Rag.RED.value
    )
    valid = np.isin(pol, ["up", "down"]) & ~np.isnan(v) & ~np.isnan(t)
    return pd.Series(np.where(valid, status, ""), index=value.index, dtype=object)


def _missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))
