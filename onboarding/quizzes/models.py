"""Quiz attempts: the questions drawn, the order shown, the answers given and the score."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.database import UTCDateTime, utcnow
from onboarding.extensions import db

if TYPE_CHECKING:
    from onboarding.content.models import Module, ModuleVersion, Question


class QuizAttempt(db.Model):  # type: ignore[name-defined]
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


class AttemptAnswer(db.Model):  # type: ignore[name-defined]
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
