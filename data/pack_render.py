"""The committee pack as HTML with print CSS (for headless Chromium) and its charts as SVG.

No I/O: :func:`pack_html` turns a :class:`data.pack.Pack` into one HTML document. Charts are
drawn in black and greys, each line told apart by its dash and its marker, so a greyscale print
or a reader with colour-blindness loses nothing.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING

import pandas as pd

from metrics.numbers import format_value
from metrics.pack import SUPPRESSION_NOTE, sentence
from metrics.periods import month_name

if TYPE_CHECKING:
    from data.pack import Pack

SERIES = (  # column, name, dash pattern, marker, grey
    ("value", "Ours", "", "circle", "#000000"),
    ("target", "Target", "8 4", "", "#555555"),
    ("england", "England", "2 3", "triangle", "#333333"),
    ("neighbours", "Similar councils", "10 3 2 3", "square", "#777777"),
)
RAG_WORDS = {"green": "● Green: on target", "amber": "▲ Amber: near target", "red": "■ Red: off target"}
DIRECTION_WORDS = {
    "better": "↑ better",
    "worse": "↓ worse",
    "same": "→ same",
    "higher": "↗ higher",
    "lower": "↘ lower",
}
CSS = """
@page { size: A4; margin: 16mm 14mm 18mm; }
body { font-family: Arial, Helvetica, sans-serif; font-size: 11pt; color: #000; }
section { page-break-after: always; break-after: page; }
section:last-child { page-break-after: auto; break-after: auto; }
h1 { font-size: 24pt; margin: 40mm 0 8mm; } h2 { font-size: 16pt; margin: 0 0 4mm; }
table { border-collapse: collapse; width: 100%; margin: 3mm 0; font-size: 10pt; }
th, td { border: 1px solid #777; padding: 1.5mm 2mm; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; }
.cover p { font-size: 14pt; margin: 3mm 0; } .note { font-size: 9pt; color: #333; }
.sentence { font-size: 12pt; font-weight: bold; } svg { width: 100%; height: auto; }
.commentary { border-left: 3px solid #000; padding-left: 3mm; }
"""


def esc(text: object) -> str:
    return html.escape("" if text is None else str(text))


def shown(value: object, unit: str) -> str:
    """A figure as the pack prints it: formatted, or the suppression words as they are."""
    if isinstance(value, str):
        return value
    return format_value(value if value is None else float(value), unit)  # type: ignore[arg-type]


def pack_html(pack: Pack) -> str:
    sections = [cover(pack), contents(pack), summary(pack)]
    sections += [indicator_page(pack, code) for code in pack.codes]
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(pack.title)}</title>'
        f"<style>{CSS}</style></head><body>{''.join(sections)}</body></html>"
    )


def cover(pack: Pack) -> str:
    notice = f"<p><strong>{esc(pack.notice)}</strong></p>" if pack.notice else ""
    public = f'<p class="note">{esc(SUPPRESSION_NOTE)}</p>' if pack.public else ""
    return (
        f'<section class="cover"><h1>{esc(pack.title)}</h1><p>{esc(pack.authority)}</p>'
        f"<p>Period: {esc(pack.label)} ({month_name(pack.start)} to {month_name(pack.end)})</p>"
        f"<p>Data as at: {esc(pack.as_at)}</p><p>Printed: {esc(pack.printed)}</p>{notice}{public}</section>"
    )


def contents(pack: Pack) -> str:
    rows = ["<tr><td>Summary of the headline indicators</td><td class='num'>3</td></tr>"]
    rows += [
        f"<tr><td>{esc(pack.kpis[c].name)}</td><td class='num'>{4 + i}</td></tr>"
        for i, c in enumerate(pack.codes)
    ]
    return (
        "<section><h2>Contents</h2><table><thead><tr><th>Section</th><th class='num'>Page</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def summary(pack: Pack) -> str:
    rows = []
    for code in pack.codes:
        row, kpi = pack.row(code), pack.kpis[code]
        if row is None:
            rows.append(f"<tr><td>{esc(kpi.name)}</td><td colspan='6'>No figure for this period</td></tr>")
            continue
        rows.append(
            f"<tr><td>{esc(kpi.name)}</td><td class='num'>{esc(shown(row['shown_value'], kpi.unit))}</td>"
            f"<td class='num'>{esc(shown(row['target'], kpi.unit))}</td>"
            f"<td>{esc(RAG_WORDS.get(str(row['rag']), 'No target'))}</td>"
            f"<td>{esc(DIRECTION_WORDS.get(str(row['direction']), '–'))}</td>"
            f"<td class='num'>{esc(shown(row['england'], kpi.unit))}</td>"
            f"<td class='num'>{esc(shown(row['neighbours'], kpi.unit))}</td></tr>"
        )
    head = "".join(
        f"<th{' class=num' if n else ''}>{h}</th>"
        for h, n in (
            ("Indicator", 0),
            ("Value", 1),
            ("Target", 1),
            ("Status", 0),
            ("Since last period", 0),
            ("England", 1),
            ("Similar councils", 1),
        )
    )
    return (
        f"<section><h2>Summary: {esc(pack.label)}</h2><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        "<p class='note'>Similar councils: the statistical neighbours' average. "
        "England and similar councils: "
        "the latest published figure for the same period where there is one.</p></section>"
    )


def indicator_page(pack: Pack, code: str) -> str:
    kpi, row, history = pack.kpis[code], pack.row(code), pack.history(code)
    said = esc(sentence(row, kpi)) if row is not None else "No figure for this period."
    note = row.get("commentary") if row is not None else None
    commentary = (
        f"<p class='commentary'>{esc(note)}</p>"
        if isinstance(note, str) and note
        else "<p>No commentary.</p>"
    )
    table_rows = "".join(
        f"<tr><td>{esc(r['period'])}</td><td class='num'>{esc(shown(r['shown_value'], kpi.unit))}</td>"
        f"<td class='num'>{esc(shown(r['shown_numerator'], 'count'))}</td>"
        f"<td class='num'>{esc(shown(r['shown_denominator'], 'count'))}</td>"
        f"<td class='num'>{esc(shown(r['target'], kpi.unit))}</td>"
        f"<td>{esc(RAG_WORDS.get(str(r['rag']), 'No target'))}</td></tr>"
        for _, r in history.iterrows()
    )
    return (
        f"<section><h2>{esc(kpi.name)}</h2><p class='sentence'>{said}</p>"
        f"{trend_svg(history, kpi.unit, kpi.name)}"
        f"<h3>Commentary</h3>{commentary}"
        "<table><thead><tr><th>Period</th><th class='num'>Value</th><th class='num'>Numerator</th>"
        "<th class='num'>Denominator</th><th class='num'>Target</th><th>Status</th></tr></thead>"
        f"<tbody>{table_rows}</tbody></table>"
        f"<p class='note'>{esc(' '.join(kpi.definition.split()))}</p></section>"
    )


def trend_svg(rows: pd.DataFrame, unit: str, name: str, width: int = 640, height: int = 260) -> str:
    """A line chart of the periods: ours, target, England, similar councils, by dash and marker."""
    left, right, top, bottom = 60, 40, 30, 40
    periods = list(rows["period"])
    values = [
        float(v)
        for column, *_ in SERIES
        for v in rows[column]
        if isinstance(v, int | float)
        and not math.isnan(v)
        and not (column == "value" and rows["suppressed"].any())
    ]
    if not periods or not values:
        return "<p>No figures to chart.</p>"
    low, high = min(values), max(values)
    low, high = (low - 1, high + 1) if low == high else (low - 0.1 * (high - low), high + 0.1 * (high - low))
    step = (width - left - right) / max(1, len(periods) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + i * step, top + (high - v) / (high - low) * (height - top - bottom)

    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{esc(name)}: trend by period" '
        'xmlns="http://www.w3.org/2000/svg" font-family="Arial" font-size="11">'
    ]
    for k in range(5):
        v = low + (high - low) * k / 4
        _, y = xy(0, v)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{esc(format_value(v, unit))}</text>'
        )
    for i, p in enumerate(periods):
        x, _ = xy(i, low)
        parts.append(f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle">{esc(p)}</text>')
    for n, (column, label, dash, marker, grey) in enumerate(SERIES):
        points = [
            xy(i, float(v))
            for i, v in enumerate(rows[column])
            if isinstance(v, int | float)
            and not math.isnan(v)
            and not (column == "value" and rows["suppressed"].iloc[i])
        ]
        if not points:
            continue
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        stroke = f'stroke="{grey}" stroke-width="2" stroke-dasharray="{dash}"'
        parts.append(f'<polyline points="{path}" fill="none" {stroke}/>')
        parts += [_marker(marker, x, y, grey) for x, y in points]
        lx = left + n * 140
        parts.append(
            f'<line x1="{lx}" x2="{lx + 28}" y1="12" y2="12" {stroke}/>'
            f'{_marker(marker, lx + 14, 12, grey)}<text x="{lx + 34}" y="16">{esc(label)}</text>'
        )
    return "".join(parts) + "</svg>"


def _marker(kind: str, x: float, y: float, grey: str) -> str:
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{grey}"/>'
    if kind == "square":
        return (
            f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="white" '
            f'stroke="{grey}" stroke-width="2"/>'
        )
    if kind == "triangle":
        corners = f"{x:.1f},{y - 5:.1f} {x - 5:.1f},{y + 4:.1f} {x + 5:.1f},{y + 4:.1f}"
        return f'<polygon points="{corners}" fill="{grey}"/>'
    return ""
