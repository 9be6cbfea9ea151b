"""HR's view of people: find them, see everything about one person, change their details."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from onboarding.attendance.models import Attendance, AttendanceChange
from onboarding.attendance.progress import Progress, progress_of
from onboarding.audit import services as audit
from onboarding.audit.models import AuditEvent
from onboarding.auth import throttle
from onboarding.auth.access import is_privileged, may_manage
from onboarding.auth.models import User, new_security_stamp, normalise_email
from onboarding.auth.services import (
    AuthError,
    TokenPurpose,
    confirm_email_change,
    email_change_token,
    invitation_day,
    max_age,
    send_invitation,
)
from onboarding.auth.sessions import end_all_sessions
from onboarding.cohorts.models import CohortMember
from onboarding.cohorts.services import is_unplaced, is_waiting, send_pending_invitations
from onboarding.content.models import Programme
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.learning.models import Enrolment, QuizAttempt, Reflection
from onboarding.learning.services import ProgrammeProgress, current_programme, progress_for
from onboarding.notifications.models import Notification
from onboarding.notifications.services import queue_email
from onboarding.org.models import OrgUnit
from onboarding.org.services import people_query
from onboarding.urls import external_url


class PersonError(ValueError):
    """A change HR asked for that the rules do not allow; the message is for HR."""


class EmailRefused(PersonError):
    """The e-mail address cannot be changed (shown next to that field)."""


STATUSES = ("active", "invited", "deactivated")
PLACEMENT_ACTIONS = ("cohort.member_placed", "cohort.member_moved")
PLACEMENTS = ("unplaced", "waiting")


@dataclass
class Filters:
    search: str = ""
    unit_id: int | None = None
    cohort_id: int | None = None
    status: str = ""
    started_from: date | None = None
    started_to: date | None = None
    placement: str = ""  # "unplaced" or "waiting" (the people list only)

    def arguments(self) -> dict[str, Any]:
        """The query string that gives the same list (for paging, sorting and exports)."""
        return {
            "q": self.search or None,
            "unit": self.unit_id,
            "cohort": self.cohort_id,
            "status": self.status or None,
            "from": self.started_from.isoformat() if self.started_from else None,
            "to": self.started_to.isoformat() if self.started_to else None,
            "placement": self.placement or None,
        }


def directory_query(filters: Filters) -> Select[User]:
    """People matching ``filters``, sorted by name."""
    query = people_query(search=filters.search, unit_id=filters.unit_id)
    if filters.cohort_id is not None:
        query = query.where(
            User.id.in_(
                select(CohortMember.user_id).where(CohortMember.cohort_id == filters.cohort_id)
            )
        )
    if filters.status == "active":
        query = query.where(User.active.is_(True), User.password_hash.is_not(None))
    elif filters.status == "invited":
        query = query.where(User.active.is_(True), User.password_hash.is_(None))
    elif filters.status == "deactivated":
        query = query.where(User.active.is_(False))
    if filters.started_from is not None:
        query = query.where(User.start_date >= filters.started_from)
    if filters.started_to is not None:
        query = query.where(User.start_date <= filters.started_to)
    if filters.placement == "unplaced":
        query = query.where(is_unplaced())
    elif filters.placement == "waiting":
        query = query.where(is_waiting())
    return query


def memberships(users: list[User]) -> dict[int, CohortMember]:
    """Cohort places of ``users``, in one query."""
    if not users:
        return {}
    return {
        m.user_id: m
        for m in db.session.scalars(
            select(CohortMember)
            .where(CohortMember.user_id.in_([u.id for u in users]))
            .options(selectinload(CohortMember.cohort), selectinload(CohortMember.session))
        )
    }


@dataclass
class PersonRecord:
    person: User
    programme: Programme | None
    enrolment: Enrolment | None
    progress: ProgrammeProgress | None
    attempts: list[QuizAttempt]
    membership: CohortMember | None
    attendance: list[Attendance]
    attendance_changes: list[AttendanceChange]
    reflections_total: int
    reflections_shared: int
    invitations: list[Notification]
    # Where the person has been placed and moved, newest first (from the audit history).
    placements: list[AuditEvent]
    standing: Progress | None
    invitation_day: date | None


def person_record(person: User) -> PersonRecord:
    """Everything HR may see about one person (reflections only as counts: they are private)."""
    programme = current_programme()
    enrolment = None
    progress = None
    if programme is not None:
        enrolment = db.session.scalar(
            select(Enrolment).where(
                Enrolment.user_id == person.id, Enrolment.programme_id == programme.id
            )
        )
        progress = progress_for(person, programme)
    reflections = list(
        db.session.scalars(select(Reflection).where(Reflection.user_id == person.id))
    )
    placements = cast(
        "list[AuditEvent]",
        list(
            db.session.scalars(
                audit.history_query(subject=("user", person.id)).where(
                    AuditEvent.action.in_(PLACEMENT_ACTIONS)
                )
            )
        ),
    )
    return PersonRecord(
        person=person,
        programme=programme,
        enrolment=enrolment,
        progress=progress,
        attempts=list(
            db.session.scalars(
                select(QuizAttempt)
                .where(QuizAttempt.user_id == person.id, QuizAttempt.submitted_at.is_not(None))
                .options(selectinload(QuizAttempt.version))
                .order_by(QuizAttempt.submitted_at.desc())
            )
        ),
        membership=db.session.scalar(select(CohortMember).where(CohortMember.user_id == person.id)),
        attendance=list(
            db.session.scalars(select(Attendance).where(Attendance.user_id == person.id))
        ),
        attendance_changes=list(
            db.session.scalars(
                select(AttendanceChange)
                .where(AttendanceChange.user_id == person.id)
                .order_by(AttendanceChange.changed_at.desc())
            )
        ),
        reflections_total=len(reflections),
        reflections_shared=sum(1 for r in reflections if r.shared_with_leader),
        invitations=list(
            db.session.scalars(
                select(Notification)
                .where(Notification.recipient_id == person.id)
                .order_by(Notification.created_at.desc())
            )
        ),
        placements=placements,
        standing=progress_of(enrolment, local_today()) if enrolment is not None else None,
        invitation_day=invitation_day(person)
        if person.active and not person.has_password
        else None,
    )


@dataclass
class PersonChanges:
    first_name: str
    last_name: str
    email: str
    employee_number: str | None
    unit: OrgUnit | None
    position: str | None
    start_date: date | None
    language: str
    reminders: bool


def _details(person: User) -> dict[str, Any]:
    """What HR can change about a person, as the audit history records it."""
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "employee_number": person.employee_number,
        "unit": person.unit.name if person.unit else None,
        "position": person.position,
        "start_date": person.start_date,
        "language": person.language,
        "reminders": not person.reminders_opt_out,
    }


def update_person(person: User, changes: PersonChanges, *, by: User | None) -> list[Notification]:
    """Save HR's changes to a person; e-mail and employee number must stay unique.

    Nobody changes the e-mail address of someone with more rights than they have (the
    address is how a password is reset). A new address for someone with HR's or the
    administrator's rights waits until they confirm it: the confirmation e-mails are
    returned, to be sent after the commit."""
    email = normalise_email(changes.email)
    moving = email != person.email
    if moving and not may_manage(by, person):
        raise EmailRefused(
            _(
                "You cannot change the e-mail address of %(name)s, who has more rights than "
                "you. Ask an administrator.",
                name=person.full_name,
            )
        )
    clash = db.session.scalar(
        select(func.count(User.id)).where(User.email == email, User.id != person.id)
    )
    if clash:
        raise EmailRefused(
            _("Another person already has the e-mail address %(email)s.", email=email)
        )
    number = (changes.employee_number or "").strip() or None
    if number != person.employee_number and not may_manage(by, person):
        # Single sign-on may match people on it, as on the address.
        raise PersonError(
            _(
                "You cannot change the employee number of %(name)s, who has more rights "
                "than you. Ask an administrator.",
                name=person.full_name,
            )
        )
    if number and db.session.scalar(
        select(func.count(User.id)).where(User.employee_number == number, User.id != person.id)
    ):
        raise PersonError(
            _("Another person already has employee number %(number)s.", number=number)
        )
    details = _details(person)
    person.first_name = changes.first_name.strip()
    person.last_name = changes.last_name.strip()
    confirmations: list[Notification] = []
    if moving and is_privileged(person):
        confirmations = _ask_to_confirm(person, email)
    elif moving:
        person.email = email
        person.pending_email = None
        # A reset or invitation link sent to the old address must not work any more.
        person.security_stamp = new_security_stamp()
    person.employee_number = number
    person.unit = changes.unit
    person.position = (changes.position or "").strip() or None
    person.start_date = changes.start_date
    person.language = changes.language
    person.reminders_opt_out = not changes.reminders
    db.session.flush()
    before, after = audit.changed(details, _details(person))
    if after:
        audit.record(by, "person.changed", audit.person(person), before, after)
    if confirmations:
        audit.record(by, "email.change_requested", audit.person(person), None, {"email": email})
    return confirmations


def _ask_to_confirm(person: User, new_email: str) -> list[Notification]:
    """Ask the person to confirm the new address from there, and tell the current address,
    so that a change they did not ask for is noticed."""
    token = email_change_token(person, new_email)
    link = external_url("people.confirm_email", token=token)
    hours = max_age(TokenPurpose.EMAIL_CHANGE) // 3600
    return [
        queue_email(
            "email_change", person, "email_change", address=new_email, link=link, hours=hours
        ),
        queue_email("email_change_notice", person, "email_change_notice", new_email=new_email),
    ]


def confirm_new_email(person: User, new_email: str) -> None:
    """The person confirms, from the new address and signed in as themselves, the address
    HR or an administrator gave them."""
    try:
        old = confirm_email_change(person, new_email)
    except AuthError as error:
        raise EmailRefused(str(error)) from error
    audit.record(
        person, "email.change_confirmed", audit.person(person), {"email": old}, {"email": new_email}
    )


def lift_sign_in_hold(email: str, *, by: User | None) -> int:
    """HR lifts the log-in throttle's holds on an address (the owner called, say)."""
    forgotten = throttle.lift(email)
    if forgotten:
        person = db.session.scalar(select(User).where(User.email == normalise_email(email)))
        subject = audit.person(person) if person else ("email", None, normalise_email(email))
        audit.record(by, "sign_in.hold_lifted", subject, None, {"email": normalise_email(email)})
    return forgotten


def set_active(person: User, active: bool, *, by: User | None) -> None:
    """Deactivate (signs them out, stops e-mails) or reactivate a person; nothing is deleted.
    Nobody does that to someone with more rights than they have."""
    if person.active == active:
        return
    if not may_manage(by, person):
        raise PersonError(
            _(
                "You cannot deactivate or reactivate %(name)s, who has more rights than you. "
                "Ask an administrator.",
                name=person.full_name,
            )
        )
    person.active = active
    if active:
        person.deactivated_at = None
    else:
        person.security_stamp = new_security_stamp()
        end_all_sessions(person)
        person.deactivated_at = utcnow()
    db.session.flush()
    action = "person.reactivated" if active else "person.deactivated"
    audit.record(by, action, audit.person(person), {"active": not active}, {"active": active})


def resend_invitation(person: User, *, by: User | None) -> list[Notification]:
    """E-mail the person a new invitation link (HR's «send the invitation now / again»),
    and the invitation to their place in a cohort if that waited for it."""
    if not person.active:
        raise PersonError(_("%(name)s is deactivated.", name=person.full_name))
    try:
        notification = send_invitation(person)
    except AuthError as error:
        raise PersonError(str(error)) from error
    audit.record(by, "invitation.sent", audit.person(person), None, {"email": person.email})
    return [notification, *send_pending_invitations([person])]
