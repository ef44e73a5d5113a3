"""Reading order: positioned words → lines → blocks, the same way for text layers and OCR.

Vietnamese administrative letters (Nghị định 30) open with a two-column header: the issuer
on the left ("UBND HUYỆN …", "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", "Số: …") and the national motto on
the right ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", place and date);
they close with a two-column signature band ("Nơi nhận:" left, the signer right). Reading
these row by row interleaves the columns ("UBND HUYỆN X CỘNG HÒA …"), which breaks every
parser downstream. So rows are split at wide gaps into segments; a run of rows that share a
column gap is a *band* and becomes two blocks, left column first. Everything else is grouped
into paragraph blocks by vertical spacing.

Then :func:`assemble_page` turns blocks into a :class:`~minhchung.ingest.document.Page`:
each word is normalised on its own and joined with single spaces, so word and line offsets
index the page text exactly and ``normalize_text(page.text) == page.text``.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from minhchung.ingest.document import BBox, Block, Line, Page, Strategy, Word
from minhchung.ingest.normalize import normalize_text

BLOCK_SEPARATOR = "\n\n"
LINE_SEPARATOR = "\n"


@dataclass(frozen=True)
class RawWord:
    """A word as an extractor found it, box in PDF points; ``line_key`` groups OCR lines.

    ``upright`` is the box in the frame where the text reads level (OCR of a page scanned
    sideways): reading order is worked out there, while ``box`` stays on the page as stored.
    """

    text: str
    box: BBox
    confidence: float | None = None
    line_key: tuple[int, ...] | None = None
    upright: BBox | None = None

    @property
    def geo(self) -> BBox:
        """The box used for reading order."""
        return self.upright or self.box


@dataclass
class RawBlock:
    """A block before offsets exist: lines of words, or a table's rows of cell strings."""

    lines: list[list[RawWord]] = field(default_factory=list)
    rows: list[list[str]] | None = None
    row_boxes: list[BBox] = field(default_factory=list)
    table_box: BBox | None = None

    @property
    def top(self) -> float:
        if self.table_box is not None:
            return self.table_box.t
        return min(w.geo.t for line in self.lines for w in line)


@dataclass(frozen=True)
class _Extent:
    """Plain-float box of a word group (layout computes thousands; pydantic would dominate)."""

    l: float
    t: float
    r: float
    b: float


def _union(words: list[RawWord]) -> _Extent:
    return _Extent(l=min(w.geo.l for w in words), t=min(w.geo.t for w in words),
                   r=max(w.geo.r for w in words), b=max(w.geo.b for w in words))


def group_rows(words: list[RawWord]) -> list[list[RawWord]]:
    """Words on the same visual row, rows top to bottom, words left to right.

    OCR words carry Tesseract's (block, paragraph, line) key, which survives a slight residual
    skew; text-layer words are clustered by vertical overlap.
    """
    if not words:
        return []
    if all(w.line_key is not None for w in words):
        keyed: dict[tuple[int, ...], list[RawWord]] = {}
        for word in words:
            keyed.setdefault(word.line_key, []).append(word)  # type: ignore[arg-type]
        rows = list(keyed.values())
    else:
        rows, extents = [], []  # extents: [top, bottom] of each row, kept as words join
        for word in sorted(words, key=lambda w: (w.geo.t, w.geo.l)):
            candidates = range(len(rows) - 1, max(-1, len(rows) - 4), -1)
            index = next((i for i in candidates if _same_row(extents[i], word)), None)
            if index is None:
                rows.append([word])
                extents.append([word.geo.t, word.geo.b])
            else:
                rows[index].append(word)
                extents[index] = [min(extents[index][0], word.geo.t), max(extents[index][1], word.geo.b)]
    rows = [sorted(r, key=lambda w: w.geo.l) for r in rows]
    return sorted(rows, key=lambda r: sum(w.geo.t + w.geo.b for w in r) / len(r))


def _same_row(extent: list[float], word: RawWord) -> bool:
    """True if the word overlaps the row's vertical extent by half the smaller height."""
    top, bottom = extent
    overlap = min(bottom, word.geo.b) - max(top, word.geo.t)
    return overlap > 0.5 * min(bottom - top, word.geo.b - word.geo.t)


def split_segments(row: list[RawWord], gap: float) -> list[list[RawWord]]:
    """Cut a row wherever the horizontal space between two words exceeds ``gap`` points.

    A piece with fewer than two letters or digits (a stray mark, a speck read as "¬") is not a
    column: it stays attached to its neighbour, so it cannot open a false column band.
    """
    segments = [[row[0]]]
    for word in row[1:]:
        if word.geo.l - segments[-1][-1].geo.r > gap:
            segments.append([word])
        else:
            segments[-1].append(word)
    return _attach_stray_pieces(segments)


def _attach_stray_pieces(segments: list[list[RawWord]]) -> list[list[RawWord]]:
    """Join each piece with fewer than two letters/digits to its nearer neighbouring piece."""
    pieces = [list(segment) for segment in segments]
    index = 0
    while len(pieces) > 1 and index < len(pieces):
        if _alnum_count(pieces[index]) >= 2:
            index += 1
            continue
        left_gap = pieces[index][0].geo.l - pieces[index - 1][-1].geo.r if index > 0 else float("inf")
        right_gap = pieces[index + 1][0].geo.l - pieces[index][-1].geo.r if index + 1 < len(pieces) else float("inf")
        stray = pieces.pop(index)
        if left_gap <= right_gap:
            pieces[index - 1].extend(stray)
        else:
            pieces[index][:0] = stray
    return pieces


def _alnum_count(words: list[RawWord]) -> int:
    return sum(c.isalnum() for w in words for c in w.text)


def arrange_blocks(words: list[RawWord]) -> list[RawBlock]:
    """Blocks in reading order (see the module docstring for the column-band rule)."""
    rows = group_rows(words)
    if not rows:
        return []
    height = statistics.median(w.geo.b - w.geo.t for w in words) or 1.0
    gap = max(10.0, 1.2 * height, 3.5 * _median_word_gap(rows))
    segmented = [split_segments(row, gap) for row in rows]
    blocks: list[RawBlock] = []
    index = 0
    while index < len(segmented):
        if len(segmented[index]) >= 2:
            end, boundary = _band_end(segmented, index, height)
            if end - index >= 2:
                blocks.extend(_band_blocks(segmented[index:end], boundary))
                index = end
                continue
            segmented[index] = [[w for segment in segmented[index] for w in segment]]
        else:
            end = _paragraph_end(segmented, index, height)
            blocks.append(RawBlock(lines=[seg[0] for seg in segmented[index:end]]))
            index = end
    return blocks


def _median_word_gap(rows: list[list[RawWord]]) -> float:
    """Typical space between neighbouring words of a row (0 if no row has two words)."""
    gaps = [b.geo.l - a.geo.r for row in rows for a, b in zip(row, row[1:]) if b.geo.l > a.geo.r]
    return statistics.median(gaps) if gaps else 0.0


def _column_boundary(segments: list[list[RawWord]]) -> tuple[float, float]:
    """The widest gap between segments of a row, as (left edge, right edge) in points."""
    gaps = [(_union(b).l - _union(a).r, _union(a).r, _union(b).l) for a, b in zip(segments, segments[1:])]
    _, left, right = max(gaps)
    return left, right


def _crosses(segment: list[RawWord], gap: tuple[float, float]) -> bool:
    """True if the segment spans the whole column gap (so it is not in either column)."""
    box = _union(segment)
    return box.l < gap[0] and box.r > gap[1]


SIGNATURE_GAP_LINES = 8.0
"""Largest blank space (in line heights) a column band continues across when the row after it
is split at the same column gap: the space left for signatures and the seal between "THƯ KÝ …
TRƯỞNG BAN" and the signers' names, which must be read column by column, not across."""


def _band_end(rows: list[list[list[RawWord]]], start: int, height: float) -> tuple[int, float]:
    """End (exclusive) of the band starting at ``start`` and its column boundary x.

    The gap is narrowed to what every split row leaves free; a row spanning it, or a split
    row whose gap no longer overlaps, or a paragraph-sized vertical space ends the band —
    unless the row after the space is split at the band's gap (signature space, see
    :data:`SIGNATURE_GAP_LINES`).
    """
    left, right = _column_boundary(rows[start])
    end = start + 1
    while end < len(rows):
        previous, current = _union([w for s in rows[end - 1] for w in s]), _union([w for s in rows[end] for w in s])
        if any(_crosses(s, (left, right)) for s in rows[end]):
            break
        split = len(rows[end]) >= 2
        if split:
            gap_left, gap_right = _column_boundary(rows[end])
            if max(left, gap_left) >= min(right, gap_right):
                break
        space = current.t - previous.b
        if space > 1.5 * height and not (split and space <= SIGNATURE_GAP_LINES * height):
            break
        if split:
            left, right = max(left, gap_left), min(right, gap_right)
        end += 1
    return end, (left + right) / 2


def _band_blocks(rows: list[list[list[RawWord]]], boundary: float) -> list[RawBlock]:
    def centre(segment: list[RawWord]) -> float:
        box = _union(segment)
        return (box.l + box.r) / 2

    left = RawBlock(lines=[s for row in rows for s in row if centre(s) < boundary])
    right = RawBlock(lines=[s for row in rows for s in row if centre(s) >= boundary])
    return [b for b in (left, right) if b.lines]


def _paragraph_end(rows: list[list[list[RawWord]]], start: int, height: float) -> int:
    """End (exclusive) of the paragraph of single-segment rows starting at ``start``."""
    end = start + 1
    while end < len(rows) and len(rows[end]) == 1:
        gap = _union(rows[end][0]).t - _union(rows[end - 1][0]).b
        if gap > 0.9 * height:
            break
        end += 1
    return end


def insert_tables(blocks: list[RawBlock], tables: list[RawBlock]) -> list[RawBlock]:
    """Place each table before the first text block that starts below its top edge."""
    ordered = list(blocks)
    for table in sorted(tables, key=lambda t: t.top):
        position = next((i for i, b in enumerate(ordered) if b.rows is None and b.top > table.top), len(ordered))
        ordered.insert(position, table)
    return ordered


def assemble_page(
    number: int, width: float, height: float, strategy: Strategy, blocks: list[RawBlock],
    confidence: float | None = None, low_confidence: bool = False,
) -> Page:
    """Build a page whose text is exactly the normalised words, with exact offsets."""
    text_parts: list[str] = []
    offset = 0
    page_blocks: list[Block] = []
    for raw in blocks:
        start = offset + (len(BLOCK_SEPARATOR) if page_blocks else 0)
        lines = _table_lines(raw, start) if raw.rows is not None else _text_lines(raw, start)
        if not lines:
            continue
        if page_blocks:
            text_parts.append(BLOCK_SEPARATOR)
            offset = start
        block_text = LINE_SEPARATOR.join(line.text for line in lines)
        text_parts.append(block_text)
        page_blocks.append(Block(
            kind="table" if raw.rows is not None else "text",
            bbox=raw.table_box or BBox.union([ln.bbox for ln in lines if ln.bbox]),
            start=offset, end=offset + len(block_text), lines=lines, rows=raw.rows,
        ))
        offset += len(block_text)
    return Page(
        number=number, width=width, height=height, strategy=strategy, text="".join(text_parts),
        blocks=page_blocks, confidence=confidence, low_confidence=low_confidence,
    )


def _text_lines(raw: RawBlock, offset: int) -> list[Line]:
    lines: list[Line] = []
    for raw_line in raw.lines:
        words: list[Word] = []
        cursor = offset
        for raw_word in raw_line:
            text = "".join(normalize_text(raw_word.text).split())
            if not text:
                continue
            if words:
                cursor += 1
            words.append(Word(text=text, bbox=raw_word.box, confidence=raw_word.confidence, start=cursor, end=cursor + len(text)))
            cursor += len(text)
        if not words:
            continue
        confidences = [w.confidence for w in words if w.confidence is not None]
        line_text = " ".join(w.text for w in words)
        lines.append(Line(
            text=line_text, bbox=BBox.union([w.bbox for w in words]), start=offset, end=offset + len(line_text),
            confidence=sum(confidences) / len(confidences) if confidences else None, words=words,
        ))
        offset += len(line_text) + len(LINE_SEPARATOR)
    return lines


def _table_lines(raw: RawBlock, offset: int) -> list[Line]:
    """One line per table row, cells joined by " | " (so search finds table text)."""
    lines: list[Line] = []
    for row, box in zip(raw.rows or [], raw.row_boxes):
        text = " ".join(" | ".join(normalize_text(cell or "") for cell in row).split())
        if not text.replace("|", "").strip():
            continue
        lines.append(Line(text=text, bbox=box, start=offset, end=offset + len(text)))
        offset += len(text) + len(LINE_SEPARATOR)
    return lines
