"""The one Vietnamese text normaliser used everywhere in minhchung.

Every layer (OCR output, text layers, DOCX, queries typed by reviewers, letter fields, framework
titles) goes through :func:`normalize_text`, so that "hoà" and "hòa", "Ð" and "Đ", a ligature
"ﬁ" and "fi" compare equal. Character offsets recorded as provenance always refer to normalised
text. :func:`fold_accents` gives the accent-free form used only as an extra search field.

Tone-mark placement follows the classic style used in legal texts ("hòa", "thủy", "khỏe"):
in an open syllable ending in ``oa``, ``oe`` or ``uy`` the mark sits on the first vowel.
It lives in ``ingest`` (not ``nlp``) because ingestion must already emit normalised text and the
dependency rule only lets ``nlp`` import ``ingest``, not the other way round.
"""

from __future__ import annotations

import re
import unicodedata

# Combining tone marks (the five Vietnamese tones other than ngang).
_TONES = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}

# Characters that look like Đ/đ but are not (Icelandic eth, African D).
_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111", "\u0189": "\u0110", "\u0256": "\u0111"})

_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"}
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = str.maketrans({c: " " for c in "\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u2004\u2005\u2006\u3000\t"})

_SYLLABLE = re.compile(r"[^\W\d_]+")
# Open syllables whose nucleus is oa / oe / uy (uy not after q, where "qu" is the onset).
_OPEN_NUCLEUS = re.compile(r"(?i)(?<![q])(o)(a|e)$|(?<![q])(u)(y)$")


def _move_tone(syllable: str) -> str:
    """Put the tone mark of an open oa/oe/uy syllable on its first vowel ("hoà" → "hòa")."""
    decomposed = unicodedata.normalize("NFD", syllable)
    tones = [c for c in decomposed if c in _TONES]
    if len(tones) != 1:
        return syllable
    bare = "".join(c for c in decomposed if c not in _TONES)
    bare_nfc = unicodedata.normalize("NFC", bare)
    match = _OPEN_NUCLEUS.search(bare_nfc)
    if not match:
        return syllable
    first_vowel_at = match.start(1) if match.group(1) else match.start(3)
    placed = bare_nfc[: first_vowel_at + 1] + tones[0] + bare_nfc[first_vowel_at + 1 :]
    return unicodedata.normalize("NFC", placed)


def normalize_tone_placement(text: str) -> str:
    """Rewrite every syllable to the classic tone-mark placement; other text is unchanged."""
    return _SYLLABLE.sub(lambda m: _move_tone(m.group(0)), text)


def normalize_text(text: str) -> str:
    """Normalise Vietnamese text: NFC, classic tone placement, Đ/Ð, ligatures, spaces.

    Line breaks are kept (reading order and letter structure depend on them); runs of spaces
    collapse to one and trailing spaces are removed. The result is idempotent.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.translate(_LOOKALIKES).translate(_INVISIBLE).translate(_SPACES)
    for ligature, plain in _LIGATURES.items():
        text = text.replace(ligature, plain)
    text = normalize_tone_placement(text)
    text = re.sub(r" {2,}", " ", text)
    text = re.sub(r" +\n", "\n", text)
    return unicodedata.normalize("NFC", text)


def fold_accents(text: str) -> str:
    """Accent-free lower-case form ("Kế hoạch" → "ke hoach"), for search only, never display."""
    decomposed = unicodedata.normalize("NFD", normalize_text(text).lower())
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return stripped.replace("đ", "d")
