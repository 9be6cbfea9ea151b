"""Helpers for the audit tests: who acts, and the entries an action leaves."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select

from onboarding.audit.models import AuditEvent
from onboarding.auth.models import Role, User
from onboarding.extensions import db
from tests.factories import create_user


def last_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def entries_after(start: int) -> list[AuditEvent]:
    """The entries recorded after the one with id ``start``, oldest first."""
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.id > start).order_by(AuditEvent.id))
    )


@pytest.fixture
def recorded(appctx: Flask) -> Callable[[], list[AuditEvent]]:
    """Call it to get the entries recorded since the last call (or since the test began)."""
    mark = [last_id()]

    def new_entries() -> list[AuditEvent]:
        found = entries_after(mark[0])
        mark[0] = last_id()
        return found

    return new_entries


@pytest.fixture
def hr(appctx: Flask) -> User:
    return create_user("hr@tynset.example", roles=(Role.HR,), first_name="Hanne")


def subject(event: AuditEvent) -> tuple[str, int | None, str]:
    return (event.subject_type, event.subject_id, event.subject_label)
