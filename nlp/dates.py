"""Vietnamese date grammar for official letters: find date mentions and normalise them.

Handles what letters actually write: "ngày 08 tháng 4 năm 2014" (also split across a line
break), "25/5/2019", "30/01/20", "15.03.2025", a bare "ngày 25/5" whose year comes from the
letter's date, month-only forms ("tháng 12/2017", "cuối tháng 3", "đầu tháng 3/2018"),
coordinated days ("ngày 10 tháng 5 và 20 tháng 12") and ranges ("từ ngày 05/10 đến ngày
16/10/2026", "từ ngày 10 đến ngày 20 tháng 7 năm 2021").

All matching runs on the folded view (:mod:`minhchung.nlp.textview`), so OCR text without
diacritics ("ngay 10 thang 5 nam 2019") is read the same way. dateparser is not used: it reads
"trước" as "ago" and splits "ngày 20 tháng 3 năm 2025" into durations when searching.
"""

from __future__ import annotations

import bisect
import calendar
import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from minhchung.nlp.textview import fold_view

Grain = Literal["day", "month", "quarter", "year"]
Part = Literal["START", "MID", "END"]

_S = r"\s{1,4}"
_S0 = r"\s{0,4}"
_DAY = r"(?P<d>[0-3]?\d)"
_MONTH = r"(?P<m>[01]?\d)"
_YEAR_WORDS = rf"(?:{_S0},?{_S0}nam{_S}(?P<y>\d{{4}})|{_S0}/{_S0}(?P<y2>\d{{4}}))"

# "ngày 08 tháng 4 năm 2014", "ngày mồng 3 tháng 3", "ngày 10 tháng 5".
_DAY_WORDS = re.compile(rf"ngay{_S0}(?:(?:mung|mong){_S})?{_DAY}{_S}thang{_S}{_MONTH}(?!\d){_YEAR_WORDS}?(?![\d/])")
# "25/5/2019", "30/01/20", "15.03.2025", "15-03-2025", optionally after "ngày".
_DAY_NUMERIC = re.compile(
    rf"(?:ngay{_S0})?(?<![\d/.]){_DAY}\s?(?P<sep>[/.\-])\s?{_MONTH}\s?(?P=sep)\s?(?P<y>\d{{4}}|\d{{2}})(?![\w/]|\.\d)"
)
# "ngày 25/5" (no year): only after a word that makes it a date, or before "- 08/10/2026".
_DAY_MONTH_NUMERIC = re.compile(
    rf"(?:(?P<pre>ngay)|(?<=truoc )|(?<=den )|(?<=tu )|(?<=sau )|(?=\d{{1,2}}/\d{{1,2}}\s?[-–]\s?\d{{1,2}}/\d{{1,2}}/\d)){_S0}(?<![\w/.]){_DAY}\s?/\s?{_MONTH}(?![\w/]|\s?/\s?\d|\.\d)"
)
# "tháng 12/2017", "tháng 3 năm 2020", "cuối tháng 3", "đầu tháng 3/2018".
_MONTH_FORM = re.compile(rf"(?:(?P<part>dau|giua|cuoi){_S})?thang{_S}{_MONTH}(?!\d){_YEAR_WORDS}?(?![\d/])")
# Words that make a bare "tháng 5" a point in time rather than a fragment.
_MONTH_TRIGGER = re.compile(r"(?:trong|vao|tu|den|truoc|sau|het|nhat|cuoi|dau|giua)\s{1,3}$")
_CONTINUATION = re.compile(
    rf"{_S0}(?:,|va|hoac){_S}(?:ngay{_S0})?{_DAY}(?:{_S}thang{_S}{_MONTH}|\s?/\s?(?P<m2>[01]?\d))(?!\d)"
    rf"(?:{_YEAR_WORDS}|\s?/\s?(?P<y3>\d{{4}}))?(?![\d/])"
)
_RANGE_FROM = re.compile(r"(?:tu|bat dau tu)\s{1,3}$")
_BARE_DAY_START = re.compile(rf"tu{_S}ngay{_S}(?P<d>[0-3]?\d){_S0}(?:den|toi|-|–){_S0}$")

# "năm 2027", "quý IV/2026", "quý 4 năm 2026" (not "năm 2018 - 2019", not "năm học").
_YEAR_FORM = re.compile(
    rf"(?:quy{_S}(?P<q>iv|iii|ii|i|[1-4]){_S0}(?:/|,?{_S0}nam){_S0}(?P<qy>\d{{4}})|nam{_S}(?P<y>\d{{4}}))(?!\d|\s?[-–]\s?\d)"
)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_PARTS: dict[str, Part] = {"dau": "START", "giua": "MID", "cuoi": "END"}


@dataclass(frozen=True)
class PartialDate:
    """A date that may lack its day (a month grain) or its year (not written)."""

    year: int | None
    month: int | None
    day: int | None = None
    quarter: int | None = None

    def iso(self) -> str | None:
        """``YYYY-MM-DD`` (day), ``YYYY-MM`` (month), ``YYYY-Qn`` (quarter), ``YYYY`` (year)."""
        if self.year is None:
            return None
        if self.month is None:
            return f"{self.year:04d}-Q{self.quarter}" if self.quarter else f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def as_date(self) -> date | None:
        """The first calendar day this value covers, if it has a year."""
        if self.year is None:
            return None
        if self.month is None:
            return date(self.year, 3 * (self.quarter or 1) - 2, 1)
        return date(self.year, self.month, self.day or 1)

    def last_day(self) -> date | None:
        """The last calendar day this value covers (end of its month, quarter or year)."""
        if self.year is None:
            return None
        month = self.month or (3 * self.quarter if self.quarter else 12)
        day = self.day or calendar.monthrange(self.year, month)[1]
        return date(self.year, month, day)


@dataclass(frozen=True)
class DateMention:
    """One date written in the text, with its character span and how it was written."""

    start: int
    end: int
    value: PartialDate
    grain: Grain
    part: Part | None = None
    year_written: bool = True
    coordinated: bool = False

    @property
    def iso(self) -> str | None:
        return self.value.iso()


@dataclass(frozen=True)
class DateRange:
    """"từ A đến B": both ends, and the span covering the whole expression."""

    start: int
    end: int
    first: DateMention
    last: DateMention


def _valid(year: int | None, month: int, day: int | None) -> bool:
    if not 1 <= month <= 12:
        return False
    if day is None:
        return True
    try:
        date(year if year is not None else 2000, month, day)
    except ValueError:
        return False
    return True


def _year(raw: str | None) -> int | None:
    if not raw:
        return None
    value = int(raw)
    return value + 2000 if len(raw) == 2 else value


def _plausible(year: int | None) -> bool:
    return year is None or 1945 <= year <= 2100


def infer_year(month: int, day: int | None, reference: PartialDate | None) -> int | None:
    """Year of a date written without one, from the letter's own date.

    A school-year letter dated in September that says "tháng 3" means next March; one dated
    in January that says "cuối tháng 3" means this March. A month more than two before the
    letter's month therefore rolls over to the next year.
    """
    if reference is None or reference.year is None:
        return None
    if reference.month is not None and month < reference.month - 2:
        return reference.year + 1
    return reference.year


def _overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    """``taken`` is sorted and its spans are disjoint, so only the last one starting before
    ``end`` can overlap (a letter with thousands of dates stays linear)."""
    index = bisect.bisect_left(taken, (end,))
    return index > 0 and taken[index - 1][1] > start


def _mention(start: int, end: int, year_raw: str | None, month: int, day: int | None,
             reference: PartialDate | None, **extra) -> DateMention | None:
    year = _year(year_raw)
    if not _plausible(year) or not _valid(year, month, day):
        return None
    written = year is not None
    if year is None:
        year = infer_year(month, day, reference)
    grain: Grain = "day" if day is not None else "month"
    return DateMention(start, end, PartialDate(year, month, day), grain, year_written=written, **extra)


def _continuations(folded: str, first: DateMention, reference: PartialDate | None) -> list[DateMention]:
    """"ngày 10 tháng 5 và 20 tháng 12 (năm 2026)": the coordinated days after a day mention."""
    found, pos = [], first.end
    while match := _CONTINUATION.match(folded, pos):
        month = int(match.group("m") or match.group("m2"))
        year_raw = match.group("y") or match.group("y2") or match.group("y3")
        day_start = match.start("d")
        mention = _mention(day_start, match.end(), year_raw, month, int(match.group("d")), reference, coordinated=True)
        if mention is None:
            break
        found.append(mention)
        pos = match.end()
    return found


def find_dates(text: str, reference: PartialDate | None = None, *, folded: str | None = None) -> list[DateMention]:
    """Every date mention in ``text``, in order, non-overlapping.

    ``reference`` (the letter's date) supplies the year of dates written without one.
    """
    folded = folded if folded is not None else fold_view(text)
    mentions: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def add(mention: DateMention | None) -> None:
        if mention is not None and not _overlaps(mention.start, mention.end, taken):
            mentions.append(mention)
            bisect.insort(taken, (mention.start, mention.end))

    for match in _DAY_WORDS.finditer(folded):
        mention = _mention(match.start(), match.end(), match.group("y") or match.group("y2"),
                           int(match.group("m")), int(match.group("d")), reference)
        add(mention)
    for match in _DAY_NUMERIC.finditer(folded):
        year_raw = match.group("y")
        if match.group("sep") != "/" and len(year_raw) != 4:
            continue
        add(_mention(match.start(), match.end(), year_raw, int(match.group("m")), int(match.group("d")), reference))
    for match in _DAY_MONTH_NUMERIC.finditer(folded):
        start = match.start() if match.group("pre") else match.start("d")
        add(_mention(start, match.end(), None, int(match.group("m")), int(match.group("d")), reference))
    for mention in list(mentions):
        if mention.grain == "day":
            for extra in _continuations(folded, mention, reference):
                add(extra)
    for match in _MONTH_FORM.finditer(folded):
        if re.search(r"\d\s{0,2}$", folded[max(0, match.start() - 4):match.start()]):
            continue  # "6 tháng": a duration, not a month name
        year_raw = match.group("y") or match.group("y2")
        part = _PARTS.get(match.group("part") or "")
        if year_raw is None and part is None and not _MONTH_TRIGGER.search(folded[max(0, match.start() - 12):match.start()]):
            continue
        add(_mention(match.start(), match.end(), year_raw, int(match.group("m")), None, reference, part=part))
    for match in _YEAR_FORM.finditer(folded):
        if match.group("q"):
            quarter = _ROMAN.get(match.group("q")) or int(match.group("q"))
            value, grain = PartialDate(int(match.group("qy")), None, None, quarter), "quarter"
        else:
            value, grain = PartialDate(int(match.group("y")), None), "year"
        if _plausible(value.year):
            add(DateMention(match.start(), match.end(), value, grain))  # type: ignore[arg-type]
    return sorted(mentions, key=lambda m: m.start)


def find_ranges(text: str, mentions: list[DateMention], *, folded: str | None = None) -> list[DateRange]:
    """"từ A đến B" and "từ ngày 10 đến ngày 20/7/2021", with missing parts taken from B."""
    folded = folded if folded is not None else fold_view(text)
    ranges: list[DateRange] = []
    used: set[int] = set()
    for index, last in enumerate(mentions):
        before = folded[max(0, last.start - 40):last.start]
        previous = mentions[index - 1] if index else None
        glue = folded[previous.end:last.start].strip() if previous is not None else ""
        opener = _RANGE_FROM.search(folded[max(0, previous.start - 20):previous.start]) if previous is not None else None
        # "từ A đến B", or a bare "A - B" where A has no year of its own ("05/10 - 08/10/2026").
        if previous is not None and index - 1 not in used and glue in {"den", "toi", "-", "–", "—"} \
                and (opener or (glue in {"-", "–", "—"} and not previous.year_written and last.year_written)):
            first = _complete_from(previous, last)
            start = opener.start() + max(0, previous.start - 20) if opener else previous.start
            ranges.append(DateRange(start, last.end, first, last))
            used.update({index - 1, index})
            continue
        bare = _BARE_DAY_START.search(before)
        if bare and last.value.month is not None:
            offset = max(0, last.start - 40)
            day = int(bare.group("d"))
            if _valid(last.value.year, last.value.month, day):
                first = DateMention(offset + bare.start("d"), offset + bare.end("d"),
                                    PartialDate(last.value.year, last.value.month, day), "day",
                                    year_written=last.year_written)
                ranges.append(DateRange(offset + bare.start(), last.end, first, last))
                used.add(index)
    return ranges


def _complete_from(first: DateMention, last: DateMention) -> DateMention:
    """Give the start of a range the year the end was written with, when it had none."""
    if first.year_written or not last.year_written:
        return first
    value = replace(first.value, year=last.value.year)
    if value.as_date() and last.value.as_date() and value.as_date() > last.value.as_date():
        value = replace(value, year=(last.value.year or 0) - 1)
    return replace(first, value=value, year_written=True)
