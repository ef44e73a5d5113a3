"""The shape of a letter's body: clauses, numbered sections and bullets, and who they address.

Directives assign work by layout: everything under "a) Đối với Phòng GD&ĐT:" or
"2. Các trường THPT" is that body's job until a heading of the same or a higher level starts.
A sentence whose own subject names an actor ("Các trường THPT, phòng GD&ĐT nộp hồ sơ…")
overrides its heading. This module finds both, on the folded view, so OCR text works too.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from minhchung.nlp.textview import fold_view, phrase_regex

# Marker → level (smaller = outer). Unmarked heading lines sit between "a)" and "-".
_MARKERS: list[tuple[re.Pattern[str], int]] = [
    (re.compile(r"(?:[ivx]{1,4})[.)]\s+"), 1),
    (re.compile(r"\d{1,2}\.\d{1,2}(?:\.\d{1,2})?\.?\s+"), 3),
    (re.compile(r"\d{1,2}[.)]\s+"), 2),
    (re.compile(r"[a-zđ][.)]\s+"), 4),
    (re.compile(r"[-–—•]\s*"), 6),
    (re.compile(r"\+\s*"), 7),
]
UNMARKED_HEADING_LEVEL = 5
PARAGRAPH_LEVEL = 8
_DECORATION = re.compile(r"[#*_>`]+\s*")
_FOR = re.compile(r"doi voi\s+")


@dataclass(frozen=True)
class Actors:
    """Lexicon of actor heads (who can be assigned work) and of verbs that end a subject."""

    heads: re.Pattern[str]
    weak: re.Pattern[str]
    not_actor: re.Pattern[str]
    verbs: re.Pattern[str]

    @classmethod
    def from_entries(cls, actors: list[dict], verbs: list[dict]) -> Actors:
        strong = [a["phrase"] for a in actors if not a.get("weak") and not a.get("not_actor")]
        weak = [a["phrase"] for a in actors if a.get("weak")]
        return cls(
            heads=re.compile(phrase_regex(strong + weak)),
            weak=re.compile(phrase_regex(weak)),
            not_actor=re.compile(phrase_regex([a["phrase"] for a in actors if a.get("not_actor")])),
            verbs=re.compile(phrase_regex([v["phrase"] for v in verbs], fold=False)),
        )


@dataclass(frozen=True)
class Heading:
    """A line that opens a section; ``who`` is set when it names an actor."""

    start: int
    end: int
    level: int
    who: str | None
    after_blank: bool = False
    continuation: bool = False


@dataclass(frozen=True)
class Subject:
    text: str
    weak: bool


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans, offset = [], 0
    for line in text.split("\n"):
        spans.append((offset, offset + len(line)))
        offset += len(line) + 1
    return spans


def marker_of(folded_line: str) -> tuple[int, int]:
    """(level, length of the marker incl. decoration) of a folded line; paragraph if none."""
    stripped = folded_line.lstrip()
    lead = len(folded_line) - len(stripped)
    deco = _DECORATION.match(stripped)
    if deco:
        lead += deco.end()
        stripped = stripped[deco.end():]
    for pattern, level in _MARKERS:
        match = pattern.match(stripped)
        if match:
            deco = _DECORATION.match(stripped, match.end())
            return level, lead + (deco.end() if deco else match.end())
    return PARAGRAPH_LEVEL, lead


def subject_of(text: str, actors: Actors, *, folded: str | None = None) -> Subject | None:
    """The actor a clause starts with, up to its first verb ("Các trường THPT, phòng GD&ĐT")."""
    folded = folded if folded is not None else fold_view(text)
    lead = len(folded) - len(folded.lstrip(" ,:;.\n\t"))
    level, marker_len = marker_of(folded[lead:])
    if level < PARAGRAPH_LEVEL:
        lead += marker_len
    head = actors.heads.match(folded, lead)
    if not head or actors.not_actor.match(folded, lead):
        return None
    verb = actors.verbs.search(text.lower(), head.end())
    end = verb.start() if verb else None
    if end is None or len(folded[lead:end].split()) > 14 or re.search(r"[.;:(]", folded[lead:end]):
        return None
    subject = text[lead:end].strip(" ,\n")
    if not subject:
        return None
    return Subject(text=" ".join(subject.split()), weak=bool(actors.weak.fullmatch(folded[lead:end].strip(" ,\n"))))


def _heading_who(text: str, folded: str, actors: Actors) -> str | None:
    """"Đối với Phòng GD&ĐT:" → "Phòng GD&ĐT"; "Sở Tài chính" (alone or before ':') likewise."""
    for_match = _FOR.match(folded)
    if for_match:
        rest = text[for_match.end():]
        return _clean_who(rest.split(":")[0])
    if not actors.heads.match(folded) or actors.not_actor.match(folded):
        return None
    label = text.split(":")[0] if ":" in text else text
    if ":" not in text and len(text.split()) > 12:
        return None
    if actors.verbs.search(label.lower()) and ":" not in text:
        return None
    return _clean_who(label) if len(label.split()) <= 12 else None


def _clean_who(raw: str) -> str:
    cleaned = " ".join(raw.split()).strip(" .;,:*_")
    return cleaned[:1].upper() + cleaned[1:]


class Outline:
    """Headings and clause boundaries of a text, queried by character offset."""

    def __init__(self, text: str, actors: Actors, *, folded: str | None = None) -> None:
        self.text = text
        self.folded = folded if folded is not None else fold_view(text)
        self.actors = actors
        self.headings = self._headings()
        self.boundaries = self._boundaries()
        self._starts = [h.start for h in self.headings]
        self._who_from, self._item_from = self._sections()

    def _headings(self) -> list[Heading]:
        headings = []
        after_blank, previous = False, ""
        for start, end in _line_spans(self.text):
            line, folded = self.text[start:end], self.folded[start:end]
            if not line.strip():
                after_blank = True
                continue
            level, marker_len = marker_of(folded)
            body, folded_body = line[marker_len:], folded[marker_len:]
            who = _heading_who(body, folded_body, self.actors) if body.strip() else None
            if level == PARAGRAPH_LEVEL and who is not None:
                level = UNMARKED_HEADING_LEVEL if _FOR.match(folded_body) or len(body.split()) <= 12 else level
            continuation = level == PARAGRAPH_LEVEL and not after_blank and bool(previous) \
                and not re.search(r"[.;:!?]$", previous)
            headings.append(Heading(start, end, level, who, after_blank, continuation))
            after_blank, previous = False, line.rstrip()
        return headings

    def _sections(self) -> tuple[list[str | None], list[int]]:
        """Per heading, the actor in force and the item start from it on, in one pass, so that
        ``who_at`` and ``item_start`` are bisections (a letter with thousands of items stays linear)."""
        who_from: list[str | None] = []
        item_from: list[int] = []
        stack: list[Heading] = []
        item = 0
        for heading in self.headings:
            if not heading.continuation:
                item = heading.start
            item_from.append(item)
            if heading.level == PARAGRAPH_LEVEL:
                # A wrapped line continues its item. A new paragraph leaves an unmarked
                # section ("Đối với …:") unless it directly follows that heading.
                if not heading.continuation:
                    if heading.after_blank or not (stack and stack[-1].level == UNMARKED_HEADING_LEVEL):
                        stack = [h for h in stack if h.level < UNMARKED_HEADING_LEVEL]
                    stack.append(heading)
            else:
                stack = [h for h in stack if h.level < heading.level]
                stack.append(heading)
            who_from.append(next((h.who for h in reversed(stack) if h.who), None))
        return who_from, item_from

    def who_at(self, offset: int) -> str | None:
        """The innermost heading actor whose section contains ``offset``."""
        index = bisect.bisect_right(self._starts, offset) - 1
        return self._who_from[index] if index >= 0 else None

    def _boundaries(self) -> list[int]:
        """Offsets where a clause ends: sentence stops, semicolons, bullets, blank lines."""
        text = self.text
        cuts = {0, len(text)}
        for match in re.finditer(r"[.;!?](?=\s|$)", text):
            line_start = text.rfind("\n", 0, match.start()) + 1
            if match.group() == "." and (re.fullmatch(r"\s*[\dIVXivx.]+", text[line_start:match.start()])
                                         or re.search(r"(?:\b[A-ZĐ]{1,3}|/)$", text[max(0, match.start() - 3):match.start()])):
                continue
            cuts.add(match.end())
        lines = _line_spans(text)
        for index, (start, end) in enumerate(lines):
            line = self.folded[start:end]
            level, _ = marker_of(line)
            if not line.strip() or level < PARAGRAPH_LEVEL:
                cuts.add(start)
            if index:
                previous = self.text[lines[index - 1][0]:lines[index - 1][1]].rstrip()
                previous_level, _ = marker_of(self.folded[lines[index - 1][0]:lines[index - 1][1]])
                heading_ended = previous_level < UNMARKED_HEADING_LEVEL and text[start:end].lstrip()[:1].isupper()
                if not previous or heading_ended:
                    cuts.add(start)
        return sorted(cuts)

    def item_start(self, offset: int) -> int:
        """Start of the bullet, numbered item or paragraph that contains ``offset``."""
        index = bisect.bisect_right(self._starts, offset) - 1
        return self._item_from[index] if index >= 0 else 0

    def clause_at(self, start: int, end: int | None = None) -> tuple[int, int]:
        """The clause containing ``start:end`` (never cut inside the span itself)."""
        end = start if end is None else end
        index = bisect.bisect_right(self.boundaries, start) - 1
        left = self.boundaries[max(0, index)]
        right_index = bisect.bisect_left(self.boundaries, max(end, start + 1))
        right = self.boundaries[min(right_index, len(self.boundaries) - 1)]
        return left, max(right, end)
