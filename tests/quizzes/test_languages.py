"""A quiz started in one language can be finished in another and scores the same: the
answers are option ids, never texts."""

from __future__ import annotations

import random
import re

from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import select

from onboarding.auth.models import User
from onboarding.content.models import QuestionType
from onboarding.content.services import courses_dir
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.learning.models import QuizAttempt
from onboarding.learning.services import current_programme, find_module
from onboarding.quizzes.services import start_attempt
from tests.factories import commit, create_user
from tests.helpers import AuthActions, post_form
from tests.programmes import sync_programme


def draw_the_same_attempt(app: Flask, email: str) -> int:
    """The attempt every person in these tests gets: the same questions in the same order."""
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        programme = current_programme()
        assert programme is not None
        module = find_module(programme, "visjon")
        assert module is not None
        attempt = start_attempt(user, module, rng=random.Random(2027))
        commit()
        return attempt.id


def half_right(app: Flask, attempt_id: int) -> dict[str, str | list[str]]:
    """Right answers to every other question, wrong to the rest, by option id."""
    form: dict[str, str | list[str]] = {}
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt is not None
        for index, answer in enumerate(sorted(attempt.answers, key=lambda a: a.position)):
            right = index % 2 == 0
            options = answer.question.options
            if answer.question.type is QuestionType.ORDERING:
                for option in options:
                    place = option.position if right else len(options) + 1 - option.position
                    form[f"a{answer.id}-{option.id}"] = str(place)
                continue
            chosen = [o for o in options if o.correct == right][:1]
            form[f"a{answer.id}"] = [str(o.id) for o in chosen]
    return form


def question_texts(app: Flask, attempt_id: int) -> dict[str, str]:
    """The first question's text in each language."""
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt is not None
        question = min(attempt.answers, key=lambda a: a.position).question
        texts = {}
        for language in ("nb", "nn", "en"):
            with force_locale(language):
                texts[language] = question.text
        assert len(set(texts.values())) == 3
        return texts


def option_ids_on(page: str) -> set[str]:
    return set(re.findall(r'name="a\d+(?:-\d+)?" value="(\d+)"', page)) | set(
        re.findall(r'name="(a\d+-\d+)"', page)
    )


def test_an_attempt_switched_between_languages_scores_the_same(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    with app.app_context():
        sync_programme(courses_dir() / "introduksjon")
        for email in ("same@tynset.example", "switch@tynset.example"):
            create_user(email, start_date=local_today())
        commit()
    steady = draw_the_same_attempt(app, "same@tynset.example")
    switching = draw_the_same_attempt(app, "switch@tynset.example")

    # One person answers in bokmål from start to end.
    auth.login("same@tynset.example")
    bokmal_page = client.get(f"/attempts/{steady}").get_data(as_text=True)
    assert "Spørsmål 1 av 8" in bokmal_page
    assert post_form(client, f"/attempts/{steady}", half_right(app, steady)).status_code == 302
    auth.logout()

    # The other starts in bokmål, reads the questions in English, and submits in nynorsk.
    auth.login("switch@tynset.example")
    started = client.get(f"/attempts/{switching}").get_data(as_text=True)
    post_form(client, "/language", {"language": "en", "next": "/"})
    english = client.get(f"/attempts/{switching}").get_data(as_text=True)
    assert "Question 1 of 8" in english
    assert "Spørsmål 1 av 8" not in english
    first_question = question_texts(app, switching)
    assert escape(first_question["nb"]) in started
    assert escape(first_question["en"]) in english
    assert escape(first_question["nb"]) not in english
    # The same choices, by the same ids, whatever the language of their texts.
    assert option_ids_on(started)
    assert option_ids_on(english) == option_ids_on(started)
    post_form(client, "/language", {"language": "nn", "next": "/"})
    submitted = post_form(client, f"/attempts/{switching}", half_right(app, switching))
    assert submitted.status_code == 302
    result = client.get(f"/attempts/{switching}").get_data(as_text=True)
    assert "Resultat av forsøk 1" in result

    with app.app_context():
        first = db.session.get(QuizAttempt, steady)
        second = db.session.get(QuizAttempt, switching)
        assert first is not None
        assert second is not None
        assert first.submitted_at is not None
        assert second.submitted_at is not None
        assert first.score is not None
        assert 0 < first.score < 100
        assert second.score == first.score
        assert second.passed == first.passed
        assert [a.points for a in sorted(second.answers, key=lambda a: a.position)] == [
            a.points for a in sorted(first.answers, key=lambda a: a.position)
        ]
