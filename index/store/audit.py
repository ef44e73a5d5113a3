"""The audit log: every change made by a person, written in the same transaction as the change."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from minhchung.index.store.tables import AuditEvent


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    school_id: int | None = None,
) -> AuditEvent:
    """Add an audit event to ``session``; it commits or rolls back with the change it describes."""
    event = AuditEvent(
        actor=actor, action=action, entity=entity, entity_id=str(entity_id),
        before=_jsonable(before), after=_jsonable(after), school_id=school_id,
    )
    session.add(event)
    return event


def _jsonable(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {key: (value if isinstance(value, (str, int, float, bool, list, dict, type(None))) else str(value))
            for key, value in values.items()}
