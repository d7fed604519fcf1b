"""Writing report rows as CSV: the export format of the public contract.

Numbers are written as councils read them in a spreadsheet: whole numbers without ``.0``,
others to at most 4 decimal places. Text cells that a spreadsheet would run as a formula are
neutralised (OWASP's CSV injection advice); numbers are never altered. The neutralising quote is
reversible: :func:`restore` (applied by the loader to every text cell) takes it off again, so a
whole-dataset download loads back with nothing changed.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_QUOTED_STARTS = (*FORMULA_STARTS, QUOTE)  # after a leading quote: the quote was added on export


def format_number(x: object) -> str:
    """``58.0`` -> ``58``; ``82.857142`` -> ``82.8571``; missing -> empty."""
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return ""
    value = round(float(x), 4)  # type: ignore[arg-type]
    if value == int(value):
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def neutralise(text: object) -> str:
    """A text cell made safe to open in a spreadsheet: formula-like text gets a leading quote."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    text = str(text)
    if text.startswith(FORMULA_STARTS) or restore(text) != text:
        return QUOTE + text  # a text that restore would change is quoted too: it reads back as itself
    return text


def restore(text: str) -> str:
    """The text a neutralised cell stands for: a leading quote followed by a formula start or
    another quote was added by :func:`neutralise` and is taken off (``'=1+2`` -> ``=1+2``,
    ``''=1`` -> ``'=1``); any other text, ``'tis`` included, is kept as it is."""
    if text.startswith(QUOTE) and text[1:].startswith(_QUOTED_STARTS):
        return text[1:]
    return text


def export_csv(rows: pd.DataFrame, notice: str = "") -> str:
    """CSV text in the export columns (plus ``notice`` when the data is illustrative)."""
    out = pd.DataFrame(index=rows.index)
    for column in rows.columns:
        cells = rows[column]
        numeric = pd.api.types.is_numeric_dtype(cells) and not pd.api.types.is_bool_dtype(cells)
        out[column] = cells.map(format_number if numeric else neutralise)
    if notice:
        out["notice"] = notice
    buffer = io.StringIO()
    out.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()
