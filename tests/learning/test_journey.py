"""A new employee's whole journey through the real programme, as a browser would do it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from onboarding.auth.models import Role, User
from onboarding.content.models import QuestionType
from onboarding.content.services import courses_dir
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.learning.models import Enrolment, ModuleCompletion, QuizAttempt, Reflection
from tests.factories import commit, create_user
from tests.helpers import AuthActions, csrf_token, post_form, text_of
from tests.programmes import sync_programme

START = local_today() - timedelta(days=7)


@pytest.fixture
def programme(app: Flask) -> None:
    with app.app_context():
        sync_programme(courses_dir() / "introduksjon")
        create_user("nora@tynset.example", first_name="Nora", start_date=START)
        create_user("ola@tynset.example", first_name="Ola", start_date=START)
        create_user("hr@tynset.example", roles=(Role.HR,), first_name="Hanne")
        commit()


def answer_form(app: Flask, attempt_id: int, right: bool = True) -> dict[str, str | list[str]]:
    """What a person who knows (or does not know) the answers fills in."""
    form: dict[str, str | list[str]] = {}
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt is not None
        for answer in attempt.answers:
            options = answer.question.options
            name = f"a{answer.id}"
            if answer.question.type is QuestionType.ORDERING:
                for option in options:
                    place = option.position if right else len(options) + 1 - option.position
                    form[f"{name}-{option.id}"] = str(place)
            else:
                chosen = [o for o in options if o.correct == right] or options[:1]
                if answer.question.type is not QuestionType.MULTIPLE:
                    chosen = chosen[:1]  # one radio button
                form[name] = [str(o.id) for o in chosen]
    return form


def attempt_id_from(location: str) -> int:
    match = re.fullmatch(r"/attempts/(\d+)", location)
    assert match, location
    return int(match.group(1))


def test_a_new_employee_completes_every_module(
    app: Flask, client: FlaskClient, auth: AuthActions, programme: None
) -> None:
    auth.login("nora@tynset.example")
    home = client.get("/")
    page = text_of(home)
    assert "Min introduksjon" in page
    assert "0 av 24 steg fullført (0 %)" in page
    assert "Ikke startet" in page
    due = START + timedelta(weeks=12)
    assert f"{due.day}. " in page  # the deadline, in Norwegian long form

    modules = re.findall(r'href="/modules/([a-z-]+)"', home.get_data(as_text=True))
    assert modules == ["visjon", "verdier", "oppgaver-og-mal", "kanaler", "ambassador"]
    failed_once = False
    for slug in modules:
        # «Fortsett» always leads to the next thing to do.
        next_link = re.search(
            r'class="ds-button" data-variant="primary" href="([^"]+)"',
            client.get("/").get_data(as_text=True),
        )
        assert next_link is not None
        assert next_link.group(1).startswith(f"/modules/{slug}")
        module_page = client.get(f"/modules/{slug}")
        lessons = re.findall(
            rf'href="/modules/{slug}/([a-z0-9-]+)"', module_page.get_data(as_text=True)
        )
        lessons = [lesson for lesson in lessons if lesson not in ("reflections",)]
        for number, lesson in enumerate(lessons, start=1):
            lesson_page = client.get(f"/modules/{slug}/{lesson}")
            assert lesson_page.status_code == 200
            assert f"Leksjon {number} av {len(lessons)}" in text_of(lesson_page)
            done = client.post(f"/modules/{slug}/{lesson}", data={"csrf_token": csrf_token(client)})
            assert done.status_code == 302
        assert "Les" in text_of(client.get(f"/modules/{slug}"))

        started = client.post(f"/modules/{slug}/quiz", data={"csrf_token": csrf_token(client)})
        attempt_id = attempt_id_from(started.headers["Location"])
        quiz = client.get(f"/attempts/{attempt_id}")
        assert "Spørsmål 1 av 8" in text_of(quiz)
        if not failed_once:
            failed_once = True
            response = post_form(
                client, f"/attempts/{attempt_id}", answer_form(app, attempt_id, right=False)
            )
            assert response.status_code == 302
            result = text_of(client.get(f"/attempts/{attempt_id}"))
            assert "Du besto ikke denne gangen." in result
            assert "Riktig svar:" in result
            started = client.post(f"/modules/{slug}/quiz", data={"csrf_token": csrf_token(client)})
            attempt_id = attempt_id_from(started.headers["Location"])
        response = post_form(client, f"/attempts/{attempt_id}", answer_form(app, attempt_id))
        assert response.headers["Location"] == f"/attempts/{attempt_id}"
        result = text_of(client.get(f"/attempts/{attempt_id}"))
        assert "Du besto." in result
        assert "100 %" in result
        assert "Fullført" in text_of(client.get(f"/modules/{slug}"))

    home_text = text_of(client.get("/"))
    assert "24 av 24 steg fullført (100 %)" in home_text
    assert "Du har fullført alle modulene." in home_text
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "nora@tynset.example"))
        assert user is not None
        assert (
            len(
                list(
                    db.session.scalars(
                        select(ModuleCompletion).where(ModuleCompletion.user_id == user.id)
                    )
                )
            )
            == 5
        )
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id))
        assert enrolment is not None
        assert enrolment.modules_completed_at is not None
        assert enrolment.due_date == due


def test_unanswered_questions_come_back_marked_with_answers_kept(
    app: Flask, client: FlaskClient, auth: AuthActions, programme: None
) -> None:
    auth.login("nora@tynset.example")
    started = client.post("/modules/visjon/quiz", data={"csrf_token": csrf_token(client)})
    attempt_id = attempt_id_from(started.headers["Location"])
    form = answer_form(app, attempt_id)
    first_field = sorted(k for k in form if "-" not in k)[0]
    kept_value = form[first_field]
    left_out = sorted(k for k in form if "-" not in k)[-1]  # leave one question out
    del form[left_out]
    response = post_form(client, f"/attempts/{attempt_id}", form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Svar på alle spørsmålene før du leverer." in text_of(response)
    missing_id = left_out.removeprefix("a")
    assert f'id="question-{missing_id}-error"' in page
    assert f'href="#question-{missing_id}"' in page
    value = kept_value[0] if isinstance(kept_value, list) else kept_value
    assert re.search(rf'value="{value}" checked', page) or f'value="{value}" selected' in page
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt is not None
        assert attempt.is_open


def test_a_double_submission_records_one_result(
    app: Flask, client: FlaskClient, auth: AuthActions, programme: None
) -> None:
    auth.login("nora@tynset.example")
    started = client.post("/modules/visjon/quiz", data={"csrf_token": csrf_token(client)})
    attempt_id = attempt_id_from(started.headers["Location"])
    right = answer_form(app, attempt_id)
    wrong = answer_form(app, attempt_id, right=False)
    token = csrf_token(client)
    first = client.post(f"/attempts/{attempt_id}", data={**right, "csrf_token": token})
    second = client.post(f"/attempts/{attempt_id}", data={**wrong, "csrf_token": token})
    assert first.status_code == second.status_code == 302
    page = text_of(client.get(f"/attempts/{attempt_id}", follow_redirects=True))
    assert "Du besto." in page
    with app.app_context():
        attempts = list(db.session.scalars(select(QuizAttempt)))
        assert [(a.score, a.passed) for a in attempts] == [(100.0, True)]


def test_a_forged_option_gets_a_message_not_an_error(
    app: Flask, client: FlaskClient, auth: AuthActions, programme: None
) -> None:
    auth.login("nora@tynset.example")
    started = client.post("/modules/visjon/quiz", data={"csrf_token": csrf_token(client)})
    attempt_id = attempt_id_from(started.headers["Location"])
    form = answer_form(app, attempt_id)
    forged = {**form, "a999999": "1"}
    response = post_form(client, f"/attempts/{attempt_id}", forged)
    assert response.status_code == 400
    assert "Svarene hører ikke til denne kunnskapstesten" in text_of(response)
    nonsense = {**form, next(iter(form)): "ikke-et-tall"}
    assert post_form(client, f"/attempts/{attempt_id}", nonsense).status_code == 400


def test_reflections_are_saved_and_private_unless_shared(
    app: Flask, client: FlaskClient, auth: AuthActions, programme: None
) -> None:
    auth.login("nora@tynset.example")
    page = client.get("/modules/verdier/reflections")
    assert page.status_code == 200
    keys = re.findall(r'name="text-([a-z0-9-]+)"', page.get_data(as_text=True))
    assert len(keys) >= 4
    response = post_form(
        client,
        "/modules/verdier/reflections",
        {
            f"text-{keys[0]}": "Trygghet betyr at brukeren vet hva som skjer.",
            f"text-{keys[1]}": "Jeg deler dette med lederen min.",
            f"share-{keys[1]}": "y",
        },
    )
    assert response.status_code == 302
    again = client.get("/modules/verdier/reflections").get_data(as_text=True)
    assert "Trygghet betyr at brukeren vet hva som skjer." in again
    with app.app_context():
        saved = {r.prompt_key: r for r in db.session.scalars(select(Reflection))}
        assert not saved[keys[0]].shared_with_leader
        assert saved[keys[1]].shared_with_leader
    too_long = post_form(client, "/modules/verdier/reflections", {f"text-{keys[0]}": "x" * 5001})
    assert too_long.status_code == 400
    assert "kan være høyst 5000 tegn" in text_of(too_long)
    # Another employee sees only their own, empty, answers.
    auth.logout()
    auth.login("ola@tynset.example")
    assert "Trygghet betyr" not in client.get("/modules/verdier/reflections").get_data(as_text=True)


def test_another_employees_attempt_is_not_found(
    app: Flask, client: FlaskClient, auth: AuthActions, programme: None
) -> None:
    auth.login("nora@tynset.example")
    started = client.post("/modules/visjon/quiz", data={"csrf_token": csrf_token(client)})
    attempt_id = attempt_id_from(started.headers["Location"])
    auth.logout()
    auth.login("ola@tynset.example")
    assert client.get(f"/attempts/{attempt_id}").status_code == 404
    refused = post_form(client, f"/attempts/{attempt_id}", answer_form(app, attempt_id))
    assert refused.status_code == 404
    auth.logout()
    auth.login("hr@tynset.example")
    assert client.get(f"/attempts/{attempt_id}").status_code == 404


def test_people_without_the_programme_get_a_welcome_page_not_the_lessons(
    client: FlaskClient, auth: AuthActions, programme: None
) -> None:
    auth.login("hr@tynset.example")
    home = client.get("/")
    assert home.status_code == 200
    assert "Velkommen, Hanne" in text_of(home)
    assert client.get("/modules/visjon").status_code == 403
    assert client.get("/modules/finnes-ikke").status_code == 403


def test_unknown_modules_and_lessons_are_not_found(
    client: FlaskClient, auth: AuthActions, programme: None
) -> None:
    auth.login("nora@tynset.example")
    assert client.get("/modules/finnes-ikke").status_code == 404
    assert client.get("/modules/visjon/finnes-ikke").status_code == 404


def test_hr_changes_a_deadline(
    app: Flask, client: FlaskClient, auth: AuthActions, programme: None
) -> None:
    with app.app_context():
        nora = db.session.scalar(select(User).where(User.email == "nora@tynset.example"))
        assert nora is not None
        nora_id = nora.id
    auth.login("hr@tynset.example")
    people = client.get("/people").get_data(as_text=True)
    assert f'href="/people/{nora_id}/deadline"' in people
    bad = post_form(client, f"/people/{nora_id}/deadline", {"due_date": "31.02.2027"})
    assert bad.status_code == 400
    too_early = post_form(
        client, f"/people/{nora_id}/deadline", {"due_date": (START - timedelta(days=1)).isoformat()}
    )
    assert "Fristen kan ikke være før startdatoen." in text_of(too_early)
    ok = post_form(client, f"/people/{nora_id}/deadline", {"due_date": "30.04.2027"})
    assert ok.headers["Location"] == f"/people/{nora_id}"
    with app.app_context():
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == nora_id))
        assert enrolment is not None
        assert enrolment.due_date == date(2027, 4, 30)
    auth.logout()
    auth.login("ola@tynset.example")
    assert client.get(f"/people/{nora_id}/deadline").status_code == 403
