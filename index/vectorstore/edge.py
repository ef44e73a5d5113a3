"""The embedded backend: a qdrant-edge shard in ``<data>/index`` (Qdrant's in-process engine).

Layout of the index folder::

    <index>/shard/            the EdgeShard (segments, WAL, payload indexes)
    <index>/collection.json   which embedder filled it (id, dimension, schema version)

A shard is locked by the process that opened it; a second opener gets :class:`IndexLockedError`
with what to do instead. Bulk loads end with :meth:`optimize`, which builds the HNSW graph and
merges segments so queries stop scanning appendable segments.

Memory is bounded by :class:`EdgeTuning`: :meth:`upsert` optimises after every ``load_slice``
points, so the optimiser only ever indexes one slice's worth of fresh points, and
``max_segment_kb`` stops it from merging everything into one giant segment (building that
segment held the old and the new copy at once: 4.9 GB peak for 100k chunks with engine defaults).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import qdrant_edge as qe

from minhchung.index.sparse import SparseVector
from minhchung.index.vectorstore.base import (
    DENSE,
    LEXICAL,
    PAYLOAD_INDEXES,
    RRF_K,
    CollectionSpec,
    EmbedderMismatchError,
    IndexLockedError,
    IndexPoint,
    IndexUnavailableError,
    PointHit,
    QueryMode,
    SearchFilter,
    VectorStore,
)

SPEC_FILE = "collection.json"
SHARD_DIR = "shard"
UPSERT_BATCH = 512

MemoryPlacement = Literal["pinned", "cached", "cold"]
_MEMORY = {"pinned": qe.Memory.Pinned, "cached": qe.Memory.Cached, "cold": qe.Memory.Cold}


@dataclass(frozen=True)
class EdgeTuning:
    """How the embedded shard trades RAM for speed. ``None`` leaves a knob to the engine.

    ``load_slice``: optimise (index + merge + flush) after this many upserted points, so a bulk
    load never leaves more than one slice of unindexed points behind. ``max_segment_kb`` caps the
    segments merges build, in KB of vectors as the engine counts them (measured: 2–3 KB per
    chunk, dense + lexical), which caps what one merge must hold in memory.
    ``indexing_threshold_kb``: segments above it get their HNSW graph. ``*_memory`` place the
    dense vectors, the sparse index and the payload (``cold`` = memory-mapped, read on demand).
    """

    load_slice: int | None = 10_000
    max_segment_kb: int | None = 30_000
    indexing_threshold_kb: int | None = None
    dense_memory: MemoryPlacement | None = None
    sparse_memory: MemoryPlacement | None = None
    payload_memory: MemoryPlacement | None = None

    @classmethod
    def engine_defaults(cls) -> EdgeTuning:
        """Everything left to qdrant-edge, no slicing (the baseline of the memory benchmark)."""
        return cls(load_slice=None, max_segment_kb=None)

    def optimizers(self) -> qe.EdgeOptimizersConfig | None:
        if self.max_segment_kb is None and self.indexing_threshold_kb is None:
            return None
        return qe.EdgeOptimizersConfig(max_segment_size=self.max_segment_kb, indexing_threshold=self.indexing_threshold_kb)


@dataclass(frozen=True)
class ShardStats:
    """``indexed_vectors`` counts both named vectors of a point (dense and lexical)."""

    segments: int
    points: int
    indexed_vectors: int


def _memory(placement: MemoryPlacement | None) -> qe.Memory | None:
    return None if placement is None else _MEMORY[placement]


_SCHEMAS = {
    "keyword": lambda: qe.KeywordIndexParams(),
    "tenant": lambda: qe.KeywordIndexParams(is_tenant=True),
    "integer": lambda: qe.IntegerIndexParams(lookup=True, range=True),
    "datetime": lambda: qe.DatetimeIndexParams(),
}


def _edge_filter(search_filter: SearchFilter | None) -> qe.Filter | None:
    if search_filter is None or search_filter.is_empty:
        return None
    must = []
    for condition in search_filter.conditions():
        if condition.values:
            match = qe.MatchValue(condition.values[0]) if len(condition.values) == 1 else qe.MatchAny(list(condition.values))
            must.append(qe.FieldCondition(key=condition.key, match=match))
        else:
            low = None if condition.low is None else float(condition.low)
            high = None if condition.high is None else float(condition.high)
            must.append(qe.FieldCondition(key=condition.key, range=qe.RangeFloat(gte=low, lte=high)))
    return qe.Filter(must=must)


def _edge_sparse(sparse: SparseVector) -> qe.SparseVector:
    return qe.SparseVector(indices=list(sparse.indices), values=list(sparse.values))


def _opening_error(location: str, error: Exception) -> Exception:
    """Turn the engine's lock failure (WAL ``WouldBlock``) into an actionable error."""
    text = str(error)
    if "WouldBlock" in text or "lock" in text.lower():
        return IndexLockedError(location)
    return IndexUnavailableError(location, text)


class EdgeVectorStore(VectorStore):
    """qdrant-edge shard with the minhchung schema."""

    def __init__(self, path: Path, max_search_threads: int | None = None, tuning: EdgeTuning = EdgeTuning()) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self.max_search_threads = max_search_threads
        self.tuning = tuning
        self._shard: qe.EdgeShard | None = None
        self._unoptimized = 0

    @property
    def _spec_path(self) -> Path:
        return self.path / SPEC_FILE

    @property
    def _shard_path(self) -> Path:
        return self.path / SHARD_DIR

    def stored_spec(self) -> CollectionSpec | None:
        if not self._spec_path.exists():
            return None
        return CollectionSpec.from_dict(json.loads(self._spec_path.read_text(encoding="utf-8")))

    def ensure_collection(self, spec: CollectionSpec) -> None:
        found = self.stored_spec()
        if found is not None and found != spec:
            raise EmbedderMismatchError(self.location, found, spec)
        if self._shard is not None:
            return
        tuning = self.tuning
        config = qe.EdgeConfig(
            vectors={DENSE: qe.EdgeVectorParams(size=spec.dim, distance=qe.Distance.Cosine, memory=_memory(tuning.dense_memory))},
            sparse_vectors={LEXICAL: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf, memory=_memory(tuning.sparse_memory))},
            optimizers=tuning.optimizers(),
            payload_memory=_memory(tuning.payload_memory),
            max_search_threads=self.max_search_threads,
        )
        fresh = found is None or not (self._shard_path / "segments").exists()
        try:
            if fresh:
                shutil.rmtree(self._shard_path, ignore_errors=True)
                self._shard_path.mkdir(parents=True, exist_ok=True)
                self._shard = qe.EdgeShard.create(str(self._shard_path), config)
            else:
                self._shard = qe.EdgeShard.load(str(self._shard_path), config)
        except Exception as error:  # the engine raises plain Exception; re-raised as ours
            raise _opening_error(self.location, error) from error
        if fresh:
            for name, kind in PAYLOAD_INDEXES.items():
                self._shard.update(qe.UpdateOperation.create_field_index(name, _SCHEMAS[kind]()))
            self._spec_path.write_text(json.dumps(spec.as_dict(), indent=1), encoding="utf-8")

    def _require(self) -> qe.EdgeShard:
        if self._shard is None:
            raise IndexUnavailableError(self.location, "ensure_collection() was not called")
        return self._shard

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        """Write points; every ``tuning.load_slice`` points the shard is optimised (bounded RAM)."""
        shard = self._require()
        for first in range(0, len(points), UPSERT_BATCH):
            batch = [
                qe.Point(
                    id=p.id,
                    vector={DENSE: [float(v) for v in p.dense], LEXICAL: _edge_sparse(p.sparse)},
                    payload=p.payload,
                )
                for p in points[first : first + UPSERT_BATCH]
            ]
            shard.update(qe.UpdateOperation.upsert_points(batch))
            self._unoptimized += len(batch)
            if self.tuning.load_slice is not None and self._unoptimized >= self.tuning.load_slice:
                self.optimize()

    def delete_document(self, doc_key: str) -> None:
        condition = qe.FieldCondition(key="document_id", match=qe.MatchValue(doc_key))
        self._require().update(qe.UpdateOperation.delete_points_by_filter(qe.Filter(must=[condition])))

    def query(
        self,
        dense: Sequence[float] | None,
        sparse: SparseVector | None,
        filter: SearchFilter | None,
        limit: int,
        mode: QueryMode = QueryMode.HYBRID,
        weights: tuple[float, float] = (1.0, 1.0),
    ) -> list[PointHit]:
        shard = self._require()
        edge_filter = _edge_filter(filter)
        dense_query = None if dense is None else qe.Query.Nearest([float(v) for v in dense], using=DENSE)
        sparse_query = None if sparse is None or not len(sparse) else qe.Query.Nearest(_edge_sparse(sparse), using=LEXICAL)
        if mode is QueryMode.DENSE or (mode is QueryMode.HYBRID and sparse_query is None):
            if dense_query is None:
                return []
            request = qe.QueryRequest(limit=limit, query=dense_query, filter=edge_filter, with_payload=True)
        elif mode is QueryMode.LEXICAL or dense_query is None:
            if sparse_query is None:
                return []
            request = qe.QueryRequest(limit=limit, query=sparse_query, filter=edge_filter, with_payload=True)
        else:
            prefetches = [
                qe.Prefetch(limit=limit, query=dense_query, filter=edge_filter),
                qe.Prefetch(limit=limit, query=sparse_query, filter=edge_filter),
            ]
            request = qe.QueryRequest(limit=limit, prefetches=prefetches, query=qe.Fusion.Rrf(k=RRF_K, weights=list(weights)), with_payload=True)
        return [PointHit(str(p.id), float(p.score), dict(p.payload or {})) for p in shard.query(request)]

    def count(self, filter: SearchFilter | None = None) -> int:
        return int(self._require().count(qe.CountRequest(exact=True, filter=_edge_filter(filter))))

    def stats(self) -> ShardStats:
        """Segments and indexed vectors now (the memory benchmark and tests check the slicing)."""
        info = self._require().info()
        return ShardStats(int(info.segments_count), int(info.points_count), int(info.indexed_vectors_count))

    def optimize(self) -> None:
        shard = self._require()
        shard.optimize()
        shard.flush()
        self._unoptimized = 0

    def drop(self) -> None:
        self.close()
        shutil.rmtree(self._shard_path, ignore_errors=True)
        self._spec_path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._shard is not None:
            self._shard.flush()
            self._shard.close()
            self._shard = None
