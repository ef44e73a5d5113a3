"""Criterion suggestion (auto-coding): rank a framework's criteria for one evidence title.

Why this shape: a school's evidence list is hundreds of terse titles ("BB họp HĐ trường") that a
secretary must file under the right criterion. No single signal is reliable, so each criterion
gets a small feature vector and a linear model (weights fit on held-out school lists, stored as
JSON in ``models/suggester/params.json``) turns it into a score:

* kNN over embeddings: the closest official "minh chứng gợi ý" of the criterion, the closest of
  the school's own confirmed items (``add_exemplar`` — effective at once, nothing is retrained),
  and a similarity-weighted vote of the nearest exemplars;
* the criterion title and its Mức texts (embeddings);
* lexical cues after abbreviation expansion: BM25 over accent-folded syllables against the
  criterion's text, and an IDF-weighted overlap with its exemplars (doc-type words such as
  "quyết định", "biên bản" are tokens like any other, so they count where they discriminate).

Each feature also enters as its margin to the best criterion for that title, which lets one set
of weights serve frameworks with 15 or 28 criteria. Scores are Platt-calibrated on held-out
lists into probabilities; below ``params.threshold`` the suggester abstains so the item goes to
the review queue. Every suggestion carries a one-line reason in Vietnamese naming what matched.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np

from minhchung.ingest.errors import UsageError
from minhchung.ingest.normalize import fold_accents, normalize_text
from minhchung.nlp.abbreviations import AbbreviationTable, load_abbreviations
from minhchung.nlp.embeddings import Embedder
from minhchung.nlp.frameworks import Framework

BASE_FEATURES = (
    "emb_exemplar", "emb_title", "emb_indicator", "knn_vote", "lex_bm25", "lex_exemplar",
)
FEATURES = BASE_FEATURES + tuple(f"{name}_margin" for name in BASE_FEATURES)
_SYLLABLE = re.compile(r"[a-z0-9]+")
_TEXT_CHARS = 400  # how much of a document's text joins its title for matching
_KNN = 10
_KNN_SHARPNESS = 20.0
_BM25_K1, _BM25_B = 1.2, 0.75
VECTORS_DIR = "vectors"


@dataclass(frozen=True)
class Suggestion:
    criterion: str
    score: float
    reason: str

    def as_dict(self) -> dict:
        return {"criterion": self.criterion, "score": round(self.score, 4), "reason": self.reason}


@dataclass(frozen=True)
class SuggestResult:
    suggestions: tuple[Suggestion, ...]
    abstain: bool

    def as_dict(self) -> dict:
        return {"suggestions": [s.as_dict() for s in self.suggestions], "abstain": self.abstain}


@dataclass(frozen=True)
class SuggesterParams:
    """The linear model, its Platt calibration and the abstain threshold (JSON, never pickle)."""

    weights: tuple[float, ...]
    intercept: float
    platt_a: float = 1.0
    platt_b: float = 0.0
    threshold: float = 0.5
    features: tuple[str, ...] = FEATURES
    meta: dict = field(default_factory=dict)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Calibrated probability that each (title, criterion) row is the right criterion."""
        logits = features @ np.asarray(self.weights, dtype=np.float64) + self.intercept
        return 1.0 / (1.0 + np.exp(-(self.platt_a * logits + self.platt_b)))

    def to_json(self) -> str:
        return json.dumps({
            "features": list(self.features), "weights": list(self.weights), "intercept": self.intercept,
            "platt_a": self.platt_a, "platt_b": self.platt_b, "threshold": self.threshold, "meta": self.meta,
        }, ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> SuggesterParams:
        raw = json.loads(text)
        if tuple(raw["features"]) != FEATURES:
            raise UsageError("Suggester parameters were fit for other features; refit them (bench_suggest.py --fit).",
                             "Tham số bộ gợi ý không khớp đặc trưng hiện tại; cần huấn luyện lại.")
        return cls(weights=tuple(raw["weights"]), intercept=raw["intercept"], platt_a=raw["platt_a"],
                   platt_b=raw["platt_b"], threshold=raw["threshold"], meta=raw.get("meta", {}))


def load_params(path: Path | None = None) -> SuggesterParams:
    """The shipped parameters (``models/suggester/params.json``) or those at ``path``."""
    text = path.read_text(encoding="utf-8") if path else (
        files("minhchung.models") / "suggester" / "params.json").read_text(encoding="utf-8")
    return SuggesterParams.from_json(text)


@dataclass(frozen=True)
class FrameworkTexts:
    """The exact strings a suggester embeds for its framework, in a fixed order.

    Query side: criterion titles then official suggested evidence (abbreviations expanded);
    passage side: the Mức texts. Their sha256 (with the embedder id) names a vector file, so a
    changed framework, abbreviation table or embedder is detected and re-embedded."""

    queries: tuple[str, ...]
    passages: tuple[str, ...]

    def digest(self, embedder_id: str) -> str:
        payload = json.dumps({"embedder": embedder_id, "queries": self.queries, "passages": self.passages},
                             ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def framework_texts(framework: Framework, abbreviations: AbbreviationTable) -> FrameworkTexts:
    """What a suggester embeds for ``framework`` (titles and suggested evidence are expanded
    like any title, see :meth:`Suggester._prepare`)."""
    criteria = framework.criteria()
    queries = [c.title for c in criteria] + [s for c in criteria for s in c.suggested_evidence]
    return FrameworkTexts(tuple(abbreviations.expand(t).text for t in queries),
                          tuple(ind.text for c in criteria for ind in c.indicators))


def _vectors_dir() -> Traversable:
    return files("minhchung.models") / "suggester" / VECTORS_DIR


def vectors_stem(framework_id: str, embedder_id: str) -> str:
    """``<framework>-<embedder-id-slug>``, the name of a shipped vector file and its manifest."""
    return f"{framework_id}-{re.sub(r'[^a-z0-9]+', '-', embedder_id.lower()).strip('-')}"


def load_framework_vectors(framework_id: str, texts: FrameworkTexts, embedder_id: str,
                           directory: Traversable | None = None) -> np.ndarray | None:
    """Shipped vectors (queries rows, then passage rows) if they match ``texts`` exactly, else None."""
    folder = directory or _vectors_dir()
    stem = vectors_stem(framework_id, embedder_id)
    manifest, data = folder / f"{stem}.json", folder / f"{stem}.npy"
    if not (manifest.is_file() and data.is_file()):
        return None
    recorded = json.loads(manifest.read_text(encoding="utf-8"))
    if recorded.get("sha256") != texts.digest(embedder_id):
        return None
    vectors = np.load(io.BytesIO(data.read_bytes()), allow_pickle=False)
    if vectors.shape[0] != len(texts.queries) + len(texts.passages):
        return None
    return vectors.astype(np.float32, copy=False)


def embed_framework_texts(texts: FrameworkTexts, embedder: Embedder) -> np.ndarray:
    """Query rows then passage rows, as :func:`load_framework_vectors` returns them."""
    return np.vstack([embedder.embed_queries(list(texts.queries)), embedder.embed_passages(list(texts.passages))])


def write_framework_vectors(framework_id: str, texts: FrameworkTexts, embedder: Embedder, directory: Path) -> Path:
    """Embed and save a framework's texts (``.npy``) with a manifest holding their sha256."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = vectors_stem(framework_id, embedder.id)
    vectors = embed_framework_texts(texts, embedder)
    np.save(directory / f"{stem}.npy", vectors, allow_pickle=False)
    manifest = {"framework": framework_id, "embedder": embedder.id, "sha256": texts.digest(embedder.id),
                "queries": len(texts.queries), "passages": len(texts.passages), "dim": int(vectors.shape[1])}
    (directory / f"{stem}.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return directory / f"{stem}.npy"


def syllables(text: str) -> list[str]:
    """Accent-folded syllable unigrams and bigrams: the lexical unit of the suggester."""
    words = _SYLLABLE.findall(fold_accents(text))
    return words + [f"{a}_{b}" for a, b in zip(words, words[1:])]


@dataclass
class _ExemplarBank:
    """Titles known to belong to criteria, with their vectors and lexical rows."""

    titles: list[str] = field(default_factory=list)
    criteria: list[int] = field(default_factory=list)
    vectors: list[np.ndarray] = field(default_factory=list)
    tokens: list[dict[str, float]] = field(default_factory=list)
    _matrix: np.ndarray | None = field(default=None, repr=False)

    def add(self, title: str, criterion: int, vector: np.ndarray, tokens: dict[str, float]) -> None:
        self.titles.append(title)
        self.criteria.append(criterion)
        self.vectors.append(vector)
        self.tokens.append(tokens)
        self._matrix = None

    def matrix(self, dim: int) -> np.ndarray:
        """All vectors as one matrix, stacked once per change (not once per suggestion)."""
        if self._matrix is None:
            self._matrix = np.vstack(self.vectors) if self.vectors else np.zeros((0, dim), dtype=np.float32)
        return self._matrix


@dataclass(frozen=True)
class _Match:
    """Per criterion: the feature rows plus what matched best, for the reason line."""

    features: np.ndarray  # (criteria, len(FEATURES))
    official_sim: np.ndarray
    school_sim: np.ndarray
    official_best: list[int]  # index into the official bank, -1 if none
    school_best: list[int]
    indicator_best: list[int]


class Suggester:
    """Ranks one framework's criteria for evidence titles; see the module docstring."""

    def __init__(self, framework: Framework, embedder: Embedder, params: SuggesterParams,
                 exemplars: Iterable[tuple[str, str]] = (), abbreviations: AbbreviationTable | None = None) -> None:
        self.framework = framework
        self.embedder = embedder
        self.params = params
        self.abbreviations = abbreviations or load_abbreviations()
        self.criteria = [c.id for c in framework.criteria()]
        self._position = {cid: i for i, cid in enumerate(self.criteria)}
        criteria = framework.criteria()
        self._titles = [c.title for c in criteria]
        self._indicators: list[tuple[int, str, str]] = [
            (i, ind.level, ind.text) for i, c in enumerate(criteria) for ind in c.indicators
        ]
        documents = [" ".join([c.title, *(ind.text for ind in c.indicators), *c.suggested_evidence]) for c in criteria]
        self._doc_tokens = [Counter(syllables(d)) for d in documents]
        self._idf = self._inverse_frequencies(self._doc_tokens)
        self._avg_len = float(np.mean([sum(t.values()) for t in self._doc_tokens])) or 1.0
        self._title_tokens = [self._weighted_tokens(syllables(t)) for t in self._titles]
        official = [(s, i) for i, c in enumerate(criteria) for s in c.suggested_evidence]
        texts = framework_texts(framework, self.abbreviations)
        vectors = load_framework_vectors(framework.id, texts, embedder.id)
        if vectors is None:
            vectors = embed_framework_texts(texts, embedder)
        titles_end, official_end = len(self._titles), len(texts.queries)
        self._title_vectors = vectors[:titles_end]
        self._indicator_vectors = vectors[official_end:]
        self._official = _ExemplarBank()
        for (title, criterion), vector in zip(official, vectors[titles_end:official_end]):
            self._official.add(title, criterion, vector, self._weighted_tokens(self._lexical(title)))
        self._school = _ExemplarBank()
        self.add_exemplars(exemplars)

    # -- exemplars ---------------------------------------------------------------------------

    def add_exemplar(self, title: str, criterion: str) -> None:
        """A confirmed (title, criterion): used by the very next suggestion, no retraining."""
        self.add_exemplars([(title, criterion)])

    def add_exemplars(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Add several confirmed items at once (one embedding batch)."""
        known = [(normalize_text(t), self._criterion_index(c)) for t, c in pairs if normalize_text(t)]
        self._add_many(self._school, known)

    @property
    def exemplar_count(self) -> int:
        return len(self._school.titles)

    def _criterion_index(self, criterion: str) -> int:
        if criterion not in self._position:
            raise UsageError(f"Criterion {criterion} is not in framework {self.framework.id}.",
                             f"Tiêu chí {criterion} không có trong bộ tiêu chuẩn {self.framework.id}.")
        return self._position[criterion]

    def _add_many(self, bank: _ExemplarBank, pairs: Sequence[tuple[str, int]]) -> None:
        if not pairs:
            return
        vectors = self.embedder.embed_queries([self._prepare(t) for t, _ in pairs])
        for (title, criterion), vector in zip(pairs, vectors):
            bank.add(title, criterion, vector, self._weighted_tokens(self._lexical(title)))

    # -- text preparation --------------------------------------------------------------------

    def _prepare(self, title: str, text: str | None = None) -> str:
        """The string that is embedded: title with abbreviations expanded, plus a text excerpt."""
        expanded = self.abbreviations.expand(title).text
        if text:
            expanded = f"{expanded}. {normalize_text(text)[:_TEXT_CHARS]}"
        return expanded

    def _lexical(self, title: str, text: str | None = None) -> list[str]:
        tokens = syllables(self.abbreviations.expand(title).all_readings)
        if text:
            tokens += syllables(normalize_text(text)[:_TEXT_CHARS])
        return tokens

    @staticmethod
    def _inverse_frequencies(documents: list[Counter]) -> dict[str, float]:
        n = len(documents)
        frequency = Counter(token for doc in documents for token in doc)
        return {token: math.log(1 + (n - df + 0.5) / (df + 0.5)) for token, df in frequency.items()}

    def _weight(self, token: str) -> float:
        return self._idf.get(token, math.log(1 + (len(self._doc_tokens) + 0.5) / 0.5))

    def _weighted_tokens(self, tokens: list[str]) -> dict[str, float]:
        unique = set(tokens)
        weights = {t: self._weight(t) for t in unique}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {t: w / norm for t, w in weights.items()}

    # -- features ----------------------------------------------------------------------------

    def _bm25(self, tokens: list[str]) -> np.ndarray:
        scores = np.zeros(len(self.criteria))
        query = set(tokens)
        for i, doc in enumerate(self._doc_tokens):
            length = sum(doc.values())
            for token in query:
                tf = doc.get(token, 0)
                if tf:
                    scores[i] += self._idf[token] * tf * (_BM25_K1 + 1) / (
                        tf + _BM25_K1 * (1 - _BM25_B + _BM25_B * length / self._avg_len))
        top = scores.max()
        return scores / top if top > 0 else scores

    def _bank_scores(self, bank: _ExemplarBank, vector: np.ndarray, tokens: dict[str, float]):
        """Per criterion: best cosine, its exemplar index, best lexical overlap; plus all sims."""
        count = len(self.criteria)
        emb = np.zeros(count)
        lex = np.zeros(count)
        best = [-1] * count
        if not bank.titles:
            return emb, lex, best, np.zeros(0)
        sims = bank.matrix(len(vector)) @ vector
        for j, (criterion, sim) in enumerate(zip(bank.criteria, sims)):
            if sim > emb[criterion] or best[criterion] < 0:
                emb[criterion] = max(float(sim), 0.0)
                best[criterion] = j
            overlap = sum(w * bank.tokens[j].get(t, 0.0) for t, w in tokens.items())
            lex[criterion] = max(lex[criterion], overlap)
        return emb, lex, best, sims

    def _knn_vote(self, sims_official: np.ndarray, sims_school: np.ndarray) -> np.ndarray:
        sims = np.concatenate([sims_official, sims_school])
        labels = np.asarray(self._official.criteria + self._school.criteria, dtype=int)
        vote = np.zeros(len(self.criteria))
        if len(sims) == 0:
            return vote
        nearest = np.argsort(-sims)[:_KNN]
        weights = np.exp(_KNN_SHARPNESS * (sims[nearest] - sims[nearest[0]]))
        np.add.at(vote, labels[nearest], weights)
        return vote / vote.sum()

    def _match(self, vector: np.ndarray, tokens: list[str]) -> _Match:
        """Features per criterion. Exemplar features take the best of official suggestions, the
        school's items and the criterion title itself, so a criterion without exemplars (a 2018
        framework, a school with few confirmed items) is compared on the same scale as the rest."""
        weighted = self._weighted_tokens(tokens)
        emb_off, lex_off, off_best, sims_off = self._bank_scores(self._official, vector, weighted)
        emb_sch, lex_sch, sch_best, sims_sch = self._bank_scores(self._school, vector, weighted)
        emb_title = np.clip(self._title_vectors @ vector, 0.0, None)
        lex_title = np.array([sum(w * t.get(tok, 0.0) for tok, w in weighted.items()) for t in self._title_tokens])
        emb_ind = np.zeros(len(self.criteria))
        ind_best = [-1] * len(self.criteria)
        if len(self._indicators):
            ind_sims = self._indicator_vectors @ vector
            for k, ((criterion, _, _), sim) in enumerate(zip(self._indicators, ind_sims)):
                if sim > emb_ind[criterion]:
                    emb_ind[criterion], ind_best[criterion] = float(sim), k
        base = np.column_stack([
            np.maximum.reduce([emb_off, emb_sch, emb_title]), emb_title, emb_ind,
            self._knn_vote(sims_off, sims_sch), self._bm25(tokens), np.maximum.reduce([lex_off, lex_sch, lex_title]),
        ])
        margins = base - base.max(axis=0, keepdims=True)
        return _Match(np.hstack([base, margins]), emb_off, emb_sch, off_best, sch_best, ind_best)

    def feature_rows(self, titles: Sequence[str], texts: Sequence[str | None] | None = None) -> list[np.ndarray]:
        """Feature matrix (criteria × FEATURES) per title; used for training and by ``suggest``."""
        return [m.features for m in self._matches(titles, texts)]

    def _matches(self, titles: Sequence[str], texts: Sequence[str | None] | None) -> list[_Match]:
        texts = list(texts) if texts is not None else [None] * len(titles)
        vectors = self.embedder.embed_queries([self._prepare(t, x) for t, x in zip(titles, texts)])
        return [self._match(v, self._lexical(t, x)) for t, x, v in zip(titles, texts, vectors)]

    # -- suggestions -------------------------------------------------------------------------

    def suggest(self, title: str, text: str | None = None, k: int = 5) -> SuggestResult:
        """Top-k criteria for one title (and optional document text), or abstain."""
        return self.suggest_batch([title], [text], k)[0]

    def suggest_batch(self, titles: Sequence[str], texts: Sequence[str | None] | None = None,
                      k: int = 5) -> list[SuggestResult]:
        """Like :meth:`suggest` for many titles, embedding them in one batch."""
        results = []
        for match in self._matches(titles, texts):
            probabilities = self.params.probabilities(match.features)
            order = np.argsort(-probabilities)[: max(k, 1)]
            suggestions = tuple(Suggestion(self.criteria[i], float(probabilities[i]), self._reason(match, i))
                                for i in order)
            results.append(SuggestResult(suggestions, abstain=bool(probabilities[order[0]] < self.params.threshold)))
        return results

    def _reason(self, match: _Match, criterion: int) -> str:
        """One line naming the strongest matched evidence: school item, official suggestion, Mức text or title."""
        row = match.features[criterion]
        candidates = []
        if match.school_best[criterion] >= 0:
            candidates.append((match.school_sim[criterion], f"giống minh chứng đã xác nhận: '{self._school.titles[match.school_best[criterion]]}'"))
        if match.official_best[criterion] >= 0:
            candidates.append((match.official_sim[criterion], f"giống minh chứng gợi ý: '{self._official.titles[match.official_best[criterion]]}'"))
        if match.indicator_best[criterion] >= 0:
            _, level, text = self._indicators[match.indicator_best[criterion]]
            candidates.append((row[2] - 0.05, f"khớp {level}: '{_excerpt(text)}'"))
        candidates.append((row[1] - 0.05, f"khớp tên tiêu chí {self.criteria[criterion]}: '{self._titles[criterion]}'"))
        return max(candidates, key=lambda c: c[0])[1]


def _excerpt(text: str, words: int = 14) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


# -- fitting ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class LabelledRows:
    """Feature matrices of titles with their gold criterion index, grouped by school list."""

    group: str
    rows: list[np.ndarray]
    gold: list[int]


def fit_linear(groups: Sequence[LabelledRows]) -> tuple[np.ndarray, float]:
    """Logistic regression on (title, criterion) pairs: gold criterion vs the others."""
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([r for g in groups for r in g.rows])
    y = np.concatenate([np.eye(len(r))[gold] for g in groups for r, gold in zip(g.rows, g.gold)])
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
    model.fit(x, y)
    return model.coef_[0].astype(float), float(model.intercept_[0])


def fit_params(groups: Sequence[LabelledRows], target_precision: float = 0.95,
               meta: dict | None = None) -> SuggesterParams:
    """Weights on all groups; Platt scaling and threshold on leave-one-group-out predictions.

    Groups sharing a name (one school list featurised under different exemplar sets) are held
    out together."""
    from sklearn.linear_model import LogisticRegression

    held_logits, held_labels, top_logits, top_correct = [], [], [], []
    for name in dict.fromkeys(g.group for g in groups):
        weights, intercept = fit_linear([g for g in groups if g.group != name])
        for rows, gold in (pair for g in groups if g.group == name for pair in zip(g.rows, g.gold)):
            logits = rows @ weights + intercept
            held_logits.append(logits)
            held_labels.append(np.eye(len(rows))[gold])
            best = int(np.argmax(logits))
            top_logits.append(logits[best])
            top_correct.append(best == gold)
    platt = LogisticRegression(C=100.0, max_iter=1000)
    platt.fit(np.concatenate(held_logits)[:, None], np.concatenate(held_labels))
    a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
    top_probability = 1 / (1 + np.exp(-(a * np.asarray(top_logits) + b)))
    threshold = choose_threshold(top_probability, np.asarray(top_correct), target_precision)
    weights, intercept = fit_linear(groups)
    info = {"fit_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "groups": sorted({g.group for g in groups}),
            "titles": sum(len(g.rows) for g in groups), "target_precision": target_precision, **(meta or {})}
    return SuggesterParams(tuple(weights), intercept, a, b, threshold, FEATURES, info)


def choose_threshold(probabilities: np.ndarray, correct: np.ndarray, target: float) -> float:
    """Lowest threshold whose non-abstained items reach ``target`` precision (held-out data)."""
    order = np.argsort(-probabilities)
    hits = np.cumsum(correct[order])
    precision = hits / np.arange(1, len(order) + 1)
    ok = np.nonzero(precision >= target)[0]
    if len(ok) == 0:
        return 1.0
    # the largest kept prefix whose precision still meets the target
    return float(probabilities[order[ok[-1]]])
