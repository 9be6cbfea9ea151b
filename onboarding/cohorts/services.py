"""Cohort rules: planning sessions, assigning new hires, moving people, invitations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, exists, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import Executable

from onboarding import dates
from onboarding.audit import services as audit
from onboarding.auth.models import Role, User, UserRole
from onboarding.cohorts.calendar import session_calendar
from onboarding.cohorts.models import Cohort, CohortMember, CohortSession
from onboarding.database import utcnow
from onboarding.dates import local
from onboarding.extensions import db
from onboarding.i18n import OSLO, at_oslo, babel_locale, local_today
from onboarding.learning.models import Enrolment
from onboarding.learning.services import follow_deadline
from onboarding.notifications.models import Notification
from onboarding.notifications.services import queue_email
from onboarding.signals import place_leaving
from onboarding.urls import external_url


class CohortError(ValueError):
    """A change the cohort rules do not allow; the message is for the user.

    ``field`` names the part of a ``SessionPlan`` the message is about, so that a form can
    show it beside that field.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def session_label(session: CohortSession) -> str:
    """«14.04.2027 kl. 09.00, Kommunestyresalen»: the session as the audit history names it.

    Stored in the history as text, in the language of the one who made the change (as the
    reasons beside it are)."""
    return f"{dates.moment(session.starts_at)}, {session.place}"


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
        "opens_minutes_before": session.opens_minutes_before,
    }


Place = tuple[int, int | None]  # (cohort id, session id or None for its waiting list)


def place_of(member: CohortMember | None) -> Place | None:
    """Where a person is, as the forms carry it (None: not placed)."""
    return None if member is None else (member.cohort_id, member.session_id)


def place_text(place: Place | None) -> str:
    """A place as a form field holds it: «<cohort>:<session>», «<cohort>:», or empty."""
    if place is None:
        return ""
    return f"{place[0]}:{place[1] if place[1] is not None else ''}"


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
    # Minutes before the start from which «Møtt» counts; None: the configured default.
    opens_minutes_before: int | None = None

    @property
    def starts_at(self) -> datetime:
        return at_oslo(self.day, *self.start)

    @property
    def ends_at(self) -> datetime:
        return at_oslo(self.day, *self.end)


def _opens(plan: SessionPlan) -> int:
    if plan.opens_minutes_before is not None:
        return plan.opens_minutes_before
    return int(current_app.config["ATTENDANCE_OPENS_MINUTES_BEFORE"])


def _check_plan(plan: SessionPlan) -> None:
    if plan.ends_at <= plan.starts_at:
        raise CohortError(_("The session must end after it starts."), field="end")
    if plan.opens_minutes_before is not None and not 0 <= plan.opens_minutes_before <= 240:
        raise CohortError(
            _("Attendance can open from 0 to 240 minutes before the start."),
            field="opens_minutes_before",
        )
    if plan.capacity < 1:
        raise CohortError(_("The capacity must be at least 1."), field="capacity")
    if not plan.place.strip():
        raise CohortError(_("Say where the session is."), field="place")


def add_session(cohort: Cohort, plan: SessionPlan, *, by: User | None) -> CohortSession:
    """Add a session to ``cohort``; ``by`` is who did it, for the history (None: the system).
    The caller then places the unplaced and the waiting (``place_everyone``)."""
    _check_plan(plan)
    session = CohortSession(
        cohort=cohort,
        starts_at=plan.starts_at,
        ends_at=plan.ends_at,
        place=plan.place.strip(),
        capacity=plan.capacity,
        facilitator=plan.facilitator,
        agenda=plan.agenda.strip(),
        opens_minutes_before=_opens(plan),
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
            ),
            field="capacity",
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
    if plan.opens_minutes_before is not None:
        session.opens_minutes_before = plan.opens_minutes_before
    notifications: list[Notification] = []
    if moved:
        session.sequence += 1
        db.session.flush()
        for member in members_by_name(CohortMember.session_id == session.id):
            follow_deadline(member.user)
            if member.invited_at is not None:
                notification = send_invitation(member, updated=True)
                assert notification is not None
                notifications.append(notification)
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


def _execute(statement: Executable) -> CursorResult[Any]:
    """A conditional UPDATE, whose row count says whether it won."""
    return cast("CursorResult[Any]", db.session.execute(statement))


# -- who is where ---------------------------------------------------------------------------


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


def session_day(user: User) -> date | None:
    """The day of the person's session: what their deadline waits for."""
    starts_at = db.session.scalar(
        select(CohortSession.starts_at)
        .join(CohortMember, CohortMember.session_id == CohortSession.id)
        .where(CohortMember.user_id == user.id)
    )
    return local(starts_at).date() if starts_at is not None else None


def takes_part() -> ColumnElement[bool]:
    """People the year's rules are for: active new employees with a start date who have
    not completed the programme. Each of them is placed, waiting, or shown as unplaced."""
    completed = select(Enrolment.user_id).where(Enrolment.completed_at.is_not(None))
    return and_(
        User.active.is_(True),
        User.start_date.is_not(None),
        exists().where(UserRole.user_id == User.id, UserRole.role == Role.EMPLOYEE),
        User.id.not_in(completed),
    )


def is_unplaced() -> ColumnElement[bool]:
    """The person should have a place and has none, not even on a waiting list."""
    return and_(takes_part(), User.id.not_in(select(CohortMember.user_id)))


def is_waiting() -> ColumnElement[bool]:
    """The person is active and on a waiting list."""
    return and_(
        User.active.is_(True),
        User.id.in_(select(CohortMember.user_id).where(CohortMember.session_id.is_(None))),
    )


def unplaced_query() -> Select[User]:
    """People who should have a place and have none (not even on a waiting list), earliest
    start date first."""
    return (
        select(User)
        .where(is_unplaced())
        .options(selectinload(User.unit))
        .order_by(User.start_date, User.last_name, User.first_name, User.id)
    )


def waiting_query() -> Select[CohortMember]:
    """People on a waiting list, earliest start date first."""
    return (
        select(CohortMember)
        .join(User, CohortMember.user_id == User.id)
        .where(CohortMember.session_id.is_(None), User.active.is_(True))
        .options(
            selectinload(CohortMember.user).selectinload(User.unit),
            selectinload(CohortMember.cohort),
        )
        .order_by(User.start_date, User.last_name, User.first_name, User.id)
    )


def placement_counts() -> tuple[int, int]:
    """How many are unplaced and how many are waiting: the numbers HR sees."""
    unplaced = db.session.scalar(
        select(func.count()).select_from(unplaced_query().order_by(None).subquery())
    )
    waiting = db.session.scalar(
        select(func.count()).select_from(waiting_query().order_by(None).subquery())
    )
    return unplaced or 0, waiting or 0


def earliest_day(user: User) -> date:
    """The first day the person can have their session: the start date, plus the
    configured days."""
    assert user.start_date is not None
    return user.start_date + timedelta(days=int(current_app.config["COHORT_MIN_DAYS_AFTER_START"]))


# -- placing by the rule ------------------------------------------------------------------


class Seats:
    """The planned cohorts with their sessions and the places taken, read once (and, on
    PostgreSQL, locked until the commit, so two placements at once cannot both take the
    last place). Placing people through it keeps the counts."""

    def __init__(self) -> None:
        self.cohorts = cohorts_in_order()
        ids = [session.id for cohort in self.cohorts for session in cohort.sessions]
        if ids:
            db.session.execute(
                select(CohortSession.id).where(CohortSession.id.in_(ids)).with_for_update()
            ).all()
        # Counted in the database, not from loaded collections a move may have left stale.
        self.taken = dict.fromkeys(ids, 0)
        if ids:
            for session_id, count in db.session.execute(
                select(CohortMember.session_id, func.count(CohortMember.id))
                .where(CohortMember.session_id.in_(ids))
                .group_by(CohortMember.session_id)
            ):
                if session_id is not None:
                    self.taken[session_id] = count

    def choose(self, earliest: date, now: datetime) -> tuple[Cohort, CohortSession | None] | None:
        """The rule: the first cohort with a session on or after ``earliest`` (and still
        ahead) that has room, at its first such session; when none has room, the waiting
        list of the first of those cohorts; None when no such cohort is planned."""
        candidates = [
            (cohort, sessions)
            for cohort in self.cohorts
            if (sessions := [s for s in cohort.sessions if _open_for(s, earliest, now)])
        ]
        if not candidates:
            return None
        for cohort, sessions in candidates:
            for session in sessions:
                if self.taken[session.id] < session.capacity:
                    return cohort, session
        return candidates[0][0], None

    def took(self, session: CohortSession | None, left: CohortSession | None = None) -> None:
        if session is not None:
            self.taken[session.id] = self.taken.get(session.id, 0) + 1
        if left is not None and left.id in self.taken:
            self.taken[left.id] -= 1


def _open_for(session: CohortSession, earliest: date, now: datetime) -> bool:
    return session.starts_at > now and local(session.starts_at).date() >= earliest


def unplaced_reason(user: User, seats: Seats | None = None) -> str:
    """Why ``user`` has no place, in words for HR."""
    if user.start_date is None:
        return _("Has no start date.")
    earliest = max(earliest_day(user), local_today())
    return _(
        "No cohort has a session on or after %(date)s. Plan one, and they are placed.",
        date=dates.day(earliest),
    )


def assign_new_hire(
    user: User, *, by: User | None = None, as_of: datetime | None = None
) -> CohortMember | None:
    """Place ``user`` by the rule (see ``Seats.choose``), as it stood at ``as_of`` (default
    now: the demo places its history as it would have been). Their existing place, if they
    have one; None when they do not take part or no suitable cohort is planned yet."""
    if user.start_date is None or not user.active:
        return None
    existing = membership(user)
    if existing is not None:
        return existing
    seats = Seats()
    choice = seats.choose(earliest_day(user), as_of or utcnow())
    if choice is None:
        return None
    return _place(user, *choice, by=by, reason=PlacedBy.RULE)


class PlacedBy(StrEnum):
    RULE = "rule"
    HAND = "hand"
    ABSENT = "absent"  # moved after not attending their session


@dataclass
class PlacementReport:
    placed: list[CohortMember] = field(default_factory=list)  # got a session
    waiting: list[CohortMember] = field(default_factory=list)  # put on a waiting list

    @property
    def count(self) -> int:
        return len(self.placed) + len(self.waiting)


def place_everyone(*, by: User | None) -> PlacementReport:
    """Place the unplaced and give people on a waiting list a session where the rule finds
    them room, in start-date order; each who gets a session is invited. Run when a cohort
    is created, a session added or a capacity raised, and every night."""
    seats = Seats()
    now = utcnow()
    report = PlacementReport()
    queue: list[tuple[User, CohortMember | None]] = [
        (user, None) for user in db.session.scalars(unplaced_query())
    ]
    queue += [(member.user, member) for member in db.session.scalars(waiting_query())]
    queue.sort(key=lambda item: (item[0].start_date or date.max, item[0].id))
    for user, member in queue:
        if user.start_date is None:
            continue
        choice = seats.choose(earliest_day(user), now)
        if choice is None:
            continue
        cohort, session = choice
        if member is None:
            try:
                with db.session.begin_nested():
                    placed = _place(user, cohort, session, by=by, reason=PlacedBy.RULE)
            except (IntegrityError, CohortError):
                continue  # placed meanwhile by someone else
            seats.took(session)
            (report.placed if session is not None else report.waiting).append(placed)
        elif session is not None:
            try:
                with db.session.begin_nested():
                    _move(member, cohort, session, by=by, reason=PlacedBy.RULE)
            except CohortError:
                continue  # moved meanwhile by someone else
            seats.took(session)
            report.placed.append(member)
    return report


def _place(
    user: User,
    cohort: Cohort,
    session: CohortSession | None,
    *,
    by: User | None,
    reason: PlacedBy,
) -> CohortMember:
    """Give a person with no place one; the database refuses a second place."""
    member = CohortMember(user_id=user.id, cohort=cohort, session=session, assigned_at=utcnow())
    db.session.add(member)
    db.session.flush()
    _after_placing(member, None, by=by, reason=reason)
    return member


def _after_placing(
    member: CohortMember, before: dict[str, str | None] | None, *, by: User | None, reason: PlacedBy
) -> None:
    """The history, the deadline and the invitation that follow every placement."""
    user = member.user
    enrolment = follow_deadline(user)
    after: dict[str, Any] = {**_place_of(member), "how": reason.value}
    if enrolment is not None:
        after["due_date"] = enrolment.due_date
    action = "cohort.member_placed" if before is None else "cohort.member_moved"
    audit.record(by, action, audit.person(user), before, after)
    if member.session is not None and may_be_invited(user):
        send_invitation(member)


def may_be_invited(user: User) -> bool:
    """Whether e-mail about their place may go now: once the person has had their own
    invitation to the platform (it goes some days before the start date)."""
    return user.active and (
        user.invitation_sent_at is not None or user.has_password or user.last_login_at is not None
    )


# -- placing and moving by hand -----------------------------------------------------------


def check_target(cohort: Cohort, session: CohortSession | None, now: datetime) -> None:
    """A place someone can be put in: a session of the cohort that has not ended, or the
    waiting list of a cohort with a session still ahead."""
    if session is not None and session.cohort_id != cohort.id:
        raise CohortError(_("The session does not belong to that cohort."))
    if session is not None and session.ends_at <= now:
        raise CohortError(
            _(
                "The session on %(date)s has already been held. Choose a later one.",
                date=dates.day(session.starts_at),
            )
        )
    if session is None and not any(s.starts_at > now for s in cohort.sessions):
        raise CohortError(
            _(
                "%(cohort)s has no session ahead. Choose a cohort with a later session.",
                cohort=cohort.name,
            )
        )


def placement_warnings(
    people: Sequence[User], cohort: Cohort, session: CohortSession | None
) -> list[str]:
    """What HR should know before placing ``people`` there by hand: over the capacity, or
    before someone's start date. Placing goes ahead when HR confirms."""
    warnings = []
    if session is not None:
        incoming = [p for p in people if (m := membership(p)) is None or m.session_id != session.id]
        free = session.capacity - member_count(session)
        if len(incoming) > free:
            warnings.append(
                _(
                    "The session has %(free)d free places of %(capacity)d; with these people it "
                    "will have %(over)d more than its capacity.",
                    free=max(free, 0),
                    capacity=session.capacity,
                    over=len(incoming) - max(free, 0),
                )
            )
        day = local(session.starts_at).date()
        early = [p for p in people if p.start_date is not None and day < earliest_day(p)]
        for person in early:
            assert person.start_date is not None
            warnings.append(
                _(
                    "%(name)s starts on %(start)s, after the session.",
                    name=person.full_name,
                    start=dates.day(person.start_date),
                )
            )
    return warnings


class NeedsConfirmation(CohortError):
    """Placing by hand goes over the rule or the capacity; HR must confirm."""

    def __init__(self, warnings: list[str]) -> None:
        super().__init__(" ".join(warnings))
        self.warnings = warnings


def place_by_hand(
    people: Sequence[User],
    cohort: Cohort,
    session: CohortSession | None,
    *,
    by: User | None,
    confirmed: bool = False,
    seen: Mapping[int, Place | None] | None = None,
    reason: PlacedBy = PlacedBy.HAND,
) -> list[CohortMember]:
    """Put ``people`` in ``cohort`` (at ``session`` or on its waiting list), whoever placed
    them before. Everyone is checked before anyone is moved; over the capacity or before a
    start date only when ``confirmed``. ``seen`` is where HR saw each person (by id) when
    they chose: someone placed or moved by another adviser since is not moved again, and
    HR is told. Their online progress is theirs and is kept."""
    now = utcnow()
    check_target(cohort, session, now)
    for person in people:
        if (
            seen is not None
            and person.id in seen
            and place_of(membership(person)) != seen[person.id]
        ):
            raise CohortError(
                _(
                    "%(name)s was placed by someone else just now. Check where, and try again.",
                    name=person.full_name,
                )
            )
    for person in people:
        if not person.active:
            raise CohortError(
                _("%(name)s is deactivated and cannot be placed.", name=person.full_name)
            )
        if person.start_date is None:
            raise CohortError(_("%(name)s has no start date.", name=person.full_name))
    if not confirmed:
        warnings = placement_warnings(people, cohort, session)
        if warnings:
            raise NeedsConfirmation(warnings)
    result = []
    for person in people:
        member = membership(person)
        if member is None:
            try:
                with db.session.begin_nested():
                    member = _place(person, cohort, session, by=by, reason=reason)
            except IntegrityError as error:
                raise CohortError(
                    _(
                        "%(name)s was placed by someone else just now. Check where, and try again.",
                        name=person.full_name,
                    )
                ) from error
        else:
            _move(member, cohort, session, by=by, reason=reason)
        result.append(member)
    return result


def move_member(
    user: User, cohort: Cohort, session: CohortSession | None, *, by: User | None
) -> CohortMember:
    """Move ``user`` to ``cohort`` (to ``session``, or its waiting list): refused when the
    session is full (``place_by_hand`` can go over). Their online progress is kept."""
    check_target(cohort, session, utcnow())
    if session is not None and member_count(session) >= session.capacity:
        current = membership(user)
        if current is None or current.session_id != session.id:
            raise CohortError(_("The session is full."))
    (member,) = place_by_hand([user], cohort, session, by=by, confirmed=True)
    return member


def _move(
    member: CohortMember,
    cohort: Cohort,
    session: CohortSession | None,
    *,
    by: User | None,
    reason: PlacedBy,
) -> CohortMember:
    """Change a member's place. The attendance area voids their marks in the sessions they
    leave (or refuses, when they attended); the update is conditional on the place the
    member had when it was read, so of two advisers moving the same person, one is told."""
    old = (member.cohort_id, member.session_id)
    new = (cohort.id, session.id if session else None)
    if old == new:
        return member
    before = _place_of(member)
    place_leaving.send(member, to_cohort=cohort, to_session=session, by=by)
    db.session.flush()
    moved = _execute(
        update(CohortMember)
        .where(
            CohortMember.id == member.id,
            CohortMember.cohort_id == old[0],
            CohortMember.session_id.is_(None)
            if old[1] is None
            else CohortMember.session_id == old[1],
        )
        .values(cohort_id=new[0], session_id=new[1], assigned_at=utcnow(), invited_at=None)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise CohortError(
            _(
                "%(name)s was moved by someone else just now. Check where, and try again.",
                name=member.user.full_name,
            )
        )
    db.session.refresh(member)
    _after_placing(member, before, by=by, reason=reason)
    return member


def fill_from_waiting_list(cohort: Cohort, *, by: User | None) -> int:
    """Give people on the waiting list a place where the rule finds room; return how many.
    (The rule runs for everyone unplaced and waiting, not only this cohort's.)"""
    return len(place_everyone(by=by).placed)


def next_cohort_after(session: CohortSession) -> Cohort | None:
    """The first cohort with a session ahead, other than ``session``'s: where people who
    missed it go next."""
    now = utcnow()
    return next(
        (
            c
            for c in cohorts_in_order()
            if c.id != session.cohort_id
            and any(s.starts_at > max(now, session.starts_at) for s in c.sessions)
        ),
        None,
    )


def move_to_next_cohort(
    people: Sequence[User], session: CohortSession, *, by: User | None
) -> Cohort:
    """Move those who missed ``session`` to the next cohort: to its sessions while they have
    room, the rest to its waiting list. Their marks in the session they missed are voided."""
    target = next_cohort_after(session)
    if target is None:
        raise CohortError(_("There is no later cohort to move people to. Plan one first."))
    seats = Seats()
    now = utcnow()
    for person in people:
        seat = next(
            (
                s
                for s in target.sessions
                if s.starts_at > now and seats.taken.get(s.id, 0) < s.capacity
            ),
            None,
        )
        member = membership(person)
        if member is None:
            continue
        _move(member, target, seat, by=by, reason=PlacedBy.ABSENT)
        seats.took(seat)
    return target


def send_pending_invitations(users: Sequence[User] | None = None) -> list[Notification]:
    """Invite people to their place where that waited for their own invitation to the
    platform; each place is invited once (a conditional update claims it)."""
    query = (
        select(CohortMember)
        .join(User, CohortMember.user_id == User.id)
        .join(CohortSession, CohortSession.id == CohortMember.session_id)
        .where(CohortMember.invited_at.is_(None), CohortSession.ends_at > utcnow())
        .options(selectinload(CohortMember.user), selectinload(CohortMember.session))
        .order_by(CohortMember.id)
    )
    if users is not None:
        query = query.where(CohortMember.user_id.in_([u.id for u in users]))
    sent = []
    for member in db.session.scalars(query):
        if may_be_invited(member.user):
            notification = send_invitation(member)
            if notification is not None:
                sent.append(notification)
    return sent


def send_invitation(member: CohortMember, updated: bool = False) -> Notification | None:
    """E-mail the member their session with a calendar invitation attached. A first
    invitation is sent once per place (None when it has gone already)."""
    session = member.session
    assert session is not None
    user = member.user
    if not updated:
        db.session.flush()
        claimed = _execute(
            update(CohortMember)
            .where(CohortMember.id == member.id, CohortMember.invited_at.is_(None))
            .values(invited_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            return None
        db.session.refresh(member, ["invited_at"])
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
