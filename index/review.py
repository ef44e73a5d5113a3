"""Review of evidence items: suggested → confirmed (coded) or rejected, by a named person.

Why a service and not page code: the CLI, the Streamlit review queue and the importer must obey
the same rules (DESIGN §3):

* a code is allocated once, on first confirmation, from the framework's template via
  :func:`allocate_seq` inside ``Database.write()`` — two secretaries confirming at once never
  get the same code;
* an item that supports several criteria keeps the code of its first (root) criterion and is
  cited by it under the others (CV 5932 rule, TT57 Phụ lục IV);
* codes are never renumbered silently: only :func:`renumber`, called explicitly, closes gaps;
* every change writes an audit event in the same transaction;
* every change names the ``expected_version`` the person saw; if someone else changed the item
  since, :class:`ConflictError` says so instead of overwriting their work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from minhchung.index.codes import allocate_seq
from minhchung.index.store import AuditEvent, CodeCounter, Database, EvidenceCriterion, EvidenceItem
from minhchung.index.store.audit import record
from minhchung.index.store.tables import utcnow
from minhchung.ingest.errors import MinhchungError
from minhchung.nlp.frameworks import Framework, load_framework

EDITABLE_FIELDS = frozenset({"title", "number", "issued_date", "issuer", "doc_type", "location", "note", "box"})


class ReviewError(MinhchungError):
    """A review action that cannot be applied (unknown item, criterion, field)."""


class ConflictError(ReviewError):
    """The item changed since the person loaded it (optimistic locking)."""

    def __init__(self, item_id: int, expected: int, actual: int, by: str | None) -> None:
        who = f" by {by}" if by else ""
        who_vi = f" (người sửa: {by})" if by else ""
        super().__init__(
            f"Evidence item {item_id} was changed{who} since you opened it (version {expected} → {actual}); reload and retry.",
            f"Minh chứng #{item_id} vừa được người khác sửa{who_vi}; hãy tải lại rồi thao tác lại.",
        )
        self.item_id, self.expected, self.actual = item_id, expected, actual


@dataclass(frozen=True)
class SuggestedCriterion:
    """A criterion suggestion to store with a new item (from the suggester or a mapping table)."""

    criterion: str
    score: float | None
    reason: str | None


def snapshot(item: EvidenceItem) -> dict:
    """The audited view of an item: its fields, status, code and linked criteria."""
    return {
        "title": item.title, "number": item.number, "issued_date": item.issued_date, "issuer": item.issuer,
        "doc_type": item.doc_type, "location": item.location, "note": item.note, "box": item.box,
        "status": item.status, "code": item.code, "root_criterion": item.root_criterion, "version": item.version,
        "criteria": {link.criterion: link.status for link in item.criteria},
    }


def _load(session: Session, item_id: int, expected_version: int | None) -> EvidenceItem:
    item = session.get(EvidenceItem, item_id)
    if item is None:
        raise ReviewError(f"No evidence item {item_id}.", f"Không có minh chứng #{item_id}.")
    if expected_version is not None and item.version != expected_version:
        last = session.execute(select(AuditEvent.actor).filter_by(entity="evidence_item", entity_id=str(item_id))
                               .order_by(AuditEvent.id.desc())).scalars().first()
        raise ConflictError(item_id, expected_version, item.version, last)
    return item


def _criterion(framework: Framework, criterion: str) -> None:
    if criterion not in {c.id for c in framework.criteria()}:
        raise ReviewError(f"Criterion {criterion} does not exist in {framework.id}.",
                          f"Tiêu chí {criterion} không có trong bộ tiêu chuẩn {framework.id}.")


def _link(item: EvidenceItem, criterion: str, status: str) -> EvidenceCriterion:
    """Set the status of an item ↔ criterion link; touching the item bumps its version."""
    item.updated_at = utcnow()
    for link in item.criteria:
        if link.criterion == criterion:
            link.status = status
            return link
    link = EvidenceCriterion(criterion=criterion, status=status, rank=len(item.criteria))
    item.criteria.append(link)
    return link


def _audit(session: Session, item: EvidenceItem, actor: str, action: str, before: dict | None) -> None:
    session.flush()
    record(session, actor=actor, action=action, entity="evidence_item", entity_id=item.id,
           before=before, after=snapshot(item), school_id=item.school_id)


def create_suggested_item(
    db: Database, *, actor: str, school_id: int, period_id: int, framework_id: str, title: str,
    suggestions: Sequence[SuggestedCriterion] = (), document_id: int | None = None, number: str | None = None,
    issued_date: date | None = None, issuer: str | None = None, doc_type: str | None = None,
    location: str | None = None, note: str | None = None, legacy_code: str | None = None, box: int | None = None,
) -> EvidenceItem:
    """A new item in the review queue; letter fields (number, date, issuer, type) pre-fill it."""
    framework = load_framework(framework_id)
    for suggestion in suggestions:
        _criterion(framework, suggestion.criterion)
    with db.write() as session:
        item = EvidenceItem(school_id=school_id, period_id=period_id, framework_id=framework_id, title=title,
                            document_id=document_id, number=number, issued_date=issued_date, issuer=issuer,
                            doc_type=doc_type, location=location, note=note, legacy_code=legacy_code, box=box,
                            status="suggested")
        item.criteria = [EvidenceCriterion(criterion=s.criterion, status="suggested", rank=rank, score=s.score,
                                           reason=s.reason) for rank, s in enumerate(suggestions)]
        session.add(item)
        _audit(session, item, actor, "evidence.create", None)
    return item


def confirm(db: Database, item_id: int, criterion: str, *, actor: str, expected_version: int,
            box: int | None = None) -> EvidenceItem:
    """Confirm ``criterion`` for an item; the first confirmation allocates its code.

    2018 templates need a box (hộp): the item's own, else ``box``, else the standard number.
    An already coded item keeps its code and is only linked (shared evidence).
    """
    with db.write() as session:
        item = _load(session, item_id, expected_version)
        framework = load_framework(item.framework_id)
        _criterion(framework, criterion)
        before = snapshot(item)
        if item.code is None:
            standard = int(criterion.split(".")[0])
            seq = allocate_seq(session, school_id=item.school_id, period_id=item.period_id,
                               framework_id=item.framework_id, criterion=criterion)
            needs_box = "{box" in framework.code.template
            item.box = (item.box or box or standard) if needs_box else item.box
            item.code = framework.code.format(criterion, seq, item.box)
            item.seq, item.root_criterion = seq, criterion
        item.status = "confirmed"
        _link(item, criterion, "confirmed")
        _audit(session, item, actor, "evidence.confirm", before)
    return item


def link_criterion(db: Database, item_id: int, criterion: str, *, actor: str, expected_version: int) -> EvidenceItem:
    """Cite a confirmed item under one more criterion; it keeps its one code."""
    with db.write() as session:
        item = _load(session, item_id, expected_version)
        if item.code is None:
            raise ReviewError(f"Item {item_id} has no code yet: confirm it first.",
                              f"Minh chứng #{item_id} chưa có mã: hãy xác nhận trước khi dùng chung.")
        _criterion(load_framework(item.framework_id), criterion)
        before = snapshot(item)
        _link(item, criterion, "confirmed")
        _audit(session, item, actor, "evidence.link", before)
    return item


def reject(db: Database, item_id: int, *, actor: str, expected_version: int, criterion: str | None = None) -> EvidenceItem:
    """Reject one suggested criterion, or (no ``criterion``) the whole item. A code stays allocated."""
    with db.write() as session:
        item = _load(session, item_id, expected_version)
        before = snapshot(item)
        if criterion is None:
            item.status = "rejected"
        else:
            _link(item, criterion, "rejected")
        _audit(session, item, actor, "evidence.reject", before)
    return item


def update_fields(db: Database, item_id: int, *, actor: str, expected_version: int, **fields) -> EvidenceItem:
    """Edit the descriptive fields (pre-filled from the letter); codes are not editable here."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ReviewError(f"Fields {sorted(unknown)} cannot be edited.",
                          f"Không sửa được các trường {sorted(unknown)}.")
    with db.write() as session:
        item = _load(session, item_id, expected_version)
        before = snapshot(item)
        for name, value in fields.items():
            setattr(item, name, value)
        _audit(session, item, actor, "evidence.update", before)
    return item


def bulk_confirm(db: Database, *, actor: str, school_id: int, period_id: int, min_score: float) -> list[EvidenceItem]:
    """Confirm the top suggestion of every queued item scoring at least ``min_score``."""
    with db.session() as session:
        queued = session.execute(select(EvidenceItem).filter_by(school_id=school_id, period_id=period_id,
                                                                status="suggested").order_by(EvidenceItem.id)).scalars().all()
        plan = [(item.id, item.version, top.criterion) for item in queued
                for top in [min(item.criteria, key=lambda link: link.rank, default=None)]
                if top is not None and top.status == "suggested" and (top.score or 0.0) >= min_score]
    return [confirm(db, item_id, criterion, actor=actor, expected_version=version) for item_id, version, criterion in plan]


def renumber(db: Database, *, actor: str, school_id: int, period_id: int, criterion: str) -> dict[str, str]:
    """Close the gaps in one criterion's codes (explicit action only); returns old → new codes."""
    changes: dict[str, str] = {}
    with db.write() as session:
        items = session.execute(select(EvidenceItem).filter_by(school_id=school_id, period_id=period_id,
                                                               root_criterion=criterion)
                                .where(EvidenceItem.code.is_not(None)).order_by(EvidenceItem.seq)).scalars().all()
        if not items:
            return changes
        framework = load_framework(items[0].framework_id)
        for new_seq, item in enumerate(items, start=1):
            if item.seq == new_seq:
                continue
            before = snapshot(item)
            item.seq = new_seq
            item.code = framework.code.format(criterion, new_seq, item.box)
            changes[before["code"]] = item.code
            _audit(session, item, actor, "evidence.renumber", before)
        counter = session.execute(select(CodeCounter).filter_by(school_id=school_id, period_id=period_id,
                                                                framework_id=items[0].framework_id,
                                                                criterion=criterion)).scalar_one()
        counter.next_seq = len(items) + 1
    return changes


def remap_legacy(db: Database, *, actor: str, school_id: int, source_period_id: int, target_period_id: int,
                 target_framework_id: str,
                 suggest: Callable[[str], Sequence[SuggestedCriterion]]) -> list[EvidenceItem]:
    """Carry confirmed items of a 2018-coded period into a TT57 period as suggestions.

    The old code goes to ``legacy_code`` ("Mã cũ"). Suggested criteria come from the legacy
    framework's ``mapping_to`` table when it covers the root criterion, else from ``suggest``
    (the suggester on the title). The secretary still confirms each one.
    """
    with db.session() as session:
        legacy = session.execute(select(EvidenceItem).filter_by(school_id=school_id, period_id=source_period_id,
                                                                status="confirmed").order_by(EvidenceItem.id)).scalars().all()
        rows = [(i.title, i.code, i.root_criterion, i.framework_id, i.number, i.issued_date, i.issuer, i.doc_type,
                 i.location, i.document_id) for i in legacy]
    created = []
    for title, code, root, framework_id, number, issued, issuer, doc_type, location, document_id in rows:
        mapping = load_framework(framework_id).mapping_to
        entry = next((e for e in mapping.entries if e.from_ == root), None) if mapping and mapping.target == target_framework_id else None
        if entry is not None:
            suggestions = [SuggestedCriterion(c, None, f"bảng đối chiếu {framework_id} {root} → {c}: {entry.basis}")
                           for c in entry.to]
        else:
            suggestions = list(suggest(title))
        created.append(create_suggested_item(
            db, actor=actor, school_id=school_id, period_id=target_period_id, framework_id=target_framework_id,
            title=title, suggestions=suggestions, document_id=document_id, number=number, issued_date=issued,
            issuer=issuer, doc_type=doc_type, location=location, legacy_code=code))
    return created
