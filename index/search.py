"""Hybrid Vietnamese search over all evidence: one hit per document, best passages highlighted.

The service composes an embedder (query side), the lexical vectoriser and a vector store; it
owns no storage. A query is normalised, its abbreviations expanded ("KH" → "kế hoạch"), then
sent as a dense and a lexical prefetch fused by RRF (or either alone, to measure them). Chunks
come back ranked; they are grouped per document (a document scores as its best chunk), and each
hit carries its best passages with the matched words highlighted.

Highlighting compares accent-folded syllables, so "ke hoach" lights up "Kế hoạch" in the
original text; offsets are into the page's normalised text, so a hit's :class:`Span` opens the
exact place on the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from minhchung.index.sparse import Abbreviations, Token, has_diacritics, query_vector, tokenize
from minhchung.index.vectorstore.base import PointHit, QueryMode, SearchFilter, VectorStore
from minhchung.ingest.document import Span
from minhchung.ingest.normalize import normalize_text
from minhchung.nlp.embeddings import Embedder

CHUNKS_PER_DOCUMENT = 4
MIN_CHUNK_POOL = 40
SNIPPET_SYLLABLES = 40
PASSAGES_PER_HIT = 3
# RRF weights (dense, lexical), chosen on tests/eval with tests/bench/bench_search.py. The lexical
# side is the more precise on administrative titles. E5 barely understands Vietnamese typed
# without accents (dense MRR 0.42 vs 1.00 accented), so for such queries the dense ranking only
# breaks near-ties of the lexical one (a higher lexical weight alone did not achieve that).
HYBRID_WEIGHTS = (1.0, 2.0)
ACCENT_FREE_WEIGHTS = (0.25, 1.0)


@dataclass(frozen=True)
class PassageMatch:
    """One passage of a hit: its text, where it is, and the highlighted ranges within ``text``."""

    text: str
    score: float
    span: Span | None
    highlights: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class DocumentHit:
    document_id: str
    filename: str
    title: str
    score: float
    page: int
    snippet: str
    snippet_highlights: tuple[tuple[int, int], ...]
    span: Span | None
    codes: tuple[str, ...]
    criteria: tuple[str, ...]
    doc_type: str | None
    date: str | None
    passages: tuple[PassageMatch, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        """The stable CLI shape: ``{document_id, filename, title, score, page, snippet, codes[]}``."""
        return {
            "document_id": self.document_id,
            "filename": self.filename,
            "title": self.title,
            "score": round(self.score, 6),
            "page": self.page,
            "snippet": self.snippet,
            "codes": list(self.codes),
        }


@dataclass(frozen=True)
class PreparedQuery:
    """A query ready for the engine: normalised text, expanded text, its folded syllables."""

    text: str
    expanded: str
    folded_terms: frozenset[str]


def prepare_query(query: str, abbreviations: Abbreviations) -> PreparedQuery:
    text = normalize_text(query).strip()
    expanded = abbreviations.expand(text)
    return PreparedQuery(text, expanded, frozenset(t.folded for t in tokenize(expanded)))


def highlight_ranges(text: str, folded_terms: frozenset[str]) -> tuple[tuple[int, int], ...]:
    """Ranges of ``text`` whose syllables match the query's, accents ignored; adjacent ones merged."""
    ranges: list[tuple[int, int]] = []
    for token in tokenize(text):
        if token.folded not in folded_terms:
            continue
        if ranges and text[ranges[-1][1] : token.start].strip() == "":
            ranges[-1] = (ranges[-1][0], token.end)
        else:
            ranges.append((token.start, token.end))
    return tuple(ranges)


def best_window(text: str, folded_terms: frozenset[str], size: int = SNIPPET_SYLLABLES) -> tuple[int, int]:
    """The ``size``-syllable window of ``text`` holding the most distinct matched syllables."""
    tokens: list[Token] = tokenize(text)
    if len(tokens) <= size:
        return 0, len(text)
    best_first, best_score = 0, -1
    for first in range(0, len(tokens) - size + 1):
        score = len({t.folded for t in tokens[first : first + size] if t.folded in folded_terms})
        if score > best_score:
            best_first, best_score = first, score
    start = tokens[best_first].start
    line_start = text.rfind("\n", 0, start) + 1
    if start - line_start < 40:
        start = line_start
    return start, tokens[best_first + size - 1].end


def _passage(hit: PointHit, folded_terms: frozenset[str]) -> PassageMatch:
    payload = hit.payload
    text = payload.get("text", "")
    span = None
    if payload.get("kind") == "passage":
        span = Span(document_id=str(payload["document_id"]), page=int(payload["page"]), start=int(payload["start"]), end=int(payload["end"]))
    return PassageMatch(text, hit.score, span, highlight_ranges(text, folded_terms))


def _snippet(best: PassageMatch, lead: str, folded_terms: frozenset[str]) -> tuple[str, tuple[tuple[int, int], ...], Span | None]:
    """A short window of the best passage (or the card's lead text when only the card matched)."""
    if best.span is None:
        start, end = best_window(lead, folded_terms)
        text = lead[start:end]
        return text, highlight_ranges(text, folded_terms), None
    start, end = best_window(best.text, folded_terms)
    text = best.text[start:end]
    span = Span(document_id=best.span.document_id, page=best.span.page, start=best.span.start + start, end=best.span.start + end)
    return text, highlight_ranges(text, folded_terms), span


def group_hits(hits: Sequence[PointHit], folded_terms: frozenset[str], k: int) -> list[DocumentHit]:
    """One :class:`DocumentHit` per document, in order of each document's best chunk."""
    grouped: dict[str, list[PointHit]] = {}
    for hit in hits:
        grouped.setdefault(str(hit.payload.get("document_id")), []).append(hit)
    results = []
    for document_id, chunk_hits in list(grouped.items())[:k]:
        payload = chunk_hits[0].payload
        passages = [_passage(h, folded_terms) for h in chunk_hits]
        texts = [p for p in passages if p.span is not None]
        best = texts[0] if texts else passages[0]
        lead = next((str(h.payload.get("lead", "")) for h in chunk_hits if h.payload.get("kind") == "card"), "")
        snippet, snippet_highlights, span = _snippet(best, lead or best.text, folded_terms)
        results.append(
            DocumentHit(
                document_id=document_id,
                filename=str(payload.get("filename", "")),
                title=str(payload.get("title", "")),
                score=chunk_hits[0].score,
                page=span.page if span else int(payload.get("page", 1)),
                snippet=snippet,
                snippet_highlights=snippet_highlights,
                span=span,
                codes=tuple(payload.get("codes", ())),
                criteria=tuple(payload.get("criteria", ())),
                doc_type=payload.get("doc_type"),
                date=payload.get("date"),
                passages=tuple(texts[:PASSAGES_PER_HIT]),
            )
        )
    return results


class SearchService:
    """``search(query, filters, k)`` → documents, best first."""

    def __init__(self, vectorstore: VectorStore, embedder: Embedder, abbreviations: Abbreviations | None = None) -> None:
        self.vectorstore = vectorstore
        self.embedder = embedder
        self.abbreviations = abbreviations if abbreviations is not None else Abbreviations.load()

    def search(
        self,
        query: str,
        filters: SearchFilter | None = None,
        k: int = 10,
        mode: QueryMode = QueryMode.HYBRID,
    ) -> list[DocumentHit]:
        prepared = prepare_query(query, self.abbreviations)
        if not prepared.folded_terms:
            return []
        dense = None
        if mode is not QueryMode.LEXICAL:
            dense = self.embedder.embed_queries([prepared.expanded])[0]
        sparse = query_vector(prepared.text, self.abbreviations) if mode is not QueryMode.DENSE else None
        pool = max(MIN_CHUNK_POOL, k * CHUNKS_PER_DOCUMENT)
        weights = HYBRID_WEIGHTS if has_diacritics(prepared.text) else ACCENT_FREE_WEIGHTS
        hits = self.vectorstore.query(dense, sparse, filters, pool, mode, weights)
        return group_hits(hits, prepared.folded_terms, k)
