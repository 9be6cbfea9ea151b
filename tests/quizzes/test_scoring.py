"""Scoring each question type, and properties that hold for every possible answer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onboarding.content.models import QuestionType, Scoring
from onboarding.quizzes.scoring import OptionFacts, percent, score

SINGLE = [OptionFacts(1, True, 1), OptionFacts(2, False, 2), OptionFacts(3, False, 3)]
MULTIPLE = [
    OptionFacts(1, True, 1),
    OptionFacts(2, True, 2),
    OptionFacts(3, False, 3),
    OptionFacts(4, False, 4),
]
ORDERING = [OptionFacts(10, False, 1), OptionFacts(11, False, 2), OptionFacts(12, False, 3)]


@pytest.mark.parametrize(("response", "points"), [([1], 1.0), ([2], 0.0), ([], 0.0), ([1, 2], 0.0)])
def test_single(response: list[int], points: float) -> None:
    assert score(QuestionType.SINGLE, Scoring.ALL_OR_NOTHING, SINGLE, response) == points


def test_true_false_is_scored_like_single() -> None:
    options = [OptionFacts(5, False, 1), OptionFacts(6, True, 2)]  # the statement is false
    assert score(QuestionType.TRUE_FALSE, Scoring.ALL_OR_NOTHING, options, [6]) == 1.0
    assert score(QuestionType.TRUE_FALSE, Scoring.ALL_OR_NOTHING, options, [5]) == 0.0


@pytest.mark.parametrize(
    ("response", "points"),
    [([1, 2], 1.0), ([2, 1], 1.0), ([1], 0.0), ([1, 2, 3], 0.0), ([3, 4], 0.0)],
)
def test_multiple_all_or_nothing(response: list[int], points: float) -> None:
    assert score(QuestionType.MULTIPLE, Scoring.ALL_OR_NOTHING, MULTIPLE, response) == points


@pytest.mark.parametrize(
    ("response", "points"),
    [
        ([1, 2], 1.0),  # both right ones
        ([1], 0.5),  # half of the right ones
        ([1, 2, 3], 0.5),  # both right, one wrong: a wrong choice takes a share away
        ([1, 3], 0.0),
        ([3, 4], 0.0),  # never below zero
        ([], 0.0),
    ],
)
def test_multiple_partial_credit(response: list[int], points: float) -> None:
    assert score(QuestionType.MULTIPLE, Scoring.PARTIAL, MULTIPLE, response) == points


@pytest.mark.parametrize(
    ("response", "points"),
    [([10, 11, 12], 1.0), ([11, 10, 12], 0.0), ([12, 11, 10], 0.0), ([10, 11], 0.0)],
)
def test_ordering(response: list[int], points: float) -> None:
    assert score(QuestionType.ORDERING, Scoring.ALL_OR_NOTHING, ORDERING, response) == points


def test_percent() -> None:
    assert percent([1, 1, 1, 0]) == 75.0
    assert percent([1, 0.5, 0, 0]) == 37.5
    assert percent([]) == 0.0


Case = tuple[QuestionType, Scoring, list[OptionFacts], list[int]]


@st.composite
def question_and_answer(draw: st.DrawFn) -> Case:
    kind = draw(st.sampled_from(list(QuestionType)))
    scoring = draw(st.sampled_from(list(Scoring)))
    count = draw(st.integers(min_value=2 if kind is QuestionType.TRUE_FALSE else 3, max_value=6))
    if kind is QuestionType.TRUE_FALSE:
        count = 2
    ids = draw(st.lists(st.integers(1, 10_000), min_size=count, max_size=count, unique=True))
    if kind in (QuestionType.SINGLE, QuestionType.TRUE_FALSE):
        right = draw(st.integers(0, count - 1))
        flags = [index == right for index in range(count)]
    else:
        flags = draw(st.lists(st.booleans(), min_size=count, max_size=count))
        if kind is QuestionType.MULTIPLE and not any(flags):
            flags[0] = True
    options = [
        OptionFacts(i, flag, position)
        for position, (i, flag) in enumerate(zip(ids, flags, strict=True), start=1)
    ]
    if kind is QuestionType.ORDERING:
        response = draw(st.permutations(ids))
    else:
        response = draw(st.lists(st.sampled_from(ids), unique=True, max_size=count))
    return kind, scoring, options, list(response)


@given(question_and_answer(), st.randoms())
def test_points_are_between_0_and_1_and_ignore_display_order(case: Case, rng: object) -> None:
    kind, scoring, options, response = case
    points = score(kind, scoring, options, response)
    assert 0.0 <= points <= 1.0
    shown = list(options)
    rng.shuffle(shown)  # type: ignore[attr-defined]
    assert score(kind, scoring, shown, response) == points
    if kind is not QuestionType.ORDERING:
        # The order options were ticked in does not matter either.
        assert score(kind, scoring, options, list(reversed(response))) == points


@given(st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=20))
def test_a_score_is_always_between_0_and_100(points: list[float]) -> None:
    assert 0.0 <= percent(points) <= 100.0
