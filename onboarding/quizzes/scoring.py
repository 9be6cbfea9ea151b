"""Scoring one answer: a pure function of the question and the option ids chosen.

It never looks at the order options were shown in, only at which options were chosen
(or, for ordering questions, the order the person put them in).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from onboarding.content.models import QuestionType, Scoring


@dataclass(frozen=True)
class OptionFacts:
    id: int
    correct: bool
    position: int  # for ordering questions, the right place (1 = first)


@dataclass(frozen=True)
class PartialCredit:
    """A multi-answer question scored with partial credit: each right choice adds a share
    of the point, each wrong choice takes one share away, and the total never goes below 0."""

    hits: int  # right options chosen
    right: int  # right options in the question
    misses: int  # wrong options chosen

    @property
    def points(self) -> float:
        return max(0.0, (self.hits - self.misses) / self.right) if self.right else 0.0


def partial_credit(options: Sequence[OptionFacts], response: Sequence[int]) -> PartialCredit:
    chosen = set(response)
    right = {option.id for option in options if option.correct}
    return PartialCredit(hits=len(chosen & right), right=len(right), misses=len(chosen - right))


def score(
    kind: QuestionType, scoring: Scoring, options: Sequence[OptionFacts], response: Sequence[int]
) -> float:
    """Points between 0 and 1 for ``response`` (option ids)."""
    chosen = set(response)
    if kind in (QuestionType.SINGLE, QuestionType.TRUE_FALSE):
        right = {option.id for option in options if option.correct}
        return 1.0 if len(chosen) == 1 and chosen == right else 0.0
    if kind is QuestionType.MULTIPLE:
        right = {option.id for option in options if option.correct}
        if scoring is Scoring.ALL_OR_NOTHING:
            return 1.0 if chosen == right else 0.0
        return partial_credit(options, response).points
    # Ordering: right only when every item is in its place.
    expected = [option.id for option in sorted(options, key=lambda o: o.position)]
    return 1.0 if list(response) == expected else 0.0


def percent(points: Sequence[float]) -> float:
    """The attempt's score in percent (not rounded: the pass mark is compared exactly)."""
    if not points:
        return 0.0
    return min(100.0, 100 * sum(points) / len(points))
