"""Where a person stands with the programme: one rule for every dashboard, export, person
page, reminder and digest.

«Forsinket» (overdue) means the deadline has passed and the programme is not complete. A
person whose modules are done and who waits for their samling (it lies ahead, they are on a
waiting list, or no cohort is planned for them yet) has nothing left to do online: they are
«Venter på samling», never overdue.
"""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import ColumnElement, and_, case, exists, literal, not_, or_, select
from sqlalchemy.orm import aliased

from onboarding.auth.models import User
from onboarding.cohorts.models import CohortMember, CohortSession
from onboarding.extensions import db
from onboarding.i18n import start_of_day
from onboarding.learning.models import Enrolment, LessonProgress, QuizAttempt


class Progress(enum.StrEnum):
    """Where a person is with the programme; exactly one applies."""

    OVERDUE = "overdue"
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"  # every module done, the samling still to come
    COMPLETED = "completed"


def session_held(today: date) -> ColumnElement[bool]:
    """The person's current session was on a day before ``today``."""
    # Aliases: the queries this goes into often join the person's place already.
    member = aliased(CohortMember)
    session = aliased(CohortSession)
    return (
        exists()
        .where(
            member.user_id == User.id,
            session.id == member.session_id,
            session.starts_at < start_of_day(today),
        )
        .correlate(User)
    )


def started() -> ColumnElement[bool]:
    """The person has read a lesson or submitted a quiz."""
    return or_(
        exists().where(LessonProgress.user_id == User.id),
        exists().where(QuizAttempt.user_id == User.id, QuizAttempt.submitted_at.is_not(None)),
    )


def progress_expression(today: date) -> ColumnElement[str]:
    """The person's ``Progress`` on ``today`` as SQL, for a query on ``User`` joined to
    their ``Enrolment``: completed; else waiting for the samling when the modules are done
    and the samling is not behind them; else overdue after the deadline; else waiting when
    the modules are done (the samling was missed and a new place is HR's to give); else in
    progress once a lesson is read or a quiz submitted."""
    modules_done = Enrolment.modules_completed_at.is_not(None)
    return case(
        (Enrolment.completed_at.is_not(None), literal(Progress.COMPLETED.value)),
        (and_(modules_done, not_(session_held(today))), literal(Progress.WAITING.value)),
        (Enrolment.due_date < today, literal(Progress.OVERDUE.value)),
        (modules_done, literal(Progress.WAITING.value)),
        (started(), literal(Progress.IN_PROGRESS.value)),
        else_=literal(Progress.NOT_STARTED.value),
    )


def progress_of(enrolment: Enrolment, today: date) -> Progress:
    """One person's ``Progress`` by the same rule (one query)."""
    value = db.session.scalars(
        select(progress_expression(today))
        .select_from(User)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.id == enrolment.id)
    ).one()
    return Progress(value)
