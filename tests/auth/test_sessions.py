"""Sign-in sessions end on the server: signing out, «Logg ut overalt», a new password, a
deactivation or the end of the day leave old cookies opening nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from onboarding.auth.models import Role, User, UserSession
from onboarding.extensions import db
from onboarding.people.directory import set_active
from tests.factories import commit, create_user
from tests.helpers import PASSWORD, AuthActions, csrf_token, post_form, text_of

ACCOUNT = "/account"
NEW_PASSWORD = "fjellet over Tynset i mars"


@pytest.fixture
def kari(app: Flask) -> int:
    with app.app_context():
        user = create_user("kari@tynset.example", roles=(Role.LEADER,))
        commit()
        return user.id


def signed_in(app: Flask, remember: bool = False) -> tuple[FlaskClient, AuthActions]:
    client = app.test_client()
    auth = AuthActions(client)
    assert auth.login("kari@tynset.example", remember=remember).status_code == 302
    return client, auth


def cookies(client: FlaskClient) -> dict[str, str]:
    found = {}
    for name in ("session", "remember_token"):
        cookie = client.get_cookie(name)
        if cookie is not None:
            found[name] = cookie.value
    return found


def browser_with(app: Flask, saved: dict[str, str]) -> FlaskClient:
    """Another browser given a copy of the cookies (an attacker, or a browser's back-up)."""
    client = app.test_client()
    for name, value in saved.items():
        client.set_cookie(name, value)
    return client


def opens_account(client: FlaskClient) -> bool:
    return client.get(ACCOUNT).status_code == 200


def session_id(client: FlaskClient) -> str:
    with client.session_transaction() as session:
        return str(session.get("_user_id"))


def test_signing_out_makes_the_old_session_cookie_worthless(app: Flask, kari: int) -> None:
    client, auth = signed_in(app)
    saved = cookies(client)
    assert opens_account(browser_with(app, saved))
    auth.logout()
    assert not opens_account(client)
    replay = browser_with(app, saved)
    response = replay.get(ACCOUNT)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert replay.get("/team").status_code == 302


def test_signing_out_makes_the_remember_cookie_worthless(app: Flask, kari: int) -> None:
    client, auth = signed_in(app, remember=True)
    remember = cookies(client)["remember_token"]
    # The remember cookie alone signs in (a browser restarted, the session cookie gone).
    assert opens_account(browser_with(app, {"remember_token": remember}))
    auth.logout()
    assert client.get_cookie("remember_token") is None  # the browser is told to drop it
    assert not opens_account(browser_with(app, {"remember_token": remember}))


def test_each_sign_in_gets_its_own_identifier(app: Flask, kari: int) -> None:
    first, first_auth = signed_in(app)
    second, _second_auth = signed_in(app)
    assert session_id(first) != session_id(second)
    before = session_id(first)
    first_auth.logout()
    first_auth.login("kari@tynset.example")
    assert session_id(first) not in (before, session_id(second))
    # Signing out on one device leaves the other signed in.
    assert opens_account(second)


def test_the_session_is_renewed_at_sign_in(app: Flask, kari: int) -> None:
    """A token or identifier planted before the sign-in (session fixation) is worthless."""
    client = app.test_client()
    planted = csrf_token(client, "/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    assert AuthActions(client).login("kari@tynset.example").status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
    refused = client.post(
        "/language", data={"language": "en", "next": "/account", "csrf_token": planted}
    )
    assert refused.status_code == 400
    assert csrf_token(client, ACCOUNT) != planted


def test_sign_out_everywhere_ends_every_device(app: Flask, kari: int) -> None:
    phone, _phone_auth = signed_in(app, remember=True)
    laptop, _laptop_auth = signed_in(app)
    page = text_of(laptop.get(ACCOUNT))
    assert "Logg ut overalt" in page
    assert "(denne enheten)" in page
    assert len(re.findall(r"Logget inn \d", page)) == 2  # «Logget inn 1. mars 2027 kl. …»
    stolen = cookies(phone)
    response = post_form(laptop, "/account/sign-out-everywhere", {})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "Du er logget ut på alle enheter" in text_of(laptop.get("/login"))
    assert not opens_account(laptop)
    assert not opens_account(phone)
    assert not opens_account(browser_with(app, stolen))
    assert not opens_account(browser_with(app, {"remember_token": stolen["remember_token"]}))


def test_a_new_password_keeps_this_device_and_ends_the_others(app: Flask, kari: int) -> None:
    other, _other_auth = signed_in(app)
    client, _auth = signed_in(app)
    changed = post_form(
        client,
        ACCOUNT,
        {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert opens_account(client)
    assert not opens_account(other)


def test_deactivating_someone_ends_their_sign_ins(app: Flask, kari: int) -> None:
    client, _auth = signed_in(app, remember=True)
    with app.app_context():
        user = db.session.get(User, kari)
        assert user is not None
        set_active(user, False, by=None)
        set_active(user, True, by=None)
        commit()
        left = db.session.scalar(select(func.count(UserSession.id)))
    assert left == 0
    assert not opens_account(client)


def test_a_sign_in_lasts_a_working_day_unless_kept(app: Flask, kari: int) -> None:
    with time_machine.travel("2027-03-01 07:00 +0100", tick=False) as clock:
        day, _auth = signed_in(app)
        kept, _kept_auth = signed_in(app, remember=True)
        remember = cookies(kept)["remember_token"]
        clock.shift(timedelta(hours=11, minutes=50))
        assert opens_account(day)
        clock.shift(timedelta(minutes=20))
        assert not opens_account(day)
        assert opens_account(kept)
        clock.shift(timedelta(days=29))
        assert opens_account(browser_with(app, {"remember_token": remember}))
        clock.shift(timedelta(days=1))
        assert not opens_account(browser_with(app, {"remember_token": remember}))


def test_the_nightly_job_forgets_ended_sign_ins(app: Flask, kari: int) -> None:
    with time_machine.travel("2027-03-01 07:00 +0100", tick=False) as clock:
        signed_in(app)
        signed_in(app, remember=True)
        clock.shift(timedelta(days=2))
        result = app.test_cli_runner().invoke(args=["notify", "run"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        left = list(db.session.scalars(select(UserSession)))
    assert [record.remembered for record in left] == [True]


def test_the_database_keeps_no_usable_token(app: Flask, kari: int) -> None:
    client, _auth = signed_in(app)
    token = session_id(client)
    with app.app_context():
        stored = db.session.scalars(select(UserSession.token_hash)).all()
    assert len(stored) == 1
    assert token not in stored[0]
    assert len(token) >= 40
