"""The one vector-index interface both Qdrant backends implement, and the shared schema.

One collection holds every chunk (cards and passages) of every school: a named dense vector
``dense`` (cosine) and a sparse vector ``lexical`` whose IDF Qdrant computes at query time.
Tenants (schools) are separated by payload, never by collection, as Qdrant recommends. The
payload carries what search shows (filename, title, codes, page, span, text), so a query needs
no database round trip; the store stays the system of record and ``reindex`` rebuilds from it.

The collection records which embedder filled it (id and dimension); opening it with another
embedder is refused, because mixing vector spaces silently ruins ranking.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from minhchung.index.sparse import SparseVector
from minhchung.ingest.errors import MinhchungError

DENSE = "dense"
LEXICAL = "lexical"
SCHEMA_VERSION = 1
# Qdrant's own default; measured on tests/eval: k=2 with lexical weighted 2:1 beats k=60.
RRF_K = 2

FieldKind = Literal["keyword", "tenant", "integer", "datetime"]

PAYLOAD_INDEXES: dict[str, FieldKind] = {
    "school": "tenant",
    "period": "keyword",
    "framework": "keyword",
    "criteria": "keyword",
    "standards": "keyword",
    "codes": "keyword",
    "doc_type": "keyword",
    "year": "integer",
    "date": "datetime",
    "status": "keyword",
    "document_id": "keyword",
    "kind": "keyword",
}


class QueryMode(StrEnum):
    DENSE = "dense"
    LEXICAL = "lexical"
    HYBRID = "hybrid"


@dataclass(frozen=True)
class CollectionSpec:
    """What the vectors in a collection are: which embedder, how many dimensions."""

    embedder_id: str
    dim: int
    schema_version: int = SCHEMA_VERSION

    def as_dict(self) -> dict[str, Any]:
        return {"embedder_id": self.embedder_id, "dim": self.dim, "schema_version": self.schema_version}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> CollectionSpec:
        return cls(str(raw["embedder_id"]), int(raw["dim"]), int(raw.get("schema_version", SCHEMA_VERSION)))


@dataclass(frozen=True)
class IndexPoint:
    """One chunk ready for the index: id (UUID string), both vectors, payload."""

    id: str
    dense: Sequence[float]
    sparse: SparseVector
    payload: dict[str, Any]


@dataclass(frozen=True)
class PointHit:
    id: str
    score: float
    payload: dict[str, Any]


@dataclass(frozen=True)
class SearchFilter:
    """Restrictions a search may carry; empty fields do not restrict. Lists mean "any of"."""

    criteria: tuple[str, ...] = ()
    standards: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    doc_types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    schools: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None

    def conditions(self) -> list[FilterCondition]:
        """Backend-neutral conditions, all of which must hold."""
        pairs = [
            ("criteria", self.criteria), ("standards", self.standards), ("codes", self.codes),
            ("doc_type", self.doc_types), ("status", self.statuses), ("school", self.schools),
            ("period", self.periods), ("framework", self.frameworks), ("kind", self.kinds),
        ]
        found = [FilterCondition(key, values=tuple(values)) for key, values in pairs if values]
        if self.year_from is not None or self.year_to is not None:
            found.append(FilterCondition("year", low=self.year_from, high=self.year_to))
        return found

    @property
    def is_empty(self) -> bool:
        return not self.conditions()


@dataclass(frozen=True)
class FilterCondition:
    """``key`` matches any of ``values``, or lies in ``[low, high]`` (either end open)."""

    key: str
    values: tuple[str, ...] = field(default=())
    low: int | None = None
    high: int | None = None


class VectorIndexError(MinhchungError):
    """Base of vector-index errors."""


class EmbedderMismatchError(VectorIndexError):
    exit_code = 2

    def __init__(self, location: str, found: CollectionSpec, wanted: CollectionSpec) -> None:
        super().__init__(
            f"The search index at {location} was built with embedder '{found.embedder_id}' "
            f"({found.dim}-d) but the settings ask for '{wanted.embedder_id}' ({wanted.dim}-d). "
            "Run `minhchung reindex` to rebuild it with the configured embedder, "
            "or set index.embedder back.",
            f"Chỉ mục tìm kiếm tại {location} được tạo bằng bộ nhúng '{found.embedder_id}' "
            f"({found.dim} chiều), khác với cấu hình hiện tại '{wanted.embedder_id}' ({wanted.dim} chiều). "
            "Hãy chạy `minhchung reindex` để xây dựng lại chỉ mục, hoặc đặt lại index.embedder.",
        )


class IndexLockedError(VectorIndexError):
    def __init__(self, location: str) -> None:
        super().__init__(
            f"The search index at {location} is open in another minhchung process "
            "(for example `minhchung serve`). Stop that process, or put the files into the app's "
            "inbox folder and let the app index them.",
            f"Chỉ mục tìm kiếm tại {location} đang được một tiến trình minhchung khác sử dụng "
            "(ví dụ `minhchung serve`). Hãy dừng tiến trình đó, hoặc chép tệp vào thư mục inbox "
            "để ứng dụng tự lập chỉ mục.",
        )


class IndexUnavailableError(VectorIndexError):
    def __init__(self, location: str, detail: str) -> None:
        super().__init__(
            f"The search index at {location} cannot be used ({detail}).",
            f"Không dùng được chỉ mục tìm kiếm tại {location} ({detail}).",
        )


class VectorStore(ABC):
    """A Qdrant collection with the minhchung schema. One instance owns its backend handle."""

    location: str

    @abstractmethod
    def ensure_collection(self, spec: CollectionSpec) -> None:
        """Create the collection (vectors, sparse IDF, payload indexes) or check the existing one.

        Raises :class:`EmbedderMismatchError` if it was built for another embedder.
        """

    @abstractmethod
    def upsert(self, points: Sequence[IndexPoint]) -> None:
        """Insert or replace points. A backend keeps its own memory bounded over many calls (the
        edge shard optimises every slice), so a bulk load may stream points through it."""

    @abstractmethod
    def delete_document(self, doc_key: str) -> None:
        """Remove every chunk of one document (its ``document_id`` payload)."""

    @abstractmethod
    def query(
        self,
        dense: Sequence[float] | None,
        sparse: SparseVector | None,
        filter: SearchFilter | None,
        limit: int,
        mode: QueryMode = QueryMode.HYBRID,
        weights: tuple[float, float] = (1.0, 1.0),
    ) -> list[PointHit]:
        """Best chunks: dense or lexical alone, or both prefetched and fused by RRF.

        ``weights`` (dense, lexical) scale each prefetch's reciprocal ranks in the fusion.
        """

    @abstractmethod
    def count(self, filter: SearchFilter | None = None) -> int: ...

    @abstractmethod
    def optimize(self) -> None:
        """Build indexes/merge segments after a bulk load (blocking)."""

    @abstractmethod
    def drop(self) -> None:
        """Delete the collection and its metadata (used by ``reindex``)."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> VectorStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
