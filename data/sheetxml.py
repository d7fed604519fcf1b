"""A workbook's first sheet read straight from its XML, streamed: the fast path of
:mod:`data.readers` for ``.xlsx`` files.

openpyxl builds an element and a dict per cell (and, for a sheet without a ``<dimension>``, parses
the whole sheet once more just to size it), which made a 200,000-row workbook 3.7 times as slow to
load as the same data as CSV. Here the sheet member is inflated block by block; each block is
checked to be well-formed XML by expat (no Python call per element) and its cells are picked out
by one regular expression, in rows of text kept column by column (memory about the cells' text).
Shared strings are read the same way.

The fast path reads what spreadsheet programs write: every cell has its reference (``r="B7"``),
rows come in order, no namespace prefix, no CDATA or comments among the cells. A sheet that does
anything else raises :class:`Unusual` and is read by openpyxl's parser instead (slower, same
result). Cell values follow openpyxl's ``data_only`` reading exactly (tests compare the two).
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import zipfile
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any
from xml.parsers import expat

BLOCK_BYTES = 4 << 20  # inflated sheet XML handled at a time


class Unusual(Exception):
    """The sheet uses XML the fast path does not read: read it with openpyxl instead."""


class Damaged(Exception):
    """The XML is not well-formed."""


@dataclass
class Grid:
    """Non-empty cells as text, column by column: ``rows`` holds the spreadsheet row number of
    each row with a cell; ``columns[c]`` the positions (into ``rows``, C ints) and texts of column ``c``
    (1-based). ``kinds`` says what kinds of cell were read (number, date, percent, ...)."""

    rows: array = field(default_factory=lambda: array("q"))
    columns: dict[int, tuple[array, list[str]]] = field(default_factory=dict)
    kinds: set[str] = field(default_factory=set)
    formulas: list[tuple[int, int, bool]] = field(default_factory=list)  # row, column, has a result
    merged: list[str] = field(default_factory=list)  # "A1:B2"

    def add(self, row: int, column: int, text: str, kind: str) -> None:
        if not self.rows or self.rows[-1] != row:
            if self.rows and row < self.rows[-1]:
                raise Unusual("rows out of order")
            self.rows.append(row)
        at = len(self.rows) - 1
        found = self.columns.get(column)
        if found is None:
            found = self.columns[column] = (array("i"), [])
        positions, texts = found
        if positions and positions[-1] == at:
            positions.pop()  # the same cell twice: the later one counts, as openpyxl reads it
            texts.pop()
        positions.append(at)
        texts.append(text)
        self.kinds.add(kind)


@dataclass(frozen=True)
class Styles:
    """What a cell's style index says about its number: a percentage, a date, a duration."""

    percent: frozenset[str]
    dates: frozenset[str]
    durations: frozenset[str]
    epoch: dt.datetime


_ATTRIBUTE = r'(?=(?:[^>]*?\s{0}\s*=\s*["\']([^"\']*)["\'])?)'
_CELL = re.compile(
    r"<c(?=[\s/>])"
    + _ATTRIBUTE.format("r")
    + _ATTRIBUTE.format("s")
    + _ATTRIBUTE.format("t")
    + r"()[^>]*?(?:/>|>(.*?)</c>)",  # () for the other attributes' place in _PLAIN_CELL
    re.S,
)
_OPEN = r"(?:\s[^>]*?)?(?<!/)>"  # the rest of an opening tag (not an empty element's)
# the way spreadsheet programs write a cell (attributes r, s, t in that order), matched in one go;
# a chunk with a cell written otherwise is read with _CELL
_PLAIN_CELL = re.compile(
    r'<c r="([A-Z]{1,3})([0-9]+)"(?: s="([0-9]+)")?(?: t="([A-Za-z]+)")?((?:\s[^>]*?)?)'
    r"(?:/>|>(?:<v>([^<&\r]+)</v>|<is><t>([^<&\r]+)</t></is>|(.*?))</c>)",
    re.S,
)
_OUT_OF_ORDER = re.compile(r"\s[rst]\s*=")
_VALUE = re.compile(r"<v" + _OPEN + r"(.*?)</v>|<v(?:\s[^>]*)?/>", re.S)
_FORMULA = re.compile(r"<f[\s/>]")
_TEXT = re.compile(r"<t" + _OPEN + r"(.*?)</t>", re.S)
_PHONETIC = re.compile(r"<rPh[\s>].*?</rPh>", re.S)
_ITEM = re.compile(r"<si" + _OPEN + r"(.*?)</si>|<si(?:\s[^>]*)?/>", re.S)
_MERGED = re.compile(r"<mergeCell\s[^>]*?ref\s*=\s*[\"']([^\"']+)[\"']")
_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z]+);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_ROOT = re.compile(r"<([A-Za-z_][\w.-]*:)?worksheet[\s>]")
_ODD = ("<!--", "<![CDATA[", "<?", "<!DOCTYPE")  # a comment, CDATA or a processing instruction


def _entity(match: re.Match[str]) -> str:
    name = match[1]
    if name[0] == "#":
        return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))
    if name in _NAMED:
        return _NAMED[name]
    raise Damaged(f"unknown entity &{name};")


def text_of(raw: str) -> str:
    """XML character data as a parser gives it: line ends normalised, entities replaced."""
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in raw:
        raw = _ENTITY.sub(_entity, raw)
    return raw


def rich_text(inner: str) -> str:
    """The text of an ``<is>`` or ``<si>`` element: its ``<t>`` and runs' ``<t>``, no phonetics."""
    if inner.startswith("<t>") and inner.endswith("</t>") and inner.count("<") == 2:
        return text_of(inner[3:-4])
    if "<rPh" in inner:
        inner = _PHONETIC.sub("", inner)
    return "".join(text_of(t) for t in _TEXT.findall(inner))


def _blocks(archive: zipfile.ZipFile, member: str, size: int = BLOCK_BYTES) -> Iterator[str]:
    """The member's text block by block, each checked by expat to be well-formed XML so far."""
    checker = expat.ParserCreate()
    decoder = codecs.getincrementaldecoder("utf-8")()
    first = True
    with archive.open(member) as handle:
        while True:
            data = handle.read(size)
            try:
                checker.Parse(data, not data)
            except expat.ExpatError as exc:
                raise Damaged(str(exc)) from None
            if first:
                declared = re.match(
                    rb'<\?xml[^>]*encoding\s*=\s*["\']([^"\']+)', data.lstrip(codecs.BOM_UTF8)
                )
                if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
                    declared and declared[1].lower().replace(b"-", b"") != b"utf8"
                ):
                    raise Unusual("not UTF-8")
                data = data.removeprefix(codecs.BOM_UTF8)
                first = False
            try:
                text = decoder.decode(data, final=not data)
            except UnicodeDecodeError as exc:
                raise Damaged(str(exc)) from None
            if text:
                yield text
            if not data:
                return


def _complete(blocks: Iterator[str], closing: str) -> Iterator[str]:
    """The text in pieces that end just after a ``closing`` tag (the last piece: whatever is left)."""
    rest = ""
    for block in blocks:
        text = rest + block
        cut = text.rfind(closing)
        if cut < 0:
            rest = text
            continue
        cut += len(closing)
        rest = text[cut:]
        yield text[:cut]
    if rest:
        yield rest


def shared_strings(archive: zipfile.ZipFile, member: str) -> list[str]:
    """The shared strings table (openpyxl's reading: runs joined, ``x005F_`` taken out)."""
    strings: list[str] = []
    for piece in _complete(_blocks(archive, member), "</si>"):
        if any(odd in piece for odd in _ODD[:2]):
            raise Unusual("a comment or CDATA in the shared strings")
        for inner in _ITEM.findall(piece):
            value = rich_text(inner) if inner else ""
            strings.append(value.replace("x005F_", "") if "x005F_" in value else value)
    return strings


@dataclass
class _Sheet:
    strings: Callable[[], list[str]]
    styles: Styles
    number_text: Callable[[Any], str]
    from_excel: Callable[..., Any]
    from_iso: Callable[[str], Any]
    grid: Grid = field(default_factory=Grid)
    seen: dict[str, str] = field(default_factory=dict)  # one copy of each repeated text
    table: list[str] | None = None

    def cells(self, done: str) -> None:
        """Every cell of ``done`` (whole rows of the sheet's XML). One loop, the common cases
        (a plain number, an inline or shared string, matched whole by the expression) first:
        it runs once per cell."""
        if any(odd in done for odd in _ODD):
            raise Unusual("a comment, CDATA or processing instruction among the cells")
        grid, seen, styles = self.grid, self.seen, self.styles
        rows, columns, kinds = grid.rows, grid.columns, grid.kinds
        special = styles.dates | styles.percent
        known = _COLUMNS
        last = rows[-1] if rows else 0
        at = len(rows) - 1
        row_digits = ""  # the row's reference as written: int() only when it changes
        texts_read = numbers_read = False
        by_letters: dict[str, tuple[array, list[str]]] = {}  # a column's cells by its letters
        for letters, digits, style, kind, _, plain, inline, inner in _cells_of(done):
            if inline and kind == "inlineStr":
                cell = seen.setdefault(inline, inline) if len(inline) < 64 else inline
                texts_read = True
            elif plain and kind == "s":
                if self.table is None:
                    self.table = self.strings()
                try:
                    cell = self.table[int(plain)]
                except (ValueError, IndexError):
                    raise Damaged(
                        f"cell {letters}{digits} names shared string {plain!r}, which is not there"
                    ) from None
                if not cell:
                    continue
                texts_read = True
            elif (
                plain
                and (not kind or kind == "n")
                and (style or "0") not in special
                and plain.isdigit()
                and plain.isascii()
            ):
                cell = plain if plain[0] != "0" or plain == "0" else str(int(plain))
                if len(cell) < 64:
                    cell = seen.setdefault(cell, cell)
                numbers_read = True
            elif inline or plain or inner:
                found = self.cell(
                    int(digits), known.get(letters) or _column(letters), style, kind, inline, plain, inner
                )
                if found is None:
                    continue
                cell, cell_kind = found
                kinds.add(cell_kind)
            else:
                continue
            # Grid.add, inlined
            if digits != row_digits:
                row_digits = digits
                row = int(digits)
                if row != last:
                    if row < last:
                        raise Unusual("rows out of order")
                    rows.append(row)
                    last = row
                    at += 1
            pair = by_letters.get(letters)
            if pair is None:
                pair = by_letters[letters] = columns.setdefault(_column(letters), (array("i"), []))
            positions, texts = pair
            if positions and positions[-1] == at:
                positions.pop()  # the same cell twice: the later one counts, as openpyxl reads it
                texts.pop()
            positions.append(at)
            texts.append(cell)
        if texts_read:
            kinds.add("text")
        if numbers_read:
            kinds.add("number")

    def cell(
        self, row: int, column: int, style: str, kind: str, inline: str, plain: str, inner: str
    ) -> tuple[str, str] | None:
        """Any other cell: (text, kind), or None when it holds nothing (formulas noted)."""
        if inline:
            inner = f"<is><t>{inline}</t></is>"
        elif plain:
            inner = f"<v>{plain}</v>"
        has_formula = "<f" in inner and _FORMULA.search(inner) is not None
        if kind == "inlineStr":
            value: str | None = None
            begin = inner.find("<is")
            if begin >= 0:
                opened = inner.index(">", begin)
                close = inner.rfind("</is>")
                closed = close > opened and inner[opened - 1] != "/"
                value = rich_text(inner[opened + 1 : close]) if closed else ""
            if has_formula:
                self.grid.formulas.append((row, column, value is not None))
            if not value:
                return None
            return (self.seen.setdefault(value, value) if len(value) < 64 else value), "text"
        found = _VALUE.search(inner) if "<v" in inner else None
        raw = (found[1] or "") if found else ""
        if has_formula:
            self.grid.formulas.append((row, column, raw != ""))
        if not raw:
            return None
        if kind == "s":
            if self.table is None:
                self.table = self.strings()
            try:
                value = self.table[int(raw)]
            except (ValueError, IndexError):
                raise Damaged(
                    f"a cell in row {row} names shared string {raw!r}, which is not there"
                ) from None
            return (value, "text") if value else None
        if kind in ("", "n"):
            cell, cell_kind = _number(raw, style or "0", self.styles, self.number_text, self.from_excel)
        elif kind in ("str", "e"):
            cell, cell_kind = text_of(raw), "text"
        elif kind == "b":
            cell, cell_kind = ("TRUE" if int(raw) else "FALSE"), "bool"
        elif kind == "d":
            cell, cell_kind = _when(self.from_iso(raw))
        else:
            raise Unusual(f"cell type {kind!r}")
        if not cell:
            return None
        return (self.seen.setdefault(cell, cell) if len(cell) < 64 else cell), cell_kind


def read_sheet(
    archive: zipfile.ZipFile,
    member: str,
    strings: Callable[[], list[str]],
    styles: Styles,
    number_text: Callable[[Any], str],
    from_excel: Callable[..., Any],
    from_iso: Callable[[str], Any],
    *,
    first_row: bool = False,
) -> Grid:
    """The sheet's cells; raises :class:`Unusual` (read it another way) or :class:`Damaged`.
    ``strings`` gives the shared strings table (read when the first cell needs it).
    ``first_row``: stop once the first row with a cell has been read (small blocks)."""
    sheet = _Sheet(strings, styles, number_text, from_excel, from_iso)
    state = "head"  # before <sheetData>, in it, after it
    tail: list[str] = []
    for piece in _complete(_blocks(archive, member, 1 << 16 if first_row else BLOCK_BYTES), "</row>"):
        if first_row and sheet.grid.rows:
            return sheet.grid
        if state == "head":
            root = _ROOT.search(piece)
            if root is None or root[1]:
                raise Unusual("a namespace prefix, or no worksheet element")
            begin = piece.find("<sheetData")
            if begin < 0:
                break
            if any(odd in piece[:begin] for odd in _ODD[1:]):
                raise Unusual("CDATA, a processing instruction or a DOCTYPE")
            piece = piece[begin:]
            state = "data"
        if state == "data":
            end = piece.find("</sheetData>")
            if end < 0:
                sheet.cells(piece)
                continue
            sheet.cells(piece[:end])
            piece = piece[end:]
            state = "tail"
        tail.append(piece)
    if state == "head":
        raise Unusual("no sheetData element")
    sheet.grid.merged = _MERGED.findall("".join(tail))
    return sheet.grid


def _cells_of(done: str) -> list[tuple[str, ...]]:
    """(column letters, row digits, style, type, other attributes, plain value, plain inline
    text, other content) of every cell in ``done``; the plain ones hold no markup, entity or
    carriage return, and where one is given the content is empty."""
    found = _PLAIN_CELL.findall(done)
    opened = done.count("<c ") + done.count("<c>") + done.count("<c/")
    if len(found) == opened and (
        not any(map(itemgetter(4), found))  # no other attributes (the usual case), or none out of order
        or not any(cell[4] and _OUT_OF_ORDER.search(cell[4]) for cell in found)
    ):
        return found
    cells: list[tuple[str, ...]] = []
    for ref, style, kind, extra, inner in _CELL.findall(done):
        if not ref:
            raise Unusual("a cell without its reference")
        letters = ref.rstrip("0123456789")
        digits = ref[len(letters) :]
        if not digits.isdigit() or not digits.isascii():
            raise Unusual("an odd cell reference")
        cells.append((letters, digits, style, kind, extra, "", "", inner))
    return cells


_COLUMNS: dict[str, int] = {}  # column letters -> number, as met


def _column(letters: str) -> int:
    if not letters.isalpha() or not letters.isascii() or len(letters) > 3:
        raise Unusual("an odd cell reference")
    found = 0
    for letter in letters.upper():
        found = found * 26 + ord(letter) - 64
    if len(_COLUMNS) < 20_000:
        _COLUMNS[letters] = found
    return found


def _number(
    raw: str, style: str, styles: Styles, number_text: Callable[[Any], str], from_excel: Callable[..., Any]
) -> tuple[str, str]:
    """A number cell as openpyxl reads it: a date where its style is one, a percentage shown
    as one (0.8 as 80%), otherwise the number."""
    value: int | float = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
    if style in styles.dates:
        try:
            return _when(from_excel(value, styles.epoch, timedelta=style in styles.durations))
        except (OverflowError, ValueError):
            return "#VALUE!", "text"
    if style in styles.percent:
        return number_text(round(value * 100, 10)) + "%", "percent"
    return number_text(value), "number"


def _when(value: Any) -> tuple[str, str]:
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d"), "date"
    return str(value), "time"
