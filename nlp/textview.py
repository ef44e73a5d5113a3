"""A length-preserving, accent-folded view of letter text.

Scanned letters lose diacritics ("So:", "thang", "nam"), and typists mix cases; matching every
pattern against both spellings would double each pattern. Instead every matcher runs on a
*folded view*: the same string lower-cased and stripped of marks character by character, so an
offset in the view is the same offset in the original and provenance spans stay exact.
"""

from __future__ import annotations

import json
import re
import unicodedata
from importlib.resources import files


def _fold_char(ch: str) -> str:
    """One character → one folded character (never zero or two, so offsets survive)."""
    if ch in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", ch)[0]
    if unicodedata.category(base) == "Mn":
        return ch
    lowered = base.lower()
    return lowered if len(lowered) == 1 else base


def fold_view(text: str) -> str:
    """Lower-case, accent-free text with exactly the same length as ``text``."""
    return "".join(_fold_char(ch) for ch in text)


def phrase_regex(phrases: list[str], *, fold: bool = True) -> str:
    """An alternation matching any phrase as whole words, longest first.

    With ``fold`` the phrases are folded (match the folded view); without, they are only
    lower-cased, for short words whose folded forms collide ("có"/"cơ", "đã"/"đa").
    Spaces inside a phrase match any run of whitespace, so phrases survive line breaks.
    """
    prepare = fold_view if fold else str.lower
    folded = sorted({prepare(p.strip()) for p in phrases if p.strip()}, key=len, reverse=True)
    parts = [r"\s+".join(re.escape(w) for w in p.split()) for p in folded]
    return r"(?<![\w])(?:" + "|".join(parts) + r")(?![\w])" if parts else r"(?!x)x"


def load_patterns(name: str) -> list[dict]:
    """Read one JSONL pattern file shipped in ``minhchung/nlp/patterns``."""
    resource = files("minhchung.nlp").joinpath("patterns", name)
    return [json.loads(line) for line in resource.read_text(encoding="utf-8").splitlines() if line.strip()]
