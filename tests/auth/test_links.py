"""Password reset and invitation links: e-mailed, signed, single-use and expiring."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from onboarding.auth.models import User
from onboarding.auth.services import send_invitation
from onboarding.extensions import db
from onboarding.notifications.services import deliver
from tests.factories import commit, create_user
from tests.helpers import PASSWORD, AuthActions, link_in, outbox_messages, post_form, text_of

NEW_PASSWORD = "sommer på Tynset er fin"


@pytest.fixture
def outbox(app: Flask) -> Path:
    return Path(app.config["MAIL_OUTBOX_DIR"])


@pytest.fixture
def ola(app: Flask) -> str:
    """Ola's last name; his e-mail is ola@tynset.example."""
    with app.app_context():
        user = create_user("ola@tynset.example", first_name="Ola")
        commit()
        return user.last_name


def ask_for_reset(client: FlaskClient, email: str) -> str:
    response = post_form(client, "/password/forgot", {"email": email})
    assert response.status_code == 200
    return text_of(response)


@contextmanager
def later(seconds: float) -> Iterator[None]:
    """Move Python's clock, which a link's age is checked against, ``seconds`` on."""
    with time_machine.travel(timedelta(seconds=seconds), tick=False):
        yield


def test_reset_sends_a_link_that_sets_a_new_password(
    client: FlaskClient, auth: AuthActions, outbox: Path, ola: str
) -> None:
    page = ask_for_reset(client, "ola@tynset.example")
    assert "Sjekk e-posten din" in page
    [message] = outbox_messages(outbox)
    assert message["To"] == f"Ola {ola} <ola@tynset.example>"
    assert message["Subject"] == "Nytt passord for Tynset kommune"
    link = link_in(message)
    assert link.startswith("/password/reset/")

    form = client.get(link)
    assert form.status_code == 200
    assert "Velg nytt passord" in text_of(form)
    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.headers["Location"] == "/start"
    assert "Passordet er endret, og du er logget inn." in text_of(client.get("/"))

    auth.logout()
    assert auth.login("ola@tynset.example", PASSWORD).status_code == 400
    assert auth.login("ola@tynset.example", NEW_PASSWORD).status_code == 302


def test_unknown_address_gets_the_same_answer_and_no_mail(
    client: FlaskClient, outbox: Path, ola: str
) -> None:
    known = ask_for_reset(client, "ola@tynset.example")
    unknown = ask_for_reset(client, "ingen@tynset.example")
    assert known.replace("ola@", "X@") == unknown.replace("ingen@", "X@")
    assert len(outbox_messages(outbox)) == 1


def test_a_used_reset_link_cannot_be_used_again(
    client: FlaskClient, outbox: Path, ola: str
) -> None:
    ask_for_reset(client, "ola@tynset.example")
    link = link_in(outbox_messages(outbox)[0])
    post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    again = client.get(link)
    assert again.status_code == 400
    assert "Lenken er allerede brukt" in text_of(again)
    replay = post_form(
        client, link, {"password": "et helt annet passord", "confirm": "et helt annet passord"}
    )
    assert replay.status_code == 400
    assert "Lenken er allerede brukt" in text_of(replay)


def test_an_older_reset_link_dies_when_a_newer_one_is_used(
    client: FlaskClient, outbox: Path, ola: str
) -> None:
    ask_for_reset(client, "ola@tynset.example")
    with later(6 * 60):  # a second e-mail goes only some minutes after the first
        ask_for_reset(client, "ola@tynset.example")
    first, second = (link_in(m) for m in outbox_messages(outbox))
    post_form(client, second, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert "Lenken er allerede brukt" in text_of(client.get(first))


def test_an_expired_reset_link_is_refused(
    client: FlaskClient, outbox: Path, ola: str, app: Flask
) -> None:
    ask_for_reset(client, "ola@tynset.example")
    link = link_in(outbox_messages(outbox)[0])
    with later(app.config["PASSWORD_RESET_MAX_AGE"] + 60):
        response = client.get(link)
    assert response.status_code == 400
    assert "Lenken er utløpt. Be om en ny." in text_of(response)


def test_a_tampered_link_is_refused(client: FlaskClient, outbox: Path, ola: str) -> None:
    ask_for_reset(client, "ola@tynset.example")
    link = link_in(outbox_messages(outbox)[0])
    response = client.get(link[:-3] + "abc")
    assert response.status_code == 400
    assert "Lenken er ikke gyldig" in text_of(response)


def test_a_reset_link_is_not_an_invitation(client: FlaskClient, outbox: Path, ola: str) -> None:
    ask_for_reset(client, "ola@tynset.example")
    token = link_in(outbox_messages(outbox)[0]).rsplit("/", 1)[1]
    assert client.get(f"/invitation/{token}").status_code == 400


def test_weak_password_is_refused_with_the_reason(
    client: FlaskClient, outbox: Path, ola: str
) -> None:
    ask_for_reset(client, "ola@tynset.example")
    link = link_in(outbox_messages(outbox)[0])
    short = post_form(client, link, {"password": "kort", "confirm": "kort"})
    assert short.status_code == 400
    assert "Passordet må være minst 12 tegn langt." in text_of(short)
    mismatch = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert "De to passordene er ikke like." in text_of(mismatch)
    with_name = f"{ola} er et godt navn"
    named = post_form(client, link, {"password": with_name, "confirm": with_name})
    assert named.status_code == 400
    assert "Passordet kan ikke inneholde navnet ditt" in text_of(named)
    # Nothing was used up: the link still works.
    assert client.get(link).status_code == 200


def invite(app: Flask, email: str = "ny@tynset.example") -> None:
    with app.app_context():
        user = create_user(email, first_name="Nora", password=None)
        notification = send_invitation(user)
        commit()
        deliver([notification.id])


def test_invitation_lets_a_new_person_choose_a_password(
    app: Flask, client: FlaskClient, auth: AuthActions, outbox: Path
) -> None:
    invite(app)
    [message] = outbox_messages(outbox)
    assert "Velkommen til Tynset kommune" in message["Subject"]
    link = link_in(message)
    assert link.startswith("/invitation/")

    page = client.get(link)
    assert page.status_code == 200
    assert "Velkommen, Nora!" in text_of(page)
    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.headers["Location"] == "/start"
    assert "Velkommen! Passordet er lagret" in text_of(client.get("/"))

    auth.logout()
    assert auth.login("ny@tynset.example", NEW_PASSWORD).status_code == 302


def test_an_invited_person_cannot_sign_in_before_choosing_a_password(
    app: Flask, auth: AuthActions
) -> None:
    invite(app)
    assert auth.login("ny@tynset.example", "").status_code == 400
    assert auth.login("ny@tynset.example", PASSWORD).status_code == 400


def test_an_invitation_works_once(app: Flask, client: FlaskClient, outbox: Path) -> None:
    invite(app)
    link = link_in(outbox_messages(outbox)[0])
    post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    fresh = app.test_client()
    response = fresh.get(link)
    assert response.status_code == 400
    page = text_of(response)
    assert "Lenken er allerede brukt" in page
    assert "Hvis du allerede har valgt passord" in page


def test_an_expired_invitation_is_refused(app: Flask, client: FlaskClient, outbox: Path) -> None:
    invite(app)  # someone with no start date: the link lasts INVITATION_MAX_AGE
    link = link_in(outbox_messages(outbox)[0])
    with later(app.config["INVITATION_MAX_AGE"] + 60):
        assert "Lenken er utløpt" in text_of(client.get(link))


def test_an_invitation_to_a_deactivated_person_is_refused(
    app: Flask, client: FlaskClient, outbox: Path
) -> None:
    invite(app)
    link = link_in(outbox_messages(outbox)[0])
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "ny@tynset.example"))
        assert user is not None
        user.active = False
        commit()
    assert client.get(link).status_code == 400


def test_links_use_the_configured_address_not_the_request_host(
    client: FlaskClient, outbox: Path, ola: str
) -> None:
    evil = {"Host": "evil.example"}
    page = client.get("/password/forgot", headers=evil).get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/password/forgot",
        data={"email": "ola@tynset.example", "csrf_token": token},
        headers=evil,
    )
    assert response.status_code == 200
    body = outbox_messages(outbox)[0].get_body(preferencelist=("plain",))
    assert body is not None
    content = body.get_content()
    assert "http://onboarding.test/password/reset/" in content
    assert "evil.example" not in content
