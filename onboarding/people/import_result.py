"""What an applied import did, as HR reads it afterwards: who was created or changed, with
their place and invitation as they are now, and the rows skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from onboarding.auth.models import User
from onboarding.auth.services import invitation_day, invitation_due
from onboarding.cohorts.models import CohortMember
from onboarding.cohorts.services import takes_part, unplaced_reason
from onboarding.database import in_chunks
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.learning.models import Enrolment
from onboarding.people.import_apply import ROWS_KEY
from onboarding.people.import_plan import Change, RowStatus
from onboarding.people.models import ImportBatch
from onboarding.people.reader import Column

# -- the result ---------------------------------------------------------------------------


class Placement(StrEnum):
    """Where an imported person stands in the cohorts now."""

    PLACED = "placed"  # at a session
    WAITING = "waiting"  # on a cohort's waiting list
    UNPLACED = "unplaced"  # takes part, and has no place yet (the cohorts area says why)
    NOT_TAKING_PART = "not_taking_part"


class Invitation(StrEnum):
    """Where the person's invitation to the platform stands now."""

    SENT = "sent"
    SCHEDULED = "scheduled"  # goes on its day, some days before the start date
    NEXT_RUN = "next_run"  # due, and goes with the next daily run
    ACTIVE = "active"  # not needed: the person has signed in or has a password
    DEACTIVATED = "deactivated"


@dataclass
class ImportedPerson:
    """Someone an import created or changed, with their place and invitation as they are."""

    row: int
    user: User
    changes: list[Change]
    member: CohortMember | None
    placement: Placement
    reason: str | None  # why there is no place
    invitation: Invitation
    invitation_at: datetime | None = None  # when it was sent
    invitation_day: date | None = None  # when it goes


@dataclass
class SkippedRow:
    """A row left out for its errors, as the preview showed it."""

    row: int
    employee_number: str
    name: str
    errors: list[tuple[str, str]]  # (the column's heading in the file, what is wrong)


@dataclass
class ImportResult:
    counts: dict[str, int]
    created: list[ImportedPerson]
    changed: list[ImportedPerson]
    skipped: list[SkippedRow]
    # False once the rows are no longer kept (``discard_unimported_batches``): counts only.
    kept: bool
    # People the import touched who are no longer in the register.
    gone: int = 0

    @property
    def unplaced(self) -> int:
        return sum(
            1 for person in [*self.created, *self.changed] if person.placement is Placement.UNPLACED
        )


def import_result(batch: ImportBatch) -> ImportResult:
    """What an applied import did, row by row, with each person's cohort and invitation as
    they stand now; the same handful of queries for three rows as for three hundred."""
    stored = batch.result or {}
    counts = {key: int(stored.get(key, 0)) for key in ("created", "updated", "unchanged", "errors")}
    entries = stored.get(ROWS_KEY)
    result = ImportResult(
        counts=counts, created=[], changed=[], skipped=[], kept=entries is not None
    )
    entries = [entry for entry in entries or [] if isinstance(entry, dict)]
    ids = [int(entry["user"]) for entry in entries if entry.get("user") is not None]
    facts = _PeopleNow(ids)
    for entry in entries:
        status = entry.get("status")
        if status == RowStatus.ERROR:
            result.skipped.append(
                SkippedRow(
                    row=int(entry.get("row", 0)),
                    employee_number=str(entry.get("employee_number") or ""),
                    name=str(entry.get("name") or ""),
                    errors=[
                        (str(heading), str(message))
                        for heading, message in entry.get("errors") or []
                    ],
                )
            )
            continue
        user = facts.users.get(int(entry.get("user") or 0))
        if user is None:
            result.gone += 1
            continue
        person = facts.person(int(entry.get("row", 0)), user, _changes(entry.get("changes")))
        (result.created if status == RowStatus.NEW else result.changed).append(person)
    return result


def _changes(stored: Any) -> list[Change]:
    changes = []
    for column, old, new in stored or []:
        try:
            changes.append(Change(Column(column), str(old), str(new)))
        except ValueError:  # a column a later version no longer reads
            continue
    return changes


class _PeopleNow:
    """The people of a result with their units, places and whether they take part, read
    in a few queries per few hundred people."""

    def __init__(self, ids: Sequence[int]) -> None:
        wanted = sorted(set(ids))
        self.users: dict[int, User] = {}
        self.members: dict[int, CohortMember] = {}
        self.taking_part: set[int] = set()
        self.completed: set[int] = set()
        for chunk in in_chunks(wanted):
            self.users.update(
                (user.id, user)
                for user in db.session.scalars(
                    select(User).where(User.id.in_(chunk)).options(selectinload(User.unit))
                )
            )
            self.members.update(
                (member.user_id, member)
                for member in db.session.scalars(
                    select(CohortMember)
                    .where(CohortMember.user_id.in_(chunk))
                    .options(selectinload(CohortMember.cohort), selectinload(CohortMember.session))
                )
            )
            self.taking_part.update(
                db.session.scalars(select(User.id).where(User.id.in_(chunk), takes_part()))
            )
            self.completed.update(
                db.session.scalars(
                    select(Enrolment.user_id).where(
                        Enrolment.user_id.in_(chunk), Enrolment.completed_at.is_not(None)
                    )
                )
            )
        self.today = local_today()

    def person(self, row: int, user: User, changes: list[Change]) -> ImportedPerson:
        member = self.members.get(user.id)
        person = ImportedPerson(
            row=row,
            user=user,
            changes=changes,
            member=member,
            placement=Placement.PLACED,
            reason=None,
            invitation=Invitation.SENT,
        )
        if member is not None:
            person.placement = Placement.WAITING if member.waiting else Placement.PLACED
        elif user.id in self.taking_part:
            person.placement, person.reason = Placement.UNPLACED, unplaced_reason(user)
        else:
            person.placement, person.reason = Placement.NOT_TAKING_PART, self._left_out(user)
        self._invitation(person)
        return person

    def _left_out(self, user: User) -> str:
        """Why the cohort rule (``cohorts.services.takes_part``) is not for this person."""
        if not user.active:
            return _("Deactivated, so not placed in a cohort.")
        if user.start_date is None:
            return unplaced_reason(user)
        if user.id in self.completed:
            return _("Has completed the introduction.")
        return _("Not a new employee, so not placed in a cohort.")

    def _invitation(self, person: ImportedPerson) -> None:
        """By the platform's rule (``auth.services.invitation_due``)."""
        user = person.user
        if user.invitation_sent_at is not None:
            person.invitation, person.invitation_at = Invitation.SENT, user.invitation_sent_at
        elif not user.active:
            person.invitation = Invitation.DEACTIVATED
        elif user.has_password or user.last_login_at is not None:
            person.invitation = Invitation.ACTIVE
        elif invitation_due(user, self.today):
            person.invitation = Invitation.NEXT_RUN
        else:
            person.invitation, person.invitation_day = Invitation.SCHEDULED, invitation_day(user)
