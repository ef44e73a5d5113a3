"""Vector index backends behind one interface (:class:`VectorStore`), and the factory.

``open_vectorstore`` is the only place that chooses a backend from settings: the embedded
qdrant-edge shard under ``<data>/index`` (default), or a Qdrant server/cluster at a URL.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from minhchung.index.settings import IndexSettings
from minhchung.index.vectorstore.base import (
    CollectionSpec,
    EmbedderMismatchError,
    IndexLockedError,
    IndexPoint,
    IndexUnavailableError,
    PointHit,
    QueryMode,
    SearchFilter,
    VectorIndexError,
    VectorStore,
)
from minhchung.ingest.errors import UsageError

__all__ = [
    "CollectionSpec", "EmbedderMismatchError", "IndexLockedError", "IndexPoint", "IndexUnavailableError",
    "PointHit", "QueryMode", "SearchFilter", "VectorIndexError", "VectorStore", "open_vectorstore",
]


def open_vectorstore(index_settings: IndexSettings, data_dir: Path) -> VectorStore:
    """The configured backend, not yet checked against an embedder (call ``ensure_collection``).

    The embedded shard lives in ``<data_dir>/index``; ``load_slice``/``max_segment_kb`` left
    unset keep :class:`~minhchung.index.vectorstore.edge.EdgeTuning`'s measured defaults.
    """
    if index_settings.backend == "server":
        if not index_settings.url:
            raise UsageError(
                "index.backend is 'server' but index.url is not set (e.g. http://localhost:6333).",
                "index.backend là 'server' nhưng chưa đặt index.url (ví dụ http://localhost:6333).",
            )
        from minhchung.index.vectorstore.server import ServerVectorStore

        return ServerVectorStore.connect(
            index_settings.url,
            api_key=index_settings.api_key,
            collection=index_settings.collection,
            shard_number=index_settings.shard_number,
            replication_factor=index_settings.replication_factor,
            max_segment_kb=index_settings.max_segment_kb,
        )
    from minhchung.index.vectorstore.edge import EdgeTuning, EdgeVectorStore

    overrides = {"load_slice": index_settings.load_slice, "max_segment_kb": index_settings.max_segment_kb}
    tuning = dataclasses.replace(EdgeTuning(), **{k: v for k, v in overrides.items() if v is not None})
    return EdgeVectorStore(Path(data_dir) / "index", tuning=tuning)
