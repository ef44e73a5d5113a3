"""Cut a document's normalised page text into passages, plus one short "card" per document.

Passages follow the document's own structure: whole blocks (paragraphs, table cells) are packed
until a passage holds about ``target`` syllables, never more than ``maximum``; a block that is
itself too long is cut at line or sentence ends, and only as a last resort mid-sentence. A
passage never crosses a page, so its :class:`Span` (page, start, end in that page's text) lets
the UI open the exact page. Sizes are counted in syllables because that is what both the
lexical vectors and the reader see; 200–400 syllables keep one idea per passage while staying
inside the embedder's 512-token window.

The card is a one-paragraph summary built from the document's metadata (type, number, date,
issuer, title, codes, criteria). Reviewers search mostly by what a document *is* ("quyết định
thành lập hội đồng tự đánh giá"), which the body text states only once, so the card lets titles
rank well without boosting rules.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib.resources import files
from typing import Literal

from minhchung.index.sparse import tokenize
from minhchung.ingest.document import Page, Span

ChunkKind = Literal["card", "passage"]

_SENTENCE_END = re.compile(r"(?<=[.;:!?])\s+|\n")


@dataclass(frozen=True)
class ChunkingPolicy:
    """Passage sizes in syllables."""

    target: int = 250
    maximum: int = 400
    minimum_tail: int = 60


@dataclass(frozen=True)
class Chunk:
    """A unit of the index: the card (``span`` is None) or a passage of one page."""

    document_id: str
    ordinal: int
    kind: ChunkKind
    text: str
    span: Span | None


@dataclass(frozen=True)
class CardFacts:
    """What the card says about a document; every field optional except the title."""

    title: str
    doc_type: str | None = None
    number: str | None = None
    issued: date | None = None
    issuer: str | None = None
    codes: tuple[str, ...] = ()
    criteria: tuple[str, ...] = ()


def _units(page: Page) -> list[tuple[int, int]]:
    """Character ranges of the page's blocks, or of its blank-line paragraphs without layout."""
    text = page.text
    if page.blocks:
        ranges = [(b.start, b.end) for b in page.blocks if text[b.start : b.end].strip()]
        if ranges:
            return ranges
    ranges, offset = [], 0
    for paragraph in re.split(r"(\n\s*\n)", text):
        if paragraph.strip() and not re.fullmatch(r"\n\s*\n", paragraph):
            ranges.append((offset, offset + len(paragraph)))
        offset += len(paragraph)
    return ranges


def _syllables(text: str) -> int:
    return len(tokenize(text))


def _split_long(text: str, start: int, end: int, maximum: int) -> list[tuple[int, int]]:
    """Cut ``text[start:end]`` at sentence/line ends into pieces of at most ``maximum`` syllables."""
    if _syllables(text[start:end]) <= maximum:
        return [(start, end)]
    cuts = [start] + [start + m.end() for m in _SENTENCE_END.finditer(text[start:end])] + [end]
    pieces: list[tuple[int, int]] = []
    piece_start = start
    for previous, cut in zip(cuts, cuts[1:]):
        if cut <= piece_start:
            continue
        if _syllables(text[piece_start:cut]) > maximum:
            if previous > piece_start:
                pieces.append((piece_start, previous))
                piece_start = previous
            if _syllables(text[piece_start:cut]) > maximum:
                pieces.extend(_split_by_syllables(text, piece_start, cut, maximum))
                piece_start = cut
    if piece_start < end and text[piece_start:end].strip():
        pieces.append((piece_start, end))
    return pieces


def _split_by_syllables(text: str, start: int, end: int, maximum: int) -> list[tuple[int, int]]:
    """Last resort for a run-on block (OCR without punctuation): fixed windows of syllables."""
    tokens = tokenize(text[start:end])
    pieces = []
    for first in range(0, len(tokens), maximum):
        window = tokens[first : first + maximum]
        next_start = tokens[first + maximum].start if first + maximum < len(tokens) else end - start
        pieces.append((start + window[0].start, start + next_start))
    return pieces


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def page_passages(page: Page, policy: ChunkingPolicy = ChunkingPolicy()) -> list[tuple[int, int]]:
    """Character ranges of the passages of one page, in reading order."""
    text = page.text
    pieces = [p for s, e in _units(page) for p in _split_long(text, s, e, policy.maximum)]
    passages: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    current_size = 0
    for start, end in pieces:
        size = _syllables(text[start:end])
        if current is not None and current_size + size > policy.maximum:
            passages.append(current)
            current, current_size = None, 0
        current = (start, end) if current is None else (current[0], end)
        current_size += size
        if current_size >= policy.target:
            passages.append(current)
            current, current_size = None, 0
    if current is not None:
        if passages and current_size < policy.minimum_tail and _syllables(text[passages[-1][0] : current[1]]) <= policy.maximum * 1.25:
            passages[-1] = (passages[-1][0], current[1])
        else:
            passages.append(current)
    return [r for r in (_trim(text, s, e) for s, e in passages) if r[0] < r[1]]


def chunk_pages(document_id: str, pages: list[Page], policy: ChunkingPolicy = ChunkingPolicy()) -> list[Chunk]:
    """All passages of a document (ordinals from 1; 0 is the card)."""
    chunks: list[Chunk] = []
    for page in pages:
        for start, end in page_passages(page, policy):
            span = Span(document_id=document_id, page=page.number, start=start, end=end)
            chunks.append(Chunk(document_id, len(chunks) + 1, "passage", page.text[start:end], span))
    return chunks


@lru_cache(maxsize=1)
def _doctype_names() -> dict[str, str]:
    raw = json.loads((files("minhchung.models") / "doctypes.json").read_text(encoding="utf-8"))
    return {t["id"]: t["name"] for t in raw["types"]}


def card_text(facts: CardFacts) -> str:
    """One paragraph: "<Loại> số <số> ngày <dd/mm/yyyy> của <cơ quan>: <tiêu đề>. Mã …. Tiêu chí …"."""
    head = []
    if facts.doc_type and facts.doc_type != "khac":
        head.append(_doctype_names().get(facts.doc_type, facts.doc_type.replace("_", " ")))
    if facts.number:
        head.append(f"số {facts.number}")
    if facts.issued:
        head.append(f"ngày {facts.issued:%d/%m/%Y}")
    if facts.issuer:
        head.append(f"của {facts.issuer}")
    text = (" ".join(head) + ": " if head else "") + facts.title.strip()
    if facts.codes:
        text += ". Mã minh chứng: " + ", ".join(facts.codes)
    if facts.criteria:
        text += ". Tiêu chí: " + ", ".join(facts.criteria)
    return text


def card_chunk(document_id: str, facts: CardFacts) -> Chunk:
    return Chunk(document_id, 0, "card", card_text(facts), None)
