"""Engine latency benchmark of the vector backends (``minhchung bench search``).

Measures the engine only: query embedding is excluded. The corpus is synthetic and says so:
passages are Vietnamese sentences assembled from our own phrase lists (so the lexical vectors
have a realistic vocabulary, bigrams and IDF spread), while dense vectors are random unit
vectors (an HNSW search costs the same whatever the vectors mean; random vectors are the
hardest case for the graph). Payload mimics real chunks: school, criteria, doc type, year.

Timed per backend: dense-only, lexical-only, and hybrid (dense + lexical prefetch, RRF) with a
criterion + year-range filter. The peer is qdrant-client's local mode (pure Python) at
min(N, 20000) chunks, run in the same process for comparison.
"""

from __future__ import annotations

import random
import resource
import shutil
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from minhchung.index.sparse import AVERAGE_CHUNK_SYLLABLES, SparseVector, bm25_tf, feature_index, query_vector, tokenize
from minhchung.index.vectorstore.base import CollectionSpec, IndexPoint, QueryMode, SearchFilter, VectorStore

PEER_LIMIT = 20_000
DIM = 384
LOAD_BATCH = 2_000

_SUBJECTS = ["Nhà trường", "Hội đồng trường", "Tổ chuyên môn Toán", "Ban giám hiệu", "Công đoàn cơ sở", "Hội đồng tự đánh giá",
             "Tổ văn phòng", "Liên đội", "Ban đại diện cha mẹ học sinh", "Giáo viên chủ nhiệm", "Phòng Giáo dục và Đào tạo"]
_VERBS = ["xây dựng", "triển khai", "tổ chức", "rà soát", "kiểm tra", "tổng hợp", "báo cáo", "phê duyệt", "cập nhật", "đánh giá", "bổ sung"]
_OBJECTS = ["kế hoạch giáo dục nhà trường", "hồ sơ tự đánh giá", "danh mục minh chứng", "cơ sở vật chất và thiết bị dạy học",
            "kết quả học tập của học sinh", "chương trình bồi dưỡng thường xuyên", "quy chế chi tiêu nội bộ", "sổ theo dõi tài sản",
            "biên bản họp hội đồng", "phong trào thi đua", "công tác phòng cháy chữa cháy", "an toàn thực phẩm bếp ăn",
            "thư viện và tủ sách lớp học", "kế hoạch phát triển nhà trường giai đoạn năm năm", "đội ngũ cán bộ quản lý"]
_TAILS = ["theo hướng dẫn của Sở Giáo dục và Đào tạo", "trong năm học", "đúng thời hạn quy định", "trước ngày 30 tháng 5",
          "và gửi về bộ phận văn thư", "bảo đảm công khai, minh bạch", "theo Thông tư số 57/2026/TT-BGDĐT", "tại phòng họp số 2",
          "với sự tham gia của đại diện cha mẹ học sinh", "làm căn cứ đánh giá tiêu chí"]
_CRITERIA = [f"{s}.{c}" for s, n in ((1, 5), (2, 3), (3, 3), (4, 4)) for c in range(1, n + 1)]
_DOC_TYPES = ["ke_hoach", "quyet_dinh", "bien_ban", "bao_cao", "cong_van", "thong_bao", "khac"]


@dataclass(frozen=True)
class LatencySummary:
    p50_ms: float
    p95_ms: float

    @classmethod
    def of(cls, seconds: list[float]) -> LatencySummary:
        values = np.asarray(seconds) * 1000.0
        return cls(float(np.percentile(values, 50)), float(np.percentile(values, 95)))


@dataclass(frozen=True)
class BackendResult:
    backend: str
    chunks: int
    load_seconds: float
    dense: LatencySummary | None
    lexical: LatencySummary | None
    hybrid_filter: LatencySummary


class SyntheticCorpus:
    """Deterministic synthetic Vietnamese passages with lexical vectors and random unit vectors."""

    def __init__(self, seed: int = 7, sentences: int = 3000) -> None:
        self.random = random.Random(seed)
        self.numpy = np.random.default_rng(seed)
        self.sentences = [self._sentence() for _ in range(sentences)]
        self._features = [self._sentence_features(s) for s in self.sentences]

    def _sentence(self) -> str:
        r = self.random
        return f"{r.choice(_SUBJECTS)} {r.choice(_VERBS)} {r.choice(_OBJECTS)} {r.choice(_TAILS)}, lần {r.randint(1, 40)}."

    @staticmethod
    def _sentence_features(sentence: str) -> tuple[np.ndarray, int]:
        tokens = tokenize(sentence)
        names = []
        for i, token in enumerate(tokens):
            names += ["w:" + token.text, "f:" + token.folded]
            if i + 1 < len(tokens):
                names += ["w2:" + token.text + " " + tokens[i + 1].text, "f2:" + token.folded + " " + tokens[i + 1].folded]
        return np.asarray([feature_index(n) for n in names], dtype=np.int64), len(tokens)

    def passage_vector(self, picks: list[int]) -> SparseVector:
        """Sparse vector of the passage made of sentences ``picks`` (same recipe as real chunks)."""
        indices = np.concatenate([self._features[i][0] for i in picks])
        length = sum(self._features[i][1] for i in picks)
        unique, counts = np.unique(indices, return_counts=True)
        values = np.round(bm25_tf(counts.astype(np.float64), length), 5)
        return SparseVector(tuple(unique.tolist()), tuple(values.tolist()))

    def points(self, count: int) -> Iterator[IndexPoint]:
        per_passage = max(1, int(AVERAGE_CHUNK_SYLLABLES // 16))
        for n in range(count):
            if n % LOAD_BATCH == 0:
                block = self.numpy.standard_normal((LOAD_BATCH, DIM)).astype(np.float32)
                block /= np.linalg.norm(block, axis=1, keepdims=True)
            picks = self.numpy.integers(0, len(self.sentences), per_passage).tolist()
            dense = block[n % LOAD_BATCH].tolist()
            year = self.random.randint(2018, 2026)
            payload = {
                "document_id": f"bench-{n // 8}", "kind": "passage", "school": f"school-{n % 5}",
                "criteria": self.random.sample(_CRITERIA, 2), "doc_type": self.random.choice(_DOC_TYPES),
                "year": year, "date": f"{year}-0{self.random.randint(1, 9)}-15", "status": "confirmed",
                "page": 1, "start": 0, "end": 0, "text": "",
            }
            yield IndexPoint(str(uuid.UUID(int=n + 1)), dense, self.passage_vector(picks), payload)

    def queries(self, count: int) -> list[tuple[np.ndarray, SparseVector, SearchFilter]]:
        out = []
        for _ in range(count):
            dense = self.numpy.standard_normal(DIM).astype(np.float32)
            dense /= np.linalg.norm(dense)
            text = f"{self.random.choice(_VERBS)} {self.random.choice(_OBJECTS)}"
            year = self.random.randint(2018, 2024)
            filt = SearchFilter(criteria=(self.random.choice(_CRITERIA),), year_from=year, year_to=year + 2)
            out.append((dense, query_vector(text), filt))
        return out


def _load(store: VectorStore, corpus: SyntheticCorpus, chunks: int) -> float:
    started = time.perf_counter()
    store.ensure_collection(CollectionSpec("bench:random-unit", DIM))
    batch: list[IndexPoint] = []
    for point in corpus.points(chunks):
        batch.append(point)
        if len(batch) == LOAD_BATCH:
            store.upsert(batch)
            batch = []
    if batch:
        store.upsert(batch)
    store.optimize()
    return time.perf_counter() - started


def _time(run: Callable[[], object], repeats: list) -> list[float]:
    timings = []
    for item in repeats:
        started = time.perf_counter()
        run(*item) if isinstance(item, tuple) else run(item)
        timings.append(time.perf_counter() - started)
    return timings


def measure(store: VectorStore, backend: str, chunks: int, queries: int, seed: int, hybrid_only: bool = False) -> BackendResult:
    corpus = SyntheticCorpus(seed)
    load_seconds = _load(store, corpus, chunks)
    workload = corpus.queries(queries)
    store.query(workload[0][0], workload[0][1], workload[0][2], 10, QueryMode.HYBRID)  # warm-up
    hybrid = _time(lambda d, s, f: store.query(d, s, f, 10, QueryMode.HYBRID), workload)
    dense = lexical = None
    if not hybrid_only:
        dense = LatencySummary.of(_time(lambda d, s, f: store.query(d, None, None, 10, QueryMode.DENSE), workload))
        lexical = LatencySummary.of(_time(lambda d, s, f: store.query(None, s, None, 10, QueryMode.LEXICAL), workload))
    return BackendResult(backend, chunks, load_seconds, dense, lexical, LatencySummary.of(hybrid))


def run_edge(chunks: int, queries: int = 200, seed: int = 7) -> tuple[BackendResult, float]:
    """Edge backend on a temporary shard; also returns peak RSS (MiB) of this process."""
    from minhchung.index.vectorstore.edge import EdgeVectorStore

    folder = Path(tempfile.mkdtemp(prefix="minhchung-bench-"))
    try:
        with EdgeVectorStore(folder / "index") as store:
            result = measure(store, "qdrant-edge", chunks, queries, seed)
        rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return result, rss_mib


def run_peer(chunks: int, queries: int = 10, seed: int = 7) -> BackendResult:
    """qdrant-client local mode (in memory) at min(chunks, 20000): the pure-Python peer."""
    from qdrant_client import QdrantClient

    from minhchung.index.vectorstore.server import ServerVectorStore

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Payload indexes have no effect", category=UserWarning)
        with ServerVectorStore(QdrantClient(":memory:"), collection="bench", location=":memory:") as store:
            return measure(store, "qdrant-client-local", min(chunks, PEER_LIMIT), queries, seed, hybrid_only=True)
