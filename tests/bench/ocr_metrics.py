"""Character error rate for the OCR benchmarks (shared by bench_ocr and bench_ingest)."""

from __future__ import annotations

import unicodedata

import numpy as np

from minhchung.ingest.normalize import normalize_text


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, one numpy row at a time (insertions via a running minimum)."""
    if not a:
        return len(b)
    if not b:
        return len(a)
    codes_b = np.array([ord(c) for c in b])
    index = np.arange(len(b) + 1)
    row = index.copy()
    for i, char in enumerate(a, start=1):
        substitute = row[:-1] + (codes_b != ord(char))
        delete = row[1:] + 1
        current = np.empty_like(row)
        current[0] = i
        current[1:] = np.minimum(substitute, delete)
        row = np.minimum.accumulate(current - index) + index
    return int(row[-1])


CELL_SEPARATOR = " | "


def canonical(text: str) -> str:
    """Normalised text with any run of whitespace as one space (line breaks are layout, not text).

    A table row is "cell | cell" in our page text and "cell<TAB>cell" in the ground truth:
    the separator counts as the whitespace it stands for (plain Tesseract gets the same rule).
    """
    return " ".join(normalize_text(text).replace(CELL_SEPARATOR, " ").split())


def strip_marks(text: str) -> str:
    """Text without any diacritic (tone or vowel shape), đ→d, case kept: the 'base letters'."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").replace("đ", "d").replace("Đ", "D")


def cer(truth: str, hypothesis: str, marks: bool = True) -> tuple[int, int]:
    """(edit distance, reference length) on canonical text, optionally with marks stripped."""
    ref, hyp = canonical(truth), canonical(hypothesis)
    if not marks:
        ref, hyp = strip_marks(ref), strip_marks(hyp)
    return edit_distance(ref, hyp), len(ref)
