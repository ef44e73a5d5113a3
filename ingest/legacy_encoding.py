"""Pre-Unicode Vietnamese text (TCVN3/ABC, VNI): recognise it and convert it to Unicode.

Schools still keep letters typed in ``.VnTime`` (TCVN3, "ABC") and ``VNI-Times`` fonts. Read
as Latin-1 or Windows-1252, as every program without the font does, such text is mojibake:
"Tr­êng häc" (TCVN3) or "Tröôøng hoïc" (VNI) for "Trường học". The tables that undo it are
data (``models/legacy-encodings.json``); this module only applies them.

Detection is by evidence, not by character statistics: a word counts for an encoding when it
is *not* a Vietnamese syllable as written but *is* one after conversion. French "côté", German
"Größe" or Spanish "año" never become Vietnamese syllables, so foreign text is left alone.
Text that mixes Unicode Vietnamese with legacy words, or that reads as both encodings, is
not guessed at: :func:`repair_legacy_text` refuses it with :class:`LegacyEncodingError`.
"""

from __future__ import annotations

import json
import re
import string
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from minhchung.ingest.errors import LegacyEncodingError
from minhchung.ingest.normalize import normalize_text
from minhchung.ingest.vietnamese import alphabetic_tokens, is_vietnamese_syllable

# Letters that exist only in Unicode Vietnamese (no legacy text read as Latin-1 contains them).
_UNICODE_VIETNAMESE = re.compile(r"[\u1ea0-\u1ef9ăĂơƠưƯđĐĩĨũŨ]")
_WORD = re.compile(r"\S+")
_ASCII_LETTERS = re.compile(r"[A-Za-z]")
_ASCII_PUNCTUATION = string.punctuation
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
# Words a detector looks at (enough to decide; a 500-page file need not be read twice).
MAX_SAMPLED_WORDS = 4000
# Evidence thresholds: distinct words repaired by conversion (three: French "où" alone, or
# Swedish "på" and "så", must not tip a text), the share of changed words repaired, and the
# share that end up as Vietnamese syllables (names, acronyms, foreign words are the rest).
MIN_REPAIRED_WORDS = 3
MIN_REPAIRED_SHARE = 0.3
MIN_CONVERTED_VALID = 0.8


@dataclass(frozen=True)
class LegacyTable:
    """One legacy encoding: sequences of Latin-1 characters → Unicode letters."""

    id: str
    name: str
    decode: dict[str, str]
    pattern: re.Pattern[str]
    capitals: frozenset[str]
    shared_capital_codes: bool
    lost_readings: dict[str, str]


@dataclass(frozen=True)
class LegacyEvidence:
    """How ``text`` reads under one encoding: the basis of every decision here."""

    encoding: str
    changed: int  # distinct words the conversion changes
    repaired: int  # changed words that are Vietnamese only after conversion
    converted_valid: int  # changed words that are Vietnamese after conversion
    unicode_words: int  # words already written with Unicode-only Vietnamese letters

    @property
    def legacy(self) -> bool:
        """The text shows this encoding (possibly mixed with other text)."""
        return self.repaired >= MIN_REPAIRED_WORDS and self.repaired >= MIN_REPAIRED_SHARE * self.changed

    @property
    def convertible(self) -> bool:
        """The text is wholly in this encoding: converting it is safe."""
        return (self.legacy and self.unicode_words == 0
                and self.converted_valid >= MIN_CONVERTED_VALID * self.changed)


@lru_cache(maxsize=1)
def legacy_tables() -> dict[str, LegacyTable]:
    """The encodings of ``models/legacy-encodings.json``, keyed by id ("tcvn3", "vni")."""
    raw = json.loads(files("minhchung.models").joinpath("legacy-encodings.json").read_text(encoding="utf-8"))
    return {key: _table(key, spec) for key, spec in raw.items() if not key.startswith("_")}


def _table(key: str, spec: dict) -> LegacyTable:
    """Invert a letter → code table; VNI marks may be typed in either case after a letter
    (the letter's case decides the result's)."""
    decode = {code: letter for letter, code in spec["letters"].items()}
    for code, letter in list(decode.items()):
        if len(code) == 2:
            decode.setdefault(code[0] + code[1].swapcase(), letter)
    sequences = sorted(decode, key=len, reverse=True)
    capitals = frozenset(code for code, letter in decode.items() if len(code) == 1 and letter.isupper())
    lost = {shown: code for code, shown_as in spec["lost_readings"].items() for shown in shown_as}
    return LegacyTable(id=key, name=spec["name"], decode=decode,
                       pattern=re.compile("|".join(map(re.escape, sequences))),
                       capitals=capitals, shared_capital_codes=spec["capitals_share_codes"],
                       lost_readings=lost)


def encoding_name(encoding: str) -> str:
    """Display name of an encoding id ("tcvn3" → "TCVN3 (ABC)")."""
    return legacy_tables()[encoding].name


@lru_cache(maxsize=65536)
def _is_vietnamese_word(word: str) -> bool:
    """Every alphabetic run of ``word`` is a Vietnamese syllable (or a short acronym)."""
    tokens = alphabetic_tokens(unicodedata.normalize("NFC", word))
    return bool(tokens) and all(
        is_vietnamese_syllable(t) or (t.isupper() and len(t) <= 5) for t in tokens)


def _decode_word(word: str, table: LegacyTable, capitals: bool) -> str:
    """One whitespace-free word through ``table``.

    TCVN3 capitals with marks share the lower-case codes (the ``.VnTimeH`` font draws them as
    capitals), so a word whose plain letters are all capitals, with at least two capital
    signs, is a capital word ("TR¦êNG" → "TRƯỜNG"); "Hä" (Họ) stays as it is.
    """
    decoded = table.pattern.sub(lambda m: table.decode[m.group(0)], word)
    decoded = unicodedata.normalize("NFC", decoded)
    if capitals:
        return decoded.upper()
    if not table.shared_capital_codes:
        return decoded
    ascii_letters = _ASCII_LETTERS.findall(word)
    capital_signs = sum(c.isupper() for c in ascii_letters) + sum(c in table.capitals for c in word)
    if capital_signs >= 2 and not any(c.islower() for c in ascii_letters):
        return decoded.upper()
    return decoded


@lru_cache(maxsize=65536)
def convert_word(word: str, encoding: str, *, capitals: bool = False) -> str:
    """One word converted (NFC, not yet normalised).

    A character the PDF text layer reports for a lost code (the soft hyphen of TCVN3 "ư"
    shown as "-") is read as that code only between letters and only when that makes the
    word Vietnamese: "Tr-êng" is "Trường"; "Hßa-An" stays "Hòa-An", "2025-2026" stays.
    """
    table = legacy_tables()[encoding]
    plain = _decode_word(word, table, capitals)
    if not any(c in table.lost_readings for c in word) or _is_vietnamese_word(plain):
        return plain
    restored = "".join(
        table.lost_readings.get(c, c) if 0 < i < len(word) - 1 and _letter_like(word[i - 1]) and _letter_like(word[i + 1])
        else c for i, c in enumerate(word))
    candidate = _decode_word(restored, table, capitals)
    return candidate if _is_vietnamese_word(candidate) else plain


def _letter_like(char: str) -> bool:
    """A letter, or a legacy code (Latin-1 symbols such as "®" stand for letters there)."""
    return char.isalpha() or "\u00a1" <= char <= "\u00ff"


def convert_legacy(text: str, encoding: str, *, capitals: bool = False) -> str:
    """``text`` in legacy ``encoding`` ("tcvn3" | "vni") as normalised Unicode.

    ``capitals``: the whole text was set in a capitals-only font (``.VnTimeH``, ``.VnArialH``).
    Otherwise, in TCVN3, a line typed in capitals (see :func:`_capital_line`) is read as set in
    such a font. Line breaks and spacing are kept (then :func:`normalize_text` applies).
    """
    table = legacy_tables()[encoding]
    lines = []
    for line in text.splitlines(keepends=True):
        upper = capitals or (table.shared_capital_codes and _capital_line(line))
        lines.append(_WORD.sub(lambda m, upper=upper: convert_word(m.group(0), encoding, capitals=upper), line))
    return normalize_text("".join(lines))


def _capital_line(line: str) -> bool:
    """A title line typed with Caps Lock in a capitals font: no lower-case plain letter, at
    least four capitals, and at least three words with legacy codes ("KÕ HO¹CH Tù §¸NH GI¸"
    is "KẾ HOẠCH TỰ ĐÁNH GIÁ"; "Sè 12/Q§-UBND", two such words, stays "Số 12/QĐ-UBND")."""
    letters = _ASCII_LETTERS.findall(line)
    if any(c.islower() for c in letters) or len(letters) < 4:
        return False
    return sum(not w.isascii() for w in _WORD.findall(line)) >= 3


def _word_key(word: str) -> str:
    """A word without surrounding ASCII punctuation, ASCII letters in lower case ("Où," and
    "où" are one word). Non-ASCII letters keep their case: in TCVN3 "Ö" (ệ) and "ö" (ử) differ."""
    return word.strip(_ASCII_PUNCTUATION).translate(_ASCII_LOWER)


def _sampled_words(text: str) -> list[str]:
    """The distinct words with non-ASCII characters that detection looks at."""
    return list(dict.fromkeys(_word_key(w) for w in _WORD.findall(text) if not w.isascii()))[:MAX_SAMPLED_WORDS]


def _may_be_legacy(words: list[str]) -> bool:
    """Cheap first look: evidence needs enough words that are not Vietnamese as written
    (Unicode Vietnamese text stops here, before any conversion is tried)."""
    return sum(not _is_vietnamese_word(w) for w in words) >= MIN_REPAIRED_WORDS


def _evidence(words: list[str], encoding: str) -> LegacyEvidence:
    """Count, over the sampled words, what converting them from ``encoding`` would do."""
    unicode_words = sum(bool(_UNICODE_VIETNAMESE.search(w)) for w in words)
    changed = repaired = converted_valid = 0
    for word in words:
        converted = convert_word(word, encoding)
        if converted == unicodedata.normalize("NFC", word):
            continue
        changed += 1
        valid_after = _is_vietnamese_word(converted)
        converted_valid += valid_after
        repaired += valid_after and not _is_vietnamese_word(word)
    return LegacyEvidence(encoding, changed, repaired, converted_valid, unicode_words)


def detect_legacy_encoding(text: str) -> str | None:
    """The legacy encoding ``text`` is wholly written in ("tcvn3" | "vni"), else None.

    None also for text that merely looks legacy but is mixed or ambiguous (see
    :func:`repair_legacy_text`, which refuses those). Text with any Unicode-only Vietnamese
    letter is never wholly legacy: that one search settles nearly every Unicode page.
    """
    if _UNICODE_VIETNAMESE.search(text):
        return None
    words = _sampled_words(text)
    if not _may_be_legacy(words):
        return None
    evidence = [_evidence(words, key) for key in legacy_tables()]
    convertible = [e for e in evidence if e.convertible]
    legacy = [e for e in evidence if e.legacy]
    return convertible[0].encoding if len(convertible) == 1 and len(legacy) == 1 else None


def repair_legacy_text(text: str, filename: str) -> tuple[str, str | None]:
    """``text`` ready for Unicode processing, and the name of the encoding it was converted
    from (None if it was Unicode already).

    Raises :class:`LegacyEncodingError` for text that shows a legacy encoding but cannot be
    converted safely: mixed with Unicode Vietnamese, or readable as both TCVN3 and VNI.
    """
    words = _sampled_words(text)
    if not _may_be_legacy(words):
        return text, None
    evidence = [_evidence(words, key) for key in legacy_tables()]
    legacy = [e for e in evidence if e.legacy]
    if not legacy:
        return text, None
    if len(legacy) == 1 and legacy[0].convertible:
        encoding = legacy[0].encoding
        return convert_legacy(text, encoding), encoding_name(encoding)
    strongest = max(legacy, key=lambda e: e.repaired)
    raise LegacyEncodingError(filename, encoding_name(strongest.encoding), mixed=strongest.unicode_words > 0)
