"""The committee pack's shaping of report rows: periods, sentences and small-number suppression.

Pure functions on report rows (export columns): nothing here computes a value, a status or an
SPC signal; it chooses rows, words them and hides small numbers for public papers.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from metrics.catalogue import Kpi
from metrics.periods import add_months

PERIOD = re.compile(r"^(\d{4})/(\d{2})(?: Q([1-4]))?$")
SMALL = (1, 4)  # counts from 1 to 4 are "fewer than 5" in a public paper
FEWER_THAN_5 = "fewer than 5"
SUPPRESSED = "suppressed"
SUPPRESSION_NOTE = (
    'Public version: counts from 1 to 4 are shown as "fewer than 5"; percentages and rates whose '
    "numerator or denominator is from 1 to 4 are suppressed; where a suppressed figure could be "
    "worked out from a total and the other figures, another figure is suppressed too (secondary "
    "suppression)."
)
VARIATION_WORDS = {
    "common_cause": "the change is within the usual ups and downs (no real change)",
    "improvement": "there is a real improvement (special cause)",
    "concern": "there is a real change for the worse (special cause)",
    "neutral": "there is a real change (special cause)",
}


class PackPeriodError(ValueError):
    """A ``--period`` that is not a quarter ("2026/27 Q2") or a financial year ("2026/27")."""


def pack_period(label: str) -> tuple[str, str, str]:
    """``"2026/27 Q2"`` -> ``("quarter", "2026-07", "2026-09")``; ``"2026/27"`` -> year, Apr-Mar."""
    match = PERIOD.match(label.strip())
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise PackPeriodError(
            f"--period must be a quarter such as 2026/27 Q2 or a year such as 2026/27, not {label!r}"
        )
    year = int(match[1])
    if match[3] is None:
        return "year", f"{year}-04", f"{year + 1}-03"
    start = add_months(f"{year}-04", 3 * (int(match[3]) - 1))
    return "quarter", start, add_months(start, 2)


def _number(value: object) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)  # type: ignore[arg-type]


def is_small(value: object) -> bool:
    number = _number(value)
    return number is not None and SMALL[0] <= number <= SMALL[1]


def suppress(rows: pd.DataFrame, total: pd.Series | None = None) -> pd.DataFrame:
    """Rows with ``shown_value``, ``shown_numerator``, ``shown_denominator`` as text or numbers.

    A count from 1 to 4 becomes "fewer than 5"; a ratio with a numerator or denominator from 1
    to 4 is "suppressed" (value, numerator and denominator). ``total`` marks rows that add up
    to a total row shown beside them (True on the members): when exactly one member is hidden,
    the next smallest member is hidden too, so it cannot be worked out by subtraction.
    """
    out = rows.copy()
    count = out["unit"] == "count"
    small_count = count & out["value"].map(is_small)
    small_ratio = ~count & (out["numerator"].map(is_small) | out["denominator"].map(is_small))
    hidden = small_count | small_ratio
    if total is not None:
        members = total.reindex(out.index, fill_value=False).astype(bool)
        if (hidden & members).sum() == 1:
            candidates = out[members & ~hidden]
            if len(candidates):
                key = candidates["value" if count.all() else "numerator"].astype(float)
                hidden = hidden | (out.index == key.idxmin())
    out["suppressed"] = hidden
    for column in ("value", "numerator", "denominator"):
        shown = out[column].astype(object)
        shown[small_count] = FEWER_THAN_5 if column == "value" else shown[small_count]
        shown[hidden & ~small_count] = SUPPRESSED
        out[f"shown_{column}"] = shown
    return out


def sentence(row: pd.Series, kpi: Kpi) -> str:
    """One plain-English sentence: target, England and neighbours, the SPC verdict."""
    parts = []
    rag = row.get("rag")
    if isinstance(rag, str) and rag:
        parts.append({"green": "on target", "amber": "just short of target", "red": "off target"}[rag])
    else:
        parts.append("no target is set")
    for column, name in (("england_vs", "England"), ("neighbours_vs", "similar councils")):
        versus = row.get(column)
        if isinstance(versus, str) and versus:
            parts.append(f"{versus} than {name}" if versus != "the same" else f"the same as {name}")
    variation = row.get("variation")
    kind = variation.split("_")[0] if isinstance(variation, str) else ""
    text = f"{kpi.name}: " + ", ".join(parts)
    if kind in VARIATION_WORDS:
        text += f"; {VARIATION_WORDS[kind]}"
    return text + "."


def with_versus(rows: pd.DataFrame, polarity: dict[str, str]) -> pd.DataFrame:
    """``england_vs`` and ``neighbours_vs`` ("better", "worse", "the same", "") for report rows."""
    from metrics.views import versus

    out = rows.copy()
    for column in ("england", "neighbours"):
        out[f"{column}_vs"] = [
            versus(_number(v), _number(b), polarity.get(k, "none"))
            for k, v, b in zip(out["kpi"], out["value"], out[column], strict=True)
        ]
    return out
