"""The system of record (SQLAlchemy 2 over SQLite WAL, or PostgreSQL): tables, sessions, audit."""

from minhchung.index.store.database import Database
from minhchung.index.store.tables import (
    AuditEvent,
    Base,
    CodeCounter,
    Directive,
    DocumentRow,
    EmbeddingCache,
    EvidenceCriterion,
    EvidenceItem,
    FieldRow,
    Job,
    PageRow,
    Period,
    School,
    SessionRow,
    Task,
    User,
)

__all__ = [
    "AuditEvent", "Base", "CodeCounter", "Database", "Directive", "DocumentRow", "EmbeddingCache",
    "EvidenceCriterion", "EvidenceItem", "FieldRow", "Job", "PageRow", "Period", "School",
    "SessionRow", "Task", "User",
]
