"""Number formatting for the pages: one implementation, in :mod:`metrics.numbers` (the pack uses it)."""

from __future__ import annotations

from metrics.numbers import PLACES, SUFFIX, UNIT_WORDS, format_count, format_value, ratio_text

__all__ = ["PLACES", "SUFFIX", "UNIT_WORDS", "format_count", "format_value", "ratio_text"]
