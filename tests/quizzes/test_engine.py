"""The quiz engine without HTTP: drawing, submitting, idempotence, best attempt, versions."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from onboarding.auth.models import User
from onboarding.content.models import Module
from onboarding.extensions import db
from onboarding.learning.models import AttemptAnswer, ModuleCompletion, QuizAttempt
from onboarding.learning.services import best_scores, current_programme, mark_lesson_read
from onboarding.quizzes.services import ForgedAnswer, MissingAnswers, start_attempt, submit_attempt
from onboarding.signals import modules_completed
from tests.factories import commit, create_user, right_answers, wrong_answers
from tests.programmes import sync_programme

VALID = Path(__file__).parents[1] / "content" / "courses" / "valid"


@pytest.fixture
def courses(tmp_path: Path) -> Path:
    folder = tmp_path / "proveprogram"
    shutil.copytree(VALID, folder)
    return folder


@pytest.fixture
def setup(appctx: Flask, courses: Path) -> tuple[User, Module]:
    sync_programme(courses)
    user = create_user(first_name="Ola")
    commit()
    module = db.session.scalar(select(Module).where(Module.slug == "forste"))
    assert module is not None
    return user, module


def test_an_attempt_draws_the_quiz_size_and_fixes_the_order(setup: tuple[User, Module]) -> None:
    user, module = setup
    attempt = start_attempt(user, module, random.Random(1))
    commit()
    assert len(attempt.answers) == 2  # draw: 2 of a bank of 3
    assert len({a.question_id for a in attempt.answers}) == 2
    for answer in attempt.answers:
        assert sorted(answer.option_order) == sorted(o.id for o in answer.question.options)
    stored = [(a.question_id, a.option_order) for a in attempt.answers]
    # Starting again while the attempt is open returns the same attempt, unchanged.
    again = start_attempt(user, module, random.Random(99))
    assert again.id == attempt.id
    assert [(a.question_id, a.option_order) for a in again.answers] == stored


def test_the_draw_never_exceeds_the_bank(setup: tuple[User, Module]) -> None:
    user, module = setup
    assert module.current_version is not None
    module.current_version.draw = 10  # as if the bank had shrunk below the draw
    attempt = start_attempt(user, module, random.Random(3))
    assert len(attempt.answers) == len(module.current_version.questions) == 3


def test_retakes_draw_again(setup: tuple[User, Module]) -> None:
    user, module = setup
    draws = set()
    for seed in range(8):
        attempt = start_attempt(user, module, random.Random(seed))
        draws.add(tuple(sorted(a.question_id for a in attempt.answers)))
        submit_attempt(attempt, wrong_answers(attempt))
        commit()
    assert len(draws) > 1
    assert [
        a.number for a in db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.id))
    ] == list(range(1, 9))


def test_the_database_allows_one_open_attempt(setup: tuple[User, Module]) -> None:
    user, module = setup
    start_attempt(user, module)
    commit()
    duplicate = QuizAttempt(
        user_id=user.id,
        module_id=module.id,
        version_id=module.current_version_id,
        number=2,
        pass_mark=80,
    )
    db.session.add(duplicate)
    with pytest.raises(Exception, match="(?i)unique"):
        db.session.flush()
    db.session.rollback()


def test_right_answers_pass_and_wrong_ones_do_not(setup: tuple[User, Module]) -> None:
    user, module = setup
    first = start_attempt(user, module, random.Random(1))
    submit_attempt(first, wrong_answers(first))
    commit()
    assert (first.score, first.passed) == (0.0, False)
    second = start_attempt(user, module, random.Random(2))
    submit_attempt(second, right_answers(second))
    commit()
    assert (second.score, second.passed) == (100.0, True)
    assert best_scores(user) == {module.id: (100.0, True)}


def test_the_best_attempt_counts(setup: tuple[User, Module]) -> None:
    user, module = setup
    good = start_attempt(user, module, random.Random(1))
    submit_attempt(good, right_answers(good))
    worse = start_attempt(user, module, random.Random(2))
    submit_attempt(worse, wrong_answers(worse))
    commit()
    assert best_scores(user)[module.id] == (100.0, True)


def test_submitting_twice_changes_nothing(setup: tuple[User, Module]) -> None:
    user, module = setup
    attempt = start_attempt(user, module, random.Random(1))
    submit_attempt(attempt, wrong_answers(attempt))
    commit()
    recorded = (attempt.score, attempt.submitted_at)
    again = submit_attempt(attempt, right_answers(attempt))
    commit()
    assert again.id == attempt.id
    assert (again.score, again.submitted_at) == recorded
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1


def test_missing_answers_save_nothing(setup: tuple[User, Module]) -> None:
    user, module = setup
    attempt = start_attempt(user, module, random.Random(1))
    commit()
    responses = right_answers(attempt)
    first = attempt.answers[0].id
    del responses[first]
    with pytest.raises(MissingAnswers) as missing:
        submit_attempt(attempt, responses)
    db.session.rollback()
    assert list(missing.value.errors) == [first]
    assert attempt.is_open
    assert db.session.scalar(select(func.count()).where(AttemptAnswer.response.is_not(None))) == 0


def test_forged_answers_are_refused(setup: tuple[User, Module]) -> None:
    user, module = setup
    attempt = start_attempt(user, module, random.Random(1))
    commit()
    responses = right_answers(attempt)
    with pytest.raises(ForgedAnswer):
        submit_attempt(attempt, {**responses, 999_999: [1]})  # a question not in the attempt
    other_options = {o.id for a in attempt.answers for o in a.question.options}
    foreign = max(other_options) + 1000
    with pytest.raises(ForgedAnswer):
        submit_attempt(attempt, {**responses, attempt.answers[0].id: [foreign]})
    assert attempt.is_open


def test_an_attempt_on_an_older_version_still_counts(
    setup: tuple[User, Module], courses: Path
) -> None:
    user, module = setup
    attempt = start_attempt(user, module, random.Random(1))
    commit()
    old_version = attempt.version_id
    lesson_file = courses / "01-forste" / "lessons" / "02-fordypning.md"
    lesson_file.write_text(lesson_file.read_text() + "\nNy tekst.\n")
    sync_programme(courses)
    commit()
    assert module.current_version_id != old_version
    submit_attempt(attempt, right_answers(attempt))  # finished after the module changed
    commit()
    assert attempt.version_id == old_version
    assert best_scores(user)[module.id] == (100.0, True)


def test_completing_the_last_module_sends_the_signal_once(setup: tuple[User, Module]) -> None:
    user, _module = setup
    user.start_date = user.created_at.date()
    programme = current_programme()
    assert programme is not None
    from onboarding.learning.services import ensure_enrolment

    enrolment = ensure_enrolment(user, programme)
    assert enrolment is not None
    received: list[object] = []

    def receiver(sender: object) -> None:
        received.append(sender)

    modules_completed.connect(receiver)
    try:
        for module in programme.modules:
            assert module.current_version is not None
            for lesson in module.current_version.lessons:
                mark_lesson_read(user, lesson)
            attempt = start_attempt(user, module)
            submit_attempt(attempt, right_answers(attempt))
            # Reading a lesson again and passing once more complete nothing twice.
            mark_lesson_read(user, module.current_version.lessons[0])
            retake = start_attempt(user, module)
            submit_attempt(retake, right_answers(retake))
        commit()
    finally:
        modules_completed.disconnect(receiver)
    assert received == [enrolment]
    assert enrolment.modules_completed_at is not None
    completions = list(db.session.scalars(select(ModuleCompletion)))
    assert len(completions) == 2
    assert all(c.best_score == 100.0 for c in completions)
