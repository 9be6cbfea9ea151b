"""The learner's records: enrolment, lessons read, reflections, quiz attempts, completed
modules.

Progress is kept per module and lesson *slug*, not per version, so that a new version of
a module does not take away what someone has already done; completions keep the version
they were made on.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.database import UTCDateTime, utcnow
from onboarding.extensions import Model

if TYPE_CHECKING:
    from onboarding.auth.models import User
    from onboarding.content.models import Module, ModuleVersion, Programme, Question


class Enrolment(Model):
    """A person's place in a programme, with the deadline for finishing it."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "programme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    due_date: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_date_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_date_changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    modules_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Every module done and the in-person session attended (set by the attendance area).
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    programme: Mapped[Programme] = relationship()


class LessonProgress(Model):
    """A lesson someone has read (in whichever version they read it)."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_id", "lesson_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    lesson_slug: Mapped[str] = mapped_column(String(80))
    version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id"))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reflection(Model):
    """An answer to a reflection prompt, private unless its author shares it with a leader."""

    __tablename__ = "reflections"
    __table_args__ = (UniqueConstraint("user_id", "module_id", "prompt_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    prompt_key: Mapped[str] = mapped_column(String(80))
    prompt_id: Mapped[int] = mapped_column(ForeignKey("reflection_prompts.id"))
    text: Mapped[str] = mapped_column(Text)
    shared_with_leader: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModuleCompletion(Model):
    """A module someone has completed: every lesson read and the quiz passed."""

    __tablename__ = "module_completions"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    # The version that was current when the module was completed.
    version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id"))
    best_score: Mapped[float]
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    module: Mapped[Module] = relationship()
    version: Mapped[ModuleVersion] = relationship()


class QuizAttempt(Model):
    """One try at a module's quiz, on the version that was current when it started."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("user_id", "module_id", "number"),
        # At most one open attempt per person and quiz, enforced by the database.
        Index(
            "uq_quiz_attempts_one_open",
            "user_id",
            "module_id",
            unique=True,
            sqlite_where=text("submitted_at IS NULL"),
            postgresql_where=text("submitted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id"))
    number: Mapped[int]
    pass_mark: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[float | None]
    passed: Mapped[bool | None]

    module: Mapped[Module] = relationship()
    version: Mapped[ModuleVersion] = relationship()
    answers: Mapped[list[AttemptAnswer]] = relationship(
        back_populates="attempt", order_by="AttemptAnswer.position", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.submitted_at is None


class AttemptAnswer(Model):
    """A question drawn for an attempt, the option order shown, and the answer given."""

    __tablename__ = "attempt_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    position: Mapped[int]
    # Option ids in the order they were shown.
    option_order: Mapped[list[int]] = mapped_column(JSON)
    # The chosen option ids; for ordering questions, all option ids in the order given.
    response: Mapped[list[int] | None] = mapped_column(JSON)
    points: Mapped[float | None]

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()
