"""Deadlines in a directive, as TIMEX3-like records with who must act and the exact quote.

A date in a letter is a deadline when the letter asks someone to act by, on, from or within it.
It is *not* one when it is the letter's own date, the date of a cited document ("Thông tư số
17/2018/TT-BGDĐT ngày 22/8/2018", "Công văn số 123/… ngày …"), part of a "Căn cứ …" preamble,
or an event already past ("Vào lúc 7 giờ 30 ngày 19/01/2021, Sở đã tổ chức…"). The cue right
before the date gives TIMEX3's ``mod`` ("trước" BEFORE, "chậm nhất" ON_OR_BEFORE, "từ" START…);
"hằng năm" after day–month dates makes them yearly (``recurring`` "MM-DD"); "định kỳ 6 tháng"
is a period ("P6M"); "trong vòng 10 ngày làm việc kể từ ngày ký" is relative to the issue date,
counted in working days (Mon–Fri) when it says so.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from minhchung.ingest.document import Span
from minhchung.nlp.dates import DateMention, PartialDate, find_dates, find_ranges
from minhchung.nlp.structure import PARAGRAPH_LEVEL, Outline, marker_of, subject_of
from minhchung.nlp.textview import fold_view, phrase_regex

Mod = Literal["ON_OR_BEFORE", "BEFORE", "AFTER", "START", "END", "MID", "ON", "RANGE"]
Unit = Literal["day", "working_day", "month"]
Anchor = Literal["receipt", "signing", "issue"]
_STRONG: set[str] = {"ON_OR_BEFORE", "BEFORE", "AFTER"}
_MAX_ACTION = 220
_OPENING = 1500  # characters of a clause read for its subject and action (see _who_and_action)
_CUT_MARGIN = 40  # tidied characters past the action's cut that a window must reach to be trusted
_PAST_WIDTH = 40  # longer than any past-tense marker of the lexicon ("đã", "vừa qua")


class Relative(BaseModel):
    amount: int
    unit: Unit
    anchor: Anchor


class Deadline(BaseModel):
    """One deadline (TIMEX3-like). ``date`` is ``YYYY-MM-DD`` or ``YYYY-MM`` (month grain)."""

    date: str | None = None
    recurring: str | None = Field(None, description='"MM-DD" yearly, or a period like "P6M"')
    relative: Relative | None = None
    grain: Literal["day", "month", "quarter", "year"] | None = None
    mod: Mod | None = None
    start: str | None = Field(None, description="first day of a range")
    action: str | None = None
    who: str | None = None
    quote: str
    page: int = 1
    span: Span | None = None
    offsets: tuple[int, int] = Field(exclude=True, description="quote span in the parsed text")


@dataclass(frozen=True)
class DeadlineLexicon:
    """Cue phrases and patterns from ``patterns/deadlines.jsonl``."""

    cues: dict[str, str]
    cue_regex: re.Pattern[str]
    citation: re.Pattern[str]
    citation_tail: re.Pattern[str]
    background: re.Pattern[str]
    past: re.Pattern[str]
    yearly: re.Pattern[str]
    periods: list[re.Pattern[str]]
    relative: re.Pattern[str]
    anchors: dict[str, str]
    monthly_day: re.Pattern[str]
    deadline_noun: re.Pattern[str]
    citation_heads: list[str]

    @classmethod
    def from_entries(cls, entries: list[dict]) -> DeadlineLexicon:
        def kind(name: str) -> list[dict]:
            return [e for e in entries if e["kind"] == name]

        cues = {" ".join(e["phrase"].split()): e["mod"] for e in kind("cue")}
        folded_cues = {fold_view(k): v for k, v in cues.items()}
        return cls(
            cues=folded_cues,
            cue_regex=re.compile("(?:" + phrase_regex(list(cues)) + r")\s{0,3}$"),
            citation=re.compile("(?:" + phrase_regex([e["phrase"] for e in kind("citation")])
                                + r")\s+(?:so\s+)?[\w/.-]*\d[\w/.-]*\s*,?\s*$"),
            citation_tail=re.compile(kind("citation_tail")[0]["pattern"]),
            background=re.compile(kind("background")[0]["pattern"]),
            past=re.compile(kind("past")[0]["pattern"]),
            yearly=re.compile(kind("yearly")[0]["pattern"]),
            periods=[re.compile(e["pattern"]) for e in kind("period")],
            relative=re.compile(kind("relative")[0]["pattern"]),
            anchors={e["phrase"]: e["anchor"] for e in kind("anchor")},
            monthly_day=re.compile(kind("monthly_day")[0]["pattern"]),
            deadline_noun=re.compile(kind("deadline_noun")[0]["pattern"]),
            citation_heads=[e["phrase"] for e in kind("citation")],
        )


@dataclass
class _PastMarkers:
    """Answers "a past-tense marker between the clause start and ``end``?" for many dates of one
    long clause without rescanning it: the clause's leftmost marker is found once, and only the
    last ``_PAST_WIDTH`` characters before ``end`` (where cutting the text there can change a
    match) are searched again. Same answer as searching ``lowered[clause[0]:end]``."""

    pattern: re.Pattern[str]
    lowered: str
    clauses: dict[tuple[int, int], tuple[str, int | None]] = field(default_factory=dict)

    def before(self, clause: tuple[int, int], end: int) -> bool:
        if clause not in self.clauses:
            text = self.lowered[clause[0]:clause[1]]
            first = self.pattern.search(text)
            self.clauses[clause] = (text, first.start() if first else None)
        text, first = self.clauses[clause]
        tail = max(0, end - clause[0] - _PAST_WIDTH)
        return (first is not None and first < tail) or bool(self.pattern.search(text, tail, end - clause[0]))


@dataclass(frozen=True)
class LetterContext:
    """What the extractor needs from the header: the letter's date, its own spans, Kính gửi."""

    reference: PartialDate | None
    issued: date | None
    excluded: tuple[tuple[int, int], ...] = ()
    recipients: tuple[str, ...] = ()
    issuer: str | None = None
    issuer_short: str | None = None  # issuer without its locality, for a bare "Sở"


_SPELLED = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "sau": 6}
_TIME_OF_DAY = re.compile(r"(?:luc\s+)?\d{1,2}\s*(?:gio|h)\s*(?:\d{1,2}\s*(?:phut)?)?\s*,?\s*(?:sang|chieu|toi)?\s*,?\s*(?:ngay\s*)?$")
_YEARLY_BEFORE = re.compile(r"(?:hang|moi)\s+nam\s*,?\s*$")
_LABEL_AFTER = re.compile(r"\s*:")
_DOC_NUMBER_BEFORE = re.compile(r"\d+\s*/\s*[\w&./\-]*[a-z][\w&./\-]*\s*,?\s*(?:\([^)]{0,40}\)\s*)?$")
_TABLE_ROW_AFTER = re.compile(r"^(?:[ \t]+\d+){2,}[ \t]*$")


def add_working_days(start: date, days: int) -> date:
    """``days`` working days (Mon–Fri) after ``start``; public holidays are not known here."""
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def resolve_relative(relative: Relative, issued: date | None) -> str | None:
    """The calendar date a relative deadline falls on, counted from the letter's date."""
    if issued is None:
        return None
    if relative.unit == "working_day":
        return add_working_days(issued, relative.amount).isoformat()
    if relative.unit == "month":
        return add_months(issued, relative.amount).isoformat()
    return (issued + timedelta(days=relative.amount)).isoformat()


class DeadlineExtractor:
    """``extract(text, folded, outline, context)`` → deadlines in text order."""

    def __init__(self, lexicon: DeadlineLexicon) -> None:
        self.lexicon = lexicon

    # -- decisions ----------------------------------------------------------------------
    def _cue(self, folded: str, start: int, clause_start: int) -> tuple[str | None, int]:
        window_start = max(clause_start, start - 40)
        time_of_day = _TIME_OF_DAY.search(folded[window_start:start])
        if time_of_day and time_of_day.start() < time_of_day.end():
            start = window_start + time_of_day.start()
        match = self.lexicon.cue_regex.search(folded[window_start:start])
        if not match:
            return None, start
        phrase = " ".join(folded[window_start + match.start():window_start + match.end()].split())
        return self.lexicon.cues.get(phrase), window_start + match.start()

    def _is_citation(self, folded: str, start: int, clause_start: int) -> bool:
        before = folded[max(clause_start, start - 90):start]
        if _DOC_NUMBER_BEFORE.search(before) or self.lexicon.citation_tail.search(before):
            return True
        return bool(self.lexicon.citation.search(folded[max(clause_start, start - 40):start]))

    def _is_past(self, lowered: str, mention: DateMention, clause: tuple[int, int], context: LetterContext,
                 past: _PastMarkers) -> bool:
        """Past tense ("đã") around the date, or a date before the letter's own date."""
        if past.before(clause, mention.start) or \
                self.lexicon.past.search(lowered[mention.end:min(clause[1], mention.end + 40)]):
            return True
        last = mention.value.last_day()
        if last is None:
            return False
        if context.issued is not None:
            return last <= context.issued
        reference = context.reference
        if reference is not None and reference.year and reference.month:
            month_end = PartialDate(reference.year, reference.month).last_day()
            return month_end is not None and last <= month_end
        return False

    # -- extraction ---------------------------------------------------------------------
    def extract(self, text: str, folded: str, outline: Outline, context: LetterContext) -> list[Deadline]:
        lowered = text.lower()
        mentions = find_dates(text, context.reference, folded=folded)
        mentions = [m for m in mentions if not any(m.start < e and m.end > s for s, e in context.excluded)]
        ranges = find_ranges(text, mentions, folded=folded)
        in_range = {(r.first.start, r.first.end) for r in ranges} | {(r.last.start, r.last.end) for r in ranges}
        range_by_last = {(r.last.start, r.last.end): r for r in ranges}
        deadlines: list[Deadline] = []
        handled: set[int] = set()
        background: dict[tuple[int, int], bool] = {}  # per clause: one paragraph may hold many dates
        past = _PastMarkers(self.lexicon.past, lowered)
        for index, mention in enumerate(mentions):
            if index in handled:
                continue
            clause = outline.clause_at(mention.start, mention.end)
            if clause not in background:
                background[clause] = bool(self.lexicon.background.search(folded[clause[0]:clause[1]]))
            if background[clause] or self._in_table_row(folded, mention):
                continue
            if (mention.start, mention.end) in range_by_last:
                span = range_by_last[(mention.start, mention.end)]
                if self._is_citation(folded, span.start, clause[0]) or self._is_past(lowered, mention, clause, context, past):
                    continue
                deadlines.append(self._record(text, folded, outline, context, (span.start, span.end), clause,
                                              date_value=mention.iso, grain=mention.grain, mod="RANGE",
                                              start=span.first.iso))
                continue
            if (mention.start, mention.end) in in_range:
                continue
            mod, cue_start = self._cue(folded, mention.start, clause[0])
            if mod not in _STRONG and self.lexicon.deadline_noun.search(folded[max(clause[0], mention.start - 80):mention.start]):
                mod = "ON_OR_BEFORE"  # "hạn chót gửi báo cáo … là ngày 15/4"
            if mention.grain in ("year", "quarter") and not self._year_is_deadline(folded, mention, mod, clause):
                continue
            if mention.coordinated:
                mod, cue_start = deadlines[-1].mod if deadlines else mod, mention.start
            if mod not in _STRONG and self._is_citation(folded, mention.start, clause[0]):
                continue
            if mod != "START" and mod not in _STRONG and self._is_past(lowered, mention, clause, context, past):
                continue
            if mod == "START" and self.lexicon.past.search(lowered[max(clause[0], mention.start - 50):mention.start]):
                continue
            if mod in _STRONG and past.before(clause, cue_start):
                continue
            if mention.part:
                mod = mention.part
            group = [mention] + self._coordinated_after(mentions, index)
            yearly = self._yearly(folded, group[-1], clause)
            yearly_before = _YEARLY_BEFORE.search(folded[max(clause[0], cue_start - 20):cue_start])
            if (yearly or yearly_before) and all(not m.year_written and m.grain == "day" for m in group):
                if yearly_before:
                    cue_start = max(clause[0], cue_start - 20) + yearly_before.start()
                tail = yearly.end() if yearly else 0
                for position, member in enumerate(group):
                    handled.add(index + position)  # the group is this mention and the ones right after it
                    quote_start = cue_start if position == 0 else member.start
                    is_edge = position in (0, len(group) - 1)
                    quote_end = group[-1].end + tail if is_edge else member.end
                    recurring = f"{member.value.month:02d}-{member.value.day:02d}"
                    deadlines.append(self._record(text, folded, outline, context, (quote_start, quote_end), clause,
                                                  recurring=recurring, mod=mod, grain="day"))
                continue
            deadlines.append(self._record(text, folded, outline, context, (cue_start, mention.end), clause,
                                          date_value=mention.iso, grain=mention.grain, mod=mod or "ON"))
        monthly = self._monthly_days(text, folded, outline, context)
        deadlines += monthly
        deadlines += [p for p in self._periods(text, folded, outline, context)
                      if not any(p.offsets[0] < m.offsets[1] and m.offsets[0] < p.offsets[1] for m in monthly)]
        deadlines += self._relatives(text, folded, outline, context)
        return _dedupe(sorted(deadlines, key=lambda d: d.offsets))

    @staticmethod
    def _year_is_deadline(folded: str, mention: DateMention, mod: str | None, clause: tuple[int, int]) -> bool:
        """A bare year or quarter is a deadline after "đến/trong/trước…" or as an item label ("Năm 2027:")."""
        if folded.rfind("(", clause[0], mention.start) > folded.rfind(")", clause[0], mention.start):
            return False  # "(đối với các trường đánh giá trong năm 2026)": a qualifier, not a deadline
        if mod in ("ON_OR_BEFORE", "BEFORE", "ON"):
            return True
        label_start = re.match(r"[\s\-–+•]*", folded[clause[0]:mention.start])
        return bool(label_start and label_start.end() == mention.start - clause[0] and _LABEL_AFTER.match(folded, mention.end))

    @staticmethod
    def _coordinated_after(mentions: list[DateMention], index: int) -> list[DateMention]:
        group = []
        for follower in mentions[index + 1:]:
            if not follower.coordinated:
                break
            group.append(follower)
        return group

    def _yearly(self, folded: str, last: DateMention, clause: tuple[int, int]) -> re.Match[str] | None:
        return self.lexicon.yearly.match(folded[last.end:clause[1] + 20])

    @staticmethod
    def _in_table_row(folded: str, mention: DateMention) -> bool:
        line_end = folded.find("\n", mention.end)
        rest = folded[mention.end:line_end if line_end >= 0 else len(folded)]
        return bool(_TABLE_ROW_AFTER.match(rest))

    def _periods(self, text: str, folded: str, outline: Outline, context: LetterContext) -> list[Deadline]:
        found = []
        for pattern in self.lexicon.periods:
            for match in pattern.finditer(folded):
                clause = outline.clause_at(match.start(), match.end())
                periodic = folded[match.start():match.start() + 6] == "dinh k"
                if not periodic and not outline.actors.verbs.search(text[clause[0]:clause[1]].lower()):
                    continue
                unit = match.group("unit")
                raw_n = match.groupdict().get("n")
                amount = _SPELLED.get(raw_n, 0) or int(raw_n) if raw_n else 1
                code = {"thang": f"P{amount}M", "quy": f"P{amount * 3}M", "tuan": f"P{amount}W", "nam": f"P{amount}Y"}[unit]
                if unit == "quy" and match.groupdict().get("n") is None:
                    code = "P3M"
                found.append(self._record(text, folded, outline, context, (match.start(), match.end()), clause,
                                          recurring=code, mod=None, grain=None))
        return found

    def _monthly_days(self, text: str, folded: str, outline: Outline, context: LetterContext) -> list[Deadline]:
        """"trước ngày 05 hằng tháng" → recurring "---05" (ISO 8601 day of every month)."""
        found = []
        for match in self.lexicon.monthly_day.finditer(folded):
            day = int(match.group("d"))
            if not 1 <= day <= 31:
                continue
            cue = " ".join((match.group("cue") or "").split())
            mod = self.lexicon.cues.get(cue, "ON") if cue else "ON"
            clause = outline.clause_at(match.start(), match.end())
            found.append(self._record(text, folded, outline, context, (match.start(), match.end()), clause,
                                      recurring=f"---{day:02d}", mod=mod, grain="day"))
        return found

    def _relatives(self, text: str, folded: str, outline: Outline, context: LetterContext) -> list[Deadline]:
        found = []
        for match in self.lexicon.relative.finditer(folded):
            clause = outline.clause_at(match.start(), match.end())
            raw_unit = " ".join(match.group("unit").split())
            unit: Unit = {"ngay lam viec": "working_day", "thang": "month"}.get(raw_unit, "day")  # type: ignore[assignment]
            amount = int(match.group("n")) * (7 if raw_unit == "tuan" else 1)
            anchor = self.lexicon.anchors.get(" ".join(match.group("anchor").split()), "receipt")
            relative = Relative(amount=amount, unit=unit, anchor=anchor)  # type: ignore[arg-type]
            resolved = resolve_relative(relative, context.issued) if anchor != "receipt" else None
            mod = "AFTER" if folded[match.start():match.start() + 3] == "sau" else "ON_OR_BEFORE"
            found.append(self._record(text, folded, outline, context, (match.start(), match.end()), clause,
                                      date_value=resolved, relative=relative, mod=mod, grain="day"))
        return found

    # -- who and what -------------------------------------------------------------------
    def _record(self, text: str, folded: str, outline: Outline, context: LetterContext,
                quote: tuple[int, int], clause: tuple[int, int], **fields) -> Deadline:
        who, action = self._who_and_action(text, folded, outline, context, quote, clause)
        return Deadline(quote=text[quote[0]:quote[1]], offsets=quote, who=who, action=action,
                        date=fields.pop("date_value", None), **fields)

    def _who_and_action(self, text: str, folded: str, outline: Outline, context: LetterContext,
                        quote: tuple[int, int], clause: tuple[int, int]) -> tuple[str | None, str | None]:
        """Who must act and what, from the clause's opening.

        Only the first ``_OPENING`` characters of a long clause are read: the subject is at its
        start and the action is cut at ``_MAX_ACTION`` characters, so a paragraph listing
        thousands of dates costs the same per date as a short one. The whole clause is read
        when its opening does not fill an action with room to spare (then the rest may matter)."""
        start, end = clause
        opening_end = min(end, start + _OPENING)
        who, action = self._read_clause(text, folded, outline, context, quote, (start, opening_end))
        if opening_end < end and len(action) <= _MAX_ACTION + _CUT_MARGIN:
            who, action = self._read_clause(text, folded, outline, context, quote, clause)
        if len(action) > _MAX_ACTION:
            action = action[:_MAX_ACTION].rsplit(" ", 1)[0] + "…"
        return who, action or None

    def _read_clause(self, text: str, folded: str, outline: Outline, context: LetterContext,
                     quote: tuple[int, int], window: tuple[int, int]) -> tuple[str | None, str]:
        """Who and the whole tidied action (not yet cut) of the clause text in ``window``."""
        start, end = window
        quote_start, quote_end = min(quote[0], end), min(quote[1], end)
        blank = " " * (quote_end - quote_start)
        blanked = text[start:quote_start] + blank + text[quote_end:end]
        folded_blanked = folded[start:quote_start] + blank + folded[quote_end:end]
        level, marker_len = marker_of(folded_blanked)
        if level < PARAGRAPH_LEVEL:
            blanked, folded_blanked = " " * marker_len + blanked[marker_len:], " " * marker_len + folded_blanked[marker_len:]
        heading = re.match(r"\s*doi voi [^:\n]{1,80}:", folded_blanked)
        if heading:
            blanked = " " * heading.end() + blanked[heading.end():]
            folded_blanked = " " * heading.end() + folded_blanked[heading.end():]
        subject = subject_of(blanked, outline.actors, folded=folded_blanked)
        heading_who = outline.who_at(quote[0])
        if subject and not subject.weak:
            who = subject.text
        elif heading_who:
            who = heading_who
        elif subject:
            who = subject.text
        else:
            item_start = outline.item_start(quote[0])
            item_end = min(quote[0], item_start + _OPENING)
            item_subject = subject_of(text[item_start:item_end], outline.actors, folded=folded[item_start:item_end])
            who = (item_subject.text if item_subject else None) or "; ".join(context.recipients) or context.issuer
        who = context.issuer_short if who and context.issuer_short and _is_bare_org(who, context.issuer_short) else who
        action_text = blanked
        if subject:
            at = blanked.find(subject.text.split()[0])
            if at >= 0:
                consumed = at
                for word in subject.text.split():
                    consumed = blanked.find(word, consumed) + len(word)
                action_text = blanked[consumed:]
        action = re.sub(r"(?:\s*,)+\s*,", ",", " ".join(re.sub(r"[*_#]+", " ", action_text).split())).strip(" ,;:.-–+")
        return who, re.sub(r"\s*\(\s*\)\s*", " ", action).strip()


def _is_bare_org(who: str, issuer_short: str) -> bool:
    """"Sở" / "Phòng" alone means the issuing body itself."""
    return len(who.split()) == 1 and fold_view(issuer_short).startswith(fold_view(who) + " ")


def _dedupe(deadlines: list[Deadline]) -> list[Deadline]:
    seen: set[tuple] = set()
    out = []
    for deadline in deadlines:
        key = (deadline.date, deadline.start, deadline.recurring, " ".join(deadline.quote.split()), deadline.who)
        if key not in seen:
            seen.add(key)
            out.append(deadline)
    return out
