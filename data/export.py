"""Writing report rows as CSV: the export format of the public contract.

Numbers are written as councils read them in a spreadsheet: whole numbers without ``.0``,
others to at most 4 decimal places, or (``exact=True``, the whole-dataset download in the
figures input format) with every digit needed to read back the same float. Text cells that a
spreadsheet would run as a formula are neutralised (OWASP's CSV injection advice); numbers are
never altered. The neutralising quote is reversible: :func:`restore` (applied by the loader to
every text cell) takes it off again, so a whole-dataset download loads back with nothing changed.
Text that opens with whitespace or a control character (which the reader strips) is quoted the
same way, and a cell holding a carriage return is put in double quotes, so neither is lost.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_QUOTED_STARTS = (*FORMULA_STARTS, QUOTE)  # after a leading quote: the quote was added on export
_NEEDS_QUOTES = r'[,"\r\n]'  # a CSV cell holding one of these is written in double quotes


def format_number(x: object) -> str:
    """``58.0`` -> ``58``; ``82.857142`` -> ``82.8571``; missing -> empty."""
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return ""
    value = round(float(x), 4)  # type: ignore[arg-type]
    if value == int(value):
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def format_exact(x: object) -> str:
    """``58.0`` -> ``58``; ``1/3`` -> ``0.3333333333333333`` (the shortest text that reads back as
    the same float, without an exponent); missing -> empty."""
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return ""
    value = float(x)  # type: ignore[arg-type]
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return np.format_float_positional(value, unique=True, trim="-")


def neutralise(text: object) -> str:
    """A text cell made safe to open in a spreadsheet: formula-like text gets a leading quote."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    text = str(text)
    if text.startswith(FORMULA_STARTS) or text[:1].isspace() or restore(text) != text:
        return QUOTE + text  # a text that restore would change is quoted too: it reads back as itself
    return text


def restore(text: str) -> str:
    """The text a neutralised cell stands for: a leading quote followed by a formula start,
    whitespace, a control character the reader would strip, or another quote was added by
    :func:`neutralise` and is taken off (``'=1+2`` -> ``=1+2``, ``''=1`` -> ``'=1``,
    ``'\rnote`` -> ``\rnote``); any other text, ``'tis`` included, is kept as it is."""
    if text.startswith(QUOTE) and (text[1:].startswith(_QUOTED_STARTS) or text[1:2].isspace()):
        return text[1:]
    return text


def export_csv(rows: pd.DataFrame, notice: str = "", *, exact: bool = False) -> str:
    """CSV text in the export columns (plus ``notice`` when the data is illustrative); numbers to
    4 decimal places, or ``exact`` (reading back as the same floats)."""
    number = format_exact if exact else format_number
    out: dict[str, list[str]] = {}
    for column in rows.columns:
        cells = rows[column]
        numeric = pd.api.types.is_numeric_dtype(cells) and not pd.api.types.is_bool_dtype(cells)
        lone = len(rows.columns) == 1 and not notice
        out[str(column)] = _csv_cells(cells.map(number if numeric else neutralise), lone)
    if notice:
        out["notice"] = _csv_cells(pd.Series(notice, index=rows.index, dtype=object))
    header = ",".join(_csv_cells(pd.Series(list(out), dtype=object)))
    lines = map(",".join, zip(*out.values(), strict=True)) if out else iter(())
    body = "\n".join(lines)
    return header + "\n" + (body + "\n" if len(rows) else "")


def _csv_cells(cells: pd.Series, lone: bool = False) -> list[str]:
    """Cells as CSV text: in double quotes (doubled inside) where they hold a comma, a quote, a
    line feed or a carriage return. (Python's csv writer with "\n" line ends leaves a lone
    carriage return unquoted, and a reader then splits the row there.) ``lone``: the only
    column, where an empty cell is written ``""`` so that its row is not blank."""
    cells = cells.astype(object).where(cells.notna(), "").astype(str)
    quoted = cells.str.contains(_NEEDS_QUOTES, regex=True) | (cells == "") & lone
    if quoted.any():
        cells = cells.where(~quoted, '"' + cells[quoted].str.replace('"', '""', regex=False) + '"')
    return cells.tolist()
