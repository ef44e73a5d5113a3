"""Peak/current RSS and hybrid latency of qdrant-edge at N synthetic chunks under one storage config.

    .venv/bin/python tests/bench/bench_search_memory.py 20000 default   # engine defaults
    .venv/bin/python tests/bench/bench_search_memory.py 20000 cold      # vectors, sparse index, payload, HNSW on disk (mmap)

Peak = ru_maxrss (includes bulk load and optimiser); current = VmRSS from /proc after reopening.
"""
import json
import os
import resource
import shutil
import sys
import tempfile
from pathlib import Path
import qdrant_edge as qe
import minhchung.index.vectorstore.edge as edge
from minhchung.index.vectorstore.bench import SyntheticCorpus, _load, _time, LatencySummary
from minhchung.index.vectorstore.base import QueryMode



def rss_now() -> float:
    """Current resident set (MiB) from /proc."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS"))


def peak() -> float:
    """Peak resident set (MiB) of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


chunks = int(sys.argv[1]); mode = sys.argv[2]
orig = qe.EdgeConfig
def patched(**kw):
    if mode != "default":
        cold = qe.Memory.Cold
        kw["vectors"] = {k: qe.EdgeVectorParams(size=v.size, distance=qe.Distance.Cosine, memory=cold) for k, v in kw["vectors"].items()}
        kw["sparse_vectors"] = {k: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf, memory=cold) for k in kw["sparse_vectors"]}
        kw["payload_memory"] = cold
        kw["hnsw_config"] = qe.HnswIndexConfig(m=16, ef_construct=100, full_scan_threshold=10000, memory=cold) if mode == "cold" else None
    return orig(**kw)
edge.qe = type("Q", (), {**{k: getattr(qe, k) for k in dir(qe) if not k.startswith("__")}, "EdgeConfig": staticmethod(patched)})
folder = Path(tempfile.mkdtemp(prefix="memexp-"))
try:
    store = edge.EdgeVectorStore(folder / "index")
    corpus = SyntheticCorpus(7)
    load_s = _load(store, corpus, chunks)
    after_load_peak, after_load_now = peak(), rss_now()
    store.close()
    store = edge.EdgeVectorStore(folder / "index")
    from minhchung.index.vectorstore.base import CollectionSpec
    store.ensure_collection(CollectionSpec("bench:random-unit", 384))
    reopened = rss_now()
    wl = corpus.queries(200)
    store.query(wl[0][0], wl[0][1], wl[0][2], 10, QueryMode.HYBRID)
    h = LatencySummary.of(_time(lambda d, s, f: store.query(d, s, f, 10, QueryMode.HYBRID), wl))
    print(json.dumps({"mode": mode, "chunks": chunks, "load_s": round(load_s,1), "peak_mib": round(peak()), "rss_after_load": round(after_load_now),
                      "rss_reopened": round(reopened), "rss_after_queries": round(rss_now()), "hybrid_p50": round(h.p50_ms,2), "hybrid_p95": round(h.p95_ms,2),
                      "load1": os.getloadavg()[0]}))
    store.close()
finally:
    shutil.rmtree(folder, ignore_errors=True)
