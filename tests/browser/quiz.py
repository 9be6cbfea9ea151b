"""Answering a quiz in the browser the way a person who knows (or does not know) the answers
would, with the right answers read from the database."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Flask
from playwright.sync_api import Page

from onboarding.content.models import QuestionType
from onboarding.extensions import db
from onboarding.learning.models import QuizAttempt


@dataclass(frozen=True)
class Choice:
    """One field to fill in: an option to tick, or an ordering item's place."""

    field_id: str  # the input's or select's id, e.g. "a12-34"
    place: str | None = None  # for ordering questions: the value to select


def attempt_id_in(page: Page) -> int:
    match = re.search(r"/attempts/(\d+)$", page.url)
    assert match, f"not on a quiz attempt: {page.url}"
    return int(match.group(1))


def choices(app: Flask, attempt_id: int, right: bool = True) -> list[Choice]:
    """What to fill in on the attempt's form (the same rules as ``answer_form`` in
    tests/learning/test_journey.py)."""
    result: list[Choice] = []
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt is not None
        for answer in attempt.answers:
            options = answer.question.options
            if answer.question.type is QuestionType.ORDERING:
                for option in options:
                    place = option.position if right else len(options) + 1 - option.position
                    result.append(Choice(f"a{answer.id}-{option.id}", str(place)))
                continue
            chosen = [o for o in options if o.correct == right] or options[:1]
            if answer.question.type is not QuestionType.MULTIPLE:
                chosen = chosen[:1]  # one radio button
            result.extend(Choice(f"a{answer.id}-{o.id}") for o in chosen)
    return result


def answer_with_mouse(page: Page, app: Flask, right: bool = True) -> None:
    """Click the labels of the chosen options and pick each ordering item's place."""
    for choice in choices(app, attempt_id_in(page), right):
        if choice.place is None:
            page.locator(f'label[for="{choice.field_id}"]').click()
        else:
            page.locator(f"#{choice.field_id}").select_option(choice.place)
