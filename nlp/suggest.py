"""Criterion suggestion (auto-coding): rank a framework's criteria for one evidence title.

Why this shape: a school's evidence list is hundreds of terse titles ("BB họp HĐ trường") that a
secretary must file under the right criterion. No single signal is reliable, so each criterion
gets a small feature vector and a linear model (weights fit on held-out school lists, stored as
JSON in ``models/suggester/params.json``) turns it into a score:

* kNN over embeddings: the closest official "minh chứng gợi ý" of the criterion (plus reference
  lists: other schools' coded items, shipped in ``models/suggester/reference``), the closest of
  the school's own confirmed items (``add_exemplar`` — effective at once, nothing is retrained),
  and a similarity-weighted vote of the nearest of them. A school writes its house style into every title (its name, "năm học
  2026-2027", its favourite doc types), so its own items resemble any new title of the school more
  than the official wording does, whatever the criterion. Their similarities are therefore taken
  back by the house-style offset (how much closer the title is to the school's items on average
  than to the official examples, shrunk while the school has few items), and their lexical match
  discounts words the school uses under many criteria (see ``Suggester._own_overlap``);
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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np
from scipy import sparse

from minhchung.ingest.errors import UsageError
from minhchung.ingest.normalize import fold_accents, normalize_text
from minhchung.nlp.abbreviations import AbbreviationTable, load_abbreviations
from minhchung.nlp.embeddings import Embedder
from minhchung.nlp.frameworks import Framework

BASE_FEATURES = (
    "emb_exemplar", "emb_title", "emb_indicator", "knn_vote", "lex_bm25", "lex_exemplar", "own_excess", "own_overlap",
)
FEATURES = BASE_FEATURES + tuple(f"{name}_margin" for name in BASE_FEATURES)
_COLUMN = {name: i for i, name in enumerate(FEATURES)}
_SYLLABLE = re.compile(r"[a-z0-9]+")
_TEXT_CHARS = 400  # how much of a document's text joins its title for matching
_KNN = 10
_KNN_SHARPNESS = 20.0
_BM25_K1, _BM25_B = 1.2, 0.75
_DIGIT = re.compile(r"\d")  # a token with digits (year, number) names an instance of a document, not its kind
_INSTANCE_WEIGHT = 0.1
_HOUSE_PRIOR = 5.0  # own items after which half of the house-style offset is taken out
_NEAR_DUPLICATE = 0.5  # own-item overlap from which the reason line names the school's item
VECTORS_DIR = "vectors"
REFERENCE_DIR = "reference"


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


@dataclass(frozen=True)
class ReferenceItem:
    """One coded title of a shipped reference list (``models/suggester/reference/<list>.jsonl``).

    ``source`` names the list, so an evaluation can leave a whole school's list out."""

    source: str
    title: str
    framework: str
    criterion: str

    @property
    def pair(self) -> tuple[str, str]:
        return self.title, self.criterion


def _reference_dir() -> Traversable:
    return files("minhchung.models") / "suggester" / REFERENCE_DIR


def reference_lists(directory: Traversable | None = None) -> dict[str, tuple[ReferenceItem, ...]]:
    """Every shipped reference list by name, items in file order (lists sorted by name)."""
    folder = directory or _reference_dir()
    found = sorted((p for p in folder.iterdir() if p.name.endswith(".jsonl")), key=lambda p: p.name)
    return {p.name.removesuffix(".jsonl"): _read_reference(p) for p in found}


def _read_reference(path: Traversable) -> tuple[ReferenceItem, ...]:
    source = path.name.removesuffix(".jsonl")
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            items.append(ReferenceItem(source, raw["title"], raw["framework"], raw["criterion"]))
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise UsageError(f"Reference list {path.name}, line {number}: not a coded title ({error}).",
                             f"Danh sách tham chiếu {path.name}, dòng {number}: không phải minh chứng đã mã hoá.") from error
    return tuple(items)


def load_reference_lists(framework_id: str, exclude: Iterable[str] = (),
                         directory: Traversable | None = None) -> tuple[ReferenceItem, ...]:
    """The shipped reference items of ``framework_id``, leaving out the lists named in ``exclude``.

    Same framework only: a legacy list is not carried to TT57 through ``mapping_to`` here, because
    that table maps some criteria to several (1.4 → 1.2, 2.1) and is marked "inferred" — label
    noise in exemplars that act like official suggestions."""
    left_out = set(exclude)
    return tuple(item for name, items in reference_lists(directory).items() if name not in left_out
                 for item in items if item.framework == framework_id)


def reference_texts(framework_id: str, abbreviations: AbbreviationTable) -> FrameworkTexts:
    """What a suggester embeds for the framework's whole shipped reference (query side, expanded
    like any title); its digest names the shipped reference vectors."""
    return FrameworkTexts(tuple(abbreviations.expand(normalize_text(item.title)).text
                                for item in load_reference_lists(framework_id)), ())


def reference_vectors_id(framework_id: str) -> str:
    """The name under which a framework's reference vectors ship next to its own vectors."""
    return f"{framework_id}-reference"


def load_reference_vectors(framework_id: str, abbreviations: AbbreviationTable, embedder_id: str,
                           directory: Traversable | None = None) -> dict[str, np.ndarray]:
    """Shipped vectors of the framework's reference titles by embedded text; empty when stale or absent.

    Keyed by text so any subset of the shipped lists (the benchmark leaves one out) reuses them.
    ``directory`` is where the vector files are (default ``models/suggester/vectors``)."""
    texts = reference_texts(framework_id, abbreviations)
    if not texts.queries:
        return {}
    vectors = load_framework_vectors(reference_vectors_id(framework_id), texts, embedder_id, directory)
    return {} if vectors is None else dict(zip(texts.queries, vectors))


def syllables(text: str) -> list[str]:
    """Accent-folded syllable unigrams and bigrams: the lexical unit of the suggester."""
    words = _SYLLABLE.findall(fold_accents(text))
    return words + [f"{a}_{b}" for a, b in zip(words, words[1:])]


@dataclass
class _Bank:
    """Titles known to belong to criteria: vectors, token sets, and the matrices built from them.

    ``weigh`` gives a token's IDF over the framework's criteria. The matrices are rebuilt once per
    change (``add``), never per suggestion."""

    criteria_count: int
    dim: int
    weigh: Callable[[str], float]
    titles: list[str] = field(default_factory=list)
    criteria: list[int] = field(default_factory=list)
    vectors: list[np.ndarray] = field(default_factory=list)
    tokens: list[frozenset[str]] = field(default_factory=list)
    _built: _BankMatrices | None = field(default=None, repr=False)

    def add(self, title: str, criterion: int, vector: np.ndarray, tokens: Iterable[str]) -> None:
        self.titles.append(title)
        self.criteria.append(criterion)
        self.vectors.append(vector)
        self.tokens.append(frozenset(tokens))
        self._built = None

    def __len__(self) -> int:
        return len(self.titles)

    def built(self) -> _BankMatrices:
        if self._built is None:
            self._built = _BankMatrices.of(self)
        return self._built


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=-1, keepdims=True), 1e-12)


def _on(columns: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``weights`` where ``columns`` are, zero elsewhere: a query as a dense row over a bank's vocabulary."""
    row = np.zeros_like(weights)
    row[columns] = weights[columns]
    return row


def _instance_discount(token: str) -> float:
    return _INSTANCE_WEIGHT if _DIGIT.search(token) else 1.0


@dataclass(frozen=True)
class _BankMatrices:
    """A bank as arrays: vectors, criterion one-hot, token incidence over its vocabulary and weights."""

    vectors: np.ndarray  # (items, dim)
    labels: np.ndarray  # (items,)
    member: np.ndarray  # (criteria, items) bool
    vocabulary: dict[str, int]
    incidence: sparse.csr_matrix  # (items, vocabulary) 0/1
    squared_idf: np.ndarray  # per vocabulary token
    item_norms: np.ndarray  # per item: norm of its IDF-weighted token vector
    house_weights: np.ndarray  # per vocabulary token: see Suggester._own_overlap
    house_totals: np.ndarray  # per item: sum of its tokens' house weights

    @classmethod
    def of(cls, bank: _Bank) -> _BankMatrices:
        labels = np.asarray(bank.criteria, dtype=int)
        vectors = np.vstack(bank.vectors).astype(np.float32) if bank.vectors else np.zeros((0, bank.dim), np.float32)
        vocabulary: dict[str, int] = {}
        rows, cols = [], []
        for i, tokens in enumerate(bank.tokens):
            for token in tokens:
                rows.append(i)
                cols.append(vocabulary.setdefault(token, len(vocabulary)))
        incidence = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(bank.tokens), len(vocabulary)))
        member = labels[None, :] == np.arange(bank.criteria_count)[:, None]
        # in how many criteria each token occurs among the bank's items
        spread = np.asarray((incidence.T @ member.T.astype(float)) > 0).sum(axis=1)
        idf = np.array([bank.weigh(t) for t in vocabulary])
        covered = int(member.any(axis=1).sum()) + 1  # criteria the bank has items for, plus one
        house = idf * np.array([_instance_discount(t) for t in vocabulary]) * (
            np.log(covered / np.maximum(spread, 1)) / math.log(covered) if covered > 1 else 1.0)
        return cls(vectors, labels, member, vocabulary, incidence, idf ** 2,
                   np.sqrt(incidence @ idf ** 2), house, incidence @ house)

    def best(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per criterion: the largest value among its items (0 if none or negative) and that item (-1 if none)."""
        if not values.size:
            return np.zeros(len(self.member)), np.full(len(self.member), -1)
        masked = np.where(self.member, values[None, :], -np.inf)
        index, top = masked.argmax(axis=1), masked.max(axis=1)
        found = top > -np.inf
        return np.where(found, np.maximum(top, 0.0), 0.0), np.where(found, index, -1)

    def columns(self, tokens: Iterable[str]) -> tuple[np.ndarray, list[str]]:
        """Vocabulary columns of the query's tokens that the bank knows, and the tokens it does not."""
        known, unknown = [], []
        for token in tokens:
            column = self.vocabulary.get(token)
            if column is None:
                unknown.append(token)
            else:
                known.append(column)
        return np.asarray(known, dtype=int), unknown


@dataclass(frozen=True)
class _Match:
    """Per criterion: the feature rows plus what matched best, for the reason line."""

    features: np.ndarray  # (criteria, len(FEATURES))
    example_sim: np.ndarray
    example_best: np.ndarray  # index into the example bank, -1 if none
    own_best: np.ndarray
    indicator_best: np.ndarray


class Suggester:
    """Ranks one framework's criteria for evidence titles; see the module docstring.

    ``exemplars`` are the school's own confirmed (title, criterion) items; ``reference`` are coded
    items from elsewhere (other schools' lists) treated like the official suggestions."""

    def __init__(self, framework: Framework, embedder: Embedder, params: SuggesterParams,
                 exemplars: Iterable[tuple[str, str]] = (), abbreviations: AbbreviationTable | None = None,
                 reference: Iterable[tuple[str, str]] = ()) -> None:
        self.framework = framework
        self.embedder = embedder
        self.params = params
        self.abbreviations = abbreviations or load_abbreviations()
        self.criteria = [c.id for c in framework.criteria()]
        self._position = {cid: i for i, cid in enumerate(self.criteria)}
        criteria = framework.criteria()
        count = len(criteria)
        self._titles = [c.title for c in criteria]
        self._indicators: list[tuple[int, str, str]] = [
            (i, ind.level, ind.text) for i, c in enumerate(criteria) for ind in c.indicators
        ]
        documents = [Counter(syllables(" ".join([c.title, *(ind.text for ind in c.indicators), *c.suggested_evidence])))
                     for c in criteria]
        self._idf = self._inverse_frequencies(documents)
        self._unseen_idf = math.log(1 + (len(documents) + 0.5) / 0.5)
        self._bm25_terms = self._bm25_table(documents)
        texts = framework_texts(framework, self.abbreviations)
        vectors = load_framework_vectors(framework.id, texts, embedder.id)
        if vectors is None:
            vectors = embed_framework_texts(texts, embedder)
        titles_end, official_end = count, len(texts.queries)
        dim = vectors.shape[1]
        self._title_bank = _Bank(count, dim, self._weight)
        for i, (title, vector) in enumerate(zip(self._titles, vectors[:titles_end])):
            self._title_bank.add(title, i, vector, syllables(title))
        self._indicator_bank = _Bank(count, dim, self._weight)
        for (i, _, text), vector in zip(self._indicators, vectors[official_end:]):
            self._indicator_bank.add(text, i, vector, ())
        self._examples = _Bank(count, dim, self._weight)
        official = [(s, i) for i, c in enumerate(criteria) for s in c.suggested_evidence]
        for (title, criterion), vector in zip(official, vectors[titles_end:official_end]):
            self._examples.add(title, criterion, vector, self._lexical(title))
        self._official_count = len(official)
        self._own = _Bank(count, dim, self._weight)
        self._add_reference(self._known(reference))
        self.add_exemplars(exemplars)

    # -- exemplars ---------------------------------------------------------------------------

    def add_exemplar(self, title: str, criterion: str) -> None:
        """A confirmed (title, criterion): used by the very next suggestion, no retraining."""
        self.add_exemplars([(title, criterion)])

    def add_exemplars(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Add several of the school's confirmed items at once (one embedding batch)."""
        self._add_many(self._own, self._known(pairs))

    @property
    def exemplar_count(self) -> int:
        return len(self._own)

    @property
    def reference_count(self) -> int:
        """Reference items among the examples (the official suggestions not counted)."""
        return len(self._examples) - self._official_count

    def _known(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, int]]:
        return [(normalize_text(t), self._criterion_index(c)) for t, c in pairs if normalize_text(t)]

    def _criterion_index(self, criterion: str) -> int:
        if criterion not in self._position:
            raise UsageError(f"Criterion {criterion} is not in framework {self.framework.id}.",
                             f"Tiêu chí {criterion} không có trong bộ tiêu chuẩn {self.framework.id}.")
        return self._position[criterion]

    def _add_many(self, bank: _Bank, pairs: Sequence[tuple[str, int]],
                  known: dict[str, np.ndarray] | None = None) -> None:
        """Embed and add ``pairs``; texts found in ``known`` (shipped vectors) are not embedded again."""
        if not pairs:
            return
        prepared = [self._prepare(t) for t, _ in pairs]
        shipped = known or {}
        missing = [text for text in dict.fromkeys(prepared) if text not in shipped]
        embedded = dict(zip(missing, self.embedder.embed_queries(missing))) if missing else {}
        for (title, criterion), text in zip(pairs, prepared):
            vector = shipped[text] if text in shipped else embedded[text]
            bank.add(title, criterion, vector, self._lexical(title))

    def _add_reference(self, pairs: Sequence[tuple[str, int]]) -> None:
        """Reference items join the examples; titles of the shipped lists take their shipped vectors."""
        if pairs:
            known = load_reference_vectors(self.framework.id, self.abbreviations, self.embedder.id)
            self._add_many(self._examples, pairs, known)

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

    def _bm25_table(self, documents: list[Counter]) -> dict[str, np.ndarray]:
        """Per token, its BM25 contribution to each criterion's text (computed once, summed per query)."""
        lengths = np.array([sum(d.values()) for d in documents], dtype=float)
        norm = _BM25_K1 * (1 - _BM25_B + _BM25_B * lengths / (float(lengths.mean()) or 1.0))
        table: dict[str, np.ndarray] = {}
        for i, doc in enumerate(documents):
            for token, tf in doc.items():
                table.setdefault(token, np.zeros(len(documents)))[i] = self._idf[token] * tf * (_BM25_K1 + 1) / (tf + norm[i])
        return table

    def _weight(self, token: str) -> float:
        return self._idf.get(token, self._unseen_idf)

    # -- features ----------------------------------------------------------------------------

    def _bm25(self, tokens: set[str]) -> np.ndarray:
        scores = np.zeros(len(self.criteria))
        for token in tokens:
            row = self._bm25_terms.get(token)
            if row is not None:
                scores += row
        top = scores.max()
        return scores / top if top > 0 else scores

    def _cosine_overlap(self, bank: _BankMatrices, tokens: set[str]) -> np.ndarray:
        """IDF-weighted cosine between the query's tokens and each bank item's (per item)."""
        if not len(bank.labels):
            return np.zeros(0)
        columns, _ = bank.columns(tokens)
        query_norm = math.sqrt(sum(self._weight(t) ** 2 for t in tokens)) or 1.0
        shared = bank.incidence @ _on(columns, bank.squared_idf)
        return shared / (query_norm * np.maximum(bank.item_norms, 1e-12))

    def _own_overlap(self, bank: _BankMatrices, tokens: set[str]) -> np.ndarray:
        """Weighted Jaccard between the query and each of the school's items.

        A school writes its house style into every title (its name, "năm học 2026-2027", "Kế hoạch"),
        so two of its titles share words whatever their criteria. A token's weight is therefore its
        IDF times how few criteria the school already used it for (an IDF over the school's own
        criteria), and tokens with digits (years, numbers: the instance, not the kind, of a document)
        count little. What stays high is a near-duplicate: the same kind of document filed again."""
        if not len(bank.labels):
            return np.zeros(0)
        columns, unknown = bank.columns(tokens)
        shared = bank.incidence @ _on(columns, bank.house_weights)
        query_total = float(bank.house_weights[columns].sum()) + sum(
            self._weight(t) * _instance_discount(t) for t in unknown)
        return shared / np.maximum(query_total + bank.house_totals - shared, 1e-12)

    def _knn_vote(self, sims: np.ndarray, labels: np.ndarray) -> np.ndarray:
        vote = np.zeros(len(self.criteria))
        if len(sims) == 0:
            return vote
        nearest = np.argpartition(-sims, min(_KNN, len(sims)) - 1)[:_KNN]
        weights = np.exp(_KNN_SHARPNESS * (sims[nearest] - sims[nearest].max()))
        np.add.at(vote, labels[nearest], weights)
        return vote / vote.sum()

    def _match(self, vector: np.ndarray, tokens: list[str]) -> _Match:
        """Features per criterion.

        Exemplar features take the best of the official suggestions (plus any reference lists), the
        school's items and the criterion title itself, so a criterion without exemplars (a 2018
        framework) is compared on the same scale as the rest. The school's items enter with their
        house-style offset removed (module docstring), and also as features of their own: how much
        closer the best of them is than any official example, and their near-duplicate overlap."""
        unique = set(tokens)
        titles, indicators = self._title_bank.built(), self._indicator_bank.built()
        examples, own = self._examples.built(), self._own.built()
        own_vectors = own.vectors
        if len(own_vectors):  # take the school's house style out of its items and of the title
            style = len(own_vectors) / (len(own_vectors) + _HOUSE_PRIOR) * (
                own_vectors.mean(axis=0) - examples.vectors.mean(axis=0))
            vector = _unit(vector - style)
            own_vectors = _unit(own_vectors - style)
        emb_title = np.clip(titles.vectors @ vector, 0.0, None)
        emb_ind, ind_best = indicators.best(indicators.vectors @ vector)
        example_sims = examples.vectors @ vector
        emb_ex, ex_best = examples.best(example_sims)
        lex_ex, _ = examples.best(self._cosine_overlap(examples, unique))
        lex_title = self._cosine_overlap(titles, unique)
        own_sims = own_vectors @ vector
        if own_sims.size:  # what is left of it: how much closer the title is to any school item than to the examples
            own_sims = own_sims - len(own_sims) / (len(own_sims) + _HOUSE_PRIOR) * max(
                float(own_sims.mean() - example_sims.mean()), 0.0)
        own_emb, own_best = own.best(own_sims)
        own_lex, _ = own.best(self._own_overlap(own, unique))
        official_side = np.maximum(emb_ex, emb_title)
        own_excess = np.where(own_best >= 0, np.maximum(own_emb - official_side.max(), 0.0), 0.0)
        knn = self._knn_vote(np.concatenate([example_sims, own_sims]), np.concatenate([examples.labels, own.labels]))
        base = np.column_stack([
            np.maximum(official_side, own_emb), emb_title, emb_ind, knn,
            self._bm25(unique), np.maximum(lex_ex, lex_title), own_excess, own_lex,
        ])
        margins = base - base.max(axis=0, keepdims=True)
        return _Match(np.hstack([base, margins]), emb_ex, ex_best, own_best, ind_best)

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
        """One line naming the strongest matched evidence: school item, official suggestion, Mức text or title.

        A school item is named when it beats every official example or nearly repeats the title."""
        row = match.features[criterion]
        own = int(match.own_best[criterion])
        if own >= 0 and (row[_COLUMN["own_excess"]] > 0 or row[_COLUMN["own_overlap"]] >= _NEAR_DUPLICATE):
            return f"giống minh chứng đã xác nhận: '{self._own.titles[own]}'"
        candidates = [(row[_COLUMN["emb_title"]] - 0.05,
                       f"khớp tên tiêu chí {self.criteria[criterion]}: '{self._titles[criterion]}'")]
        example = int(match.example_best[criterion])
        if example >= 0:
            kind = "minh chứng gợi ý" if example < self._official_count else "minh chứng mẫu"
            candidates.append((match.example_sim[criterion], f"giống {kind}: '{self._examples.titles[example]}'"))
        indicator = int(match.indicator_best[criterion])
        if indicator >= 0:
            _, level, text = self._indicators[indicator]
            candidates.append((row[_COLUMN["emb_indicator"]] - 0.05, f"khớp {level}: '{_excerpt(text)}'"))
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
