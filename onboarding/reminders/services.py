"""Which reminders are due on a given day, queued once per occasion.

Each function finds its candidates in a few queries, leaves out the occasions already
recorded in ``Reminder``, queues an e-mail and records the reminder beside it. They flush
but never commit: the caller commits both together, then delivers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import ColumnElement, CursorResult, and_, select, update
from sqlalchemy.orm import selectinload

from onboarding.attendance.models import ATTENDED, Attendance, AttendanceStatus
from onboarding.attendance.progress import Progress, progress_expression
from onboarding.auth.models import Role, User, UserRole
from onboarding.auth.services import invitation_due, send_invitation
from onboarding.cohorts.models import CohortMember, CohortSession
from onboarding.cohorts.services import place_everyone, send_pending_invitations
from onboarding.database import utcnow
from onboarding.dates import local
from onboarding.extensions import db
from onboarding.i18n import at_oslo, start_of_day
from onboarding.learning.models import Enrolment
from onboarding.learning.services import current_programme
from onboarding.notifications.models import Notification
from onboarding.notifications.services import queue_email
from onboarding.org.models import OrgUnit, unit_leaders
from onboarding.reminders.models import Reminder
from onboarding.urls import external_url

DEADLINE_SOON = "deadline_soon"
DEADLINE_PASSED = "deadline_passed"
LEADER_DIGEST = "leader_digest"
SESSION_NOTICE = "session_notice"
KINDS = (DEADLINE_SOON, DEADLINE_PASSED, LEADER_DIGEST, SESSION_NOTICE)

# How many days ahead the deadline reminder and HR's session notice look.
NOTICE_DAYS = 7


@dataclass(frozen=True)
class Queued:
    """A reminder made by this run, with the e-mail it queued."""

    reminder: Reminder
    recipient: User
    notification: Notification


def queue_reminders(today: date) -> list[Queued]:
    """Every reminder due on ``today`` that has not been made before."""
    return [
        *queue_deadline_reminders(today),
        *queue_leader_digests(today),
        *queue_session_notices(today),
    ]


# -- new hires: places and invitations -----------------------------------------------------


@dataclass
class NightlyPlacements:
    placed: int
    invited: list[Notification]


def place_and_invite(today: date) -> NightlyPlacements:
    """The year's rules, every night: place the unplaced and the waiting where the rule finds
    room, invite the new hires whose invitation day has come (each once), and send the
    invitations to places that waited for them."""
    report = place_everyone(by=None)
    invited = queue_invitations(today)
    invited += send_pending_invitations()
    return NightlyPlacements(placed=report.count, invited=invited)


def queue_invitations(today: date) -> list[Notification]:
    """Invite, once, every new hire whose invitation day (some days before the start date)
    has come; a conditional update claims each, so two runs cannot both send it."""
    days = int(current_app.config["INVITATION_DAYS_BEFORE_START"])
    candidates = list(
        db.session.scalars(
            select(User)
            .where(
                User.active.is_(True),
                User.invitation_sent_at.is_(None),
                User.password_hash.is_(None),
                User.last_login_at.is_(None),
                User.start_date.is_not(None),
                User.start_date <= today + timedelta(days=days),
            )
            .order_by(User.id)
        )
    )
    queued = []
    for user in candidates:
        if not invitation_due(user, today):
            continue
        claimed = cast(
            "CursorResult[Any]",
            db.session.execute(
                update(User)
                .where(User.id == user.id, User.invitation_sent_at.is_(None))
                .values(invitation_sent_at=utcnow())
                .execution_options(synchronize_session=False)
            ),
        )
        if claimed.rowcount == 1:
            queued.append(send_invitation(user))
    db.session.flush()
    return queued


def reminders_wanted() -> ColumnElement[bool]:
    """People who may get reminders: active, and not opted out by HR."""
    return and_(User.active.is_(True), User.reminders_opt_out.is_(False))


# -- employees: the deadline ---------------------------------------------------------------


def queue_deadline_reminders(today: date) -> list[Queued]:
    """A reminder a week before the deadline, and one when it has passed (only that one
    when both apply). The occasion holds the due date, so a moved deadline gets its own."""
    programme = current_programme()
    if programme is None:
        return []
    # The reminders are about the online modules: nobody whose modules are done gets one,
    # however their samling goes (that is HR's to sort out, and shows in the digests).
    rows = db.session.execute(
        select(Enrolment, User)
        .join(User, Enrolment.user_id == User.id)
        .where(
            Enrolment.programme_id == programme.id,
            Enrolment.completed_at.is_(None),
            Enrolment.modules_completed_at.is_(None),
            Enrolment.due_date <= today + timedelta(days=NOTICE_DAYS),
            reminders_wanted(),
        )
        .options(selectinload(User.manager))
        .order_by(Enrolment.id)
    )
    sent = {kind: _recorded(kind) for kind in (DEADLINE_SOON, DEADLINE_PASSED)}
    link = external_url("learning.home")
    queued: list[Queued] = []
    for enrolment, user in rows:
        kind = DEADLINE_PASSED if today > enrolment.due_date else DEADLINE_SOON
        occasion = f"{enrolment.id}:{enrolment.due_date.isoformat()}"
        if (user.id, occasion) in sent[kind]:
            continue
        queued.append(
            _remind(kind, user, occasion, due_date=enrolment.due_date, today=today, link=link)
        )
    db.session.flush()
    return queued


# -- leaders: the weekly digest ------------------------------------------------------------


@dataclass
class Behind:
    """An employee a leader should know about, and why."""

    person: User
    due_date: date | None = None  # set when the deadline has passed
    # The sessions of their cohort they were absent from, and how (absent or excused).
    missed: list[tuple[datetime, AttendanceStatus]] = field(default_factory=list)

    @property
    def sort_key(self) -> tuple[str, str, int]:
        return (self.person.last_name, self.person.first_name, self.person.id)


def iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def queue_leader_digests(today: date) -> list[Queued]:
    """Once a week, each leader gets the list of their employees (in the units they lead
    and below) who are overdue or were absent from their session. No list, no e-mail."""
    week = iso_week(today)
    sent = {recipient for recipient, _ in _recorded(LEADER_DIGEST, Reminder.occasion == week)}
    units_of = _units_led()
    leaders = [
        leader
        for leader in db.session.scalars(
            select(User).where(User.id.in_(list(units_of)), reminders_wanted()).order_by(User.id)
        )
        if leader.id not in sent
    ]
    if not leaders:
        return []
    by_unit: dict[int, list[Behind]] = defaultdict(list)
    for behind in _behind(today):
        assert behind.person.unit_id is not None
        by_unit[behind.person.unit_id].append(behind)
    link = external_url("reports.team")
    queued: list[Queued] = []
    for leader in leaders:
        people = sorted(
            (
                behind
                for unit_id in units_of[leader.id]
                for behind in by_unit.get(unit_id, [])
                if behind.person.id != leader.id
            ),
            key=lambda behind: behind.sort_key,
        )
        if people:
            queued.append(
                _remind(LEADER_DIGEST, leader, week, people=people, today=today, link=link)
            )
    db.session.flush()
    return queued


def _units_led() -> dict[int, set[int]]:
    """For every leader, the units they lead and every unit below them: one recursive
    query for all leaders rather than one per leader."""
    tree = select(
        unit_leaders.c.user_id.label("leader_id"), unit_leaders.c.unit_id.label("unit_id")
    ).cte("led", recursive=True)
    tree = tree.union(
        select(tree.c.leader_id, OrgUnit.id).where(OrgUnit.parent_id == tree.c.unit_id)
    )
    units: dict[int, set[int]] = defaultdict(set)
    for leader_id, unit_id in db.session.execute(select(tree.c.leader_id, tree.c.unit_id)):
        units[leader_id].add(unit_id)
    return units


def _behind(today: date) -> Iterable[Behind]:
    """Active people in a unit who are overdue, or were absent from a session of their
    cohort and have attended none; two queries whatever their number."""
    found: dict[int, Behind] = {}
    in_a_unit = and_(User.active.is_(True), User.unit_id.is_not(None))
    programme = current_programme()
    if programme is not None:
        overdue = db.session.execute(
            select(User, Enrolment.due_date)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(
                Enrolment.programme_id == programme.id,
                progress_expression(today) == Progress.OVERDUE.value,
                in_a_unit,
            )
            .options(selectinload(User.unit))
        )
        for person, due_date in overdue:
            found[person.id] = Behind(person, due_date=due_date)
    attended = select(Attendance.user_id).where(Attendance.status.in_(ATTENDED))
    absent = db.session.execute(
        select(User, CohortSession.starts_at, Attendance.status)
        .join(Attendance, Attendance.user_id == User.id)
        .join(CohortSession, CohortSession.id == Attendance.session_id)
        .join(
            CohortMember,
            and_(
                CohortMember.user_id == User.id,
                CohortMember.cohort_id == CohortSession.cohort_id,
            ),
        )
        .where(
            Attendance.status.not_in(ATTENDED),
            # An absence known in advance is missed only once the day is over.
            CohortSession.starts_at < start_of_day(today),
            User.id.not_in(attended),
            in_a_unit,
        )
        .options(selectinload(User.unit))
        .order_by(CohortSession.starts_at)
    )
    for person, starts_at, status in absent:
        found.setdefault(person.id, Behind(person)).missed.append((starts_at, status))
    return found.values()


# -- HR: a week before each session --------------------------------------------------------


def queue_session_notices(today: date) -> list[Queued]:
    """HR gets a notice for each session in the coming week (from tomorrow up to seven
    days ahead), with who is in it. A moved session gets a new notice."""
    sessions = list(
        db.session.scalars(
            select(CohortSession)
            .where(
                CohortSession.starts_at >= at_oslo(today + timedelta(days=1), 0, 0),
                CohortSession.starts_at < at_oslo(today + timedelta(days=NOTICE_DAYS + 1), 0, 0),
            )
            .options(selectinload(CohortSession.cohort))
            .order_by(CohortSession.starts_at, CohortSession.id)
        )
    )
    if not sessions:
        return []
    hr_people = list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.HR, reminders_wanted())
            .order_by(User.id)
        )
    )
    if not hr_people:
        return []
    members: dict[int, list[User]] = defaultdict(list)
    for session_id, person in db.session.execute(
        select(CohortMember.session_id, User)
        .join(User, CohortMember.user_id == User.id)
        .where(
            CohortMember.session_id.in_([session.id for session in sessions]),
            User.active.is_(True),
        )
        .options(selectinload(User.unit))
        .order_by(User.last_name, User.first_name, User.id)
    ):
        assert session_id is not None
        members[session_id].append(person)
    sent = _recorded(SESSION_NOTICE)
    queued: list[Queued] = []
    for session in sessions:
        occasion = f"{session.id}:{local(session.starts_at).date().isoformat()}"
        link = external_url("cohorts.cohort", cohort_id=session.cohort_id)
        for hr in hr_people:
            if (hr.id, occasion) in sent:
                continue
            queued.append(
                _remind(
                    SESSION_NOTICE,
                    hr,
                    occasion,
                    session=session,
                    cohort=session.cohort,
                    members=members[session.id],
                    link=link,
                )
            )
    db.session.flush()
    return queued


# -- shared --------------------------------------------------------------------------------


def _recorded(kind: str, *criteria: ColumnElement[bool]) -> set[tuple[int, str]]:
    """The (recipient, occasion) pairs already reminded of, in one query."""
    rows = db.session.execute(
        select(Reminder.recipient_id, Reminder.occasion).where(Reminder.kind == kind, *criteria)
    )
    return {(recipient_id, occasion) for recipient_id, occasion in rows}


def _remind(kind: str, recipient: User, occasion: str, **context: Any) -> Queued:
    """Queue the e-mail ``templates/email/<kind>.txt`` and record the reminder with it."""
    notification = queue_email(kind, recipient, kind, **context)
    reminder = Reminder(
        kind=kind, recipient_id=recipient.id, occasion=occasion, notification_id=notification.id
    )
    db.session.add(reminder)
    return Queued(reminder, recipient, notification)
