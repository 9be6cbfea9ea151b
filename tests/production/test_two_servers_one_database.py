"""Two app server processes on one PostgreSQL database behave as one service (DESIGN §6):
a person signed in on one is signed in on the other, and a quiz started on one is submitted
on the other, with the result recorded once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from onboarding.auth.models import User
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.learning.models import QuizAttempt
from tests.factories import commit, create_user
from tests.helpers import PASSWORD
from tests.learning.test_journey import answer_form
from tests.production.conftest import Browser, StartServer
from tests.programmes import sync_programme

# Two processes sharing SQLite's file would prove little; production runs on PostgreSQL.
NEEDS_POSTGRESQL = True
pytestmark = pytest.mark.slow

VALID = Path(__file__).parents[1] / "content" / "courses" / "valid"


def test_a_person_moves_between_app_servers_without_noticing(
    app: Flask, database_url: str, start_server: StartServer
) -> None:
    with app.app_context():
        sync_programme(VALID)
        create_user(
            "sigrid@tynset.example",
            first_name="Sigrid",
            last_name="Tynsetmo",
            start_date=local_today() - timedelta(days=7),
        )
        commit()
    server_a = start_server(database_url)
    server_b = start_server(database_url)

    browser = Browser()
    signed_in = browser.log_in(server_a, "sigrid@tynset.example", PASSWORD)
    assert signed_in.status == 302, signed_in.text
    assert browser.get(server_a, "/").status == 200

    # The session cookie from A is good on B: the same secret key, nothing on local disk.
    home_on_b = browser.get(server_b, "/")
    assert home_on_b.status == 200, server_b.output()
    assert "Min introduksjon" in home_on_b.text
    assert "Sigrid Tynsetmo" in home_on_b.text
    # Without the cookie B sends a stranger to the sign-in page.
    assert Browser().get(server_b, "/").location == "/login"

    module_page = browser.get(server_a, "/modules/forste")
    started = browser.post(
        server_a, "/modules/forste/quiz", {"csrf_token": module_page.csrf_token()}
    )
    assert started.status == 302, started.text
    attempt_path = started.location
    attempt_id = int(attempt_path.rsplit("/", 1)[1])

    # The attempt A drew is the one B shows and accepts.
    quiz_on_b = browser.get(server_b, attempt_path)
    assert quiz_on_b.status == 200, server_b.output()
    assert "Spørsmål 1 av 2" in quiz_on_b.text
    answers = answer_form(app, attempt_id)
    submitted = browser.post(
        server_b, attempt_path, {**answers, "csrf_token": quiz_on_b.csrf_token()}
    )
    assert submitted.status == 302, submitted.text
    assert submitted.location == attempt_path
    result_on_a = browser.get(server_a, attempt_path)
    assert "Du besto." in result_on_a.text
    assert "100 %" in result_on_a.text

    # Sending the same answers again (a retry through the other server) changes nothing.
    again = browser.post(server_a, attempt_path, {**answers, "csrf_token": quiz_on_b.csrf_token()})
    assert again.status == 302

    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == "sigrid@tynset.example")).one()
        attempts = db.session.scalars(
            select(QuizAttempt).where(QuizAttempt.user_id == user.id)
        ).all()
        assert len(attempts) == 1
        (attempt,) = attempts
        assert attempt.id == attempt_id
        assert attempt.submitted_at is not None
        assert attempt.score == 100
        assert attempt.passed is True

    for server in (server_a, server_b):
        server.stop()
        assert server.process.returncode == 0, server.output()
