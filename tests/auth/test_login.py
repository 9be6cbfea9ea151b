"""Signing in and out, as a person at the login page experiences it."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from onboarding.auth.models import Role, User
from onboarding.extensions import db
from tests.factories import commit, create_user
from tests.helpers import PASSWORD, AuthActions, post_form, text_of


@pytest.fixture
def hr(app: Flask) -> str:
    with app.app_context():
        create_user("hanne@tynset.example", roles=(Role.HR,), first_name="Hanne")
        commit()
    return "hanne@tynset.example"


def test_login_page_is_public_and_in_bokmal(client: FlaskClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    page = text_of(response)
    assert "Logg inn" in page
    assert "E-postadresse" in page
    assert '<html lang="nb"' in response.get_data(as_text=True)


def test_home_asks_anonymous_visitors_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_and_logout(client: FlaskClient, auth: AuthActions, hr: str) -> None:
    response = auth.login(hr)
    assert response.status_code == 302
    assert response.headers["Location"] == "/start"
    home = client.get("/")
    assert home.status_code == 200
    assert "Velkommen, Hanne" in text_of(home)

    response = auth.logout()
    assert response.headers["Location"] == "/login"
    assert "Du er logget ut." in text_of(client.get("/login"))
    assert client.get("/").status_code == 302


def test_email_is_case_insensitive(client: FlaskClient, auth: AuthActions, hr: str) -> None:
    assert auth.login("  Hanne@TYNSET.example ").status_code == 302


@pytest.mark.parametrize(
    ("email", "password"),
    [("hanne@tynset.example", "feil passord her"), ("ukjent@tynset.example", PASSWORD)],
    ids=["wrong password", "unknown e-mail"],
)
def test_wrong_credentials_get_one_message(
    client: FlaskClient, auth: AuthActions, hr: str, email: str, password: str
) -> None:
    response = auth.login(email, password)
    assert response.status_code == 400
    page = text_of(response)
    # The same words whichever was wrong: the page must not reveal who has an account.
    assert "Feil e-postadresse eller passord." in page
    assert "Rett opp følgende for å gå videre:" in page
    # The e-mail is kept; the password is not sent back.
    html = response.get_data(as_text=True)
    assert f'value="{email}"' in html
    assert password not in html
    assert client.get("/").status_code == 302


def test_empty_form_marks_each_field(client: FlaskClient) -> None:
    response = post_form(client, "/login", {"email": "", "password": ""})
    assert response.status_code == 400
    page = text_of(response)
    assert "Skriv e-postadressen din." in page
    assert "Skriv passordet ditt." in page
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    assert 'href="#email"' in html


def test_deactivated_person_cannot_sign_in(app: Flask, auth: AuthActions) -> None:
    with app.app_context():
        create_user("sluttet@tynset.example", active=False)
        commit()
    response = auth.login("sluttet@tynset.example")
    assert response.status_code == 400
    assert "Feil e-postadresse eller passord." in text_of(response)


def test_deactivating_signs_a_person_out(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    with app.app_context():
        person_id = create_user("ola@tynset.example").id
        commit()
    auth.login("ola@tynset.example", remember=True)
    assert client.get("/").status_code == 200
    with app.app_context():
        db.session.get_one(User, person_id).active = False
        commit()
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("next_value", "expected"),
    [
        ("/account", "/account"),
        ("/people?q=a", "/people?q=a"),
        ("https://evil.example/phish", "/start"),
        ("//evil.example/phish", "/start"),
        ("/\\evil.example", "/start"),
        ("http:/evil.example", "/start"),
        ("javascript:alert(1)", "/start"),
        ("account", "/start"),
    ],
)
def test_next_only_redirects_inside_the_site(
    client: FlaskClient, auth: AuthActions, hr: str, next_value: str, expected: str
) -> None:
    response = auth.login(hr, next=next_value)
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_next_from_the_login_redirect_is_kept(client: FlaskClient, hr: str) -> None:
    location = client.get("/account").headers["Location"]
    form_page = client.get(location)
    assert 'name="next" value="/account"' in form_page.get_data(as_text=True)
    response = post_form(client, location, {"email": hr, "password": PASSWORD, "next": "/account"})
    assert response.headers["Location"] == "/account"


def test_forged_csrf_token_is_refused_and_changes_nothing(client: FlaskClient, hr: str) -> None:
    response = client.post(
        "/login", data={"email": hr, "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 400
    assert "Skjemaet var utløpt eller kunne ikke bekreftes" in text_of(response)
    assert client.get("/").status_code == 302


def test_logout_needs_a_post_with_a_token(client: FlaskClient, auth: AuthActions, hr: str) -> None:
    auth.login(hr)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200


def test_remember_me_keeps_the_person_signed_in(
    app: Flask, client: FlaskClient, auth: AuthActions, hr: str
) -> None:
    response = auth.login(hr, remember=True)
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    set_cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=") and "HttpOnly" in c for c in set_cookies)
    # A new browser session: no session cookie, only the remember cookie.
    fresh = app.test_client()
    fresh.set_cookie("remember_token", cookie.value)
    assert fresh.get("/").status_code == 200


def test_without_remember_me_there_is_no_lasting_cookie(
    client: FlaskClient, auth: AuthActions, hr: str
) -> None:
    auth.login(hr)
    assert client.get_cookie("remember_token") is None
