"""The quiz engine: draw an attempt, check and score the answers, keep the best result."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from onboarding.auth.models import User
from onboarding.content.models import Module, QuestionType
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.learning.models import AttemptAnswer, QuizAttempt
from onboarding.learning.services import open_attempt, update_completion
from onboarding.quizzes.scoring import OptionFacts, percent, score


class QuizError(ValueError):
    """Something about the request cannot be accepted; the message is for the user."""


class ForgedAnswer(QuizError):
    """The form holds questions or options that are not in the attempt."""


@dataclass
class MissingAnswers(QuizError):
    """Some questions were not answered; nothing was saved."""

    errors: dict[int, str]

    def __str__(self) -> str:
        return _("Answer every question before you submit.")


def start_attempt(user: User, module: Module, rng: random.Random | None = None) -> QuizAttempt:
    """The person's open attempt at this quiz, or a new one drawn from the current bank.

    The questions drawn and the order of their options are fixed on the attempt, so a
    reload shows the same attempt.
    """
    existing = open_attempt(user, module)
    if existing is not None:
        return existing
    version = module.current_version
    if version is None or not module.active:
        raise QuizError(_("This module has no quiz right now."))
    rng = rng or random.SystemRandom()
    number = (
        db.session.scalar(
            select(func.max(QuizAttempt.number)).where(
                QuizAttempt.user_id == user.id, QuizAttempt.module_id == module.id
            )
        )
        or 0
    ) + 1
    attempt = QuizAttempt(
        user_id=user.id,
        module_id=module.id,
        version_id=version.id,
        number=number,
        pass_mark=version.pass_mark,
    )
    drawn = rng.sample(list(version.questions), min(version.draw, len(version.questions)))
    for position, question in enumerate(drawn, start=1):
        order = [option.id for option in question.options]
        if question.type is not QuestionType.TRUE_FALSE:  # «Sant» stays before «Usant»
            rng.shuffle(order)
        attempt.answers.append(
            AttemptAnswer(question_id=question.id, position=position, option_order=order)
        )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        # A double click started the same attempt twice: keep the one that got there first.
        existing = open_attempt(user, module)
        if existing is None:
            raise
        return existing
    return attempt


def check_responses(
    attempt: QuizAttempt, responses: Mapping[int, Sequence[int]]
) -> dict[int, list[int]]:
    """The responses as clean option-id lists; ``ForgedAnswer`` or ``MissingAnswers`` if not."""
    answers = {answer.id: answer for answer in attempt.answers}
    if set(responses) - set(answers):
        raise ForgedAnswer(_("The answers do not belong to this quiz. Reload the page."))
    clean: dict[int, list[int]] = {}
    missing: dict[int, str] = {}
    for answer_id, answer in answers.items():
        given = list(responses.get(answer_id, []))
        shown = set(answer.option_order)
        if any(option_id not in shown for option_id in given) or len(set(given)) != len(given):
            raise ForgedAnswer(_("The answers do not belong to this quiz. Reload the page."))
        kind = answer.question.type
        if kind is QuestionType.ORDERING:
            if len(given) != len(shown):
                missing[answer_id] = _("Give each item its own place, from first to last.")
        elif kind is QuestionType.MULTIPLE:
            if not given:
                missing[answer_id] = _("Choose one or more answers.")
        elif len(given) != 1:
            missing[answer_id] = _("Choose an answer.")
        clean[answer_id] = given
    if missing:
        raise MissingAnswers(missing)
    return clean


def submit_attempt(attempt: QuizAttempt, responses: Mapping[int, Sequence[int]]) -> QuizAttempt:
    """Score and close ``attempt``; a pass completes the module when its lessons are read
    (``learning.update_completion``). Submitting an attempt that is already closed (a double
    click, the back button, a retry) changes nothing and returns the recorded result."""
    if not attempt.is_open:
        return attempt
    clean = check_responses(attempt, responses)
    # Claim the attempt; a concurrent submission of the same attempt finds it closed.
    claimed = db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(submitted_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount == 0:  # type: ignore[attr-defined]
        db.session.refresh(attempt)
        return attempt
    points = []
    for answer in attempt.answers:
        question = answer.question
        facts = [OptionFacts(o.id, o.correct, o.position) for o in question.options]
        answer.response = clean[answer.id]
        answer.points = score(question.type, question.scoring, facts, answer.response)
        points.append(answer.points)
    attempt.score = percent(points)
    attempt.passed = attempt.score >= attempt.pass_mark
    db.session.flush()
    db.session.refresh(attempt, ["submitted_at"])
    if attempt.passed:
        person = db.session.get(User, attempt.user_id)
        assert person is not None
        update_completion(person, attempt.module)
    return attempt
