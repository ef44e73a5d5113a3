"""Quotas in a directive: how many of what, for whom — in sentences and in tables.

A quota is a number followed by a unit ("19 trường", "02 đợt", "ít nhất 50% số trường",
"80.000 đồng/tiết"), split into one record per number when the letter breaks a total down
("19 trường, trong đó 06 trường mầm non, 04 …"). Tables give one record per numeric cell with
its row and column labels. Numbers that are not quotas — dates, document numbers ("17/2018/…"),
article and level numbers ("Điều 5", "Mức 2", "đợt 1"), phone numbers, years, time of day
("16 giờ 00") — are excluded by requiring a unit after the number and checking the word before.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from pydantic import BaseModel, Field

from minhchung.ingest.document import Span
from minhchung.ingest.normalize import normalize_text
from minhchung.nlp.dates import DateMention
from minhchung.nlp.structure import Outline, subject_of
from minhchung.nlp.textview import fold_view, phrase_regex

_MAX_WHAT_WORDS = 12
_NUMBER = r"(?P<num>\d{1,3}(?:\.\d{3})+(?!\d)|\d+(?:,\d+)?)"
_CELL_NUMBER = re.compile(r"^\s*(\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?)\s*%?\s*$")
_TAGS = re.compile(r"<[^>]{1,20}>")
_WHAT_STOP = re.compile(r"[,;.:()\n]|\s(?:và|hoặc|trong đó|gồm|để|tại|theo)\s")


class Quota(BaseModel):
    quantity: float | int
    unit: str | None
    what: str | None = None
    who_or_where: str | None = None
    quote: str
    page: int = 1
    span: Span | None = None
    row: str | None = None
    column: str | None = None
    mod: str | None = Field(None, description="AT_LEAST, AT_MOST… from 'ít nhất', 'không quá'…")
    offsets: tuple[int, int] = Field(exclude=True)


@dataclass(frozen=True)
class QuotaLexicon:
    """Units, qualifiers and context words from ``patterns/quotas.jsonl``."""

    pattern: re.Pattern[str]
    units: dict[str, str]
    rate_only: frozenset[str]
    qualifiers: dict[str, str]
    not_before: re.Pattern[str]
    id_column: re.Pattern[str]
    unit_words: re.Pattern[str]
    column_units: dict[str, str]
    descriptive_section: re.Pattern[str]
    descriptive_before: re.Pattern[str]
    target: re.Pattern[str]
    record_types: frozenset[str]

    @classmethod
    def from_entries(cls, entries: list[dict]) -> QuotaLexicon:
        units = {fold_view(e["phrase"]): e.get("unit", e["phrase"]) for e in entries if e["kind"] == "unit"}
        rate_only = frozenset(fold_view(e["phrase"]) for e in entries if e["kind"] == "unit" and e.get("needs_rate"))
        qualifiers = {fold_view(e["phrase"]): e["mod"] for e in entries if e["kind"] == "qualifier"}
        unit_alt = phrase_regex([e["phrase"] for e in entries if e["kind"] == "unit"])[len(r"(?<![\w])"):]
        qualifier_alt = phrase_regex([e["phrase"] for e in entries if e["kind"] == "qualifier"])
        pattern = re.compile(
            rf"(?:(?P<qual>{qualifier_alt})\s{{1,3}})?(?<![\w/.,-]){_NUMBER}\s?(?:(?P<pct>%)|(?P<unit>{unit_alt})"
            r"(?P<rate>\s?/\s?[^\W\d]+(?: hoc| ky)?)?)"
        )
        return cls(
            pattern=pattern, units=units, rate_only=rate_only, qualifiers=qualifiers,
            not_before=re.compile("(?:" + phrase_regex([e["phrase"] for e in entries if e["kind"] == "not_before"]) + r")\s{0,2}$"),
            id_column=re.compile("^(?:" + phrase_regex([e["phrase"] for e in entries if e["kind"] == "id_column"]) + r")$"),
            unit_words=re.compile(phrase_regex([e["phrase"] for e in entries if e["kind"] == "unit" and not e.get("needs_rate")])),
            column_units={fold_view(e["phrase"]): e["unit"] for e in entries if e["kind"] == "column_unit"},
            descriptive_section=re.compile(phrase_regex([e["phrase"] for e in entries if e["kind"] == "descriptive_section"])),
            descriptive_before=re.compile("(?:" + phrase_regex([e["phrase"] for e in entries if e["kind"] == "descriptive_before"], fold=False) + r")\s{1,2}$"),
            target=re.compile(phrase_regex([e["phrase"] for e in entries if e["kind"] == "target"], fold=False)),
            record_types=frozenset(e["doc_type"] for e in entries if e["kind"] == "record_type"),
        )


def _quantity(raw: str) -> float | int:
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", raw):
        return int(raw.replace(".", ""))
    if "," in raw:
        return float(raw.replace(",", "."))
    return int(raw)


class QuotaExtractor:
    def __init__(self, lexicon: QuotaLexicon) -> None:
        self.lexicon = lexicon

    # -- sentences ----------------------------------------------------------------------
    def extract_text(self, text: str, folded: str, outline: Outline, dates: list[DateMention],
                     past_years_before: int | None = None, doc_type: str | None = None) -> list[Quota]:
        """Quotas written in running text (tables are read separately).

        A quota is a target or an assignment. Figures that describe the present ("nhà trường
        có 14 lớp", anything under "ĐẶC ĐIỂM TÌNH HÌNH") or report results (a báo cáo or biên
        bản) count only when they carry a qualifier or a target word ("ít nhất", "phấn đấu").
        """
        lex = self.lexicon
        found: list[Quota] = []
        lowered = text.lower()
        for match in lex.pattern.finditer(folded):
            num_start, num_end = match.span("num")
            if any(num_start < d.end and num_end > d.start for d in dates):
                continue
            if lex.not_before.search(folded[max(0, num_start - 16):num_start]):
                continue
            if re.match(r"\s*\d", folded[match.end():match.end() + 3]) or folded[num_end:num_end + 1] in "/.":
                continue
            unit_key = " ".join((match.group("unit") or "").split())
            if match.group("pct"):
                unit = "%"
            else:
                if unit_key in lex.rate_only and not match.group("rate"):
                    continue
                unit = lex.units.get(unit_key, unit_key)
                if match.group("rate"):
                    unit += "/" + text[match.start("rate"):match.end("rate")].split("/", 1)[1].strip()
            clause = outline.clause_at(num_start, num_end)
            if self._past_clause(folded, clause, past_years_before):
                continue
            targeted = bool(match.group("qual")) or bool(lex.target.search(lowered[clause[0]:clause[1]]))
            descriptive = (doc_type in lex.record_types
                           or bool(lex.descriptive_before.search(lowered[max(0, num_start - 12):num_start]))
                           or self._in_descriptive_section(text, folded, outline, num_start))
            if descriptive and not targeted:
                continue
            what, what_end = self._what(text, lowered, match, unit)
            start = match.start("qual") if match.group("qual") else num_start
            end = what_end if unit == "%" else match.end()
            qualifier = " ".join((match.group("qual") or "").split())
            found.append(Quota(
                quantity=_quantity(match.group("num")), unit=unit, what=what,
                who_or_where=self._who(text, folded, outline, clause, start),
                quote=text[start:end], offsets=(start, end), mod=lex.qualifiers.get(qualifier),
            ))
        return found

    def _in_descriptive_section(self, text: str, folded: str, outline: Outline, offset: int) -> bool:
        """Under a top-level heading such as "I. ĐẶC ĐIỂM TÌNH HÌNH"."""
        chain: dict[int, tuple[int, int]] = {}
        for line in outline.headings:
            if line.start > offset:
                break
            if line.level <= 2:
                chain = {level: span for level, span in chain.items() if level < line.level}
                chain[line.level] = (line.start, line.end)
        return any(self.lexicon.descriptive_section.search(folded[s:e]) for s, e in chain.values())

    @staticmethod
    def _past_clause(folded: str, clause: tuple[int, int], year: int | None) -> bool:
        """A result already achieved ("Năm 2019, toàn tỉnh có 142 trường…") is not a quota."""
        if year is None:
            return False
        return any(int(m.group(1)) < year
                   for m in re.finditer(r"nam\s+(\d{4})(?!\s*[-–]\s*\d)", folded[clause[0]:clause[1]]))

    def _what(self, text: str, lowered: str, match: re.Match[str], unit: str) -> tuple[str | None, int]:
        """The noun phrase the number counts: "trường mầm non", "số trường đạt Mức 2"."""
        begin = match.end() if unit == "%" else match.start("unit")
        rest = text[begin:begin + 160]
        stop = _WHAT_STOP.search(rest)
        phrase = rest[:stop.start()] if stop else rest
        words = phrase.split()[:_MAX_WHAT_WORDS]
        if unit == "%":
            verbs = re.search(r"\s(?:hoàn thành|thực hiện|được|đạt|có|tham gia|sử dụng|tham dự|đã|phải)\s", " " + " ".join(words) + " ")
            if verbs and verbs.start() > 0:
                words = " ".join(words)[:verbs.start() - 1].split() or words
        what = " ".join(words).strip(" ,;")
        offset = begin + (rest.find(words[-1]) + len(words[-1]) if words else 0)
        return what or None, offset if words else match.end()

    @staticmethod
    def _who(text: str, folded: str, outline: Outline, clause: tuple[int, int], start: int) -> str | None:
        line_start = text.rfind("\n", 0, start) + 1
        label = re.match(r"\s*[-–+•]?\s*([^:\n]{2,60}):\s*$", text[line_start:start])
        if label:
            return " ".join(label.group(1).split())
        subject = subject_of(text[clause[0]:start], outline.actors, folded=folded[clause[0]:start])
        if subject:
            return subject.text
        return outline.who_at(start)

    # -- tables -------------------------------------------------------------------------
    def extract_rows(self, rows: list[list[str]], locate, context_unit: str | None,
                     caption: str | None = None) -> list[Quota]:
        """One quota per numeric cell of a table given as rows of cell strings.

        ``locate(row_index, col_index)`` returns the cell's (start, end) in the document text or
        None. The first row is the header; a column whose header is an id ("TT", "Đợt",
        "Khối") or whose cells are dates holds labels, not quantities.
        """
        if len(rows) < 2:
            return []
        rows = [[_TAGS.sub("", cell) for cell in row] for row in rows]
        header_rows = 0
        while header_rows < len(rows) - 1 and not any(_CELL_NUMBER.match(c) for c in rows[header_rows][1:]):
            header_rows += 1
        header_rows = max(1, header_rows)
        width = max(len(row) for row in rows)
        header = [_column_label(rows[:header_rows], c) for c in range(width)]
        found: list[Quota] = []
        for r, row in enumerate(rows[header_rows:], start=header_rows):
            label = self._row_label(row)
            for c, cell in enumerate(row):
                number = _CELL_NUMBER.match(cell)
                if not number or c == 0 or c >= len(header) or self.lexicon.id_column.match(fold_view(header[c])):
                    continue
                where = locate(r, c)
                if where is None:
                    continue
                unit = "%" if "%" in cell else (self._column_unit(header[c]) or self._caption_unit(caption)
                                                 or self.lexicon.column_units.get(fold_view(header[c]).strip()) or context_unit)
                found.append(Quota(
                    quantity=_quantity(number.group(1)), unit=unit, what=header[c] or None, who_or_where=label,
                    quote=cell.strip(), offsets=where, row=label, column=header[c] or None,
                ))
        table_unit = Counter(q.unit for q in found if q.unit and q.unit != "%").most_common(1)
        for quota in found:
            if quota.unit is None and table_unit:
                quota.unit = table_unit[0][0]  # a "Cộng" column counts what the others count
        return found

    def _row_label(self, row: list[str]) -> str | None:
        for cell in row:
            stripped = " ".join(cell.split())
            if stripped and not _CELL_NUMBER.match(stripped) and not re.search(r"\d{1,2}/\d{1,2}(?:/\d{2,4})?\s*[-–]", stripped):
                if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{2,4}", stripped):
                    continue
                return stripped
        first = " ".join(row[0].split()) if row else ""
        return first or None

    def _column_unit(self, header: str) -> str | None:
        folded = fold_view(header)
        match = re.match(r"so\s+(?:luong\s+)?(.+)$", folded)
        if match:
            tail = header[match.start(1):]
            unit = self.lexicon.unit_words.match(fold_view(tail))
            return self.lexicon.units.get(" ".join(unit.group(0).split()), tail) if unit else tail
        return None

    def _caption_unit(self, caption: str | None) -> str | None:
        """"(số tiết/năm học)" or "(đơn vị: trường)" at the end of the line above the table."""
        if not caption:
            return None
        match = re.search(r"\((?:đơn vị\s*(?:tính)?\s*:\s*)?(?:số\s+)?([^()]{1,30})\)\s*$", caption, re.IGNORECASE)
        return match.group(1).strip() if match else None


def _column_label(header_rows: list[list[str]], column: int) -> str:
    """The lowest non-empty header cell above a column (multi-row headers: "Trong đó / Mầm non")."""
    for row in reversed(header_rows):
        if column < len(row) and row[column].strip():
            return " ".join(row[column].split())
    return ""


def _split_cells(raw: str) -> list[str]:
    """Cells of an aligned line: tab-separated (empty cells kept), else runs of 2+ spaces."""
    if "\t" in raw:
        return [cell.strip() for cell in raw.strip("\n").split("\t")]
    return re.split(r" {2,}", raw.strip())


def dominant_unit(quotas: list[Quota], before: int) -> str | None:
    """The unit most text quotas before ``before`` count in (not %): a table's implicit unit."""
    counts = Counter(q.unit for q in quotas if q.offsets[0] < before and q.unit and q.unit != "%")
    return counts.most_common(1)[0][0] if counts else None


@dataclass(frozen=True)
class TextTable:
    rows: list[list[str]]
    cells: dict[tuple[int, int], tuple[int, int]]
    start: int
    caption: str | None


def aligned_tables(raw_text: str, text: str) -> list[TextTable]:
    """Tab- or space-aligned tables in the raw text, with each cell located in ``text``.

    Normalisation collapses tabs and runs of spaces, so columns are read from the raw text
    and every cell is then found, in order, in the normalised text for its span.
    """
    tables: list[TextTable] = []
    raw_lines = raw_text.replace("\r\n", "\n").replace("\f", "\n").split("\n")
    block: list[list[str]] = []
    block_lines: list[str] = []
    caption: str | None = None
    previous = ""
    cursor = 0

    def flush() -> None:
        nonlocal cursor
        if len(block) >= 2:
            table = _locate(block, block_lines, text, cursor, caption)
            if table:
                tables.append(table)
                cursor = max(cursor, max(e for _, e in table.cells.values()) if table.cells else cursor)

    for raw in raw_lines:
        cells = _split_cells(raw)
        if sum(bool(c) for c in cells) >= 2 and len(cells) >= 3 and ("\t" in raw or re.search(r"\S {2,}\S", raw)):
            if not block:
                caption = previous
            block.append(cells)
            block_lines.append(raw)
        else:
            flush()
            block, block_lines = [], []
        if raw.strip():
            previous = raw.strip()
    flush()
    return tables


def _locate(rows: list[list[str]], lines: list[str], text: str, cursor: int, caption: str | None) -> TextTable | None:
    cells: dict[tuple[int, int], tuple[int, int]] = {}
    start = None
    for r, (row, raw) in enumerate(zip(rows, lines)):
        line = normalize_text(raw).strip()
        at = text.find(line, cursor)
        if at < 0:
            return None
        start = at if start is None else start
        position = at
        for c, cell in enumerate(row):
            needle = normalize_text(_TAGS.sub("", cell)).strip()
            if not needle:
                continue
            found = text.find(needle, position, at + len(line))
            if found >= 0:
                cells[(r, c)] = (found, found + len(needle))
                position = found + len(needle)
        cursor = at + len(line)
    return TextTable(rows=rows, cells=cells, start=start or 0, caption=normalize_text(caption) if caption else None)
