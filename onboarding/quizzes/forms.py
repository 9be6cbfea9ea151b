"""Reading a submitted quiz form into option ids per answer."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from onboarding.content.models import QuestionType
from onboarding.learning.models import QuizAttempt
from onboarding.quizzes.services import ForgedAnswer

FIELD = re.compile(r"a(\d{1,10})(?:-(\d{1,10}))?")


def field_name(answer_id: int, option_id: int | None = None) -> str:
    return f"a{answer_id}" if option_id is None else f"a{answer_id}-{option_id}"


def parse_responses(form: MultiDict[str, str], attempt: QuizAttempt) -> dict[int, list[int]]:
    """Option ids per answer id. Radio buttons and checkboxes send option ids; an ordering
    question sends a place (1, 2, ...) per item, turned here into the items in that order."""
    forged = ForgedAnswer(_("The answers do not belong to this quiz. Reload the page."))
    kinds = {answer.id: answer.question.type for answer in attempt.answers}
    chosen: dict[int, list[int]] = {}
    places: dict[int, dict[int, int]] = {}
    for key in form:
        if key == "csrf_token":
            continue
        match = FIELD.fullmatch(key)
        if match is None:
            raise forged
        answer_id = int(match.group(1))
        if answer_id not in kinds:
            raise forged
        values = form.getlist(key)
        try:
            numbers = [int(value) for value in values if value != ""]
        except ValueError as error:
            raise forged from error
        if match.group(2) is None:
            if kinds[answer_id] is QuestionType.ORDERING:
                raise forged
            chosen[answer_id] = numbers
        else:
            if kinds[answer_id] is not QuestionType.ORDERING or len(numbers) > 1:
                raise forged
            if numbers:
                places.setdefault(answer_id, {})[int(match.group(2))] = numbers[0]
    for answer_id, by_option in places.items():
        count = len(attempt_answer_options(attempt, answer_id))
        if sorted(by_option.values()) == list(range(1, count + 1)):
            chosen[answer_id] = sorted(by_option, key=lambda option_id: by_option[option_id])
        else:
            chosen[answer_id] = []
    return chosen


def attempt_answer_options(attempt: QuizAttempt, answer_id: int) -> list[int]:
    return next(a.option_order for a in attempt.answers if a.id == answer_id)
