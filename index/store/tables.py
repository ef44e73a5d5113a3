"""The system of record: SQLAlchemy 2 tables.

Originals live byte-for-byte in the content-addressed blob store; everything here except the
people's decisions (reviews, codes, accounts, audit) can be rebuilt from them. Schema changes
go through Alembic migrations in ``index/migrations``.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class School(Base):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    level: Mapped[str] = mapped_column(String(20), doc="mam_non, tieu_hoc, thcs, thpt, nhieu_cap, gdtx")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    periods: Mapped[list[Period]] = relationship(back_populates="school", order_by="Period.id")


class Period(Base):
    """An accreditation period: one self-assessment cycle under one framework."""

    __tablename__ = "periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    school_year: Mapped[str] = mapped_column(String(20), doc="e.g. 2026-2027")
    framework_id: Mapped[str] = mapped_column(String(40))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    frozen: Mapped[bool] = mapped_column(Boolean, default=False, doc="reviewers see a frozen snapshot")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    school: Mapped[School] = relationship(back_populates="periods")


class DocumentRow(Base):
    """One uploaded file of one school; the same bytes in the same school are one document."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("school_id", "sha256", name="uq_document_school_sha"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    strategy: Mapped[str | None] = mapped_column(String(20), doc="text-layer, ocr, mixed, docx, plain-text")
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True,
                                        doc="queued, processing, ready, failed")
    error: Mapped[str | None] = mapped_column(Text)
    ocr_confidence: Mapped[float | None] = mapped_column(Float)
    low_confidence_pages: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    pages: Mapped[list[PageRow]] = relationship(back_populates="document", order_by="PageRow.number",
                                                cascade="all, delete-orphan")
    fields: Mapped[list[FieldRow]] = relationship(back_populates="document", cascade="all, delete-orphan")


class PageRow(Base):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("document_id", "number", name="uq_page_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    strategy: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[float | None] = mapped_column(Float)
    low_confidence: Mapped[bool] = mapped_column(Boolean, default=False)
    width: Mapped[float] = mapped_column(Float, default=595.0)
    height: Mapped[float] = mapped_column(Float, default=842.0)
    layout: Mapped[dict | None] = mapped_column(JSON, doc="blocks/lines/words with boxes (ingest.Page)")

    document: Mapped[DocumentRow] = relationship(back_populates="pages")


class FieldRow(Base):
    """An extracted value with provenance (page, character span) or a person's correction."""

    __tablename__ = "fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(50), doc="doc_type, number, issuer, issued_date, subject, …")
    value: Mapped[str | None] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)
    start: Mapped[int | None] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(20), default="parser", doc="parser or person")

    document: Mapped[DocumentRow] = relationship(back_populates="fields")


class EvidenceItem(Base):
    """An entry of the evidence list (danh mục minh chứng) of one school, period and framework."""

    __tablename__ = "evidence_items"
    __table_args__ = (UniqueConstraint("school_id", "period_id", "code", name="uq_evidence_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    framework_id: Mapped[str] = mapped_column(String(40))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    code: Mapped[str | None] = mapped_column(String(40), doc="allocated on confirmation; stable")
    root_criterion: Mapped[str | None] = mapped_column(String(10))
    box: Mapped[int | None] = mapped_column(Integer, doc="hộp number of 2018 codes [Hn-…]")
    seq: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    number: Mapped[str | None] = mapped_column(String(100))
    issued_date: Mapped[date | None] = mapped_column(Date)
    issuer: Mapped[str | None] = mapped_column(String(300))
    doc_type: Mapped[str | None] = mapped_column(String(40))
    location: Mapped[str | None] = mapped_column(Text, doc="định dạng, vị trí lưu trữ hoặc đường dẫn")
    note: Mapped[str | None] = mapped_column(Text)
    legacy_code: Mapped[str | None] = mapped_column(String(40), doc="mã cũ under a 2018 framework")
    status: Mapped[str] = mapped_column(String(20), default="suggested", index=True,
                                        doc="suggested, confirmed, rejected")
    version: Mapped[int] = mapped_column(Integer, default=1, doc="optimistic lock")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    criteria: Mapped[list[EvidenceCriterion]] = relationship(back_populates="item", cascade="all, delete-orphan",
                                                             order_by="EvidenceCriterion.rank")


class EvidenceCriterion(Base):
    """Link evidence ↔ criterion: a suggestion (with score and reason) or a person's decision."""

    __tablename__ = "evidence_criteria"

    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id", ondelete="CASCADE"), primary_key=True)
    criterion: Mapped[str] = mapped_column(String(10), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="suggested", doc="suggested, confirmed, rejected")
    rank: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(Text)
    indicator: Mapped[str | None] = mapped_column(String(20), doc="indicator it supports, e.g. 'Mức 1'")

    item: Mapped[EvidenceItem] = relationship(back_populates="criteria")


class CodeCounter(Base):
    """Next sequence number per (school, period, framework, criterion): codes are never reused."""

    __tablename__ = "code_counters"

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), primary_key=True)
    framework_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    criterion: Mapped[str] = mapped_column(String(10), primary_key=True)
    next_seq: Mapped[int] = mapped_column(Integer, default=1)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), doc="admin, secretary, member, reviewer")
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    period_id: Mapped[int | None] = mapped_column(ForeignKey("periods.id"), doc="reviewer limited to one period")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SessionRow(Base):
    __tablename__ = "sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """Who changed what, when, from what to what. Written in the same transaction as the change."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(100))
    school_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


class Job(Base):
    """A unit of background work (OCR/extraction/indexing of one document); survives crashes."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), default="ingest")
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True,
                                        doc="queued, running, done, failed")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    worker: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Directive(Base):
    """An incoming directive and what was read from it (fields, deadlines, quotas as JSON)."""

    __tablename__ = "directives"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    extraction: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    tasks: Mapped[list[Task]] = relationship(back_populates="directive", cascade="all, delete-orphan")


class Task(Base):
    """A deadline of a directive as a to-do: due date (or yearly recurrence), action, who."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    directive_id: Mapped[int] = mapped_column(ForeignKey("directives.id", ondelete="CASCADE"), index=True)
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    recurring: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str | None] = mapped_column(Text)
    who: Mapped[str | None] = mapped_column(Text)
    quote: Mapped[str | None] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)
    done: Mapped[bool] = mapped_column(Boolean, default=False)

    directive: Mapped[Directive] = relationship(back_populates="tasks")


class EmbeddingCache(Base):
    """Vectors keyed by sha256(text) and embedder id, as raw float32 bytes (never pickled)."""

    __tablename__ = "embedding_cache"

    text_sha: Mapped[str] = mapped_column(String(64), primary_key=True)
    embedder: Mapped[str] = mapped_column(String(100), primary_key=True)
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
