"""Parse the fixed parts of an official letter (Nghị định 30/2020 thể thức).

Header: issuing body (and its parent line), "Số: 981/SGDĐT-NV2", "Đồng Nai, ngày 04 tháng 4 năm
2019", the type word (KẾ HOẠCH, THÔNG BÁO…) with its trích yếu, or "V/v …" for a công văn, and
"Kính gửi:". Footer: "Nơi nhận:", the signing authority (KT./TM./TL./TUQ./Q.), title and name.

Text from scans and two-column PDF headers arrives with the left and right columns interleaved
("UBND TỈNH X CỘNG HÒA XÃ HỘI…") or one after the other, with OCR slips ("S6:", "So:", no
diacritics). So the parser works line by line on the folded view, strips the national motto
wherever it sits, and takes each field from the line that carries its marker rather than from
a fixed position. Every field records its character span in the text it was given.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from importlib.resources import files

from pydantic import BaseModel, Field

from minhchung.nlp.dates import PartialDate
from minhchung.nlp.textview import fold_view, phrase_regex

_HEADER_CHARS = 4000
_VOWELS = re.compile(r"[aeiouy]")
_NAME_TOKEN = re.compile(r"^[A-ZĐÀ-Ỹ][a-zà-ỹđ]+$")


class LetterHeader(BaseModel):
    """The fixed fields of a letter; offsets in ``spans`` are into the text that was parsed."""

    doc_type_word: str | None = Field(None, description="doc type id named by the type line")
    number: str | None = None
    symbol: str | None = Field(None, description="ký hiệu, also when the number is blank")
    issuer: str | None = None
    issuer_parent: str | None = None
    place: str | None = None
    issued_date: str | None = None
    issued_month: str | None = Field(None, description="YYYY-MM, kept when the day is blank")
    issued_year: int | None = None
    subject: str | None = None
    has_vv: bool = False
    recipients: list[str] = Field(default_factory=list)
    cc: list[str] = Field(default_factory=list, description="Nơi nhận")
    signer: str | None = None
    signer_authority: str | None = None
    signer_prefixes: list[str] = Field(default_factory=list)
    spans: dict[str, tuple[int, int]] = Field(default_factory=dict)

    @property
    def reference_date(self) -> PartialDate | None:
        """The letter's own date (possibly month-only) for resolving dates without a year."""
        raw = self.issued_date or self.issued_month
        if not raw:
            return PartialDate(self.issued_year, None) if self.issued_year else None
        parts = [int(p) for p in raw.split("-")]
        return PartialDate(parts[0], parts[1], parts[2] if len(parts) > 2 else None)


@dataclass(frozen=True)
class DocTypeName:
    id: str
    name: str
    abbr: str | None


def load_doctypes() -> list[DocTypeName]:
    """The 29 Nghị định 30 types (+ khác) from ``models/doctypes.json``."""
    data = json.loads(files("minhchung.models").joinpath("doctypes.json").read_text(encoding="utf-8"))
    return [DocTypeName(t["id"], t["name"], t.get("abbr")) for t in data["types"]]


@dataclass(frozen=True)
class HeaderLexicon:
    """Patterns of the header and footer, read from ``patterns/header.jsonl``."""

    entries: list[dict]
    doctypes: list[DocTypeName] = field(default_factory=load_doctypes)

    def _patterns(self, kind: str) -> list[re.Pattern[str]]:
        return [re.compile(e["pattern"]) for e in self.entries if e["kind"] == kind]

    def _one(self, kind: str) -> re.Pattern[str]:
        return self._patterns(kind)[0]

    @cached_property
    def national(self) -> list[re.Pattern[str]]:
        return self._patterns("national")

    @cached_property
    def separator(self) -> re.Pattern[str]:
        return self._one("separator")

    @cached_property
    def number(self) -> re.Pattern[str]:
        return self._one("number")

    @cached_property
    def place_date(self) -> re.Pattern[str]:
        return self._one("place_date")

    @cached_property
    def subject(self) -> re.Pattern[str]:
        return self._one("subject")

    @cached_property
    def recipients(self) -> re.Pattern[str]:
        return self._one("recipients")

    @cached_property
    def cc(self) -> re.Pattern[str]:
        return self._one("cc")

    @cached_property
    def authority(self) -> re.Pattern[str]:
        return self._one("authority")

    @cached_property
    def signed_mark(self) -> re.Pattern[str]:
        return self._one("signed_mark")

    @cached_property
    def org_head(self) -> re.Pattern[str]:
        return re.compile(phrase_regex([e["phrase"] for e in self.entries if e["kind"] == "org_head"]))

    @cached_property
    def locality_named(self) -> re.Pattern[str]:
        """Bodies named after their locality ("Sở GD&ĐT Hưng Yên"): the parent's place is appended."""
        return re.compile(phrase_regex([e["phrase"] for e in self.entries if e["kind"] == "locality_named"]))

    @cached_property
    def sub_body(self) -> re.Pattern[str]:
        """Bodies inside an institution ("Hội đồng tự đánh giá"): the parent's name is appended."""
        return re.compile(phrase_regex([e["phrase"] for e in self.entries if e["kind"] == "sub_body"]))

    @cached_property
    def locality(self) -> re.Pattern[str]:
        return re.compile(phrase_regex([e["phrase"] for e in self.entries if e["kind"] == "locality"]))

    @cached_property
    def expansions(self) -> list[tuple[re.Pattern[str], str]]:
        return [(re.compile(r"(?<!\w)" + re.escape(e["abbr"]) + r"(?!\w)"), e["full"])
                for e in self.entries if e["kind"] == "expand"]

    @cached_property
    def casings(self) -> list[tuple[re.Pattern[str], str]]:
        return [(re.compile(phrase_regex([e["phrase"]])), e["phrase"]) for e in self.entries if e["kind"] == "casing"]

    @cached_property
    def type_line(self) -> dict[str, str]:
        """Folded type name → id ("ke hoach" → "ke_hoach")."""
        return {fold_view(t.name): t.id for t in self.doctypes if t.id != "khac"}


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str
    folded: str


def _lines(text: str, folded: str, base: int = 0) -> list[_Line]:
    out, offset = [], 0
    for raw in text.split("\n"):
        out.append(_Line(base + offset, base + offset + len(raw), raw, folded[offset:offset + len(raw)]))
        offset += len(raw) + 1
    return out


def _strip_decoration(text: str) -> str:
    return re.sub(r"[#*_`>]+", " ", text).strip()


def _mask(line: _Line, patterns: list[re.Pattern[str]]) -> tuple[str, str]:
    """The line with national-motto phrases blanked (same length)."""
    text, folded = line.text, line.folded
    for pattern in patterns:
        for match in pattern.finditer(folded):
            blank = " " * (match.end() - match.start())
            text = text[:match.start()] + blank + text[match.end():]
            folded = folded[:match.start()] + blank + folded[match.end():]
    return text, folded


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) / len(letters) >= 0.8


def official_case(text: str, lexicon: HeaderLexicon, place: str | None = None) -> str:
    """"SỞ GIÁO DỤC VÀ ĐÀO TẠO" → "Sở Giáo dục và Đào tạo"; mixed-case text is kept.

    Abbreviations (tokens without a vowel: THCS, GDĐT) stay upper case; the words after a
    locality word ("tỉnh", "huyện") or after "Trường THCS" are a proper name and get title case.
    """
    text = " ".join(text.split())
    if not _is_upper(text):
        return text
    for pattern, full in lexicon.expansions:
        text = pattern.sub(full.upper(), text)
    tokens = text.lower().split()
    out: list[str] = []
    proper = False
    for index, token in enumerate(tokens):
        folded = fold_view(token)
        if not _VOWELS.search(folded) and any(c.isalpha() for c in token):
            out.append(token.upper())
            proper = proper or (index > 0 and fold_view(tokens[index - 1]) in {"truong", "tam"})
            continue
        out.append(token.capitalize() if proper or index == 0 else token)
        if lexicon.locality.fullmatch(folded):
            proper = True
    cased = " ".join(out)
    for pattern, canonical in lexicon.casings:
        folded_cased = fold_view(cased)
        for match in reversed(list(pattern.finditer(folded_cased))):
            cased = cased[:match.start()] + canonical + cased[match.end():]
    if place:
        folded_place = fold_view(place)
        at = fold_view(cased).rfind(folded_place)
        if at >= 0:
            cased = cased[:at] + place + cased[at + len(place):]
    return cased[:1].upper() + cased[1:]


def _number(line: _Line, match: re.Match[str]) -> tuple[str | None, str | None, int]:
    """(number as written without spaces, ký hiệu, end offset in line) after "Số:"."""
    rest = line.text[match.end():]
    tokens, consumed = [], match.end()
    for token in re.finditer(r"\S+", rest):
        value = token.group()
        symbol_like = ("/" in value or "-" in value) and any(c.isupper() for c in value)
        if (any(c.islower() for c in value) and not symbol_like) or not re.search(r"[\dA-ZĐ/]", value):
            break
        tokens.append(value)
        consumed = match.end() + token.end()
    joined = "".join(tokens).strip(".,;")
    if "/" not in joined:
        return None, None, consumed
    digits, symbol = joined.split("/", 1)
    digits = digits.replace("O", "0").replace("o", "0")
    symbol = symbol.strip("-/")
    if not symbol:
        return None, None, consumed
    number = f"{digits}/{symbol}" if re.fullmatch(r"\d+", digits) else None
    return number, symbol, consumed


def _place(raw: str) -> str:
    """The place name at the end of the text before ", ngày" (other columns may precede it)."""
    raw = _strip_decoration(raw)
    tokens = raw.split()
    kept: list[str] = []
    for token in reversed(tokens):
        if token[:1].isupper() or (kept and token.lower() in {"phố", "xã", "trấn"}):
            kept.append(token)
        else:
            break
    return " ".join(reversed(kept)) or raw


def _items(raw: list[str]) -> list[str]:
    """Split recipient / Nơi nhận text into items ("- A; - B." → ["A", "B"])."""
    joined = " ".join(raw)
    parts = re.split(r";|(?:^|\s)[-–•+]\s+(?=\S)", joined)
    items = []
    for part in parts:
        cleaned = " ".join(part.split()).strip(" .;,-–•+:")
        if cleaned:
            items.append(cleaned)
    return items


class HeaderParser:
    """Stateless parser: ``parse(text)`` → :class:`LetterHeader`."""

    def __init__(self, lexicon: HeaderLexicon) -> None:
        self.lexicon = lexicon

    def parse(self, text: str, *, folded: str | None = None) -> LetterHeader:
        folded = folded if folded is not None else fold_view(text)
        header = LetterHeader()
        head_end = min(len(text), _HEADER_CHARS)
        first_page = text.find("\f")
        if first_page > 0:
            head_end = min(head_end, first_page)
        lines = _lines(text[:head_end], folded[:head_end])
        self._parse_head(lines, header)
        self._parse_recipients(lines, header)
        self._parse_footer(_lines(text, folded), header)
        return header

    # -- header -------------------------------------------------------------------------
    def _parse_head(self, lines: list[_Line], header: LetterHeader) -> None:
        lex = self.lexicon
        issuer_lines: list[_Line] = []
        number_index = date_index = None
        for index, line in enumerate(lines[:40]):
            text, folded = _mask(line, lex.national)
            if lex.recipients.search(folded) or _starts_body(folded):
                break
            number_match = lex.number.search(folded) if header.symbol is None else None
            consumed = 0
            if number_match and number_match.start() < 40:
                number, symbol, consumed = _number(_Line(line.start, line.end, text, folded), number_match)
                if symbol:
                    header.number, header.symbol = number, symbol
                    header.spans["number"] = (line.start + number_match.start(), line.start + consumed)
                    number_index = index
                    before = text[:number_match.start()]
                    if before.strip() and _is_upper(before) and number_index is not None:
                        issuer_lines.append(_Line(line.start, line.start + len(before), before, folded[:len(before)]))
            date_match = lex.place_date.search(folded, consumed) if header.place is None else None
            if date_match:
                self._take_date(line, text, date_match, header)
                date_index = index
            if number_match or date_match:
                continue
            stripped = _strip_decoration(text)
            if not stripped or lex.separator.match(stripped):
                continue
            if header.doc_type_word is None and fold_view(stripped).strip() in lex.type_line:
                header.doc_type_word = lex.type_line[fold_view(stripped).strip()]
                header.spans["doc_type"] = (line.start, line.end)
                self._take_subject(lines[index + 1:], header, after_type=True)
                continue
            if lex.subject.match(folded) and header.subject is None:
                header.has_vv = True
                self._take_subject(lines[index:], header, after_type=False)
                continue
            if number_index is None and date_index is None and _is_upper(stripped) and header.subject is None:
                issuer_lines.append(line)
        self._take_issuer(issuer_lines, header)

    def _take_date(self, line: _Line, text: str, match: re.Match[str], header: LetterHeader) -> None:
        place_raw = text[match.start("place"):match.end("place")]
        header.place = _place(place_raw) or None
        year = int(match.group("y"))
        header.issued_year = year
        month = int(match.group("m")) if match.group("m") else None
        day = int(match.group("d")) if match.group("d") else None
        if month and 1 <= month <= 12:
            header.issued_month = f"{year:04d}-{month:02d}"
            if day and 1 <= day <= 31:
                header.issued_date = f"{year:04d}-{month:02d}-{day:02d}"
        place_start = match.start("place") + (len(place_raw) - len(place_raw.lstrip()))
        if header.place:
            place_start = match.start("place") + max(0, place_raw.rfind(header.place.split()[0]))
        header.spans["place"] = (line.start + place_start, line.start + match.start("place") + len(place_raw.rstrip()))
        header.spans["issued_date"] = (line.start + match.end("place"), line.start + match.end())

    def _take_subject(self, following: list[_Line], header: LetterHeader, *, after_type: bool) -> None:
        lex = self.lexicon
        parts: list[str] = []
        start = end = None
        for line in following[:8]:
            text, folded = _mask(line, lex.national)
            date_match = lex.place_date.search(folded)
            if date_match:
                if header.place is None:
                    self._take_date(line, text, date_match, header)
                place_at = date_match.start("place") + max(0, text[date_match.start("place"):date_match.end("place")].rfind(_place(text[date_match.start("place"):date_match.end("place")])))
                text = text[:place_at] + " " * (len(text) - place_at)
            stripped = _strip_decoration(text)
            if not stripped:
                if parts or not after_type:
                    break
                continue
            folded_stripped = fold_view(stripped)
            if lex.recipients.match(folded_stripped) or lex.number.match(folded_stripped) \
                    or lex.separator.match(stripped) or _starts_body(folded_stripped):
                break
            if parts and lex.subject.match(folded):
                break
            if start is None:
                start = line.start + (len(text) - len(text.lstrip()))
            end = line.start + len(text.rstrip())
            parts.append(stripped)
        if parts:
            header.subject = " ".join(" ".join(parts).split()).rstrip(".")
            header.spans["subject"] = (start, end)

    def _take_issuer(self, issuer_lines: list[_Line], header: LetterHeader) -> None:
        lex = self.lexicon
        texts = [_strip_decoration(_mask(line, lex.national)[0]) for line in issuer_lines]
        texts = [t for t in texts if t and not lex.separator.match(t)]
        if not texts:
            return
        last_folded = fold_view(texts[-1])
        if len(texts) >= 2 and lex.org_head.match(last_folded):
            parent = official_case(" ".join(texts[:-1]), lex, header.place)
            issuer = official_case(texts[-1], lex, header.place)
            header.issuer_parent = parent
            header.issuer = self._qualified(issuer, parent)
        else:
            header.issuer = official_case(" ".join(texts), lex, header.place)
        header.spans["issuer"] = (issuer_lines[-1].start, issuer_lines[-1].end)

    def _qualified(self, issuer: str, parent: str) -> str:
        """The issuer's full name: "Sở GD&ĐT" + the parent's locality, "Hội đồng …" + its school."""
        lex = self.lexicon
        folded_issuer, folded_parent = fold_view(issuer), fold_view(parent)
        locality = re.search(r"(?:tinh|thanh pho|huyen|quan|thi xa|xa|phuong)\s+(.+)$", folded_parent)
        if lex.locality_named.match(folded_issuer) and locality:
            name = parent[locality.start(1):]
            return issuer if fold_view(name) in folded_issuer else f"{issuer} {name}"
        if lex.sub_body.match(folded_issuer) and not locality and folded_parent not in folded_issuer:
            if folded_issuer.endswith(" truong") and folded_parent.startswith("truong "):
                return f"{issuer} {parent.split(' ', 1)[1]}"
            return f"{issuer} {parent}"
        return issuer

    # -- Kính gửi -----------------------------------------------------------------------
    def _parse_recipients(self, lines: list[_Line], header: LetterHeader) -> None:
        lex = self.lexicon
        for index, line in enumerate(lines):
            match = lex.recipients.search(line.folded)
            if not match:
                continue
            raw = [line.text[match.end():]]
            end = line.end
            blank_seen = False
            for follow in lines[index + 1:index + 30]:
                stripped = follow.text.strip()
                if not stripped:
                    blank_seen = True
                    continue
                bullet = re.match(r"[-–•+]\s*", stripped)
                previous = " ".join(raw).strip()
                if bullet or (not blank_seen and previous and not re.search(r"[.;]$", previous)):
                    raw.append(stripped)
                    end = follow.end
                    blank_seen = False
                    continue
                break
            header.recipients = _items(raw)
            header.spans["recipients"] = (line.start + match.start(), end)
            return

    # -- footer -------------------------------------------------------------------------
    def _parse_footer(self, lines: list[_Line], header: LetterHeader) -> None:
        lex = self.lexicon
        cc_index = None
        for index in range(len(lines) - 1, -1, -1):
            if lex.cc.match(_strip_decoration_folded(lines[index].folded)):
                cc_index = index
                break
        tail = lines[cc_index:] if cc_index is not None else lines[-25:]
        name_index = self._signer_name(tail, header)
        self._authority(tail, name_index, header)
        if cc_index is not None:
            self._cc(tail, header)

    def _signer_name(self, tail: list[_Line], header: LetterHeader) -> int | None:
        lex = self.lexicon
        for index in range(len(tail) - 1, -1, -1):
            stripped = _strip_decoration(tail[index].text)
            if not stripped or lex.signed_mark.match(fold_view(stripped)):
                continue
            tokens = stripped.split()
            if 2 <= len(tokens) <= 6 and all(_NAME_TOKEN.match(t) for t in tokens):
                header.signer = stripped
                at = tail[index].text.find(tokens[0])
                header.spans["signer"] = (tail[index].start + at, tail[index].start + at + len(stripped))
                return index
        return None

    def _authority(self, tail: list[_Line], name_index: int | None, header: LetterHeader) -> None:
        lex = self.lexicon
        stop = name_index if name_index is not None else len(tail)
        titles: list[str] = []
        for line in reversed(tail[:stop]):
            stripped = _strip_decoration(line.text)
            folded = fold_view(stripped)
            if not stripped or lex.signed_mark.match(folded):
                if titles and not stripped:
                    continue
                continue
            authority = lex.authority.search(folded)
            if authority and _is_upper(stripped[authority.start():]):
                titles.append(stripped[authority.start():])
                if authority.start() > 0:
                    break
                continue
            if _is_upper(stripped) and not stripped.startswith(("-", "–", "+")) and len(stripped.split()) <= 8:
                titles.append(stripped)
                continue
            if titles:
                break
        titles.reverse()
        expanded: list[str] = []
        for title in titles:
            pieces = [p.strip() for p in re.split(r"(?=(?<![\w])(?:KT|TM|TL|TUQ|Q)\.\s)", title) if p.strip()]
            expanded.extend(pieces)
        if expanded:
            header.signer_authority = " / ".join(" ".join(t.split()) for t in expanded)
            header.signer_prefixes = [m.group(0).strip().upper().replace(" ", "")
                                      for t in expanded if (m := lex.authority.match(fold_view(t)))]

    def _cc(self, tail: list[_Line], header: LetterHeader) -> None:
        lex = self.lexicon
        first = tail[0]
        match = lex.cc.search(first.folded)
        raw = [_strip_decoration(first.text[match.end():])] if match else []
        for line in tail[1:]:
            stripped = _strip_decoration(line.text)
            if not stripped:
                continue
            folded = fold_view(stripped)
            if stripped.startswith(("-", "–", "•", "+")):
                authority = lex.authority.search(folded)
                raw.append(stripped[:authority.start()] if authority else stripped)
                continue
            if raw and not re.search(r"[.;]$", raw[-1].strip()) and not _is_upper(stripped):
                raw.append(stripped)
                continue
            break
        header.cc = _items(raw)


def _starts_body(folded: str) -> bool:
    """A body paragraph ("Căn cứ …", "Thực hiện Công văn số …") ends the header zone."""
    folded = folded.strip()
    if folded.startswith("can cu"):
        return True
    return bool(re.match(r"(?:thuc hien|theo|xet)\b", folded)) and (len(folded) > 120 or bool(re.search(r"\bso\s*\d", folded)))


def _strip_decoration_folded(folded: str) -> str:
    return re.sub(r"[#*_`>]+", " ", folded).strip()
