"""What needs HR now: the page HR and admin land on, gathered from each area's own rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from onboarding.attendance.services import SessionSummary, sessions_ahead
from onboarding.auth import throttle
from onboarding.auth.models import Role, User
from onboarding.certificates.models import Certificate
from onboarding.certificates.register import awaiting_reissue
from onboarding.cohorts.models import CohortMember
from onboarding.cohorts.services import (
    placement_counts,
    unplaced_query,
    unplaced_reason,
    waiting_query,
)
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.notifications.models import Notification
from onboarding.notifications.services import undelivered
from onboarding.people.models import ImportBatch

SESSIONS_AHEAD_DAYS = 14
# An import previewed but not confirmed is worth a reminder for a week; one whose rows had
# errors, until a later import has been made.
PENDING_IMPORT_DAYS = 7
LISTED = 5


@dataclass(frozen=True)
class Unplaced:
    person: User
    reason: str


@dataclass
class WorkList:
    """Everything on HR's landing page; ``empty`` when nothing waits."""

    unplaced_count: int = 0
    unplaced: list[Unplaced] = field(default_factory=list)
    waiting_count: int = 0
    waiting: list[CohortMember] = field(default_factory=list)
    sessions: list[SessionSummary] = field(default_factory=list)
    failed_count: int = 0
    failed: list[Notification] = field(default_factory=list)
    pending_imports: list[ImportBatch] = field(default_factory=list)
    import_with_errors: ImportBatch | None = None
    reissue: list[Certificate] = field(default_factory=list)
    sign_in_holds: int = 0

    @property
    def empty(self) -> bool:
        return not (
            self.unplaced_count
            or self.waiting_count
            or self.sessions
            or self.failed_count
            or self.pending_imports
            or self.import_with_errors
            or self.reissue
            or self.sign_in_holds
        )


def _imports(now: datetime) -> tuple[list[ImportBatch], ImportBatch | None]:
    """Uploads previewed and not imported lately, and the latest import if rows of it were
    left out because of errors."""
    pending = list(
        db.session.scalars(
            select(ImportBatch)
            .where(
                ImportBatch.applied_at.is_(None),
                ImportBatch.created_at >= now - timedelta(days=PENDING_IMPORT_DAYS),
            )
            .options(joinedload(ImportBatch.uploaded_by))
            .order_by(ImportBatch.created_at.desc())
        )
    )
    latest = db.session.scalar(
        select(ImportBatch)
        .where(ImportBatch.applied_at.is_not(None))
        .order_by(ImportBatch.applied_at.desc(), ImportBatch.id.desc())
        .limit(1)
    )
    with_errors = latest if latest is not None and (latest.result or {}).get("errors") else None
    return pending, with_errors


def work_for_hr(now: datetime | None = None) -> WorkList:
    """What needs HR now, each item with enough to act on it: a bounded number of queries."""
    now = now or utcnow()
    unplaced_count, waiting_count = placement_counts()
    unplaced = db.session.scalars(unplaced_query().limit(LISTED))
    failed_count, failed = undelivered(limit=LISTED)
    pending, with_errors = _imports(now)
    return WorkList(
        unplaced_count=unplaced_count,
        unplaced=[Unplaced(person, unplaced_reason(person)) for person in unplaced],
        waiting_count=waiting_count,
        waiting=list(db.session.scalars(waiting_query().limit(LISTED))),
        sessions=sessions_ahead(SESSIONS_AHEAD_DAYS, now),
        failed_count=failed_count,
        failed=failed,
        pending_imports=pending,
        import_with_errors=with_errors,
        reissue=awaiting_reissue(),
        sign_in_holds=len({hold.email for hold in throttle.holds(now)}),
    )


def lands_on_work_list(user: User) -> bool:
    return user.has_role(Role.HR, Role.ADMIN)
