"""Lexical sparse vectors for Vietnamese, built by us, scored by Qdrant with its IDF modifier.

Reviewers type with and without diacritics ("kế hoạch tự đánh giá" / "ke hoach tu danh gia") and
with the abbreviations of administrative writing ("KH", "GD&ĐT", "CSVC"). A document's sparse
vector therefore holds four feature families of its normalised text:

* ``w:``  syllable unigrams as written (lower case, accents kept),
* ``w2:`` syllable bigrams as written (Vietnamese words are mostly two syllables, so a bigram is
  close to a word and much more precise than its syllables),
* ``f:`` / ``f2:`` the same, accent-folded (``fold_accents``), so an accent-free query still
  matches; folding merges hòa/hóa/họa, which is why it is an extra family, not the only one.

An accented query uses all four families (the accented ones reward exact spelling); an
accent-free query uses only the folded families, so it competes on equal terms.

Features are hashed with blake2b to 31-bit indices (stable across processes and machines,
unlike Python's salted ``hash``). Document values are BM25-saturated term frequencies
(sublinear in tf, normalised by chunk length); the IDF half of BM25 is applied by Qdrant
(``Modifier.IDF`` on the sparse vector), so no corpus statistics live here.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from hashlib import blake2b
from importlib.resources import files

from minhchung.ingest.normalize import fold_accents, normalize_text

_SYLLABLE = re.compile(r"[^\W_]+")
# An abbreviation as written: letters/digits joined by "&" ("GD&ĐT", "CSVC", "QĐ").
_ABBREVIATION = re.compile(r"[^\W_]+(?:&[^\W_]+)*")
_VOWELS = set("aeiouy")
_INDEX_MASK = 0x7FFFFFFF

BM25_K1 = 1.2
BM25_B = 0.75
AVERAGE_CHUNK_SYLLABLES = 250.0


@dataclass(frozen=True)
class Token:
    """One syllable (or number) of a text: lower-cased form, accent-folded form, offsets."""

    text: str
    folded: str
    start: int
    end: int


@dataclass(frozen=True)
class SparseVector:
    """Hashed feature indices (sorted, unique) and their weights."""

    indices: tuple[int, ...]
    values: tuple[float, ...]

    def __len__(self) -> int:
        return len(self.indices)


@lru_cache(maxsize=131072)
def _fold(syllable: str) -> str:
    """Memoised ``fold_accents`` for one syllable: corpora repeat a few thousand syllables."""
    return fold_accents(syllable)


def tokenize(text: str) -> list[Token]:
    """Syllables and numbers of ``text`` with offsets into ``text`` itself (no re-normalising)."""
    tokens = []
    for match in _SYLLABLE.finditer(text):
        lowered = match.group(0).lower()
        tokens.append(Token(lowered, _fold(lowered), match.start(), match.end()))
    return tokens


def has_diacritics(text: str) -> bool:
    """True when the text carries any Vietnamese accent or đ (so its author typed them)."""
    return fold_accents(text) != normalize_text(text).lower()


def feature_index(feature: str) -> int:
    """Stable 31-bit index of a feature string."""
    digest = blake2b(feature.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") & _INDEX_MASK


def _features(tokens: list[Token], accented: bool) -> Counter[str]:
    counts: Counter[str] = Counter()
    for i, token in enumerate(tokens):
        counts["f:" + token.folded] += 1
        if accented:
            counts["w:" + token.text] += 1
        if i + 1 < len(tokens):
            following = tokens[i + 1]
            counts["f2:" + token.folded + " " + following.folded] += 1
            if accented:
                counts["w2:" + token.text + " " + following.text] += 1
    return counts


def _to_sparse(weights: dict[str, float]) -> SparseVector:
    merged: dict[int, float] = {}
    for feature, weight in weights.items():
        index = feature_index(feature)
        merged[index] = merged.get(index, 0.0) + weight
    ordered = sorted(merged.items())
    return SparseVector(tuple(i for i, _ in ordered), tuple(round(v, 5) for _, v in ordered))


def bm25_tf(tf: int, length: int, k1: float = BM25_K1, b: float = BM25_B, average: float = AVERAGE_CHUNK_SYLLABLES) -> float:
    """BM25's term-frequency half: sublinear in ``tf``, shorter chunks weigh a match more."""
    return tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average))


def document_vector(text: str, abbreviations: Abbreviations | None = None) -> SparseVector:
    """Sparse vector of a passage or card (already normalised text), abbreviations expanded."""
    if abbreviations is not None:
        text = abbreviations.expand(text, uppercase_only=True)
    tokens = tokenize(text)
    counts = _features(tokens, accented=True)
    length = max(len(tokens), 1)
    return _to_sparse({feature: bm25_tf(tf, length) for feature, tf in counts.items()})


def query_vector(query: str, abbreviations: Abbreviations | None = None) -> SparseVector:
    """Sparse vector of a query: one unit weight per feature; folded-only if typed without accents."""
    text = normalize_text(query)
    if abbreviations is not None:
        text = abbreviations.expand(text)
    counts = _features(tokenize(text), accented=has_diacritics(query))
    return _to_sparse(dict.fromkeys(counts, 1.0))


@dataclass(frozen=True)
class Abbreviations:
    """Abbreviations of Vietnamese administrative writing and what they stand for.

    Loaded from ``models/abbreviations.json`` (``{"abbreviations": {"BB": ["biên bản"], …}}``).
    Keys are matched accent-folded and case-insensitively, but only where the written form cannot
    be an ordinary word: written in capitals ("QĐ", "GD&ĐT"), or with no vowel at all ("qd",
    "csvc" — every Vietnamese syllable has one). So "đã" is never read as "ĐA" (đề án).
    """

    table: dict[str, tuple[str, ...]]

    @classmethod
    def load(cls) -> Abbreviations:
        raw = json.loads((files("minhchung.models") / "abbreviations.json").read_text(encoding="utf-8"))
        return cls.from_mapping(raw["abbreviations"])

    @classmethod
    def from_mapping(cls, mapping: dict[str, list[str]]) -> Abbreviations:
        return cls({fold_accents(key): tuple(normalize_text(v) for v in values) for key, values in mapping.items()})

    def expansions(self, text: str, uppercase_only: bool = False) -> list[str]:
        """Expansions of the abbreviations written in ``text``, in order of appearance, unique."""
        found: list[str] = []
        for match in _ABBREVIATION.finditer(text):
            written = match.group(0)
            if not _reads_as_abbreviation(written, uppercase_only):
                continue
            for expansion in self.table.get(_fold(written.lower()), ()):
                if expansion not in found:
                    found.append(expansion)
        return found

    def expand(self, text: str, uppercase_only: bool = False) -> str:
        """``text`` followed by the expansions of its abbreviations (the original is kept)."""
        extra = self.expansions(text, uppercase_only)
        return text if not extra else text + "\n" + "; ".join(extra)


def _reads_as_abbreviation(written: str, uppercase_only: bool) -> bool:
    letters = [c for c in written if c.isalpha()]
    if len(letters) < 2:
        return False
    if all(c.isupper() for c in letters):
        return True
    return not uppercase_only and not (set(_fold(written.lower())) & _VOWELS)
