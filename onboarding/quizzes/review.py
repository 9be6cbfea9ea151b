"""What the result page shows of a submitted attempt: the count of right answers, how
partial credit counted, each answer's verdict and feedback, and the lesson to read again.

Pure functions of the attempt and its questions, in the reader's language; no queries
beyond the attempt's own relationships and the module's current lessons.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from flask_babel import format_decimal

from onboarding.content.models import Lesson, Option, Question, QuestionType, Scoring
from onboarding.learning.models import AttemptAnswer, QuizAttempt
from onboarding.quizzes.scoring import OptionFacts, PartialCredit, partial_credit

# Option feedback in the course files often opens with its own verdict («Riktig. Strategien
# sier ...»). The page states the verdict itself, so that opening word is left out rather
# than said twice («– riktig. Riktig.»).
_VERDICT_OPENING = re.compile(
    r"^\s*(?:riktig|rett|feil|nei|ja|correct|incorrect|right|wrong|no|yes)\s*[.!]\s*",
    re.IGNORECASE,
)
# Explanations open with the lesson they build on: «Se leksjonen «Tittel»: ...» (nynorsk
# «Sjå leksjonen», English «See the lesson “Title”»). The page turns that opening into a
# link to the lesson, so it is taken off the text.
_LESSON_OPENING = re.compile(
    r"^\s*(?:se leksjonen|sjå leksjonen|see the lesson)\s*[«“\"][^»”\"]*[»”\"]\s*[:.]?\s*",
    re.IGNORECASE,
)


class Verdict(enum.StrEnum):
    RIGHT = "right"
    PARTLY = "partly"
    WRONG = "wrong"


@dataclass(frozen=True)
class Choice:
    """An option the person chose, with its feedback (its opening verdict left out)."""

    text: str
    correct: bool
    feedback: str


@dataclass(frozen=True)
class ReviewItem:
    answer: AttemptAnswer
    question: Question
    verdict: Verdict
    chosen: list[Choice]
    # For ordering questions: the items in the order given, and in the right order.
    order_given: list[str]
    right_order: list[str]
    right_answers: list[str]
    # Set for multi-answer questions scored with partial credit.
    credit: PartialCredit | None
    explanation: str
    # The lesson the question builds on, when the module still has it.
    lesson: Lesson | None

    @property
    def is_multiple(self) -> bool:
        return self.question.type is QuestionType.MULTIPLE

    @property
    def all_or_nothing(self) -> bool:
        return self.is_multiple and self.question.scoring is Scoring.ALL_OR_NOTHING

    @property
    def shows_credit(self) -> bool:
        """Whether to say how partial credit counted: some right choices, not all points."""
        return (
            self.credit is not None and self.credit.hits > 0 and self.verdict is not Verdict.RIGHT
        )


@dataclass(frozen=True)
class AttemptReview:
    items: list[ReviewItem]

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def right(self) -> int:
        return sum(item.verdict is Verdict.RIGHT for item in self.items)

    @property
    def partly(self) -> int:
        return sum(item.verdict is Verdict.PARTLY for item in self.items)

    @property
    def points(self) -> float:
        return sum(item.answer.points or 0.0 for item in self.items)

    @property
    def has_partial_credit(self) -> bool:
        """Whether any question in the attempt can give partial credit."""
        return any(item.credit is not None for item in self.items)


def feedback_text(option: Option) -> str:
    """The option's feedback without an opening verdict word."""
    return _VERDICT_OPENING.sub("", option.feedback or "", count=1).strip()


def explanation_text(question: Question) -> str:
    """The explanation without its opening «Se leksjonen «...»:»."""
    return _LESSON_OPENING.sub("", question.explanation or "", count=1).strip()


def verdict_for(points: float | None) -> Verdict:
    if points is not None and points >= 1:
        return Verdict.RIGHT
    return Verdict.PARTLY if points else Verdict.WRONG


def review(attempt: QuizAttempt) -> AttemptReview:
    """The submitted ``attempt`` as the result page shows it."""
    version = attempt.module.current_version
    lessons = {lesson.slug: lesson for lesson in version.lessons} if version else {}
    return AttemptReview([_item(answer, lessons) for answer in attempt.answers])


def _item(answer: AttemptAnswer, lessons: dict[str, Lesson]) -> ReviewItem:
    question = answer.question
    by_id = {option.id: option for option in question.options}
    response = answer.response or []
    ordering = question.type is QuestionType.ORDERING
    credit = None
    if question.type is QuestionType.MULTIPLE and question.scoring is Scoring.PARTIAL:
        facts = [OptionFacts(o.id, o.correct, o.position) for o in question.options]
        credit = partial_credit(facts, response)
    lesson = lessons.get(question.lesson_slug)
    return ReviewItem(
        answer=answer,
        question=question,
        verdict=verdict_for(answer.points),
        chosen=[]
        if ordering
        else [
            Choice(by_id[i].text, by_id[i].correct, feedback_text(by_id[i]))
            for i in response
            if i in by_id
        ],
        order_given=[by_id[i].text for i in response if i in by_id] if ordering else [],
        right_order=[o.text for o in sorted(question.options, key=lambda o: o.position)]
        if ordering
        else [],
        right_answers=[] if ordering else [o.text for o in question.options if o.correct],
        credit=credit,
        # Without the lesson to link to, the explanation keeps its own «Se leksjonen».
        explanation=explanation_text(question) if lesson else (question.explanation or ""),
        lesson=lesson,
    )


def format_points(value: float) -> str:
    """Points in the reader's number format, to two decimals at most: «0,67», «1», «6,67»."""
    return format_decimal(round(value, 2), format="#,##0.##")
