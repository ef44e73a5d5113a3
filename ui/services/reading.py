"""The reading stages run on every extracted document, in order:

1. :class:`LetterFields` — number, issuer, date, type, subject… with provenance (page, span);
2. :class:`CriterionSuggestions` — a suggested evidence item in the review queue, pre-filled
   from the letter fields, with the top criteria of the period's framework and their reasons;
3. :class:`SearchIndex` — chunks, vectors and the document card into the search index.

Each stage is an object built once per worker (models load once) and called as
``stage(context, document_id, document)``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import delete, func, select

from minhchung.index.indexing import Indexer, load_indexable_documents
from minhchung.index.review import SuggestedCriterion, create_suggested_item
from minhchung.index.store import DocumentRow, EvidenceCriterion, EvidenceItem, FieldRow, Period
from minhchung.index.vectorstore import IndexLockedError
from minhchung.ingest.document import Document
from minhchung.ingest.errors import MinhchungError
from minhchung.nlp.directives import DirectiveExtraction, DirectiveReader
from minhchung.ui.context import AppContext

SUGGESTIONS_KEPT = 3
LETTER_FIELDS = ("doc_type", "number", "issuer", "issuer_parent", "issued_date", "place", "subject", "signer",
                 "signer_authority")


class IndexBusyError(MinhchungError):
    """Another process (the running app) owns the search index."""


class IndexingError(MinhchungError):
    """A document could not be put into the search index."""


def default_stages(context: AppContext) -> list:
    """The stages in order; raises :class:`IndexBusyError` when the index is owned elsewhere."""
    try:
        index_stage = SearchIndex(context)
    except IndexLockedError as locked:
        raise IndexBusyError(
            f"The search index is in use by the running app ({locked}); files were queued and the app "
            "will read them.",
            "Chỉ mục tìm kiếm đang được ứng dụng web sử dụng: các tệp đã được xếp hàng và ứng dụng sẽ tự "
            "đọc chúng (xem trang “Tải lên minh chứng”).",
        ) from locked
    return [LetterFields(), CriterionSuggestions(context), index_stage]


class LetterFields:
    """Read the letter header and keep each field with its page and character span."""

    def __init__(self) -> None:
        self.reader = DirectiveReader.load()

    def __call__(self, context: AppContext, document_id: int, document: Document) -> DirectiveExtraction:
        extraction = self.reader.extract(document)
        header = extraction.header
        values = {name: getattr(header, name, None) for name in LETTER_FIELDS}
        values["doc_type"] = extraction.doc_type
        with context.db.write() as session:
            session.execute(delete(FieldRow).where(FieldRow.document_id == document_id, FieldRow.source == "parser"))
            for name, value in values.items():
                if value in (None, ""):
                    continue
                span = header.spans.get(name)
                page = document.span_at(*span) if span else None
                session.add(FieldRow(
                    document_id=document_id, name=name, value=str(value), source="parser",
                    page=page.page if page else None, start=page.start if page else None, end=page.end if page else None,
                    confidence=extraction.doc_type_confidence if name == "doc_type" else None,
                ))
        return extraction


class CriterionSuggestions:
    """Put the document in the review queue with suggested criteria (unless it is already there).

    Confirmations made while the worker runs become exemplars before the next document, but the
    confirmed items are re-read only when they changed (one small aggregate query per document
    instead of every confirmed item and its criteria)."""

    def __init__(self, context: AppContext) -> None:
        from minhchung.nlp.letter_header import load_doctypes
        from minhchung.ui.services.suggestions import SuggesterPool

        self.pool = SuggesterPool(context, context.settings.suggest.embedder)
        self.type_names = {t.id: t.name for t in load_doctypes() if t.id != "khac"}
        self._learnt: dict[str, tuple] = {}  # framework → state of its confirmations when last learnt

    def __call__(self, context: AppContext, document_id: int, document: Document) -> None:
        with context.db.session() as session:
            row = session.get(DocumentRow, document_id)
            if session.execute(select(EvidenceItem.id).filter_by(document_id=document_id)).first():
                return
            period = session.execute(
                select(Period).filter_by(school_id=row.school_id).order_by(Period.id.desc())
            ).scalars().first()
            fields = {f.name: f.value for f in row.fields}
            filename, school_id = row.filename, row.school_id
        title = evidence_title(fields, filename, self.type_names)
        self._learn_confirmations(context, period.framework_id)
        suggester = self.pool.get(period.framework_id)
        result = suggester.suggest(title, text=document.text[:3000], k=SUGGESTIONS_KEPT)
        create_suggested_item(
            context.db, actor="system", school_id=school_id, period_id=period.id, framework_id=period.framework_id,
            title=title, document_id=document_id, number=fields.get("number"),
            issued_date=_iso_date(fields.get("issued_date")), issuer=fields.get("issuer"), doc_type=fields.get("doc_type"),
            location=filename,
            suggestions=[SuggestedCriterion(s.criterion, s.score, s.reason) for s in result.suggestions],
        )

    def _learn_confirmations(self, context: AppContext, framework_id: str) -> None:
        """Confirmations made since this worker started become exemplars now (no retraining)."""
        state = confirmations_state(context, framework_id)  # read before refreshing: nothing slips between
        if self._learnt.get(framework_id) != state:
            self.pool.refresh(framework_id)
            self._learnt[framework_id] = state


def confirmations_state(context: AppContext, framework_id: str) -> tuple:
    """Changes whenever a (title, criterion) pair of the framework may have been confirmed:
    the number of confirmed links, and the versions and last update of confirmed items (an
    edit or a new link bumps the item's version)."""
    with context.db.session() as session:
        return tuple(session.execute(
            select(func.count(EvidenceCriterion.item_id), func.sum(EvidenceItem.version),
                   func.max(EvidenceItem.updated_at))
            .join(EvidenceCriterion, EvidenceCriterion.item_id == EvidenceItem.id)
            .where(EvidenceItem.framework_id == framework_id, EvidenceItem.status == "confirmed",
                   EvidenceCriterion.status == "confirmed")
        ).one())


class SearchIndex:
    """Index the document with the metadata of its evidence item (title, codes, criteria)."""

    def __init__(self, context: AppContext) -> None:
        self.indexer = Indexer(context.vectors, context.embedder)

    def __call__(self, context: AppContext, document_id: int, document: Document) -> None:
        report = self.indexer.index_documents(load_indexable_documents(context.db, [document_id]))
        if report.failures:
            _, reason = report.failures[0]
            raise IndexingError(f"Indexing failed: {reason}", f"Không đưa được tài liệu vào chỉ mục tìm kiếm: {reason}")


def evidence_title(fields: dict[str, str], filename: str, type_names: dict[str, str]) -> str:
    """How a secretary names an item: "Quyết định 12/QĐ-THCS về việc …", else the file name.

    ``type_names`` maps document type ids to their names (``khac`` left out: no name is better)."""
    subject = (fields.get("subject") or "").strip()
    if not subject:
        return Path(filename).stem.replace("_", " ").replace("-", " ").strip() or filename
    type_name = type_names.get(fields.get("doc_type") or "")
    number = fields.get("number")
    lead = " ".join(part for part in (type_name, number) if part)
    if subject.lower().startswith("v/v"):
        subject = "về việc " + subject[3:].strip()
    return f"{lead} {subject}".strip() if lead else subject


def _iso_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
