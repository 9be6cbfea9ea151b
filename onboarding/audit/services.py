"""Record HR's and administrators' actions, and read them back."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Select, select

from onboarding.audit.models import AuditEvent
from onboarding.auth.models import User
from onboarding.extensions import db


def _plain(value: Any) -> Any:
    """A value as JSON can hold it: dates as ISO text, enums by value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def record(
    actor: User | None,
    action: str,
    subject: tuple[str, int | None, str],
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an entry: ``actor`` did ``action`` to ``subject`` (type, id, readable label),
    changing ``before`` into ``after``. ``actor`` None is the system (a command or a rule).
    Flushes with the change it records, so both are committed together or not at all."""
    subject_type, subject_id, label = subject
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.full_name if actor is not None else "",
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        subject_label=label[:300],
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
    )
    db.session.add(event)
    db.session.flush()
    return event


def person(user: User) -> tuple[str, int, str]:
    """The subject for an action on a person."""
    return ("user", user.id, user.full_name)


def history_query(
    action: str = "", actor_id: int | None = None, subject: tuple[str, int] | None = None
) -> Select[tuple[AuditEvent]]:
    """Entries, newest first, optionally of one kind of action, by one actor, or about one
    subject."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if subject is not None:
        query = query.where(
            AuditEvent.subject_type == subject[0], AuditEvent.subject_id == subject[1]
        )
    return query
