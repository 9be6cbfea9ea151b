"""The course file format, as typed models. Structure only; the cross-file rules are in
``checker``. Every model forbids unknown fields, so a misspelt key is reported."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]
Key = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]
Text = Annotated[str, Field(min_length=1)]
Percent = Annotated[int, Field(ge=1, le=100)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProgrammeFile(Strict):
    """``courses/<programme>/programme.yaml``."""

    slug: Slug
    title: Text
    description: Text
    organisation: Text
    deadline_weeks: Annotated[int, Field(ge=1, le=104)]
    pass_mark: Percent = 80
    modules: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]


class LessonEntry(Strict):
    slug: Slug
    title: Text
    file: Text


class ReflectionEntry(Strict):
    id: Key
    prompt: Text


class OptionEntry(Strict):
    id: Key
    text: Text
    correct: bool = False
    feedback: str = ""


class ItemEntry(Strict):
    id: Key
    text: Text


class QuestionBase(Strict):
    id: Key
    lesson: Slug
    situation: bool = False
    text: Text
    explanation: Text


class SingleQuestion(QuestionBase):
    type: Literal["single"]
    options: Annotated[list[OptionEntry], Field(min_length=2)]


class MultipleQuestion(QuestionBase):
    type: Literal["multiple"]
    scoring: Literal["all_or_nothing", "partial"] = "all_or_nothing"
    options: Annotated[list[OptionEntry], Field(min_length=2)]


class TrueFalseQuestion(QuestionBase):
    type: Literal["true_false"]
    answer: bool
    feedback_true: str = ""
    feedback_false: str = ""


class OrderingQuestion(QuestionBase):
    type: Literal["ordering"]
    items: Annotated[list[ItemEntry], Field(min_length=1)]


Question = Annotated[
    SingleQuestion | MultipleQuestion | TrueFalseQuestion | OrderingQuestion,
    Field(discriminator="type"),
]


class QuizEntry(Strict):
    pass_mark: Percent | None = None  # the programme's pass mark when left out
    draw: Annotated[int, Field(ge=1)]
    questions: Annotated[list[Question], Field(min_length=1)]


class ModuleFile(Strict):
    """``courses/<programme>/<module>/module.yaml``."""

    slug: Slug
    title: Text
    summary: Text
    estimated_minutes: Annotated[int, Field(ge=1, le=600)]
    lessons: Annotated[list[LessonEntry], Field(min_length=1)]
    reflections: list[ReflectionEntry] = []
    quiz: QuizEntry
