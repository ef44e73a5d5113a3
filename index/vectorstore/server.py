"""The scale-out backend: qdrant-client talking to a Qdrant server or cluster.

Same schema as the embedded shard (named ``dense`` + sparse ``lexical`` with IDF, same payload
indexes), one collection for every school with ``school`` as the tenant key, and the shard and
replication numbers from settings (a 3-node cluster with ``replication_factor: 2`` survives one
node). The embedder that filled the collection is kept in the collection's metadata.

``QdrantClient(":memory:")`` / ``path=`` (qdrant-client's pure-Python local mode) runs this same
code in tests; it is far too slow for real use past ~20k points.
"""

from __future__ import annotations

from collections.abc import Sequence

from qdrant_client import QdrantClient
from qdrant_client import models as qm

from minhchung.index.sparse import SparseVector
from minhchung.index.vectorstore.base import (
    DENSE,
    LEXICAL,
    PAYLOAD_INDEXES,
    RRF_K,
    CollectionSpec,
    EmbedderMismatchError,
    IndexPoint,
    IndexUnavailableError,
    PointHit,
    QueryMode,
    SearchFilter,
    VectorStore,
)

UPSERT_BATCH = 256
SPEC_KEY = "minhchung"

_SCHEMAS = {
    "keyword": lambda: qm.KeywordIndexParams(type=qm.KeywordIndexType.KEYWORD),
    "tenant": lambda: qm.KeywordIndexParams(type=qm.KeywordIndexType.KEYWORD, is_tenant=True),
    "integer": lambda: qm.IntegerIndexParams(type=qm.IntegerIndexType.INTEGER, lookup=True, range=True),
    "datetime": lambda: qm.PayloadSchemaType.DATETIME,
}


def _server_filter(search_filter: SearchFilter | None) -> qm.Filter | None:
    if search_filter is None or search_filter.is_empty:
        return None
    must: list[qm.Condition] = []
    for condition in search_filter.conditions():
        if condition.values:
            match = (
                qm.MatchValue(value=condition.values[0]) if len(condition.values) == 1 else qm.MatchAny(any=list(condition.values))
            )
            must.append(qm.FieldCondition(key=condition.key, match=match))
        else:
            must.append(qm.FieldCondition(key=condition.key, range=qm.Range(gte=condition.low, lte=condition.high)))
    return qm.Filter(must=must)


def _server_sparse(sparse: SparseVector) -> qm.SparseVector:
    return qm.SparseVector(indices=list(sparse.indices), values=list(sparse.values))


class ServerVectorStore(VectorStore):
    """A Qdrant server collection (or qdrant-client local mode) with the minhchung schema."""

    def __init__(
        self,
        client: QdrantClient,
        collection: str = "minhchung",
        shard_number: int = 1,
        replication_factor: int = 1,
        location: str | None = None,
        max_segment_kb: int | None = None,
    ) -> None:
        self.client = client
        self.collection = collection
        self.shard_number = shard_number
        self.replication_factor = replication_factor
        self.max_segment_kb = max_segment_kb
        self.location = location or f"qdrant collection '{collection}'"

    @classmethod
    def connect(cls, url: str, api_key: str | None = None, **options: object) -> ServerVectorStore:
        """A store on the server at ``url`` (e.g. ``http://localhost:6333``)."""
        return cls(QdrantClient(url=url, api_key=api_key), location=url, **options)  # type: ignore[arg-type]

    def stored_spec(self) -> CollectionSpec | None:
        if not self.client.collection_exists(self.collection):
            return None
        metadata = self.client.get_collection(self.collection).config.metadata or {}
        raw = metadata.get(SPEC_KEY)
        return CollectionSpec.from_dict(raw) if raw else None

    def ensure_collection(self, spec: CollectionSpec) -> None:
        try:
            exists = self.client.collection_exists(self.collection)
        except Exception as error:  # network failures surface as many client-specific types
            raise IndexUnavailableError(self.location, str(error)) from error
        if exists:
            found = self.stored_spec()
            if found is not None and found != spec:
                raise EmbedderMismatchError(self.location, found, spec)
            return
        self.client.create_collection(
            self.collection,
            vectors_config={DENSE: qm.VectorParams(size=spec.dim, distance=qm.Distance.COSINE)},
            sparse_vectors_config={LEXICAL: qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
            shard_number=self.shard_number,
            replication_factor=self.replication_factor,
            optimizers_config=None if self.max_segment_kb is None else qm.OptimizersConfigDiff(max_segment_size=self.max_segment_kb),
            metadata={SPEC_KEY: spec.as_dict()},
        )
        for name, kind in PAYLOAD_INDEXES.items():
            self.client.create_payload_index(self.collection, name, field_schema=_SCHEMAS[kind]())

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        for first in range(0, len(points), UPSERT_BATCH):
            batch = [
                qm.PointStruct(
                    id=p.id,
                    vector={DENSE: [float(v) for v in p.dense], LEXICAL: _server_sparse(p.sparse)},
                    payload=p.payload,
                )
                for p in points[first : first + UPSERT_BATCH]
            ]
            self.client.upsert(self.collection, points=batch, wait=True)

    def delete_document(self, doc_key: str) -> None:
        selector = qm.FilterSelector(
            filter=qm.Filter(must=[qm.FieldCondition(key="document_id", match=qm.MatchValue(value=doc_key))])
        )
        self.client.delete(self.collection, points_selector=selector, wait=True)

    def query(
        self,
        dense: Sequence[float] | None,
        sparse: SparseVector | None,
        filter: SearchFilter | None,
        limit: int,
        mode: QueryMode = QueryMode.HYBRID,
        weights: tuple[float, float] = (1.0, 1.0),
    ) -> list[PointHit]:
        server_filter = _server_filter(filter)
        dense_vector = None if dense is None else [float(v) for v in dense]
        sparse_vector = None if sparse is None or not len(sparse) else _server_sparse(sparse)
        if mode is QueryMode.DENSE or (mode is QueryMode.HYBRID and sparse_vector is None):
            if dense_vector is None:
                return []
            response = self.client.query_points(
                self.collection, query=dense_vector, using=DENSE, query_filter=server_filter, limit=limit, with_payload=True
            )
        elif mode is QueryMode.LEXICAL or dense_vector is None:
            if sparse_vector is None:
                return []
            response = self.client.query_points(
                self.collection, query=sparse_vector, using=LEXICAL, query_filter=server_filter, limit=limit, with_payload=True
            )
        else:
            prefetch = [
                qm.Prefetch(query=dense_vector, using=DENSE, filter=server_filter, limit=limit),
                qm.Prefetch(query=sparse_vector, using=LEXICAL, filter=server_filter, limit=limit),
            ]
            response = self.client.query_points(
                self.collection, prefetch=prefetch, query=qm.RrfQuery(rrf=qm.Rrf(k=RRF_K, weights=list(weights))), limit=limit, with_payload=True
            )
        return [PointHit(str(p.id), float(p.score), dict(p.payload or {})) for p in response.points]

    def count(self, filter: SearchFilter | None = None) -> int:
        return int(self.client.count(self.collection, count_filter=_server_filter(filter), exact=True).count)

    def optimize(self) -> None:
        """Nothing to trigger: a Qdrant server runs its optimisers in the background (so bulk
        loads need no slicing here; ``max_segment_kb`` caps its merges like the edge shard's)."""

    def drop(self) -> None:
        if self.client.collection_exists(self.collection):
            self.client.delete_collection(self.collection)

    def close(self) -> None:
        self.client.close()
