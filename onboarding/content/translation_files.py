"""Translated course files: reading them, checking them against the original, and
measuring how much of a programme each language covers.

A translation is a copy of the original file with the texts translated, named with the
language before the extension: ``programme.nn.yaml``, ``module.en.yaml``,
``lessons/01-visjon.nn.md``. A translation may leave things out (they are shown in bokmål
and the page says so), but what it does say about the structure must be what the original
says: the same questions, the same options, the same correct answers, the same order of
an ordering question's items. Otherwise one language would score differently from another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from flask_babel import gettext as _
from pydantic import Field

from onboarding.content.schema import (
    Key,
    ModuleFile,
    MultipleQuestion,
    OrderingQuestion,
    ProgrammeFile,
    SingleQuestion,
    Slug,
    Strict,
    TrueFalseQuestion,
)

OptionalText = Annotated[str, Field(min_length=1)] | None


class OptionTranslation(Strict):
    id: Key
    text: OptionalText = None
    correct: bool | None = None
    feedback: str | None = None


class ItemTranslation(Strict):
    id: Key
    text: OptionalText = None


class QuestionTranslation(Strict):
    id: Key
    # Structure: may be repeated from the original (a translator copies the file), and
    # must then be the same.
    type: str | None = None
    lesson: str | None = None
    situation: bool | None = None
    scoring: str | None = None
    answer: bool | None = None
    options: list[OptionTranslation] | None = None
    items: list[ItemTranslation] | None = None
    # Text.
    text: OptionalText = None
    explanation: OptionalText = None
    feedback_true: str | None = None
    feedback_false: str | None = None


class LessonTranslation(Strict):
    slug: Slug
    title: OptionalText = None
    file: str | None = None


class ReflectionTranslation(Strict):
    id: Key
    prompt: OptionalText = None


class QuizTranslation(Strict):
    pass_mark: int | None = None
    draw: int | None = None
    questions: list[QuestionTranslation] = []


class ModuleTranslation(Strict):
    """``module.<language>.yaml``."""

    slug: str | None = None
    title: OptionalText = None
    summary: OptionalText = None
    estimated_minutes: int | None = None
    lessons: list[LessonTranslation] = []
    reflections: list[ReflectionTranslation] = []
    quiz: QuizTranslation | None = None


class ProgrammeTranslation(Strict):
    """``programme.<language>.yaml``."""

    slug: str | None = None
    title: OptionalText = None
    description: OptionalText = None
    organisation: OptionalText = None
    deadline_weeks: int | None = None
    pass_mark: int | None = None
    modules: list[str] | None = None


@dataclass(frozen=True)
class Mismatch:
    """Where a translation says something about the structure that the original does not."""

    location: tuple[str | int, ...]
    kind: str  # differs, unknown, options, correct, answer, order
    question: str = ""
    item: str = ""


def programme_mismatches(
    original: ProgrammeFile, translation: ProgrammeTranslation
) -> list[Mismatch]:
    found = []
    for name in ("slug", "deadline_weeks", "pass_mark", "modules"):
        given = getattr(translation, name)
        if given is not None and given != getattr(original, name):
            found.append(Mismatch((name,), "differs"))
    return found


def module_mismatches(original: ModuleFile, translation: ModuleTranslation) -> list[Mismatch]:
    """Every place where ``translation`` contradicts ``original``."""
    found: list[Mismatch] = []
    for name in ("slug", "estimated_minutes"):
        given = getattr(translation, name)
        if given is not None and given != getattr(original, name):
            found.append(Mismatch((name,), "differs"))
    lessons = {entry.slug: entry for entry in original.lessons}
    for index, lesson in enumerate(translation.lessons):
        entry = lessons.get(lesson.slug)
        if entry is None:
            found.append(Mismatch(("lessons", index, "slug"), "unknown", item=lesson.slug))
        elif lesson.file is not None and lesson.file != entry.file:
            found.append(Mismatch(("lessons", index, "file"), "differs"))
    prompts = {reflection.id for reflection in original.reflections}
    for index, reflection in enumerate(translation.reflections):
        if reflection.id not in prompts:
            found.append(Mismatch(("reflections", index, "id"), "unknown", item=reflection.id))
    if translation.quiz is None:
        return found
    for name in ("pass_mark", "draw"):
        given = getattr(translation.quiz, name)
        if given is not None and given != getattr(original.quiz, name):
            found.append(Mismatch(("quiz", name), "differs"))
    questions = {question.id: question for question in original.quiz.questions}
    for index, question in enumerate(translation.quiz.questions):
        where: tuple[str | int, ...] = ("quiz", "questions", index)
        source = questions.get(question.id)
        if source is None:
            found.append(Mismatch((*where, "id"), "unknown", item=question.id))
            continue
        found += _question_mismatches(source, question, where)
    return found


def _question_mismatches(
    source: SingleQuestion | MultipleQuestion | TrueFalseQuestion | OrderingQuestion,
    question: QuestionTranslation,
    where: tuple[str | int, ...],
) -> list[Mismatch]:
    found: list[Mismatch] = []
    key = question.id
    same = {
        "type": source.type,
        "lesson": source.lesson,
        "situation": source.situation,
        "scoring": getattr(source, "scoring", None),
        "answer": getattr(source, "answer", None),
    }
    for name, expected in same.items():
        given = getattr(question, name)
        if given is not None and given != expected:
            found.append(Mismatch((*where, name), "answer" if name == "answer" else "differs", key))
    if isinstance(source, SingleQuestion | MultipleQuestion):
        if question.items is not None:
            found.append(Mismatch((*where, "items"), "options", key))
        if question.options is not None:
            original = {option.id: option for option in source.options}
            given_ids = [option.id for option in question.options]
            if sorted(given_ids) != sorted(original):
                found.append(Mismatch((*where, "options"), "options", key))
            for o_index, option in enumerate(question.options):
                match = original.get(option.id)
                if match is not None and option.correct is not None:
                    if option.correct != match.correct:
                        found.append(
                            Mismatch(
                                (*where, "options", o_index, "correct"), "correct", key, option.id
                            )
                        )
    elif isinstance(source, OrderingQuestion):
        if question.options is not None:
            found.append(Mismatch((*where, "options"), "options", key))
        if question.items is not None:
            if [item.id for item in question.items] != [item.id for item in source.items]:
                found.append(Mismatch((*where, "items"), "order", key))
    elif question.options is not None or question.items is not None:
        found.append(Mismatch((*where, "options"), "options", key))
    return found


# -- the texts, per language -----------------------------------------------------------


@dataclass
class ModuleTexts:
    """A module's texts in one language, from its translation file and lesson files."""

    spec: ModuleTranslation | None = None
    # Lesson slug -> the translated Markdown.
    lesson_sources: dict[str, str] = field(default_factory=dict)

    def module(self) -> dict[str, str]:
        if self.spec is None:
            return {}
        return present(title=self.spec.title, summary=self.spec.summary)

    def lesson_title(self, slug: str) -> str | None:
        if self.spec is None:
            return None
        return next((e.title for e in self.spec.lessons if e.slug == slug and e.title), None)

    def reflection(self, key: str) -> str | None:
        if self.spec is None:
            return None
        return next((r.prompt for r in self.spec.reflections if r.id == key and r.prompt), None)

    def question(self, key: str) -> QuestionTranslation | None:
        if self.spec is None or self.spec.quiz is None:
            return None
        return next((q for q in self.spec.quiz.questions if q.id == key), None)


def present(**texts: str | None) -> dict[str, str]:
    """The texts that are given (not None or empty), by name."""
    return {name: text for name, text in texts.items() if text}


def question_texts(question: QuestionTranslation | None) -> dict[str, str]:
    if question is None:
        return {}
    return present(text=question.text, explanation=question.explanation)


def option_texts(question: QuestionTranslation | None, key: str) -> dict[str, str]:
    """An option's (or ordering item's) texts; true/false feedback for "true"/"false"."""
    if question is None:
        return {}
    if question.options is not None:
        for option in question.options:
            if option.id == key:
                return present(text=option.text, feedback=option.feedback)
    if question.items is not None:
        for item in question.items:
            if item.id == key:
                return present(text=item.text)
    if key == "true":
        return present(feedback=question.feedback_true)
    if key == "false":
        return present(feedback=question.feedback_false)
    return {}


# -- coverage ----------------------------------------------------------------------------


@dataclass
class Coverage:
    """How much of a programme one language has: each piece a learner sees is counted
    once, and counts only when every text in it is translated."""

    language: str
    total: int = 0
    done: int = 0
    missing: list[str] = field(default_factory=list)

    def count(self, complete: bool, what: str) -> None:
        self.total += 1
        if complete:
            self.done += 1
        else:
            self.missing.append(what)

    @property
    def percent(self) -> int:
        """Rounded down, so 100 means everything."""
        return 100 if not self.total else self.done * 100 // self.total


def module_coverage(
    coverage: Coverage, folder: str, original: ModuleFile, texts: ModuleTexts
) -> None:
    translated = texts.module()
    coverage.count(
        "title" in translated and "summary" in translated,
        _("%(module)s: module title and summary", module=folder),
    )
    for lesson in original.lessons:
        coverage.count(
            bool(texts.lesson_title(lesson.slug)) and lesson.slug in texts.lesson_sources,
            _("%(module)s: lesson “%(lesson)s”", module=folder, lesson=lesson.slug),
        )
    for reflection in original.reflections:
        coverage.count(
            bool(texts.reflection(reflection.id)),
            _("%(module)s: reflection “%(id)s”", module=folder, id=reflection.id),
        )
    for question in original.quiz.questions:
        coverage.count(
            _question_complete(question, texts.question(question.id)),
            _("%(module)s: question “%(id)s”", module=folder, id=question.id),
        )


def _question_complete(
    source: SingleQuestion | MultipleQuestion | TrueFalseQuestion | OrderingQuestion,
    question: QuestionTranslation | None,
) -> bool:
    if question is None or not question.text or not question.explanation:
        return False
    if isinstance(source, SingleQuestion | MultipleQuestion):
        return all(
            "text" in option_texts(question, option.id)
            and (not option.feedback or "feedback" in option_texts(question, option.id))
            for option in source.options
        )
    if isinstance(source, OrderingQuestion):
        return all("text" in option_texts(question, item.id) for item in source.items)
    return all(
        not needed or given
        for needed, given in (
            (source.feedback_true, question.feedback_true),
            (source.feedback_false, question.feedback_false),
        )
    )
