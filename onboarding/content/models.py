"""The programme's content as loaded from ``courses/``: each module in numbered versions.

A version is never changed once made; editing a module's files makes a new version, so
progress and attempts recorded against an old version keep what they were made on.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Enum,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.database import UTCDateTime, utcnow
from onboarding.extensions import db


def _enum(kind: type[StrEnum], length: int) -> Enum:
    return Enum(
        kind, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class QuestionType(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"
    ORDERING = "ordering"


class Scoring(StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"
    PARTIAL = "partial"


class Programme(db.Model):  # type: ignore[name-defined]
    """An introduction programme, e.g. «Velkommen til Tynset kommune»."""

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    organisation: Mapped[str] = mapped_column(String(200))
    deadline_weeks: Mapped[int]
    pass_mark: Mapped[int]
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    modules: Mapped[list[Module]] = relationship(
        back_populates="programme", order_by="Module.position"
    )

    def __repr__(self) -> str:
        return f"<Programme {self.slug}>"


class Module(db.Model):  # type: ignore[name-defined]
    """A module of a programme; what it contains is in its versions."""

    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("programme_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    folder: Mapped[str] = mapped_column(String(200))
    position: Mapped[int]
    # False when the module has been taken out of programme.yaml; its records stay.
    active: Mapped[bool] = mapped_column(default=True)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("module_versions.id", use_alter=True, name="fk_modules_current_version")
    )

    programme: Mapped[Programme] = relationship(back_populates="modules")
    versions: Mapped[list[ModuleVersion]] = relationship(
        back_populates="module",
        foreign_keys="ModuleVersion.module_id",
        order_by="ModuleVersion.number",
    )
    current_version: Mapped[ModuleVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )

    def __repr__(self) -> str:
        return f"<Module {self.slug}>"


class ModuleVersion(db.Model):  # type: ignore[name-defined]
    """One version of a module, identified by the hash of its files."""

    __tablename__ = "module_versions"
    __table_args__ = (
        UniqueConstraint("module_id", "number"),
        UniqueConstraint("module_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    estimated_minutes: Mapped[int]
    pass_mark: Mapped[int]
    draw: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    module: Mapped[Module] = relationship(back_populates="versions", foreign_keys=[module_id])
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="version", order_by="Lesson.position", cascade="all, delete-orphan"
    )
    reflection_prompts: Mapped[list[ReflectionPrompt]] = relationship(
        back_populates="version",
        order_by="ReflectionPrompt.position",
        cascade="all, delete-orphan",
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="version", order_by="Question.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<ModuleVersion {self.module_id} v{self.number}>"


class Lesson(db.Model):  # type: ignore[name-defined]
    """A lesson in one module version, with its Markdown rendered to safe HTML once."""

    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("version_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)

    version: Mapped[ModuleVersion] = relationship(back_populates="lessons")


class ReflectionPrompt(db.Model):  # type: ignore[name-defined]
    """A question with no right answer, answered in the employee's own words."""

    __tablename__ = "reflection_prompts"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    prompt: Mapped[str] = mapped_column(Text)

    version: Mapped[ModuleVersion] = relationship(back_populates="reflection_prompts")


class Question(db.Model):  # type: ignore[name-defined]
    """A question in a module version's quiz bank."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    type: Mapped[QuestionType] = mapped_column(_enum(QuestionType, 16))
    scoring: Mapped[Scoring] = mapped_column(_enum(Scoring, 16))
    text: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text)
    lesson_slug: Mapped[str] = mapped_column(String(80))
    situation: Mapped[bool]

    version: Mapped[ModuleVersion] = relationship(back_populates="questions")
    options: Mapped[list[Option]] = relationship(
        back_populates="question", order_by="Option.position", cascade="all, delete-orphan"
    )


class Option(db.Model):  # type: ignore[name-defined]
    """An answer option. For ``ordering`` questions the options are the items and
    ``position`` is the right order; for ``true_false`` they are «Sant» and «Usant»."""

    __tablename__ = "options"
    __table_args__ = (UniqueConstraint("question_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool] = mapped_column(default=False)
    feedback: Mapped[str] = mapped_column(Text, default="")

    question: Mapped[Question] = relationship(back_populates="options")


class ContentAsset(db.Model):  # type: ignore[name-defined]
    """An image from a lesson folder, stored by its hash so every app server can serve it."""

    __tablename__ = "content_assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(50))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
