"""spaCy factories for reading letters: ``letter_header``, ``deadlines``, ``quotas``.

Each component reads ``doc.text`` (a Document's text, pages joined by form feeds) and writes
one extension: ``doc._.letter`` (header fields + ``doc._.doctype``), ``doc._.deadlines``,
``doc._.quotas``; matched quotes also go to ``doc.spans``. Patterns are data files in
``nlp/patterns/*.jsonl``; ``nlp/pipeline.cfg`` says what runs. Each component also works alone
on a Doc (it computes the folded view and outline it needs if no earlier component did).

Optional inputs, set by the caller before running: ``doc._.source_document`` (the ingest
Document, for its table blocks) and ``doc._.raw_text`` (text before normalisation, whose tabs
reveal plain-text tables).
"""

from __future__ import annotations

from datetime import date

from spacy.language import Language
from spacy.tokens import Doc

from minhchung.nlp.dates import find_dates
from minhchung.nlp.deadlines import DeadlineExtractor, DeadlineLexicon, LetterContext
from minhchung.nlp.doctype import DocTypeClassifier, DocTypeRules, load_model
from minhchung.nlp.letter_header import HeaderLexicon, HeaderParser, LetterHeader, load_doctypes
from minhchung.nlp.quotas import QuotaExtractor, QuotaLexicon, aligned_tables, dominant_unit
from minhchung.nlp.structure import Actors, Outline
from minhchung.nlp.textview import fold_view, load_patterns

_EXTENSIONS = ("letter", "doctype", "deadlines", "quotas", "source_document", "raw_text", "folded", "outline")


def register_extensions() -> None:
    """Register the Doc extensions once (idempotent: safe to call from every factory)."""
    for name in _EXTENSIONS:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)


def folded_of(doc: Doc) -> str:
    if doc._.folded is None:
        doc._.folded = fold_view(doc.text)
    return doc._.folded


def outline_of(doc: Doc, actors: Actors) -> Outline:
    if doc._.outline is None:
        doc._.outline = Outline(doc.text, actors, folded=folded_of(doc))
    return doc._.outline


def _span_group(doc: Doc, name: str, offsets: list[tuple[int, int]]) -> None:
    spans = [doc.char_span(s, e, alignment_mode="expand") for s, e in offsets if e > s]
    doc.spans[name] = [s for s in spans if s is not None]


class LetterHeaderComponent:
    def __init__(self, patterns: str, use_model: bool) -> None:
        register_extensions()
        lexicon = HeaderLexicon(load_patterns(patterns))
        self.parser = HeaderParser(lexicon)
        self.classifier = DocTypeClassifier(DocTypeRules(load_doctypes()), load_model() if use_model else None)

    def __call__(self, doc: Doc) -> Doc:
        header = self.parser.parse(doc.text, folded=folded_of(doc))
        doc._.letter = header
        doc._.doctype = self.classifier.classify(header, doc.text)
        return doc


def _context(doc: Doc) -> LetterContext:
    header: LetterHeader | None = doc._.letter
    if header is None:
        return LetterContext(reference=None, issued=None)
    excluded = tuple(v for k, v in header.spans.items() if k in ("issued_date", "number", "subject"))
    return LetterContext(
        reference=header.reference_date,
        issued=date.fromisoformat(header.issued_date) if header.issued_date else None,
        excluded=excluded,
        recipients=tuple(header.recipients),
        issuer=header.issuer,
        issuer_short=_issuer_short(header),
    )


def _issuer_short(header: LetterHeader) -> str | None:
    """"Sở Giáo dục và Đào tạo Hưng Yên" → "Sở Giáo dục và Đào tạo" (locality appended from parent)."""
    if not header.issuer:
        return None
    if header.place and header.issuer.endswith(" " + header.place):
        return header.issuer[: -len(header.place) - 1]
    return header.issuer


class DeadlinesComponent:
    def __init__(self, patterns: str, actors: str, verbs: str) -> None:
        register_extensions()
        self.extractor = DeadlineExtractor(DeadlineLexicon.from_entries(load_patterns(patterns)))
        self.actors = Actors.from_entries(load_patterns(actors), load_patterns(verbs))

    def __call__(self, doc: Doc) -> Doc:
        deadlines = self.extractor.extract(doc.text, folded_of(doc), outline_of(doc, self.actors), _context(doc))
        doc._.deadlines = deadlines
        _span_group(doc, "deadlines", [d.offsets for d in deadlines])
        return doc


class QuotasComponent:
    def __init__(self, patterns: str, actors: str, verbs: str) -> None:
        register_extensions()
        self.extractor = QuotaExtractor(QuotaLexicon.from_entries(load_patterns(patterns)))
        self.actors = Actors.from_entries(load_patterns(actors), load_patterns(verbs))

    def __call__(self, doc: Doc) -> Doc:
        folded = folded_of(doc)
        context = _context(doc)
        reference = context.reference
        dates = find_dates(doc.text, reference, folded=folded)
        year = reference.year if reference else None
        doc_type = doc._.doctype.id if doc._.doctype is not None else None
        quotas = self.extractor.extract_text(doc.text, folded, outline_of(doc, self.actors), dates, year, doc_type)
        quotas = [q for q in quotas if not _inside_tables(q.offsets, doc)]
        if doc_type not in self.extractor.lexicon.record_types:  # a report's tables are results, not quotas
            quotas += self._tables(doc, quotas)
        quotas.sort(key=lambda q: q.offsets)
        doc._.quotas = quotas
        _span_group(doc, "quotas", [q.offsets for q in quotas])
        return doc

    def _tables(self, doc: Doc, text_quotas: list) -> list:
        found = []
        if doc._.raw_text:
            for table in aligned_tables(doc._.raw_text, doc.text):
                unit = dominant_unit(text_quotas, table.start)
                found += self.extractor.extract_rows(
                    table.rows, lambda r, c, t=table: t.cells.get((r, c)), unit, table.caption)
        document = doc._.source_document
        if document is not None:
            starts = document.page_starts()
            for page, base in zip(document.pages, starts):
                for block in page.blocks:
                    if block.kind == "table" and block.rows:
                        locate = _block_locator(doc.text, base + block.start, base + block.end, block.rows)
                        found += self.extractor.extract_rows(block.rows, locate, dominant_unit(text_quotas, base + block.start))
        return found


def _inside_tables(offsets: tuple[int, int], doc: Doc) -> bool:
    """Text quotas inside a table block are read cell by cell instead."""
    document = doc._.source_document
    if document is None:
        return False
    for page, base in zip(document.pages, document.page_starts()):
        for block in page.blocks:
            if block.kind == "table" and base + block.start <= offsets[0] < base + block.end:
                return True
    return False


def _block_locator(text: str, start: int, end: int, rows: list[list[str]]):
    """Find each cell of a table block, in reading order, inside the block's text range."""
    positions: dict[tuple[int, int], tuple[int, int]] = {}
    cursor = start
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            needle = " ".join(cell.split())
            if not needle:
                continue
            at = text.find(needle, cursor, end)
            if at >= 0:
                positions[(r, c)] = (at, at + len(needle))
                cursor = at + len(needle)
    return lambda r, c: positions.get((r, c))


@Language.factory("letter_header", default_config={"patterns": "header.jsonl", "use_model": True})
def make_letter_header(nlp: Language, name: str, patterns: str, use_model: bool) -> LetterHeaderComponent:
    return LetterHeaderComponent(patterns, use_model)


@Language.factory("deadlines", default_config={"patterns": "deadlines.jsonl", "actors": "actors.jsonl", "verbs": "verbs.jsonl"})
def make_deadlines(nlp: Language, name: str, patterns: str, actors: str, verbs: str) -> DeadlinesComponent:
    return DeadlinesComponent(patterns, actors, verbs)


@Language.factory("quotas", default_config={"patterns": "quotas.jsonl", "actors": "actors.jsonl", "verbs": "verbs.jsonl"})
def make_quotas(nlp: Language, name: str, patterns: str, actors: str, verbs: str) -> QuotasComponent:
    return QuotasComponent(patterns, actors, verbs)
