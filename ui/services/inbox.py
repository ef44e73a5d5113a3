"""The inbox: files people upload, their processing status, and the review queue.

Like Paperless's inbox, "suggested" is a state a person clears: the queue lists evidence items
whose criteria were suggested by the machine and not yet confirmed or rejected. Uploading hands
files to the ingestion service (originals stored, OCR queued for the background workers);
nothing here reads a file. Decisions (confirm, change criterion, reject) go to
``minhchung.index.review``, after this module has checked the permission.
"""

from __future__ import annotations

import importlib
from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from minhchung.index.store import DocumentRow, EvidenceItem
from minhchung.ingest.errors import MinhchungError
from minhchung.ui.context import AppContext
from minhchung.ui.services import ingestion
from minhchung.ui.services.auth import CurrentUser, require


class FeatureUnavailableError(MinhchungError):
    """A part of the system this action needs is not installed in this build."""

    def __init__(self, feature_vi: str, module: str) -> None:
        super().__init__(f"{module} is not available in this build.",
                         f"Chức năng “{feature_vi}” chưa có trong phiên bản này.")


@dataclass(frozen=True)
class BatchStatus:
    total: int
    queued: int
    processing: int
    ready: int
    failed: int
    errors: tuple[tuple[str, str], ...]

    @property
    def done(self) -> int:
        return self.ready + self.failed

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


@dataclass(frozen=True)
class SuggestedCriterion:
    criterion: str
    score: float | None
    reason: str | None
    status: str


@dataclass(frozen=True)
class QueueItem:
    item_id: int
    document_id: int | None
    filename: str | None
    sha256: str | None
    page_count: int
    title: str
    doc_type: str | None
    number: str | None
    issued_date: date | None
    issuer: str | None
    suggestions: tuple[SuggestedCriterion, ...]

    @property
    def confidence(self) -> float:
        scores = [s.score for s in self.suggestions if s.score is not None]
        return max(scores) if scores else 0.0


def upload(context: AppContext, user: CurrentUser, files: list[tuple[str, bytes]]) -> list[ingestion.SubmitResult]:
    """Store and queue each file; a bad file gets its own error, the others go on."""
    require(user, "upload", user.school_id)
    return [ingestion.submit(context, data, filename=name, school_id=user.school_id, actor=user.username)
            for name, data in files]


def batch_status(context: AppContext, user: CurrentUser, document_ids: list[int]) -> BatchStatus:
    """How far the background workers are with the given documents of the user's school."""
    require(user, "read", user.school_id)
    with context.db.session() as session:
        rows = session.execute(
            select(DocumentRow.filename, DocumentRow.status, DocumentRow.error)
            .where(DocumentRow.id.in_(document_ids), DocumentRow.school_id == user.school_id)
        ).all()
    counts = Counter(status for _, status, _ in rows)
    return BatchStatus(total=len(rows), queued=counts["queued"], processing=counts["processing"],
                       ready=counts["ready"], failed=counts["failed"],
                       errors=tuple((name, error or "") for name, status, error in rows if status == "failed"))


def review_queue(context: AppContext, user: CurrentUser, period_id: int, limit: int = 50) -> list[QueueItem]:
    """Items of the period still waiting for a person, newest first, with their top-3 suggestions."""
    require(user, "read", user.school_id, period_id)
    with context.db.session() as session:
        items = session.execute(
            select(EvidenceItem)
            .where(EvidenceItem.school_id == user.school_id, EvidenceItem.period_id == period_id,
                   EvidenceItem.status == "suggested")
            .options(selectinload(EvidenceItem.criteria))
            .order_by(EvidenceItem.id.desc()).limit(limit)
        ).scalars().all()
        documents = {d.id: d for d in session.execute(
            select(DocumentRow).where(DocumentRow.id.in_([i.document_id for i in items if i.document_id]))
        ).scalars()}
        return [
            QueueItem(
                item_id=item.id, document_id=item.document_id,
                filename=documents[item.document_id].filename if item.document_id in documents else None,
                sha256=documents[item.document_id].sha256 if item.document_id in documents else None,
                page_count=documents[item.document_id].page_count if item.document_id in documents else 0,
                title=item.title, doc_type=item.doc_type, number=item.number, issued_date=item.issued_date,
                issuer=item.issuer,
                suggestions=tuple(SuggestedCriterion(c.criterion, c.score, c.reason, c.status)
                                  for c in sorted(item.criteria, key=lambda c: c.rank)[:3]),
            )
            for item in items
        ]


def _review_module():
    try:
        return importlib.import_module("minhchung.index.review")
    except ModuleNotFoundError as error:
        if error.name and "minhchung.index.review".startswith(error.name):
            raise FeatureUnavailableError("xác nhận minh chứng", "minhchung.index.review") from error
        raise


def confirm(context: AppContext, user: CurrentUser, item_id: int, criteria: list[str]) -> None:
    """Confirm an item under ``criteria`` (the first is its root: it gets the code)."""
    period_id, version = _item_state(context, user, item_id)
    require(user, "confirm", user.school_id, period_id)
    review = _review_module()
    item = review.confirm(context.db, item_id, criteria[0], actor=user.username, expected_version=version)
    for extra in criteria[1:]:
        item = review.link_criterion(context.db, item_id, extra, actor=user.username, expected_version=item.version)


def reject(context: AppContext, user: CurrentUser, item_id: int) -> None:
    period_id, version = _item_state(context, user, item_id)
    require(user, "confirm", user.school_id, period_id)
    _review_module().reject(context.db, item_id, actor=user.username, expected_version=version)


def bulk_confirm(context: AppContext, user: CurrentUser, period_id: int, min_score: float) -> int:
    """Confirm the top suggestion of every queued item scoring at least ``min_score``; returns count."""
    require(user, "confirm", user.school_id, period_id)
    return len(_review_module().bulk_confirm(context.db, actor=user.username, school_id=user.school_id,
                                             period_id=period_id, min_score=min_score))


def _item_state(context: AppContext, user: CurrentUser, item_id: int) -> tuple[int, int]:
    """(period, version) of an item of the user's school; another school's item is refused."""
    with context.db.session() as session:
        item = session.get(EvidenceItem, item_id)
        if item is None or item.school_id != user.school_id:
            require(user, "read", None)  # same refusal as for another school's data
        return item.period_id, item.version
