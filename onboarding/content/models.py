"""The programme's content as loaded from ``courses/``: each module in numbered versions.

A version is never changed once made; editing a module's files makes a new version, so
progress and attempts recorded against an old version keep what they were made on.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Enum,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.content.localised import Translated, TranslatedMixin
from onboarding.database import UTCDateTime, utcnow
from onboarding.extensions import Model


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


class Programme(TranslatedMixin, Model):
    """An introduction programme, e.g. «Velkommen til Tynset kommune»."""

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title_nb: Mapped[str] = mapped_column("title", String(200))
    description_nb: Mapped[str] = mapped_column("description", Text)
    # {"nn": {"title": ..., "description": ...}, "en": {...}}; see content/localised.py
    translations: Mapped[dict[str, dict[str, str]] | None] = mapped_column(JSON)
    title = Translated("title_nb")
    description = Translated("description_nb")
    organisation: Mapped[str] = mapped_column(String(200))
    deadline_weeks: Mapped[int]
    pass_mark: Mapped[int]
    # When a sync last changed the programme or its modules (see learning.services).
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    modules: Mapped[list[Module]] = relationship(
        back_populates="programme", order_by="Module.position"
    )

    @property
    def live_modules(self) -> list[Module]:
        """The modules a learner takes now, in order: active, with a current version."""
        return [m for m in self.modules if m.active and m.current_version is not None]

    def __repr__(self) -> str:
        return f"<Programme {self.slug}>"


class Module(Model):
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


class ModuleVersion(TranslatedMixin, Model):
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
    title_nb: Mapped[str] = mapped_column("title", String(200))
    summary_nb: Mapped[str] = mapped_column("summary", Text)
    translations: Mapped[dict[str, dict[str, str]] | None] = mapped_column(JSON)
    title = Translated("title_nb")
    summary = Translated("summary_nb")
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


class Lesson(TranslatedMixin, Model):
    """A lesson in one module version, with its Markdown rendered to safe HTML once."""

    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("version_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    title_nb: Mapped[str] = mapped_column("title", String(200))
    translations: Mapped[dict[str, dict[str, str]] | None] = mapped_column(JSON)
    # Deferred: most lists of lessons need no text. The learner's pages get the current
    # lessons' texts once per process, with the programme's structure (learning.services).
    source: Mapped[str] = mapped_column(Text, deferred=True, deferred_group="text")
    body_html_nb: Mapped[str] = mapped_column(
        "body_html", Text, deferred=True, deferred_group="text"
    )
    # {"nn": {"body_html": ...}, ...}: the translated lesson files, rendered.
    body_translations: Mapped[dict[str, dict[str, str]] | None] = mapped_column(
        JSON, deferred=True, deferred_group="text"
    )
    title = Translated("title_nb")
    body_html = Translated("body_html_nb", translations="body_translations")

    version: Mapped[ModuleVersion] = relationship(back_populates="lessons")


class ReflectionPrompt(TranslatedMixin, Model):
    """A question with no right answer, answered in the employee's own words."""

    __tablename__ = "reflection_prompts"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    prompt_nb: Mapped[str] = mapped_column("prompt", Text)
    translations: Mapped[dict[str, dict[str, str]] | None] = mapped_column(JSON)
    prompt = Translated("prompt_nb")

    version: Mapped[ModuleVersion] = relationship(back_populates="reflection_prompts")


class Question(TranslatedMixin, Model):
    """A question in a module version's quiz bank."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    type: Mapped[QuestionType] = mapped_column(_enum(QuestionType, 16))
    scoring: Mapped[Scoring] = mapped_column(_enum(Scoring, 16))
    text_nb: Mapped[str] = mapped_column("text", Text)
    explanation_nb: Mapped[str] = mapped_column("explanation", Text)
    translations: Mapped[dict[str, dict[str, str]] | None] = mapped_column(JSON)
    text = Translated("text_nb")
    explanation = Translated("explanation_nb")
    lesson_slug: Mapped[str] = mapped_column(String(80))
    situation: Mapped[bool]

    version: Mapped[ModuleVersion] = relationship(back_populates="questions")
    options: Mapped[list[Option]] = relationship(
        back_populates="question", order_by="Option.position", cascade="all, delete-orphan"
    )

    def is_translated(self, language: str | None = None) -> bool:
        return super().is_translated(language) and all(
            option.is_translated(language) for option in self.options
        )


class Option(TranslatedMixin, Model):
    """An answer option. For ``ordering`` questions the options are the items and
    ``position`` is the right order; for ``true_false`` they are «Sant» and «Usant»."""

    __tablename__ = "options"
    __table_args__ = (UniqueConstraint("question_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    text_nb: Mapped[str] = mapped_column("text", Text)
    correct: Mapped[bool] = mapped_column(default=False)
    feedback_nb: Mapped[str] = mapped_column("feedback", Text, default="")
    translations: Mapped[dict[str, dict[str, str]] | None] = mapped_column(JSON)
    text = Translated("text_nb")
    feedback = Translated("feedback_nb")

    question: Mapped[Question] = relationship(back_populates="options")


class ContentAsset(Model):
    """An image from a lesson folder, stored by its hash so every app server can serve it."""

    __tablename__ = "content_assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(50))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
