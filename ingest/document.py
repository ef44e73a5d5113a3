"""The one typed document that travels from ingestion to the index and the UI.

``Document → Page → Block → Line → Word``, each with a bounding box, and every page with the
extraction strategy that produced it and its OCR confidence. Page text is normalised
(:mod:`minhchung.ingest.normalize`) and lines record their character span in it, so any value
extracted later (a date, a quota, a code) is a :class:`Span` that maps back to a page and a box.

Coordinates are PDF points (1/72 inch) with the origin at the page's top-left corner, whatever
the source (text layer, OCR at 300 DPI, or an image), so the UI can highlight from a span alone.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from minhchung.ingest.normalize import normalize_text

Strategy = Literal["text-layer", "ocr", "docx", "plain-text"]
BlockKind = Literal["text", "table"]

PAGE_SEPARATOR = "\n\f\n"


class BBox(BaseModel):
    """A rectangle in PDF points, origin top-left: left, top, right, bottom."""

    l: float
    t: float
    r: float
    b: float

    @staticmethod
    def union(boxes: list[BBox]) -> BBox | None:
        if not boxes:
            return None
        return BBox(
            l=min(b.l for b in boxes), t=min(b.t for b in boxes),
            r=max(b.r for b in boxes), b=max(b.b for b in boxes),
        )


class Word(BaseModel):
    text: str
    bbox: BBox
    confidence: float | None = None
    start: int = Field(description="offset of the word in its page's text")
    end: int


class Line(BaseModel):
    text: str
    bbox: BBox | None = None
    confidence: float | None = None
    start: int
    end: int
    words: list[Word] = Field(default_factory=list)


class Block(BaseModel):
    """A paragraph-like group of lines, or a table (cells kept as rows of strings)."""

    kind: BlockKind = "text"
    bbox: BBox | None = None
    start: int
    end: int
    lines: list[Line] = Field(default_factory=list)
    rows: list[list[str]] | None = None


class Page(BaseModel):
    number: int = Field(ge=1, description="1-based page number")
    width: float = 595.0
    height: float = 842.0
    strategy: Strategy
    text: str = ""
    blocks: list[Block] = Field(default_factory=list)
    confidence: float | None = Field(default=None, description="mean OCR word confidence, 0–100")
    low_confidence: bool = False
    source_encoding: str | None = Field(
        default=None, description="legacy encoding the text was converted from, e.g. 'TCVN3 (ABC)'; None if Unicode")

    def bbox_of(self, start: int, end: int) -> BBox | None:
        """The box covering characters ``start:end`` of this page's text (words, else lines)."""
        words = [w for b in self.blocks for ln in b.lines for w in ln.words if w.start < end and w.end > start]
        if words:
            return BBox.union([w.bbox for w in words])
        lines = [ln for b in self.blocks for ln in b.lines if ln.bbox and ln.start < end and ln.end > start]
        return BBox.union([ln.bbox for ln in lines if ln.bbox])


class Span(BaseModel):
    """Provenance of an extracted value: document, 1-based page, character span in page text."""

    document_id: str
    page: int
    start: int
    end: int


class Document(BaseModel):
    id: str = Field(description="sha256 of the original bytes, hex")
    filename: str
    mime: str
    size: int
    pages: list[Page] = Field(default_factory=list)

    @property
    def text(self) -> str:
        """All pages in reading order, separated by a form feed on its own line."""
        return PAGE_SEPARATOR.join(p.text for p in self.pages)

    def page_starts(self) -> list[int]:
        """Offset of each page's first character in :attr:`text`."""
        starts, offset = [], 0
        for page in self.pages:
            starts.append(offset)
            offset += len(page.text) + len(PAGE_SEPARATOR)
        return starts

    def span_at(self, start: int, end: int) -> Span:
        """Convert offsets in :attr:`text` into a page-relative :class:`Span`."""
        starts = self.page_starts()
        index = max(i for i, s in enumerate(starts) if s <= start) if starts else 0
        base = starts[index] if starts else 0
        page_no = self.pages[index].number if self.pages else 1
        return Span(document_id=self.id, page=page_no, start=start - base, end=end - base)

    @classmethod
    def from_text(cls, text: str, *, document_id: str, filename: str, mime: str = "text/plain",
                  source_encoding: str | None = None) -> Document:
        """A document from plain text: one page per form feed, one block per paragraph.

        ``source_encoding``: the legacy encoding ``text`` was converted from (recorded per page).
        """
        pages = []
        for number, raw in enumerate(normalize_text(text).split("\f"), start=1):
            page_text = raw.strip("\n")
            pages.append(Page(number=number, strategy="plain-text", text=page_text, blocks=_paragraph_blocks(page_text),
                              source_encoding=source_encoding))
        return cls(id=document_id, filename=filename, mime=mime, size=len(text.encode("utf-8")), pages=pages)


def _paragraph_blocks(text: str) -> list[Block]:
    """Blocks for text without geometry: one per blank-line-separated paragraph, lines kept."""
    blocks: list[Block] = []
    current: list[Line] = []
    offset = 0
    for raw_line in text.split("\n"):
        start, end = offset, offset + len(raw_line)
        offset = end + 1
        if raw_line.strip():
            current.append(Line(text=raw_line, start=start, end=end))
        elif current:
            blocks.append(Block(start=current[0].start, end=current[-1].end, lines=current))
            current = []
    if current:
        blocks.append(Block(start=current[0].start, end=current[-1].end, lines=current))
    return blocks
