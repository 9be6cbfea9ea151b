"""One of the app server's workers is killed (SIGKILL) while people are taking quizzes: the
other worker goes on, gunicorn starts a new one, and no quiz submission is half-applied,
lost or counted twice, even for the requests that were cut off and sent again."""

from __future__ import annotations

import os
import signal
import threading
import time
import urllib.error
from collections.abc import Callable
from datetime import timedelta
from http.client import HTTPException
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from onboarding.auth.models import User
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.learning.models import AttemptAnswer, QuizAttempt
from tests.factories import commit, create_user
from tests.helpers import PASSWORD
from tests.learning.test_journey import answer_form, attempt_id_from
from tests.production.conftest import Browser, Page, Server, StartServer
from tests.programmes import sync_programme

NEEDS_POSTGRESQL = True
pytestmark = pytest.mark.slow

VALID = Path(__file__).parents[1] / "content" / "courses" / "valid"
PEOPLE = 6
ROUNDS = 8  # quizzes each person takes and submits, one after the other


def workers(server: Server) -> list[int]:
    pid = server.process.pid
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def again_until_answered(send: Callable[..., Page], *args: object) -> Page:
    """Send a request the way a person does when the page fails: again, until it answers."""
    for _try in range(10):
        try:
            return send(*args)
        except (urllib.error.URLError, HTTPException, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise AssertionError("the server did not answer ten times in a row")


def test_a_killed_worker_is_replaced_and_no_submission_is_half_applied(
    app: Flask, database_url: str, start_server: StartServer
) -> None:
    with app.app_context():
        sync_programme(VALID)
        for number in range(PEOPLE):
            create_user(
                f"quiz{number}@tynset.example", start_date=local_today() - timedelta(days=3)
            )
        commit()
    server = start_server(database_url, WORKERS="2", LOGIN_RATE_LIMIT_PER_CLIENT="100 per minute")
    started_with = workers(server)
    assert len(started_with) == 2

    submitted = [0] * PEOPLE
    failures: list[str] = []

    def take_quizzes(number: int) -> None:
        browser = Browser()
        try:
            page = again_until_answered(
                browser.log_in, server, f"quiz{number}@tynset.example", PASSWORD
            )
            assert page.status == 302, page.text
            module = ("forste", "andre")[number % 2]
            for _round in range(ROUNDS):
                module_page = again_until_answered(browser.get, server, f"/modules/{module}")
                token = module_page.csrf_token()
                started = again_until_answered(
                    browser.post, server, f"/modules/{module}/quiz", {"csrf_token": token}
                )
                path = started.location
                attempt_id = attempt_id_from(path)
                form = {**answer_form(app, attempt_id), "csrf_token": token}
                result = again_until_answered(browser.post, server, path, form)
                assert result.status == 302, result.text
                assert result.location == path
                submitted[number] += 1
        except Exception as error:  # reported by the test, not lost in the thread
            failures.append(f"person {number}: {error!r}")

    threads = [threading.Thread(target=take_quizzes, args=(n,)) for n in range(PEOPLE)]
    for thread in threads:
        thread.start()
    # Kill a worker once the load is well under way.
    deadline = time.monotonic() + 60
    while sum(submitted) < PEOPLE * ROUNDS // 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    victim = started_with[0]
    os.kill(victim, signal.SIGKILL)
    submitted_at_kill = sum(submitted)
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures

    # The others went on: everyone finished every round after the kill.
    assert submitted_at_kill < PEOPLE * ROUNDS
    assert submitted == [ROUNDS] * PEOPLE
    # gunicorn started a new worker in place of the killed one.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = workers(server)
        if victim not in now and len(now) == 2:
            break
        time.sleep(0.2)
    assert victim not in now
    assert len(now) == 2, server.output()
    assert f"(pid:{victim})" in server.output()
    assert Browser().get(server, "/accessibility").status == 200

    with app.app_context():
        attempts = db.session.scalars(select(QuizAttempt)).all()
        # One submitted attempt per round: a request sent again after being cut off did not
        # start or submit a second one.
        per_person = db.session.execute(
            select(User.email, func.count(QuizAttempt.id))
            .join(QuizAttempt, QuizAttempt.user_id == User.id)
            .where(QuizAttempt.submitted_at.is_not(None))
            .group_by(User.email)
        ).all()
        assert sorted(count for _email, count in per_person) == [ROUNDS] * PEOPLE
        assert all(attempt.submitted_at is not None for attempt in attempts)
        # Never half-applied: every answer of a submitted attempt is scored.
        for attempt in attempts:
            assert attempt.score == 100
            assert attempt.answers
            assert all(
                answer.response is not None and answer.points is not None
                for answer in attempt.answers
            )
        unscored = db.session.scalar(
            select(func.count(AttemptAnswer.id)).where(AttemptAnswer.points.is_(None))
        )
        assert unscored == 0
