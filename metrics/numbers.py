"""Numbers the way councils write them: 1,269; 88.1%; 15.2; 67.2 per 10,000 (pages, downloads, the pack)."""

from __future__ import annotations

import math

SUFFIX = {"percent": "%", "rate": "", "average": "", "days": " days", "weeks": " weeks", "count": ""}
PLACES = {"percent": 1, "rate": 1, "average": 1, "days": 1, "weeks": 1, "count": 0}
UNIT_WORDS = {
    "percent": "per cent",
    "rate": "per 10,000 children",
    "average": "average",
    "days": "days",
    "weeks": "weeks",
    "count": "number",
}


def format_value(value: float | None, unit: str) -> str:
    """A value in its unit for people to read; an en dash when there is none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    places = PLACES.get(unit, 1)
    if unit == "count" and float(value) != int(value):
        places = 1
    return f"{value:,.{places}f}{SUFFIX.get(unit, '')}"


def ratio_text(numerator: object, denominator: object, unit: str) -> str:
    """ "12 of 60": the count behind a percentage (empty for other units or when unknown)."""
    if unit != "percent":
        return ""
    if not isinstance(numerator, int | float) or not isinstance(denominator, int | float):
        return ""
    if math.isnan(numerator) or math.isnan(denominator):
        return ""
    return f"{format_count(numerator)} of {format_count(denominator)}"


def format_count(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
