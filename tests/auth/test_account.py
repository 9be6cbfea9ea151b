"""The account page: changing the password signs out every other session; language."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from onboarding.auth.models import User
from onboarding.extensions import db
from tests.factories import commit, create_user
from tests.helpers import PASSWORD, AuthActions, post_form, text_of

NEW_PASSWORD = "en ny og lang passordsetning"


@pytest.fixture
def ola(app: Flask) -> str:
    with app.app_context():
        create_user("ola@tynset.example", first_name="Ola")
        commit()
    return "ola@tynset.example"


def test_changing_the_password_signs_out_other_sessions(
    app: Flask, client: FlaskClient, auth: AuthActions, ola: str
) -> None:
    other = app.test_client()
    AuthActions(other).login(ola, remember=True)
    remembered = app.test_client()
    cookie = other.get_cookie("remember_token")
    assert cookie is not None
    remembered.set_cookie("remember_token", cookie.value)
    assert remembered.get("/").status_code == 200

    auth.login(ola)
    response = post_form(
        client,
        "/account",
        {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.headers["Location"] == "/account"
    assert "Du er logget ut på andre enheter" in text_of(client.get("/account"))

    # This device stays signed in; the other session and the remembered one do not.
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    assert remembered.get("/").status_code == 302


def test_wrong_current_password_changes_nothing(
    app: Flask, client: FlaskClient, auth: AuthActions, ola: str
) -> None:
    auth.login(ola)
    response = post_form(
        client,
        "/account",
        {"current": "ikke mitt passord", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert "Det nåværende passordet er feil." in text_of(response)
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == ola))
        assert user is not None
        assert user.password_changed_at is not None
        changed_at = user.password_changed_at
    auth.logout()
    assert auth.login(ola, PASSWORD).status_code == 302
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == ola))
        assert user is not None
        assert user.password_changed_at == changed_at


def test_account_page_shows_the_persons_details(
    client: FlaskClient, auth: AuthActions, ola: str
) -> None:
    auth.login(ola)
    page = text_of(client.get("/account"))
    assert "Min konto" in page
    assert ola in page
    assert "Endre passord" in page


def test_language_choice_is_saved_on_the_user(
    app: Flask, client: FlaskClient, auth: AuthActions, ola: str
) -> None:
    auth.login(ola)
    response = post_form(client, "/language", {"language": "nn", "next": "/account"})
    assert response.headers["Location"] == "/account"
    page = client.get("/account")
    assert '<html lang="nn"' in page.get_data(as_text=True)
    assert "Kontoen min" in text_of(page)
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == ola))
        assert user is not None
        assert user.language == "nn"
    # The choice follows the person to a new device.
    auth.logout()
    auth.login(ola)
    assert "Kontoen min" in text_of(client.get("/account"))


def test_language_for_visitors_follows_the_browser_then_their_choice(
    client: FlaskClient,
) -> None:
    assert "Sign in" in text_of(client.get("/login", headers={"Accept-Language": "en-GB,en"}))
    assert "Logg inn" in text_of(client.get("/login", headers={"Accept-Language": "nb-NO"}))
    assert "Gløymt passordet?" in text_of(client.get("/login", headers={"Accept-Language": "nn"}))
    assert "Logg inn" in text_of(client.get("/login", headers={"Accept-Language": "de, fr"}))
    assert "Glemt passordet?" in text_of(client.get("/login"))

    post_form(client, "/language", {"language": "en", "next": "/login"})
    assert "Forgot your password?" in text_of(
        client.get("/login", headers={"Accept-Language": "nb"})
    )


def test_unknown_language_changes_nothing(client: FlaskClient) -> None:
    response = post_form(client, "/language", {"language": "xx", "next": "/login"})
    assert response.status_code == 302
    assert "Glemt passordet?" in text_of(client.get("/login"))


def test_language_form_only_redirects_inside_the_site(client: FlaskClient) -> None:
    response = post_form(client, "/language", {"language": "nb", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
