"""The attendance register, self check-in, and programme completion.

The programme is complete when every module is done and the person attended (møtt or kom
for sent) a session of their cohort, whichever happens last.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from onboarding import dates
from onboarding.attendance.models import ATTENDED, Attendance, AttendanceChange, AttendanceStatus
from onboarding.audit import services as audit
from onboarding.auth.models import Role, User
from onboarding.cohorts.models import Cohort, CohortMember, CohortSession
from onboarding.cohorts.services import (
    CohortError,
    members_by_name,
    move_to_next_cohort,
    session_label,
)
from onboarding.core.text import text_problem
from onboarding.database import utcnow
from onboarding.dates import local
from onboarding.extensions import db
from onboarding.signals import session_attended

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 6
MAX_TYPED_CODE = 100  # characters of what was typed that are read (and shown again)
MAX_NOTE = 500
MAX_GRACE_MINUTES = 240  # the most HR can open a session's marks before its start


class AttendanceError(ValueError):
    """A change the register does not allow; the message is for the user."""


class WrongCode(AttendanceError):
    """A check-in code that is not the session's: the only refusal that counts towards the
    limit on guessing."""


def can_keep_register(user: User, session: CohortSession) -> bool:
    """HR, admin and the session's facilitator keep the register."""
    return user.has_role(Role.HR, Role.ADMIN) or session.facilitator_id == user.id


@dataclass
class RegisterRow:
    member: CohortMember
    attendance: Attendance | None
    not_started: bool  # started after the session: not counted as absent

    @property
    def user(self) -> User:
        return self.member.user


def register(session: CohortSession) -> list[RegisterRow]:
    """The session's members with their marks, sorted by name; two queries."""
    members = members_by_name(CohortMember.session_id == session.id)
    marks = {
        a.user_id: a
        for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))
    }
    day = local(session.starts_at).date()
    return [
        RegisterRow(
            member=m,
            attendance=marks.get(m.user_id),
            not_started=m.user.start_date is not None and m.user.start_date > day,
        )
        for m in members
    ]


@dataclass(frozen=True)
class RegisterCounts:
    """How many have each mark, and how many are still to be marked."""

    by_status: dict[AttendanceStatus, int]
    unmarked: int

    def as_json(self) -> dict[str, int]:
        return {**{s.value: n for s, n in self.by_status.items()}, "unmarked": self.unmarked}


def register_counts(rows: Sequence[RegisterRow]) -> RegisterCounts:
    by_status = dict.fromkeys(AttendanceStatus, 0)
    for row in rows:
        if row.attendance:
            by_status[row.attendance.status] += 1
    unmarked = sum(1 for row in rows if row.attendance is None and not row.not_started)
    return RegisterCounts(by_status, unmarked)


def matching(rows: Sequence[RegisterRow], search: str) -> list[RegisterRow]:
    """The rows whose name holds every word of ``search`` (any case, any order)."""
    words = search.casefold().split()
    return [
        row
        for row in rows
        if all(word in f"{row.user.first_name} {row.user.last_name}".casefold() for word in words)
    ]


def mark(
    session: CohortSession,
    person: User,
    status: AttendanceStatus,
    by: User | None,
    note: str | None = None,
    self_check_in: bool = False,
    now: datetime | None = None,
) -> Attendance:
    """Set ``person``'s mark, recording the change (who, when, before, after). A mark set by
    someone else (HR, the facilitator) also goes into the audit history; checking oneself in
    does not."""
    if note is not None and len(note) > MAX_NOTE:
        raise AttendanceError(_("The note can be at most %(count)d characters.", count=MAX_NOTE))
    if note is not None and (problem := text_problem(note)) is not None:
        raise AttendanceError(problem)
    if status is not AttendanceStatus.EXCUSED and (now or utcnow()) < marks_open_at(session):
        raise AttendanceError(
            _(
                "Attendance can be recorded from %(when)s. Before that, only an excused "
                "absence known in advance can be recorded.",
                when=dates.moment(marks_open_at(session)),
            )
        )
    member = db.session.scalar(
        select(CohortMember).where(
            CohortMember.user_id == person.id, CohortMember.session_id == session.id
        )
    )
    if member is None:
        raise AttendanceError(_("%(name)s is not in this session.", name=person.full_name))
    attendance = db.session.scalar(
        select(Attendance).where(
            Attendance.session_id == session.id, Attendance.user_id == person.id
        )
    )
    new_note = (note if note is not None else (attendance.note if attendance else "")).strip()
    if attendance is not None and attendance.status == status and attendance.note == new_note:
        return attendance  # a double click changes nothing
    change = AttendanceChange(
        session_id=session.id,
        user_id=person.id,
        old_status=attendance.status if attendance else None,
        new_status=status,
        old_note=attendance.note if attendance else "",
        new_note=new_note,
        changed_by_id=by.id if by else None,
        changed_at=utcnow(),
    )
    if attendance is None:
        attendance = Attendance(session_id=session.id, user_id=person.id, status=status)
        db.session.add(attendance)
    attendance.status = status
    attendance.note = new_note
    attendance.marked_by_id = by.id if by else None
    attendance.marked_at = utcnow()
    attendance.self_check_in = self_check_in
    db.session.add(change)
    db.session.flush()
    if not self_check_in and (by is None or by.id != person.id):
        _record_mark(session, person, change, by)
    if status.attended:
        session_attended.send(person)
    return attendance


def _record_mark(
    session: CohortSession, person: User, change: AttendanceChange, by: User | None
) -> None:
    before = {"session": session_label(session), "status": change.old_status}
    after = {"session": session_label(session), "status": change.new_status}
    if change.old_note or change.new_note:
        before["note"], after["note"] = change.old_note, change.new_note
    audit.record(by, "attendance.marked", audit.person(person), before, after)


def mark_rest_present(session: CohortSession, by: User) -> int:
    """«Alle møtt»: mark everyone without a mark as present; return how many."""
    count = 0
    for row in register(session):
        if row.attendance is None and not row.not_started:
            mark(session, row.user, AttendanceStatus.PRESENT, by)
            count += 1
    return count


def history(session: CohortSession) -> list[AttendanceChange]:
    return list(
        db.session.scalars(
            select(AttendanceChange)
            .where(AttendanceChange.session_id == session.id)
            .order_by(AttendanceChange.changed_at.desc(), AttendanceChange.id.desc())
        )
    )


def absentees(session: CohortSession) -> list[User]:
    """Members who did not attend (and had started by then): for moving to the next cohort."""
    return [
        row.user
        for row in register(session)
        if not row.not_started and (row.attendance is None or not row.attendance.status.attended)
    ]


def move_absentees(session: CohortSession, *, by: User | None) -> tuple[Cohort, list[User]]:
    """Move everyone who did not attend ``session`` to the next cohort, once it has ended:
    until then, not having checked in is not absence. Returns the cohort and who moved."""
    if session.ends_at >= utcnow():
        raise CohortError(_("The session is not over yet. Move people after it has ended."))
    people = absentees(session)
    return move_to_next_cohort(people, session, by=by), people


def marks_open_at(session: CohortSession) -> datetime:
    """From when «Møtt», «Kom for sent» and «Fravær» can be recorded (and people can check
    themselves in): the session's start, less the grace HR set for it."""
    return session.starts_at - timedelta(minutes=session.opens_minutes_before)


def statuses_open(session: CohortSession, now: datetime | None = None) -> list[AttendanceStatus]:
    """The marks the register offers now: before the session opens, only an absence known
    in advance."""
    if (now or utcnow()) < marks_open_at(session):
        return [AttendanceStatus.EXCUSED]
    return list(AttendanceStatus)


def void_marks_left_behind(
    member: CohortMember,
    *,
    to_cohort: Cohort,
    to_session: CohortSession | None,
    by: User | None,
) -> None:
    """A person moved out of a session keeps no mark in it: each one is voided, kept in the
    register's history as «moved to <cohort>», and counted nowhere. Someone who attended is
    not moved: their attendance counts for their certificate."""
    marks = list(
        db.session.scalars(
            select(Attendance).where(
                Attendance.user_id == member.user_id,
                Attendance.session_id != (to_session.id if to_session else -1),
            )
        )
    )
    attended_in = [mark for mark in marks if mark.status.attended]
    if attended_in:
        session = db.session.get(CohortSession, attended_in[0].session_id)
        assert session is not None
        raise CohortError(
            _(
                "%(name)s attended the session on %(date)s. Change the attendance mark first "
                "if they are to be moved.",
                name=member.user.full_name,
                date=dates.day(session.starts_at),
            )
        )
    reason = _("Moved to %(cohort)s", cohort=to_cohort.name)
    for mark in marks:
        db.session.add(
            AttendanceChange(
                session_id=mark.session_id,
                user_id=mark.user_id,
                old_status=mark.status,
                new_status=None,
                old_note=mark.note,
                new_note="",
                reason=reason,
                changed_by_id=by.id if by else None,
                changed_at=utcnow(),
            )
        )
        db.session.delete(mark)
    db.session.flush()


# -- self check-in -------------------------------------------------------------------------


def _window_seconds() -> int:
    return int(current_app.config["CHECKIN_CODE_SECONDS"])


def check_in_open(session: CohortSession, now: datetime | None = None) -> bool:
    """Check-in is open from when marks open (the start, less HR's grace) until the end."""
    now = now or utcnow()
    return marks_open_at(session) <= now <= session.ends_at


def check_in_code(session: CohortSession, at: float | None = None) -> str:
    """The session's code for the current window; it changes every few minutes."""
    window = int((at if at is not None else time.time()) // _window_seconds())
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"checkin:{session.id}:{window}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _position in range(CODE_LENGTH):
        number, index = divmod(number, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[index])
    return "".join(chars)


def normalise_code(code: str) -> str:
    """The code as typed, read the same from any keyboard: full-width letters and digits
    (NFKC), any script's digits (Arabic-Indic ones too) as 0-9, upper case, without spaces
    and dashes. What cannot be in a code (Æ, Ø, O, 0, I, 1) is kept, so the code is wrong:
    the alphabet leaves out 0/O and 1/I, so there is nothing an «Ø» could stand for."""
    text = unicodedata.normalize("NFKC", code[:MAX_TYPED_CODE]).upper()
    return "".join(
        str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text if ch.isalnum()
    )


def code_is_valid(session: CohortSession, code: str, at: float | None = None) -> bool:
    """The current code, or the one just before it (someone typing as it changes)."""
    now = at if at is not None else time.time()
    given = normalise_code(code)
    if len(given) != CODE_LENGTH or not set(given) <= set(CODE_ALPHABET):
        return False
    return any(
        hmac.compare_digest(
            given.encode("ascii"),
            check_in_code(session, now - back * _window_seconds()).encode("ascii"),
        )
        for back in (0, 1)
    )


def check_in(person: User, session: CohortSession, code: str, at: float | None = None) -> bool:
    """Mark ``person`` as møtt with a valid code. True when they were marked now, False when
    they already had a mark (one mark, however many times they check in)."""
    now = datetime.fromtimestamp(at, tz=utcnow().tzinfo) if at is not None else utcnow()
    if not check_in_open(session, now):
        raise AttendanceError(_("Check-in is only open during the session."))
    if not code_is_valid(session, code, at):
        raise WrongCode(
            _("The code is wrong or has expired. Check the code on the screen and try again.")
        )
    member = db.session.scalar(select(CohortMember).where(CohortMember.user_id == person.id))
    if member is None or member.session_id != session.id:
        raise AttendanceError(
            _("You are not registered for this session. Talk to the person running it.")
        )
    existing = db.session.scalar(
        select(Attendance).where(
            Attendance.session_id == session.id, Attendance.user_id == person.id
        )
    )
    if existing is not None:
        return False
    try:
        with db.session.begin_nested():
            mark(session, person, AttendanceStatus.PRESENT, by=person, self_check_in=True, now=now)
    except IntegrityError:  # checked in twice at the same moment
        return False
    return True


def open_sessions(now: datetime | None = None) -> list[CohortSession]:
    """Sessions whose check-in is open now."""
    now = now or utcnow()
    return [
        session
        for session in db.session.scalars(
            select(CohortSession).where(
                CohortSession.starts_at <= now + timedelta(minutes=MAX_GRACE_MINUTES),
                CohortSession.ends_at >= now,
            )
        )
        if check_in_open(session, now)
    ]


def session_to_check_in(
    person: User, sessions: Sequence[CohortSession], chosen_id: int | None = None
) -> CohortSession:
    """Which of the open ``sessions`` a check-in is for: the one the person chose (by the
    link on the screen), else the one they have a place at, else the first."""
    if chosen_id is not None:
        sessions = [s for s in sessions if s.id == chosen_id] or sessions
    mine = [s for s in sessions if any(m.user_id == person.id for m in s.members)]
    return (mine or sessions)[0]


def code_seconds_left(at: float | None = None) -> int:
    """Seconds until the check-in code changes: the screen counts them down."""
    now = at if at is not None else time.time()
    window = _window_seconds()
    return max(1, math.ceil(window - now % window))


@dataclass(frozen=True)
class CheckInTally:
    """How many of a session's members have been marked as attended («12 av 38»)."""

    checked_in: int
    expected: int


def check_in_tally(session: CohortSession) -> CheckInTally:
    """The count on the check-in screen: two counting queries, so the screen can ask often."""
    members = select(CohortMember.user_id).where(CohortMember.session_id == session.id)
    expected = db.session.scalar(select(func.count()).select_from(members.subquery()))
    checked_in = db.session.scalar(
        select(func.count(Attendance.id)).where(
            Attendance.session_id == session.id,
            Attendance.user_id.in_(members),
            Attendance.status.in_(ATTENDED),
        )
    )
    return CheckInTally(checked_in or 0, expected or 0)


@dataclass(frozen=True)
class CodeScreen:
    """What the screen in the room shows: the code while check-in is open, when it changes,
    and how many have checked in so far."""

    code: str
    is_open: bool
    ended: bool
    opens_at: datetime
    seconds_left: int
    changes_at: datetime
    tally: CheckInTally


def code_screen(session: CohortSession, at: float | None = None) -> CodeScreen:
    now = at if at is not None else time.time()
    moment = datetime.fromtimestamp(now, tz=UTC)
    left = code_seconds_left(now)
    return CodeScreen(
        code=check_in_code(session, now),
        is_open=check_in_open(session, moment),
        ended=moment > session.ends_at,
        opens_at=marks_open_at(session),
        seconds_left=left,
        changes_at=moment + timedelta(seconds=left),
        tally=check_in_tally(session),
    )


@dataclass(frozen=True)
class CheckedIn:
    session: CohortSession
    attendance: Attendance


def checked_in_now(person: User, now: datetime | None = None) -> CheckedIn | None:
    """``person``'s «møtt» or «kom for sent» in a session whose check-in is open now: then
    the check-in page says they are checked in instead of asking for the code again."""
    sessions = {session.id: session for session in open_sessions(now)}
    if not sessions:
        return None
    attendance = db.session.scalar(
        select(Attendance)
        .where(
            Attendance.user_id == person.id,
            Attendance.session_id.in_(sessions),
            Attendance.status.in_(ATTENDED),
        )
        .order_by(Attendance.marked_at.desc())
        .limit(1)
    )
    return CheckedIn(sessions[attendance.session_id], attendance) if attendance else None


@dataclass(frozen=True)
class NextSession:
    session: CohortSession
    own: bool  # the person's own session, not just the next one of any cohort

    @property
    def opens_at(self) -> datetime:
        return marks_open_at(self.session)


def next_session_for(person: User, now: datetime | None = None) -> NextSession | None:
    """When nothing is open for check-in: ``person``'s own session if it is ahead, otherwise
    the next session of any cohort, otherwise None."""
    now = now or utcnow()
    member = db.session.scalar(select(CohortMember).where(CohortMember.user_id == person.id))
    if member is not None and member.session is not None and member.session.ends_at >= now:
        return NextSession(member.session, own=True)
    session = db.session.scalars(
        select(CohortSession)
        .where(CohortSession.starts_at >= now)
        .order_by(CohortSession.starts_at)
        .limit(1)
    ).first()
    return NextSession(session, own=False) if session is not None else None


# -- sessions at a glance -----------------------------------------------------------------

# A facilitator still finds a session this long after it, to correct the register.
FACILITATED_DAYS_BACK = 30


@dataclass(frozen=True)
class SessionSummary:
    """A session with how many are coming to it and how many have come."""

    session: CohortSession
    coming: int
    attended: int

    @property
    def free(self) -> int:
        return max(self.session.capacity - self.coming, 0)


def summaries(query: Select[CohortSession]) -> list[SessionSummary]:
    """The sessions ``query`` selects, with their counts: three queries, whatever the number."""
    sessions: list[CohortSession] = list(
        db.session.scalars(
            query.options(selectinload(CohortSession.cohort)).order_by(CohortSession.starts_at)
        )
    )
    ids = [session.id for session in sessions]
    coming: dict[int | None, int] = dict(
        db.session.execute(
            select(CohortMember.session_id, func.count())
            .where(CohortMember.session_id.in_(ids))
            .group_by(CohortMember.session_id)
        ).all()
    )
    came: dict[int, int] = dict(
        db.session.execute(
            select(Attendance.session_id, func.count())
            .where(
                Attendance.session_id.in_(ids),
                Attendance.status.in_(ATTENDED),
            )
            .group_by(Attendance.session_id)
        ).all()
    )
    return [SessionSummary(s, coming.get(s.id, 0), came.get(s.id, 0)) for s in sessions]


def facilitates_sessions(user: User, now: datetime | None = None) -> bool:
    """Is ``user`` the facilitator of a session ahead or of the last weeks?"""
    since = (now or utcnow()) - timedelta(days=FACILITATED_DAYS_BACK)
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    CohortSession.facilitator_id == user.id, CohortSession.ends_at >= since
                )
            )
        )
    )


def facilitated_sessions(user: User, now: datetime | None = None) -> list[SessionSummary]:
    """The sessions ``user`` leads («Mine samlinger»): those ahead and those of the last
    weeks, soonest first."""
    since = (now or utcnow()) - timedelta(days=FACILITATED_DAYS_BACK)
    return summaries(
        select(CohortSession).where(
            CohortSession.facilitator_id == user.id, CohortSession.ends_at >= since
        )
    )


def sessions_ahead(days: int, now: datetime | None = None) -> list[SessionSummary]:
    """Sessions that have not ended and start within ``days`` days: what HR prepares for."""
    now = now or utcnow()
    return summaries(
        select(CohortSession).where(
            CohortSession.ends_at >= now, CohortSession.starts_at < now + timedelta(days=days)
        )
    )


# -- who attended --------------------------------------------------------------------------


def attended(person: User) -> bool:
    """Did ``person`` attend (møtt or kom for sent) a session of their cohort?"""
    member = db.session.scalar(select(CohortMember).where(CohortMember.user_id == person.id))
    if member is None:
        return False
    sessions = select(CohortSession.id).where(CohortSession.cohort_id == member.cohort_id)
    statuses = db.session.scalars(
        select(Attendance.status).where(
            Attendance.user_id == person.id, Attendance.session_id.in_(sessions)
        )
    )
    return any(status.attended for status in statuses)


# -- the cohort's attendance as a table ------------------------------------------------------


ATTENDANCE_COLUMNS = (
    _l("Employee number"),
    _l("Name"),
    _l("E-mail address"),
    _l("Unit"),
    _l("Session"),
    _l("Attendance"),
    _l("Note"),
)


def cohort_attendance_rows(cohort: Cohort) -> list[list[str]]:
    """The cohort's attendance, one row per member by name, under ``ATTENDANCE_COLUMNS``:
    the session (or the waiting list), the mark as the register calls it, and its note."""
    members = members_by_name(CohortMember.cohort_id == cohort.id)
    marks = {
        (mark.session_id, mark.user_id): mark
        for mark in db.session.scalars(
            select(Attendance).where(Attendance.session_id.in_([s.id for s in cohort.sessions]))
        )
    }
    rows = []
    for member in members:
        session = member.session
        mark = marks.get((session.id, member.user_id)) if session else None
        person = member.user
        rows.append(
            [
                person.employee_number or "",
                person.full_name,
                person.email,
                person.unit.name if person.unit else "",
                dates.moment(session.starts_at) if session else _("Waiting list"),
                str(mark.status.label) if mark else "",
                mark.note if mark else "",
            ]
        )
    return rows
