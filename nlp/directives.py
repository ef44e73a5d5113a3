"""Façade: read a directive (any ingested Document, or plain text) into fields, deadlines, quotas.

``DirectiveReader.load()`` builds the spaCy pipeline from ``nlp/pipeline.cfg`` once;
``reader.extract(document)`` returns a :class:`DirectiveExtraction` whose ``to_json_dict()`` is
the DESIGN §4 shape of ``minhchung directives extract``. Every deadline and quota carries a
:class:`~minhchung.ingest.document.Span` (page + offsets in that page's normalised text).
Empty, binary or non-Vietnamese input yields an empty result with a warning, never an error.
"""

from __future__ import annotations

import re
import unicodedata
from importlib.resources import files
from typing import Any

import spacy
from pydantic import BaseModel, Field
from spacy.language import Language
from thinc.api import Config

from minhchung.ingest.document import Document
from minhchung.nlp import components
from minhchung.nlp.deadlines import Deadline
from minhchung.nlp.doctype import DocTypeGuess
from minhchung.nlp.letter_header import LetterHeader
from minhchung.nlp.quotas import Quota
from minhchung.nlp.textview import fold_view

# Syllables that occur in almost every Vietnamese administrative text (folded).
_VIETNAMESE_MARKERS = re.compile(r"(?<!\w)(?:cac|va|cua|ngay|thang|nam|truong|so|theo|thuc hien|giao duc|nhung|duoc|voi|trong)(?!\w)")
_MAX_CHARS = 400_000


class DirectiveExtraction(BaseModel):
    """Everything read from one letter. ``to_json_dict`` is the stable CLI/JSON shape."""

    document_id: str
    filename: str
    doc_type: str | None = None
    doc_type_confidence: float = 0.0
    doc_type_source: str | None = None
    header: LetterHeader = Field(default_factory=LetterHeader)
    deadlines: list[Deadline] = Field(default_factory=list)
    quotas: list[Quota] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        header = self.header
        return {
            "doc_type": self.doc_type,
            "number": header.number,
            "issuer": header.issuer,
            "issued_date": header.issued_date,
            "place": header.place,
            "subject": header.subject,
            "recipients": list(header.recipients),
            "signer": header.signer,
            "deadlines": [
                {**d.model_dump(include={"date", "recurring", "relative", "mod", "action", "who", "quote", "page",
                                         "grain", "start"}),
                 "span": d.span.model_dump() if d.span else None}
                for d in self.deadlines
            ],
            "quotas": [
                {**q.model_dump(include={"quantity", "unit", "what", "who_or_where", "quote", "page", "row", "column", "mod"}),
                 "span": q.span.model_dump() if q.span else None}
                for q in self.quotas
            ],
            "doc_type_confidence": self.doc_type_confidence,
            "doc_type_source": self.doc_type_source,
            "issuer_parent": header.issuer_parent,
            "issued_month": header.issued_month,
            "signer_authority": header.signer_authority,
            "cc": list(header.cc),
            "document_id": self.document_id,
            "filename": self.filename,
            "warnings": list(self.warnings),
        }


def readability_problem(text: str) -> str | None:
    """Why a text cannot be a Vietnamese letter (empty, binary, other language), or None."""
    stripped = text.strip()
    if not stripped:
        return "empty text / văn bản rỗng"
    printable = sum(ch.isprintable() or ch in "\n\t\f" for ch in stripped)
    if printable / len(stripped) < 0.9 or sum(unicodedata.category(c) == "Co" for c in stripped) > 10:
        return "binary or garbled text / dữ liệu nhị phân hoặc lỗi mã hóa"
    words = fold_view(stripped[:20_000]).split()
    if len(words) >= 5 and len(_VIETNAMESE_MARKERS.findall(" ".join(words))) / len(words) < 0.02:
        return "not Vietnamese text / không phải văn bản tiếng Việt"
    if len(words) < 5:
        return "too little text / quá ít chữ để đọc"
    return None


class DirectiveReader:
    """Holds the loaded pipeline; create with :meth:`load` once, call :meth:`extract` many times."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp

    @classmethod
    def load(cls, config_text: str | None = None) -> DirectiveReader:
        components.register_extensions()
        text = config_text or files("minhchung.nlp").joinpath("pipeline.cfg").read_text(encoding="utf-8")
        nlp = spacy.util.load_model_from_config(Config().from_str(text), auto_fill=True)
        return cls(nlp)

    def extract(self, document: Document, *, raw_text: str | None = None) -> DirectiveExtraction:
        """Read one document. ``raw_text`` (the text before normalisation) lets tab-aligned
        tables in plain text be read cell by cell."""
        result = DirectiveExtraction(document_id=document.id, filename=document.filename)
        text = document.text
        problem = readability_problem(text)
        if problem:
            result.warnings.append(f"{document.filename}: {problem}")
            return result
        if len(text) > _MAX_CHARS:
            result.warnings.append(f"{document.filename}: only the first {_MAX_CHARS} characters were read")
            text = text[:_MAX_CHARS]
        doc = self.nlp.make_doc(text)
        doc._.source_document = document
        doc._.raw_text = raw_text
        for _, component in self.nlp.pipeline:
            doc = component(doc)
        header: LetterHeader = doc._.letter or LetterHeader()
        guess: DocTypeGuess | None = doc._.doctype
        result.header = header
        if guess is not None:
            result.doc_type, result.doc_type_confidence, result.doc_type_source = guess.id, guess.confidence, guess.source
        for item in list(doc._.deadlines or []) + list(doc._.quotas or []):
            span = document.span_at(*item.offsets)
            item.span = span
            item.page = span.page
        result.deadlines = list(doc._.deadlines or [])
        result.quotas = list(doc._.quotas or [])
        return result

    def extract_text(self, text: str, *, document_id: str = "text", filename: str = "text.txt") -> DirectiveExtraction:
        """Plain text in, extraction out (tables aligned with tabs are read from the raw text)."""
        return self.extract(Document.from_text(text, document_id=document_id, filename=filename), raw_text=text)
