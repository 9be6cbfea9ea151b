"""Cohort rules: planning sessions, assigning new hires, moving people, invitations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import selectinload

from onboarding.audit import services as audit
from onboarding.auth.models import User
from onboarding.cohorts.calendar import session_calendar
from onboarding.cohorts.models import Cohort, CohortMember, CohortSession
from onboarding.extensions import db
from onboarding.i18n import babel_locale
from onboarding.notifications.models import Notification
from onboarding.notifications.services import queue_email
from onboarding.signals import new_hire_created
from onboarding.urls import external_url

OSLO = ZoneInfo("Europe/Oslo")


class CohortError(ValueError):
    """A change the cohort rules do not allow; the message is for the user."""


def local(moment: datetime) -> datetime:
    return moment.astimezone(OSLO)


def at_oslo(day: date, hour: int, minute: int) -> datetime:
    """A wall-clock time in Norway as an aware datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=OSLO)


def session_label(session: CohortSession) -> str:
    """«14.04.2027 09:00, Kommunestyresalen»: the session as the audit history names it."""
    return f"{local(session.starts_at):%d.%m.%Y %H:%M}, {session.place}"


def _session_subject(session: CohortSession) -> tuple[str, int, str]:
    return ("session", session.id, f"{session.cohort.name}: {session_label(session)}")


def _session_facts(session: CohortSession) -> dict[str, Any]:
    """What HR plans about a session, as the audit history records it."""
    return {
        "starts_at": session.starts_at.astimezone(UTC),
        "ends_at": session.ends_at.astimezone(UTC),
        "place": session.place,
        "capacity": session.capacity,
        "facilitator": session.facilitator.full_name if session.facilitator else None,
        "agenda": session.agenda,
    }


def _place_of(member: CohortMember | None) -> dict[str, str | None]:
    """Where a member is, as the audit history records it (session None: the waiting list)."""
    if member is None:
        return {"cohort": None, "session": None}
    return {
        "cohort": member.cohort.name,
        "session": session_label(member.session) if member.session else None,
    }


# -- planning ------------------------------------------------------------------------------


def create_cohort(name: str) -> Cohort:
    name = name.strip()
    if not name:
        raise CohortError(_("Give the cohort a name, e.g. “Vårkullet 2027”."))
    if db.session.scalar(select(Cohort).where(func.lower(Cohort.name) == name.lower())):
        raise CohortError(_("There is already a cohort called “%(name)s”.", name=name))
    cohort = Cohort(name=name)
    db.session.add(cohort)
    db.session.flush()
    return cohort


@dataclass
class SessionPlan:
    day: date
    start: tuple[int, int]
    end: tuple[int, int]
    place: str
    capacity: int
    facilitator: User | None = None
    agenda: str = ""

    @property
    def starts_at(self) -> datetime:
        return at_oslo(self.day, *self.start)

    @property
    def ends_at(self) -> datetime:
        return at_oslo(self.day, *self.end)


def _check_plan(plan: SessionPlan) -> None:
    if plan.ends_at <= plan.starts_at:
        raise CohortError(_("The session must end after it starts."))
    if plan.capacity < 1:
        raise CohortError(_("The capacity must be at least 1."))
    if not plan.place.strip():
        raise CohortError(_("Say where the session is."))


def add_session(cohort: Cohort, plan: SessionPlan, *, by: User | None) -> CohortSession:
    """Add a session to ``cohort``; ``by`` is who did it, for the history (None: the system)."""
    _check_plan(plan)
    session = CohortSession(
        cohort=cohort,
        starts_at=plan.starts_at,
        ends_at=plan.ends_at,
        place=plan.place.strip(),
        capacity=plan.capacity,
        facilitator=plan.facilitator,
        agenda=plan.agenda.strip(),
    )
    db.session.add(session)
    db.session.flush()
    audit.record(
        by,
        "session.created",
        _session_subject(session),
        None,
        {"cohort": cohort.name, **_session_facts(session)},
    )
    return session


def update_session(
    session: CohortSession, plan: SessionPlan, *, by: User | None
) -> list[Notification]:
    """Change a session. When its time or place changes, everyone in it gets an updated
    calendar invitation (same UID, higher SEQUENCE)."""
    _check_plan(plan)
    if plan.capacity < member_count(session):
        raise CohortError(
            _(
                "%(count)d people are already in this session; the capacity cannot be lower.",
                count=member_count(session),
            )
        )
    facts = _session_facts(session)
    moved = (session.starts_at, session.ends_at, session.place) != (
        plan.starts_at,
        plan.ends_at,
        plan.place.strip(),
    )
    session.starts_at = plan.starts_at
    session.ends_at = plan.ends_at
    session.place = plan.place.strip()
    session.capacity = plan.capacity
    session.facilitator = plan.facilitator
    session.agenda = plan.agenda.strip()
    notifications: list[Notification] = []
    if moved:
        session.sequence += 1
        db.session.flush()
        for member in session.members:
            notifications.append(send_invitation(member, updated=True))
    db.session.flush()
    before, after = audit.changed(facts, _session_facts(session))
    if after:
        audit.record(by, "session.changed", _session_subject(session), before, after)
    return notifications


def member_count(session: CohortSession) -> int:
    return (
        db.session.scalar(
            select(func.count(CohortMember.id)).where(CohortMember.session_id == session.id)
        )
        or 0
    )


def cohorts_in_order() -> list[Cohort]:
    """Every cohort with its sessions and members, earliest first session first."""
    cohorts = list(
        db.session.scalars(
            select(Cohort).options(
                selectinload(Cohort.sessions).selectinload(CohortSession.members),
                selectinload(Cohort.members),
            )
        )
    )
    far_future = datetime.max.replace(tzinfo=OSLO)
    return sorted(cohorts, key=lambda c: c.sessions[0].starts_at if c.sessions else far_future)


# -- assigning people ----------------------------------------------------------------------


def members_by_name(*criteria: ColumnElement[bool]) -> list[CohortMember]:
    """Members matching ``criteria``, sorted by name, with person and unit loaded."""
    return list(
        db.session.scalars(
            select(CohortMember)
            .join(User, CohortMember.user_id == User.id)
            .where(*criteria)
            .options(selectinload(CohortMember.user).selectinload(User.unit))
            .order_by(User.last_name, User.first_name)
        )
    )


def membership(user: User) -> CohortMember | None:
    return db.session.scalar(select(CohortMember).where(CohortMember.user_id == user.id))


def _earliest_day(user: User) -> date:
    assert user.start_date is not None
    return user.start_date + timedelta(days=int(current_app.config["COHORT_MIN_DAYS_AFTER_START"]))


def assign_new_hire(user: User) -> CohortMember | None:
    """Put ``user`` in the first cohort whose first session is on or after their start date
    (plus the configured days) and that has room; when none has room, on the waiting list
    of the first such cohort. None when no suitable cohort is planned yet."""
    if user.start_date is None or not user.active:
        return None
    existing = membership(user)
    if existing is not None:
        return existing
    earliest = _earliest_day(user)
    candidates = [
        cohort
        for cohort in cohorts_in_order()
        if cohort.sessions and local(cohort.sessions[0].starts_at).date() >= earliest
    ]
    if not candidates:
        return None
    for cohort in candidates:
        session = _session_with_room(cohort, earliest)
        if session is not None:
            return _place(user, cohort, session)
    return _place(user, candidates[0], None)


def _session_with_room(cohort: Cohort, earliest: date) -> CohortSession | None:
    for session in cohort.sessions:
        if local(session.starts_at).date() >= earliest and len(session.members) < session.capacity:
            return session
    return None


def _place(user: User, cohort: Cohort, session: CohortSession | None) -> CohortMember:
    member = CohortMember(user_id=user.id, cohort=cohort, session=session)
    db.session.add(member)
    db.session.flush()
    if session is not None:
        send_invitation(member)
    return member


def move_member(
    user: User, cohort: Cohort, session: CohortSession | None, *, by: User | None
) -> CohortMember:
    """Move ``user`` to ``cohort`` (to ``session``, or its waiting list). Their online
    progress belongs to them, not to the cohort, and is kept. ``by`` is who moved them."""
    if session is not None and session.cohort_id != cohort.id:
        raise CohortError(_("The session does not belong to that cohort."))
    if session is not None and member_count(session) >= session.capacity:
        current = membership(user)
        if current is None or current.session_id != session.id:
            raise CohortError(_("The session is full."))
    member = membership(user)
    before = _place_of(member)
    if member is None:
        member = CohortMember(user_id=user.id, cohort=cohort, session=session)
        db.session.add(member)
    elif (member.cohort_id, member.session_id) == (cohort.id, session.id if session else None):
        return member
    else:
        member.cohort = cohort
        member.session = session
    db.session.flush()
    audit.record(by, "cohort.member_moved", audit.person(user), before, _place_of(member))
    if session is not None:
        send_invitation(member)
    return member


def fill_from_waiting_list(cohort: Cohort, *, by: User | None) -> int:
    """Give people on the waiting list a place where a session has room; return how many.
    Each placing goes into the audit history as a move ``by`` whoever asked for it."""
    placed = 0
    waiting = sorted(
        (m for m in cohort.members if m.session_id is None), key=lambda m: m.assigned_at
    )
    for member in waiting:
        earliest = _earliest_day(member.user)
        session = _session_with_room(cohort, earliest)
        if session is None:
            continue
        before = _place_of(member)
        member.session = session
        db.session.flush()
        db.session.refresh(session, ["members"])
        audit.record(
            by, "cohort.member_moved", audit.person(member.user), before, _place_of(member)
        )
        send_invitation(member)
        placed += 1
    return placed


def send_invitation(member: CohortMember, updated: bool = False) -> Notification:
    """E-mail the member their session with a calendar invitation attached."""
    session = member.session
    assert session is not None
    user = member.user
    with force_locale(babel_locale(user.language or "nb")):
        title = _(
            "Introduction day for new employees – %(org)s", org=current_app.config["ORG_NAME"]
        )
        calendar = session_calendar(session, current_app.config["ORG_NAME"], title)
    return queue_email(
        "cohort_update" if updated else "cohort_invitation",
        user,
        "cohort_invitation",
        calendar=calendar,
        session=session,
        cohort=member.cohort,
        updated=updated,
        starts=local(session.starts_at),
        ends=local(session.ends_at),
        link=external_url("learning.home"),
    )


@new_hire_created.connect
def _on_new_hire(user: User) -> None:
    assign_new_hire(user)
