"""A reflection is never lost: a save that cannot be accepted (a form open too long, a sign-in
that ran out) gives the text back, unsaved, and saving still needs a verified post."""

from __future__ import annotations

import random
import re
import string
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from onboarding.auth.models import User
from onboarding.auth.sessions import end_all_sessions
from onboarding.extensions import db
from onboarding.learning.models import Reflection
from tests.helpers import AuthActions, csrf_token, post_form, text_of
from tests.learning.test_journey import programme  # noqa: F401  (a fixture)

PAGE = "/modules/verdier/reflections"
TEXT = "Trygghet betyr at brukeren vet hva som skjer, og at vi holder det vi lover."
NOT_YET = "Teksten din er ikke lagret ennå"


def prompt_keys(client: FlaskClient) -> list[str]:
    return re.findall(r'name="text-([a-z0-9-]+)"', client.get(PAGE).get_data(as_text=True))


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        return user.id


def saved_texts(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Reflection.text)))


def textarea(response: object, key: str) -> str:
    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    match = re.search(rf'<textarea[^>]*name="text-{key}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, f"no answer field for {key}"
    return match.group(1)


@pytest.fixture
def nora(app: Flask, client: FlaskClient, auth: AuthActions, programme: None) -> int:  # noqa: F811
    auth.login("nora@tynset.example")
    return user_id(app, "nora@tynset.example")


@pytest.mark.parametrize("how", ["token too old", "token missing"])
def test_a_form_open_too_long_comes_back_with_the_text_and_a_fresh_token(
    app: Flask, client: FlaskClient, nora: int, how: str, request: pytest.FixtureRequest
) -> None:
    [key, *_others] = prompt_keys(client)
    token = csrf_token(client, PAGE)
    form = {f"text-{key}": TEXT, f"share-{key}": "y", "author": str(nora)}
    if how == "token too old":
        # The token lasts 8 hours (WTF_CSRF_TIME_LIMIT); the page stood open overnight.
        traveller = time_machine.travel(datetime.now(UTC) + timedelta(hours=9))
        traveller.start()
        request.addfinalizer(traveller.stop)
        response = client.post(PAGE, data={**form, "csrf_token": token})
    else:
        response = client.post(PAGE, data=form)

    assert response.status_code == 400
    page = text_of(response)
    assert (
        "Teksten din er ikke lagret ennå: siden hadde stått åpen for lenge. "
        "Trykk «Lagre refleksjonene» igjen." in page
    )
    assert textarea(response, key) == TEXT
    assert f'id="share-{key}" name="share-{key}" value="y" checked' in response.get_data(
        as_text=True
    )
    assert saved_texts(app) == []

    # The page's new token is accepted: pressing save again saves.
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert fresh
    again = client.post(PAGE, data={**form, "csrf_token": fresh.group(1)})
    assert again.status_code == 302
    assert saved_texts(app) == [TEXT]


def test_a_reflection_written_while_the_sign_in_ran_out_is_back_after_signing_in(
    app: Flask, client: FlaskClient, auth: AuthActions, nora: int
) -> None:
    [key, *_others] = prompt_keys(client)
    token = csrf_token(client, PAGE)
    client.delete_cookie("session")  # the browser was closed, or the session ended

    response = client.post(
        PAGE, data={f"text-{key}": TEXT, "author": str(nora), "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/modules/verdier/reflections"
    login = text_of(client.get(response.headers["Location"]))
    assert "Du ble logget ut, så refleksjonen er ikke lagret ennå." in login
    assert saved_texts(app) == []

    signed_in = auth.login("nora@tynset.example", next=PAGE)
    assert signed_in.headers["Location"] == PAGE
    back = client.get(PAGE)
    assert back.status_code == 200
    assert NOT_YET in text_of(back)
    assert textarea(back, key) == TEXT
    assert saved_texts(app) == []  # nothing is saved until she presses save

    saved = post_form(client, PAGE, {f"text-{key}": TEXT, "author": str(nora)})
    assert saved.status_code == 302
    assert saved_texts(app) == [TEXT]
    # Given back once: the page now shows the saved answer, with no note.
    assert NOT_YET not in text_of(client.get(PAGE))


def test_a_sign_in_that_ended_elsewhere_keeps_the_text_too(
    app: Flask, client: FlaskClient, auth: AuthActions, nora: int
) -> None:
    """Signed out everywhere (a new password, say): the session and its token are still
    there, but nobody is signed in."""
    [key, *_others] = prompt_keys(client)
    with app.app_context():
        user = db.session.get(User, nora)
        assert user is not None
        end_all_sessions(user)
        db.session.commit()
    response = post_form(client, PAGE, {f"text-{key}": TEXT, "author": str(nora)})
    assert response.headers["Location"] == "/login?next=/modules/verdier/reflections"
    auth.login("nora@tynset.example", next=PAGE)
    assert textarea(client.get(PAGE), key) == TEXT
    assert saved_texts(app) == []


def test_the_next_person_on_the_computer_does_not_get_the_text(
    app: Flask, client: FlaskClient, auth: AuthActions, nora: int
) -> None:
    [key, *_others] = prompt_keys(client)
    token = csrf_token(client, PAGE)
    client.delete_cookie("session")
    client.post(PAGE, data={f"text-{key}": TEXT, "author": str(nora), "csrf_token": token})

    auth.login("ola@tynset.example", next=PAGE)
    page = client.get(PAGE)
    assert TEXT not in page.get_data(as_text=True)
    assert NOT_YET not in text_of(page)
    # Nor does Nora find it later: it was meant for the next sign-in only.
    auth.logout()
    auth.login("nora@tynset.example")
    assert TEXT not in client.get(PAGE).get_data(as_text=True)


def test_a_form_left_open_by_someone_else_saves_nothing(
    app: Flask, client: FlaskClient, auth: AuthActions, nora: int
) -> None:
    """Nora signs out and Ola signs in on the same browser; Nora's tab is still open, and its
    token still matches the browser's session."""
    [key, *_others] = prompt_keys(client)
    token = csrf_token(client, PAGE)
    auth.logout()
    auth.login("ola@tynset.example")
    response = client.post(
        PAGE, data={f"text-{key}": TEXT, "author": str(nora), "csrf_token": token}
    )
    assert response.status_code == 400
    assert "Skjemaet ble åpnet av noen som var logget inn før deg" in text_of(response)
    assert TEXT not in response.get_data(as_text=True)
    assert saved_texts(app) == []


def test_text_too_long_for_the_session_is_not_kept_but_signing_in_still_works(
    app: Flask, client: FlaskClient, auth: AuthActions, nora: int
) -> None:
    keys = prompt_keys(client)
    token = csrf_token(client, PAGE)
    client.delete_cookie("session")
    # Random letters do not compress: four long answers do not fit in a cookie.
    letters = random.Random(17)
    long_answers = {
        f"text-{key}": "æøå " + "".join(letters.choices(string.ascii_letters + " ", k=1500))
        for key in keys
    }
    response = client.post(PAGE, data={**long_answers, "author": str(nora), "csrf_token": token})
    assert response.headers["Location"] == "/login?next=/modules/verdier/reflections"
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert len(cookie.value) < 4000
    assert "Teksten var for lang til å tas vare på her" in text_of(client.get("/login"))
    assert auth.login("nora@tynset.example", next=PAGE).headers["Location"] == PAGE
    assert "æøå" not in client.get(PAGE).get_data(as_text=True)


def test_text_sent_from_another_site_is_not_put_into_the_form(
    app: Flask, client: FlaskClient, auth: AuthActions, nora: int
) -> None:
    [key, *_others] = prompt_keys(client)
    client.delete_cookie("session")
    forged = client.post(
        PAGE,
        data={f"text-{key}": "Skriv dette for meg", "author": str(nora)},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert forged.headers["Location"] == "/login?next=/modules/verdier/reflections"
    auth.login("nora@tynset.example", next=PAGE)
    assert "Skriv dette for meg" not in client.get(PAGE).get_data(as_text=True)
    assert saved_texts(app) == []


def test_signing_in_after_a_kept_text_still_goes_only_to_this_site(
    client: FlaskClient, auth: AuthActions, nora: int
) -> None:
    [key, *_others] = prompt_keys(client)
    token = csrf_token(client, PAGE)
    client.delete_cookie("session")
    client.post(PAGE, data={f"text-{key}": TEXT, "author": str(nora), "csrf_token": token})
    response = auth.login("nora@tynset.example", next="https://evil.example/modules")
    assert response.headers["Location"] == "/start"


def test_an_empty_form_posted_signed_out_just_asks_to_sign_in(
    app: Flask,
    client: FlaskClient,
    programme: None,  # noqa: F811
) -> None:
    response = client.post(PAGE, data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert "Logg inn for å se den siden." in text_of(client.get("/login"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Reflection)) == 0
