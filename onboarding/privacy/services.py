"""Everything the platform holds about a person, and anonymising people who left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import selectinload

from onboarding.attendance.models import Attendance, AttendanceChange
from onboarding.audit.models import AuditEvent
from onboarding.audit.services import record
from onboarding.auth.models import User, new_security_stamp
from onboarding.auth.sessions import end_all_sessions
from onboarding.certificates.models import Certificate
from onboarding.cohorts.models import CohortMember, CohortSession
from onboarding.content.models import Module, ModuleVersion, Option, ReflectionPrompt
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.i18n import start_of_day
from onboarding.learning.models import (
    AttemptAnswer,
    Enrolment,
    LessonProgress,
    ModuleCompletion,
    QuizAttempt,
    Reflection,
)
from onboarding.notifications.models import Notification
from onboarding.reminders.models import Reminder

# -- the person's own copy -------------------------------------------------------------------


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _titles() -> dict[int, str]:
    """Module id → the title of its current version (or its slug)."""
    rows = db.session.execute(
        select(Module.id, Module.slug, ModuleVersion.title).outerjoin(
            ModuleVersion, ModuleVersion.id == Module.current_version_id
        )
    )
    return {module_id: title or slug for module_id, slug, title in rows}


def personal_data(person: User) -> dict[str, Any]:
    """Every record about ``person``, as plain data (for JSON and for the readable page)."""
    titles = _titles()
    options: dict[int, str] = {}
    attempts = list(
        db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == person.id)
            .options(selectinload(QuizAttempt.answers).selectinload(AttemptAnswer.question))
            .order_by(QuizAttempt.started_at)
        )
    )
    option_ids = {i for a in attempts for answer in a.answers for i in (answer.response or [])}
    if option_ids:
        options = {
            option_id: text
            for option_id, text in db.session.execute(
                select(Option.id, Option.text).where(Option.id.in_(option_ids))
            )
        }
    membership = db.session.scalar(
        select(CohortMember)
        .where(CohortMember.user_id == person.id)
        .options(selectinload(CohortMember.cohort), selectinload(CohortMember.session))
    )
    sessions = {
        s.id: s
        for s in db.session.scalars(
            select(CohortSession)
            .join(Attendance, Attendance.session_id == CohortSession.id)
            .where(Attendance.user_id == person.id)
        )
    }
    prompts = {
        prompt_id: prompt
        for prompt_id, prompt in db.session.execute(
            select(ReflectionPrompt.id, ReflectionPrompt.prompt)
            .join(Reflection, Reflection.prompt_id == ReflectionPrompt.id)
            .where(Reflection.user_id == person.id)
        )
    }
    return {
        "generated_at": utcnow().isoformat(),
        "person": {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "email": person.email,
            "employee_number": person.employee_number,
            "unit": person.unit.name if person.unit else None,
            "position": person.position,
            "start_date": _when(person.start_date),
            "nearest_leader": person.manager.full_name if person.manager else None,
            "language": person.language,
            "roles": sorted(role.value for role in person.roles),
            "active": person.active,
            "receives_reminders": not person.reminders_opt_out,
            "created_at": _when(person.created_at),
            "last_login_at": _when(person.last_login_at),
            "password_changed_at": _when(person.password_changed_at),
        },
        "enrolments": [
            {
                "programme": e.programme.title,
                "due_date": _when(e.due_date),
                "modules_completed_at": _when(e.modules_completed_at),
                "completed_at": _when(e.completed_at),
            }
            for e in db.session.scalars(select(Enrolment).where(Enrolment.user_id == person.id))
        ],
        "lessons_read": [
            {
                "module": titles.get(p.module_id),
                "lesson": p.lesson_slug,
                "read_at": _when(p.read_at),
            }
            for p in db.session.scalars(
                select(LessonProgress)
                .where(LessonProgress.user_id == person.id)
                .order_by(LessonProgress.read_at)
            )
        ],
        "reflections": [
            {
                "module": titles.get(r.module_id),
                "prompt": prompts.get(r.prompt_id),
                "text": r.text,
                "shared_with_leader": r.shared_with_leader,
                "updated_at": _when(r.updated_at),
            }
            for r in db.session.scalars(select(Reflection).where(Reflection.user_id == person.id))
        ],
        "quiz_attempts": [
            {
                "module": titles.get(a.module_id),
                "number": a.number,
                "started_at": _when(a.started_at),
                "submitted_at": _when(a.submitted_at),
                "score": a.score,
                "passed": a.passed,
                "answers": [
                    {
                        "question": answer.question.text,
                        "answer": [options.get(i, str(i)) for i in (answer.response or [])],
                        "points": answer.points,
                    }
                    for answer in a.answers
                    if answer.response is not None
                ],
            }
            for a in attempts
        ],
        "module_completions": [
            {
                "module": titles.get(c.module_id),
                "completed_at": _when(c.completed_at),
                "best_score": c.best_score,
            }
            for c in db.session.scalars(
                select(ModuleCompletion).where(ModuleCompletion.user_id == person.id)
            )
        ],
        "cohort": None
        if membership is None
        else {
            "cohort": membership.cohort.name,
            "session_starts_at": _when(membership.session.starts_at)
            if membership.session
            else None,
            "place": membership.session.place if membership.session else None,
            "waiting_list": membership.session is None,
            "assigned_at": _when(membership.assigned_at),
        },
        "attendance": [
            {
                "session_starts_at": _when(sessions[a.session_id].starts_at)
                if a.session_id in sessions
                else None,
                "status": a.status.value,
                "note": a.note,
                "marked_at": _when(a.marked_at),
                "self_check_in": a.self_check_in,
            }
            for a in db.session.scalars(select(Attendance).where(Attendance.user_id == person.id))
        ],
        "attendance_changes": [
            {
                "changed_at": _when(c.changed_at),
                "from": c.old_status.value if c.old_status else None,
                "to": c.new_status.value if c.new_status else None,
                "note": c.new_note,
                "reason": c.reason,
                "by": c.changed_by.full_name if c.changed_by else None,
            }
            for c in db.session.scalars(
                select(AttendanceChange)
                .where(AttendanceChange.user_id == person.id)
                .order_by(AttendanceChange.changed_at)
            )
        ],
        "certificates": [
            {
                "programme": c.programme_title,
                "code": c.code,
                "issued_at": _when(c.issued_at),
                "revoked_at": _when(c.revoked_at),
                "revoke_reason": c.revoke_reason,
            }
            for c in db.session.scalars(select(Certificate).where(Certificate.user_id == person.id))
        ],
        "emails": [
            {"subject": n.subject, "created_at": _when(n.created_at), "sent_at": _when(n.sent_at)}
            for n in db.session.scalars(
                select(Notification)
                .where(Notification.recipient_id == person.id)
                .order_by(Notification.created_at)
            )
        ],
        "changes_by_hr": [
            {
                "at": _when(e.at),
                "action": e.action,
                "by": e.actor_name or None,
                "before": e.before,
                "after": e.after,
            }
            for e in db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.subject_type == "user", AuditEvent.subject_id == person.id)
                .order_by(AuditEvent.at)
            )
        ],
    }


# -- anonymising people who left -------------------------------------------------------------

ANONYMOUS_FIRST_NAME = "Anonymisert"
PERSONAL_KEYS = frozenset(
    {
        "first_name",
        "last_name",
        "name",
        "email",
        "employee_number",
        "position",
        "start_date",
        "note",
    }
)


class AnonymiseError(ValueError):
    """A request to anonymise that the rules do not allow."""


@dataclass
class Candidate:
    id: int
    name: str
    deactivated_at: datetime


def left_before(cutoff: date) -> list[User]:
    """Deactivated people, not yet anonymised, who left before ``cutoff`` (Oslo time)."""
    start = start_of_day(cutoff)
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active.is_(False),
                User.anonymised_at.is_(None),
                User.deactivated_at.is_not(None),
                User.deactivated_at < start,
            )
            .order_by(User.deactivated_at, User.id)
        )
    )


def _scrub(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {key: ("–" if key in PERSONAL_KEYS else value) for key, value in values.items()}


def anonymise(person: User) -> None:
    """Remove what identifies ``person`` and keep what the statistics and the certificate
    register need: their unit, cohort, progress and scores, and each certificate's code,
    programme and dates (the name on it is removed, and so is the stored PDF)."""
    if person.active:
        raise AnonymiseError(f"{person.full_name} is active; deactivate them first.")
    label = f"{ANONYMOUS_FIRST_NAME} #{person.id}"
    person.first_name = ANONYMOUS_FIRST_NAME
    person.last_name = f"#{person.id}"
    person.email = f"anonymisert-{person.id}@anonymisert.invalid"
    person.employee_number = None
    person.position = None
    person.start_date = None
    person.manager_id = None
    person.password_hash = None
    person.sso_subject = None
    person.security_stamp = new_security_stamp()
    end_all_sessions(person)
    person.pending_email = None
    person.reminders_opt_out = True
    person.anonymised_at = utcnow()
    db.session.execute(delete(Reflection).where(Reflection.user_id == person.id))
    db.session.execute(update(Attendance).where(Attendance.user_id == person.id).values(note=""))
    db.session.execute(
        update(AttendanceChange)
        .where(AttendanceChange.user_id == person.id)
        .values(old_note="", new_note="")
    )
    notification_ids = select(Notification.id).where(Notification.recipient_id == person.id)
    db.session.execute(
        update(Reminder)
        .where(Reminder.notification_id.in_(notification_ids))
        .values(notification_id=None)
    )
    db.session.execute(delete(Notification).where(Notification.recipient_id == person.id))
    db.session.execute(
        update(Certificate)
        .where(Certificate.user_id == person.id)
        .values(holder_name="", pdf=None, pdf_rendered_at=None)
    )
    for event in db.session.scalars(
        select(AuditEvent).where(
            or_(
                (AuditEvent.subject_type == "user") & (AuditEvent.subject_id == person.id),
                AuditEvent.actor_id == person.id,
            )
        )
    ):
        if event.actor_id == person.id:
            event.actor_name = label
        if event.subject_type == "user" and event.subject_id == person.id:
            event.subject_label = label
            event.before = _scrub(event.before)
            event.after = _scrub(event.after)
    db.session.flush()
    record(None, "person.anonymised", ("user", person.id, label))


def anonymise_left_before(cutoff: date) -> list[int]:
    """Anonymise everyone who left before ``cutoff``; return their ids."""
    done = []
    for person in left_before(cutoff):
        anonymise(person)
        done.append(person.id)
    return done
