"""Text-layer stage: read a born-digital PDF page (PDFium words, pdfplumber tables), judge it.

A page's text layer is used only if it is real Vietnamese text: enough characters, few
impossible syllables. That refuses two common failures: scans with no text at all, and scans
carrying a hidden OCR layer made by an English-only engine ("Cong hoa xa hoi chu nghia" with
junk). Those pages go to OCR instead; the decision and its reason are recorded per page.

PDFs printed from old ``.VnTime`` (TCVN3) or ``VNI-Times`` fonts have a layer that reads
"Tr-êng" or "Tröôøng": the encoding is recognised on the whole page, the words are converted
to Unicode (:mod:`~minhchung.ingest.legacy_encoding`), and the page keeps its exact text
layer (marked with ``source_encoding``) instead of being OCR'd.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
from pdfplumber.page import Page as PlumberPage

from minhchung.ingest.document import BBox, Page
from minhchung.ingest.layout import RawBlock, RawWord, arrange_blocks, assemble_page, insert_tables
from minhchung.ingest.legacy_encoding import convert_legacy, convert_word, detect_legacy_encoding, encoding_name
from minhchung.ingest.normalize import normalize_text
from minhchung.ingest.vietnamese import alphabetic_tokens, has_vietnamese_marks, invalid_syllable_rate

MAX_INVALID_SYLLABLES = 0.30
MIN_MARKED_SHARE = 0.08
MIN_TABLE_SEGMENTS = 12


@dataclass(frozen=True)
class LayerVerdict:
    """Whether a page's text layer is usable, and why (shown in logs and the review UI)."""

    usable: bool
    reason: str


def judge_text_layer(text: str, min_chars: int) -> LayerVerdict:
    """Decide whether extracted page text is trustworthy Vietnamese (else the page is OCR'd).

    Rules: at least ``min_chars`` non-space characters; at most 30 % impossible syllables; and
    a page with many words must carry some Vietnamese marks (an unaccented layer over a
    Vietnamese scan is an English OCR engine's output, not the document's text). A layer in a
    legacy encoding (TCVN3, VNI) is judged on its conversion to Unicode.
    """
    encoding = detect_legacy_encoding(text)
    verdict = _judge_unicode_layer(convert_legacy(text, encoding) if encoding else text, min_chars)
    if encoding and verdict.usable:
        return LayerVerdict(True, f"converted from {encoding_name(encoding)}; {verdict.reason}")
    return verdict


def _judge_unicode_layer(text: str, min_chars: int) -> LayerVerdict:
    normalised = normalize_text(text)
    chars = sum(not c.isspace() for c in normalised)
    if chars < min_chars:
        return LayerVerdict(False, f"only {chars} characters of text")
    if "(cid:" in normalised or "\ufffd" in normalised:
        return LayerVerdict(False, "font without a Unicode map (cid glyphs)")
    invalid = invalid_syllable_rate(normalised)
    if invalid > MAX_INVALID_SYLLABLES:
        return LayerVerdict(False, f"{invalid:.0%} of words are not Vietnamese syllables")
    tokens = [t for t in alphabetic_tokens(normalised) if len(t) >= 2]
    marked = sum(map(has_vietnamese_marks, tokens)) / len(tokens) if tokens else 0.0
    if len(tokens) >= 30 and marked < MIN_MARKED_SHARE:
        return LayerVerdict(False, f"only {marked:.0%} of words carry Vietnamese marks")
    return LayerVerdict(True, f"{chars} characters, {invalid:.0%} non-syllables")


def page_words(page: pdfium.PdfPage) -> list[RawWord]:
    """Words of a PDF page's text layer with boxes in points (origin top-left).

    Read through PDFium's text page (C speed: ~10 ms a page, against ~250 ms for pdfminer's
    object parsing behind pdfplumber, which we keep for ruled tables only). A word ends at
    whitespace PDFium reports, including the spaces it infers from glyph gaps.
    """
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range(0, count) if count else ""
        height = page.get_height()
        words: list[RawWord] = []
        letters: list[str] = []
        boxes: list[tuple[float, float, float, float]] = []
        for index, char in enumerate(text):
            if char.isspace() or char == "\x00":
                _flush(letters, boxes, words, height)
                continue
            box = textpage.get_charbox(index)
            letters.append(char)
            if box[2] > box[0] or box[3] > box[1]:
                boxes.append(box)
        _flush(letters, boxes, words, height)
    finally:
        textpage.close()
    return words


def _flush(letters: list[str], boxes: list[tuple[float, float, float, float]], words: list[RawWord], height: float) -> None:
    """Close the word being read (PDF boxes are bottom-left based; ours are top-left)."""
    if letters and boxes:
        words.append(RawWord(text="".join(letters), box=BBox(
            l=min(b[0] for b in boxes), t=height - max(b[3] for b in boxes),
            r=max(b[2] for b in boxes), b=height - min(b[1] for b in boxes))))
    letters.clear()
    boxes.clear()


def may_have_ruled_table(page: pdfium.PdfPage) -> bool:
    """True if the page draws enough path segments to hold a ruled table (cheap pre-check).

    A 2×2 grid needs six rules (twelve segments); the underlines of a letter header, two.
    """
    paths = page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_PATH], max_depth=2)
    return sum(pdfium_raw.FPDFPath_CountSegments(path.raw) for path in paths) >= MIN_TABLE_SEGMENTS


def page_tables(page: PlumberPage) -> list[RawBlock]:
    """Ruled tables of the page as table blocks (rows of cell strings, one box per row)."""
    blocks = []
    for table in page.find_tables():
        rows = table.extract()
        boxes = [BBox(l=r.bbox[0], t=r.bbox[1], r=r.bbox[2], b=r.bbox[3]) for r in table.rows]
        if len(rows) < 2 and all(len(r) < 2 for r in rows):
            continue
        x0, top, x1, bottom = table.bbox
        blocks.append(RawBlock(rows=[[c or "" for c in row] for row in rows], row_boxes=boxes,
                               table_box=BBox(l=x0, t=top, r=x1, b=bottom)))
    return blocks


def _inside(word: RawWord, box: BBox) -> bool:
    cx, cy = (word.box.l + word.box.r) / 2, (word.box.t + word.box.b) / 2
    return box.l <= cx <= box.r and box.t <= cy <= box.b


def extract_text_page(number: int, width: float, height: float, words: list[RawWord],
                      tables: list[RawBlock]) -> Page:
    """A :class:`Page` from the text layer: blocks in reading order, tables as table blocks.

    ``words`` are the page's :func:`page_words` (already read to judge the layer); ``tables``
    its :func:`page_tables` (empty when the page has no ruling). A page in a legacy encoding
    (decided on all its words at once, as :func:`judge_text_layer` did) is converted word by
    word, so every word keeps its box, and the page records the encoding.
    """
    encoding = detect_legacy_encoding(" ".join(w.text for w in words))
    if encoding:
        words = [replace(w, text=convert_word(w.text, encoding)) for w in words]  # normalised when assembled
        tables = [replace(t, rows=[[convert_legacy(cell, encoding) for cell in row] for row in t.rows or []])
                  for t in tables]
    flowing = [w for w in words if not any(_inside(w, t.table_box) for t in tables if t.table_box)]
    blocks = insert_tables(arrange_blocks(flowing), tables)
    page = assemble_page(number, width, height, "text-layer", blocks)
    page.source_encoding = encoding_name(encoding) if encoding else None
    return page
