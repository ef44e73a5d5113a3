"""Expand the abbreviations secretaries write in evidence titles ("BB họp HĐ trường").

Real evidence lists are terse: "QĐ thành lập Tổ CM", "KH BDTX GV 2025-2026". Embedders and
keyword matching both do better on "quyết định thành lập tổ chuyên môn", so titles are expanded
before they are compared with criteria. The table is data (``models/abbreviations.json``:
``{"abbreviations": {"BB": ["biên bản"], …}}``); a key with several readings ("HĐ": hội đồng,
hợp đồng) expands to its first reading for display/embedding and to all readings for keyword
matching. Keys match whole tokens, case-sensitively (so "TH" is tiểu học but "th" is not), and
also in their accent-free form ("QD", "BDTX") because titles are often typed without diacritics.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from minhchung.ingest.normalize import fold_accents, normalize_text

_TOKEN = re.compile(r"[^\W_]+(?:[&-][^\W_]+)*")


@dataclass(frozen=True)
class Expansion:
    """A title with abbreviations expanded: ``text`` (first readings) and ``all_readings``."""

    text: str
    all_readings: str
    expanded: tuple[str, ...]


@dataclass(frozen=True)
class AbbreviationTable:
    entries: dict[str, tuple[str, ...]]

    def lookup(self, token: str) -> tuple[str, ...] | None:
        """Readings of ``token``: exact key first, then its accent-free upper-case form."""
        if token in self.entries:
            return self.entries[token]
        if token.isupper() and len(token) > 1:
            return self.entries.get(fold_accents(token).upper())
        return None

    def expand(self, text: str) -> Expansion:
        """Replace every abbreviation token; compound tokens ("NĐ-CP") are tried whole, then by part."""
        text = normalize_text(text)
        first: list[str] = []
        every: list[str] = []
        expanded: list[str] = []
        cursor = 0
        for match in _TOKEN.finditer(text):
            first.append(text[cursor:match.start()])
            every.append(text[cursor:match.start()])
            one, many, hit = self._expand_token(match.group(0))
            first.append(one)
            every.append(many)
            expanded.extend(hit)
            cursor = match.end()
        first.append(text[cursor:])
        every.append(text[cursor:])
        return Expansion(text="".join(first), all_readings="".join(every), expanded=tuple(expanded))

    def _expand_token(self, token: str) -> tuple[str, str, list[str]]:
        readings = self.lookup(token)
        if readings:
            return readings[0], " ".join(readings), [token]
        if "-" in token or "&" in token:
            parts = re.split(r"([&-])", token)
            results = [self._expand_token(p) if p not in "&-" else (" ", " ", []) for p in parts]
            if any(r[2] for r in results):
                return ("".join(r[0] for r in results), "".join(r[1] for r in results),
                        [h for r in results for h in r[2]])
        return token, token, []


@lru_cache(maxsize=1)
def load_abbreviations() -> AbbreviationTable:
    """The shipped table, with accent-free aliases added where they do not collide."""
    raw = json.loads((files("minhchung.models") / "abbreviations.json").read_text(encoding="utf-8"))
    entries = {normalize_text(k): tuple(normalize_text(v) for v in values) for k, values in raw["abbreviations"].items()}
    aliases: dict[str, tuple[str, ...]] = {}
    for key, readings in entries.items():
        folded = fold_accents(key).upper()
        if folded not in entries:
            aliases.setdefault(folded, readings)
    return AbbreviationTable({**aliases, **entries})
