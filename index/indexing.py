"""Document → chunks → vectors → upsert; delete; rebuild the index from the store.

The search index is derived data: the store (system of record) holds documents, pages and
evidence items, and everything here can be rebuilt from it (``minhchung reindex``). Indexing a
document replaces all of its previous chunks (its chunk count may change), so re-indexing after
an edit of codes or criteria is always safe. Passage embeddings are cached in the database by
sha256(text) + embedder id, so re-ingesting or re-indexing does not embed the same text twice.

Each point's payload carries what search shows and filters on — filename, title, codes,
criteria, document type, date, status, page and span — so a query needs no database round trip.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import select

from minhchung.index.chunking import CardFacts, Chunk, ChunkingPolicy, card_chunk, chunk_pages
from minhchung.index.sparse import Abbreviations, document_vector
from minhchung.index.store import Database, DocumentRow, EmbeddingCache, EvidenceItem, FieldRow, PageRow
from minhchung.index.vectorstore.base import CollectionSpec, IndexPoint, VectorStore
from minhchung.ingest.document import Document, Page
from minhchung.ingest.errors import MinhchungError
from minhchung.nlp.embeddings import Embedder, MemoEmbedder

POINT_NAMESPACE = uuid.UUID("9b0c6d1e-52a4-4c53-9e0a-6d696e686368")
LEAD_CHARACTERS = 400


@dataclass(frozen=True)
class IndexableDocument:
    """Everything the index needs about one document, as the service layer reads it from the store."""

    document_id: str
    filename: str
    title: str
    pages: tuple[Page, ...]
    school: str | None = None
    periods: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()
    doc_type: str | None = None
    number: str | None = None
    issuer: str | None = None
    issued: date | None = None
    status: str | None = None
    codes: tuple[str, ...] = ()
    criteria: tuple[str, ...] = ()

    @classmethod
    def from_document(cls, document: Document, title: str | None = None, **metadata: Any) -> IndexableDocument:
        """From an ingested :class:`Document`; ``title`` defaults to the file name."""
        return cls(
            document_id=document.id,
            filename=document.filename,
            title=title or document.filename.rsplit(".", 1)[0],
            pages=tuple(document.pages),
            **metadata,
        )

    def card_facts(self) -> CardFacts:
        return CardFacts(self.title, self.doc_type, self.number, self.issued, self.issuer, self.codes, self.criteria)

    def payload(self) -> dict[str, Any]:
        """The document-level part of every chunk's payload (None values left out)."""
        standards = sorted({c.split(".", 1)[0] for c in self.criteria if "." in c})
        raw: dict[str, Any] = {
            "document_id": self.document_id,
            "filename": self.filename,
            "title": self.title,
            "school": self.school,
            "period": list(self.periods),
            "framework": list(self.frameworks),
            "doc_type": self.doc_type,
            "status": self.status,
            "codes": list(self.codes),
            "criteria": list(self.criteria),
            "standards": standards,
            "date": self.issued.isoformat() if self.issued else None,
            "year": self.issued.year if self.issued else None,
        }
        return {k: v for k, v in raw.items() if v is not None}


@dataclass
class IndexReport:
    documents: int = 0
    chunks: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


def point_id(document_id: str, ordinal: int) -> str:
    """Deterministic point id, so re-indexing a document overwrites rather than duplicates."""
    return str(uuid.uuid5(POINT_NAMESPACE, f"{document_id}:{ordinal}"))


def embedding_input(document: IndexableDocument, chunk: Chunk) -> str:
    """What the dense side embeds: a passage is prefixed with its document's title for context."""
    return chunk.text if chunk.kind == "card" else f"{document.title}\n{chunk.text}"


def document_chunks(document: IndexableDocument, policy: ChunkingPolicy = ChunkingPolicy()) -> list[Chunk]:
    """The card, then the passages in reading order."""
    return [card_chunk(document.document_id, document.card_facts())] + chunk_pages(document.document_id, list(document.pages), policy)


def chunk_payload(document: IndexableDocument, chunk: Chunk, lead: str) -> dict[str, Any]:
    payload = document.payload() | {"kind": chunk.kind, "ordinal": chunk.ordinal, "text": chunk.text}
    if chunk.span is not None:
        payload |= {"page": chunk.span.page, "start": chunk.span.start, "end": chunk.span.end}
    else:
        payload |= {"page": 1, "lead": lead}
    return payload


def spec_for(embedder: Embedder) -> CollectionSpec:
    return CollectionSpec(embedder.id, int(embedder.dim))


class CachedEmbedder(MemoEmbedder):
    """A :class:`MemoEmbedder` whose passage vectors are also kept in the ``embedding_cache`` table.

    Keyed by sha256 of the exact text and the embedder id; vectors are raw float32 bytes. Only
    a few thousand recent vectors stay in memory (a 100k-chunk reindex must not hold them all);
    queries are remembered in memory only (short, many, rarely repeated across sessions).
    """

    def __init__(self, inner: Embedder, db: Database, capacity: int = 4096) -> None:
        super().__init__(inner, capacity)
        self.db = db

    def _compute(self, texts: list[str], is_query: bool) -> np.ndarray:
        if is_query:
            return super()._compute(texts, is_query)
        keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
        found = self._lookup(sorted(set(keys)))
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in found}.items())
        if missing:
            vectors = super()._compute([t for _, t in missing], is_query)
            new = {k: np.asarray(v, dtype=np.float32) for (k, _), v in zip(missing, vectors)}
            self._store(new)
            found |= new
        return np.vstack([found[k] for k in keys])

    def _lookup(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self.db.session() as session:
            for first in range(0, len(keys), 500):
                rows = session.execute(
                    select(EmbeddingCache.text_sha, EmbeddingCache.vector).where(
                        EmbeddingCache.embedder == self.id,
                        EmbeddingCache.dim == self.dim,
                        EmbeddingCache.text_sha.in_(keys[first : first + 500]),
                    )
                )
                found |= {sha: np.frombuffer(blob, dtype=np.float32).copy() for sha, blob in rows}
        return found

    def _store(self, vectors: dict[str, np.ndarray]) -> None:
        with self.db.write() as session:  # merge reads then writes: take the write lock first (SQLite)
            for sha, vector in vectors.items():
                session.merge(EmbeddingCache(text_sha=sha, embedder=self.id, dim=self.dim, vector=vector.tobytes()))


class Indexer:
    """Puts documents into a vector store; owns no storage itself."""

    def __init__(
        self,
        vectorstore: VectorStore,
        embedder: Embedder,
        abbreviations: Abbreviations | None = None,
        policy: ChunkingPolicy = ChunkingPolicy(),
    ) -> None:
        self.vectorstore = vectorstore
        self.embedder = embedder
        self.abbreviations = abbreviations if abbreviations is not None else Abbreviations.load()
        self.policy = policy
        vectorstore.ensure_collection(spec_for(embedder))

    def points(self, document: IndexableDocument) -> list[IndexPoint]:
        chunks = document_chunks(document, self.policy)
        passages = [c for c in chunks if c.kind == "passage"]
        lead = passages[0].text[:LEAD_CHARACTERS] if passages else ""
        vectors = self.embedder.embed_passages([embedding_input(document, c) for c in chunks])
        return [
            IndexPoint(
                id=point_id(document.document_id, chunk.ordinal),
                dense=vector,
                sparse=document_vector(chunk.text, self.abbreviations),
                payload=chunk_payload(document, chunk, lead),
            )
            for chunk, vector in zip(chunks, vectors)
        ]

    def index_documents(self, documents: Iterable[IndexableDocument]) -> IndexReport:
        """Index (or re-index) each document; one bad document is reported, the rest go on."""
        report = IndexReport()
        started = time.perf_counter()
        for document in documents:
            try:
                points = self.points(document)
                self.vectorstore.delete_document(document.document_id)
                self.vectorstore.upsert(points)
            except MinhchungError as error:
                report.failures.append((document.document_id, str(error)))
                continue
            except (ValueError, UnicodeError) as error:  # malformed text or metadata of one document
                report.failures.append((document.document_id, f"{type(error).__name__}: {error}"))
                continue
            report.documents += 1
            report.chunks += len(points)
        report.seconds = time.perf_counter() - started
        return report

    def delete(self, document_id: str) -> None:
        """A deleted document must never appear in results again."""
        self.vectorstore.delete_document(document_id)


def rebuild(vectorstore: VectorStore, embedder: Embedder, documents: Iterable[IndexableDocument]) -> IndexReport:
    """Drop the index and build it again (after an embedder change, or to repair it)."""
    vectorstore.drop()
    indexer = Indexer(vectorstore, embedder)
    report = indexer.index_documents(documents)
    vectorstore.optimize()
    return report


def load_indexable_documents(db: Database, document_ids: Sequence[int] | None = None) -> Iterator[IndexableDocument]:
    """Read documents from the store, with the metadata of their evidence items, for indexing."""
    with db.session() as session:
        query = select(DocumentRow).where(DocumentRow.status != "failed").order_by(DocumentRow.id)
        if document_ids is not None:
            query = query.where(DocumentRow.id.in_(list(document_ids)))
        rows = session.scalars(query).all()
        for row in rows:
            pages = session.scalars(select(PageRow).where(PageRow.document_id == row.id).order_by(PageRow.number)).all()
            items = session.scalars(select(EvidenceItem).where(EvidenceItem.document_id == row.id).order_by(EvidenceItem.id)).all()
            fields = {f.name: f.value for f in session.scalars(select(FieldRow).where(FieldRow.document_id == row.id))}
            yield _indexable(row, pages, items, fields)


def _page(row: PageRow) -> Page:
    if row.layout:
        return Page.model_validate(row.layout | {"number": row.number, "text": row.text, "strategy": row.strategy})
    return Page(number=row.number, strategy=row.strategy, text=row.text)


def _indexable(row: DocumentRow, pages: Sequence[PageRow], items: Sequence[EvidenceItem], fields: dict[str, str | None]) -> IndexableDocument:
    first = items[0] if items else None
    criteria = sorted({c.criterion for item in items for c in item.criteria if c.status != "rejected"})
    issued = first.issued_date if first and first.issued_date else _parse_date(fields.get("issued_date"))
    return IndexableDocument(
        document_id=str(row.id),
        filename=row.filename,
        title=(first.title if first else None) or fields.get("subject") or row.filename.rsplit(".", 1)[0],
        pages=tuple(_page(p) for p in pages),
        school=str(row.school_id),
        periods=tuple(sorted({str(i.period_id) for i in items})),
        frameworks=tuple(sorted({i.framework_id for i in items})),
        doc_type=(first.doc_type if first else None) or fields.get("doc_type"),
        number=(first.number if first else None) or fields.get("number"),
        issuer=(first.issuer if first else None) or fields.get("issuer"),
        issued=issued,
        status=first.status if first else None,
        codes=tuple(sorted({i.code for i in items if i.code})),
        criteria=tuple(criteria),
    )


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
