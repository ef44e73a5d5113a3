"""Vietnamese syllable phonotactics: is a token a possible Vietnamese syllable?

Used to judge a PDF text layer (a bad hidden OCR layer is full of impossible syllables), to
recognise text in a legacy encoding (TCVN3/VNI words become syllables only once converted, see
:mod:`~minhchung.ingest.legacy_encoding`) and to measure OCR output. A syllable is onset + rhyme + at most one tone;
syllables closed by a stop (-p, -t, -c, -ch) only take the sắc or nặng tone, which catches the
classic Tesseract confusions ("tập" read as "tẩp"). The check is deliberately a little loose
(it does not enumerate every impossible rhyme); it needs to separate text from garbage, not
replace a dictionary.
"""

from __future__ import annotations

import re
import unicodedata

_TONE_MARKS = {"\u0300": "huyen", "\u0301": "sac", "\u0309": "hoi", "\u0303": "nga", "\u0323": "nang"}

_ONSETS = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x"
_NUCLEI = (
    "uyê|uya|uyu|iêu|yêu|oai|oao|oay|oeo|uây|uôi|ươi|ươu|"
    "oa|oă|oe|uâ|uê|uy|uơ|ươ|iê|yê|ia|ua|ưa|uô|ya|ai|ao|au|ay|âu|ây|eo|êu|iu|oi|ôi|ơi|ui|ưi|ưu|"
    "a|ă|â|e|ê|i|o|ô|ơ|u|ư|y"
)
_CODAS = "ch|ng|nh|c|m|n|p|t"
_SYLLABLE_SHAPE = re.compile(rf"^(?:{_ONSETS})?(?:{_NUCLEI})(?P<coda>{_CODAS})?$")
_STOP_CODAS = {"p", "t", "c", "ch"}
_VIETNAMESE_ONLY_LETTERS = set("ăâđêôơư")
_TOKEN = re.compile(r"[^\W\d_]+")


def split_tone(syllable: str) -> tuple[str, str | None]:
    """Lower-case syllable without its tone mark (vowel shapes kept), and the tone's name."""
    decomposed = unicodedata.normalize("NFD", syllable.lower())
    tones = [_TONE_MARKS[c] for c in decomposed if c in _TONE_MARKS]
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
    if len(tones) > 1:
        return bare, "invalid"
    return bare, tones[0] if tones else None


def is_vietnamese_syllable(token: str) -> bool:
    """True if ``token`` (one alphabetic run, any case) can be a Vietnamese syllable."""
    bare, tone = split_tone(token)
    if tone == "invalid":
        return False
    match = _SYLLABLE_SHAPE.match(bare)
    if not match:
        return False
    if match.group("coda") in _STOP_CODAS and tone not in ("sac", "nang"):
        return False
    return True


def has_vietnamese_marks(token: str) -> bool:
    """True if the token carries a tone mark or a letter only Vietnamese uses (ă â đ ê ô ơ ư)."""
    bare, tone = split_tone(token)
    return tone is not None or any(c in _VIETNAMESE_ONLY_LETTERS for c in bare)


def alphabetic_tokens(text: str) -> list[str]:
    """Alphabetic runs of ``text`` (digits, punctuation and underscores separate them)."""
    return _TOKEN.findall(text)


def invalid_syllable_rate(text: str) -> float:
    """Share of alphabetic tokens of two or more letters that are not Vietnamese syllables.

    All-capital tokens of up to five letters are skipped: they are mostly acronyms
    (UBND, THCS, GDĐT) that are legitimate in any Vietnamese letter.
    """
    tokens = [t for t in alphabetic_tokens(text) if len(t) >= 2 and not (t.isupper() and len(t) <= 5)]
    if not tokens:
        return 0.0
    return sum(not is_vietnamese_syllable(t) for t in tokens) / len(tokens)
