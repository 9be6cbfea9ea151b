"""Sign-in throttling: per account and per client, counting only failed attempts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from onboarding.audit.models import AuditEvent
from onboarding.auth.models import Role
from onboarding.extensions import db
from tests.factories import commit, create_user
from tests.helpers import PASSWORD, AuthActions, client_at, post_form, text_of

MakeApp = Callable[..., Flask]
BUSY = "For mange forsøk"


@pytest.fixture
def throttled(make_app: MakeApp) -> Flask:
    app = make_app(
        LOGIN_RATE_LIMIT_PER_ACCOUNT="3 per 15 minutes",
        LOGIN_RATE_LIMIT_PER_CLIENT="5 per 15 minutes",
    )
    with app.app_context():
        create_user("hanne@tynset.example", roles=(Role.HR,))
        create_user("ola@tynset.example")
        commit()
    return app


def test_wrong_passwords_hold_the_account_only_where_they_came_from(throttled: Flask) -> None:
    """Someone guessing Hanne's password from one machine cannot lock Hanne out."""
    guesser = AuthActions(client_at(throttled, "10.0.0.1"))
    for _ in range(3):
        assert guesser.login("hanne@tynset.example", "feil passord her").status_code == 400
    held = guesser.login("hanne@tynset.example", PASSWORD)
    assert held.status_code == 429
    assert BUSY in text_of(held)
    # Hanne, at her own desk, signs in.
    owner = AuthActions(client_at(throttled, "10.0.0.2"))
    assert owner.login("hanne@tynset.example", PASSWORD).status_code == 302
    # Someone else's account is not held from the guesser's machine either.
    assert guesser.login("ola@tynset.example", PASSWORD).status_code == 302


def test_a_known_device_signs_in_behind_a_busy_nat(throttled: Flask) -> None:
    """One public address for the whole town hall: a guesser there holds every account
    from that address, and uses up the address's own limit, but a browser where Hanne has
    signed in before still lets her in with the right password."""
    hanne = AuthActions(client_at(throttled, "10.9.9.9"))
    assert hanne.login("hanne@tynset.example", PASSWORD).status_code == 302
    hanne.logout()
    guesser = AuthActions(client_at(throttled, "10.9.9.9"))
    for _ in range(3):
        guesser.login("hanne@tynset.example", "feil passord her")
    for number in range(3):
        guesser.login(f"gjett{number}@tynset.example", "feil passord her")
    assert guesser.login("hanne@tynset.example", PASSWORD).status_code == 429
    assert guesser.login("ola@tynset.example", PASSWORD).status_code == 429
    assert hanne.login("hanne@tynset.example", PASSWORD).status_code == 302


def test_a_known_device_is_held_by_its_own_wrong_passwords(throttled: Flask) -> None:
    """A stolen laptop with the cookie still gets only a few guesses."""
    laptop = AuthActions(client_at(throttled, "10.0.0.7"))
    assert laptop.login("hanne@tynset.example", PASSWORD).status_code == 302
    laptop.logout()
    for _ in range(3):
        assert laptop.login("hanne@tynset.example", "feil passord her").status_code == 400
    assert laptop.login("hanne@tynset.example", PASSWORD).status_code == 429
    # From another machine, Hanne is not held.
    other = AuthActions(client_at(throttled, "10.0.0.8"))
    assert other.login("hanne@tynset.example", PASSWORD).status_code == 302


def test_a_forged_device_cookie_is_no_device(throttled: Flask) -> None:
    guesser = client_at(throttled, "10.0.0.9")
    guesser.set_cookie("known_device", "eyJmYWtlIjoiZGV2aWNlIn0.forged.signature")
    auth = AuthActions(guesser)
    for _ in range(3):
        auth.login("hanne@tynset.example", "feil passord her")
    assert auth.login("hanne@tynset.example", PASSWORD).status_code == 429


def test_hr_sees_a_hold_and_lifts_it(throttled: Flask) -> None:
    guesser = AuthActions(client_at(throttled, "10.0.0.10"))
    for _ in range(3):
        guesser.login("ola@tynset.example", "feil passord her")
    hr = AuthActions(client_at(throttled, "10.0.0.11"))
    assert hr.login("hanne@tynset.example", PASSWORD).status_code == 302
    page = text_of(hr.client.get("/people/sign-in-holds"))
    assert "ola@tynset.example" in page
    assert "10.0.0.10" in page
    lifted = post_form(hr.client, "/people/sign-in-holds/lift", {"email": "ola@tynset.example"})
    assert lifted.status_code == 302
    assert "ola@tynset.example kan logge inn igjen" in text_of(hr.client.get(lifted.location))
    assert "Ingen kontoer er sperret nå" in text_of(hr.client.get("/people/sign-in-holds"))
    assert guesser.login("ola@tynset.example", PASSWORD).status_code == 302
    with throttled.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "sign_in.hold_lifted")
        )
        assert event is not None
        assert event.after == {"email": "ola@tynset.example"}


def test_a_hold_lifts_by_itself_when_the_window_has_passed(throttled: Flask) -> None:
    with time_machine.travel("2027-03-01 08:00 +0100", tick=False) as clock:
        guesser = AuthActions(client_at(throttled, "10.0.0.12"))
        for _ in range(3):
            guesser.login("ola@tynset.example", "feil passord her")
        assert guesser.login("ola@tynset.example", PASSWORD).status_code == 429
        clock.shift(timedelta(minutes=16))
        assert guesser.login("ola@tynset.example", PASSWORD).status_code == 302


def test_an_unknown_account_is_held_the_same_way(throttled: Flask) -> None:
    auth = AuthActions(client_at(throttled, "10.0.0.3"))
    for _ in range(3):
        assert auth.login("finnes.ikke@tynset.example", "feil passord her").status_code == 400
    held = auth.login("finnes.ikke@tynset.example", "feil passord her")
    assert held.status_code == 429
    assert BUSY in text_of(held)


def test_a_client_trying_many_accounts_is_held(throttled: Flask) -> None:
    auth = AuthActions(client_at(throttled, "10.0.0.4"))
    for number in range(5):
        assert auth.login(f"gjett{number}@tynset.example", "feil passord her").status_code == 400
    assert auth.login("ola@tynset.example", PASSWORD).status_code == 429
    elsewhere = AuthActions(client_at(throttled, "10.0.0.5"))
    assert elsewhere.login("ola@tynset.example", PASSWORD).status_code == 302


def test_successful_sign_ins_do_not_count(throttled: Flask) -> None:
    auth = AuthActions(client_at(throttled, "10.0.0.6"))
    for _ in range(6):
        assert auth.login("ola@tynset.example", PASSWORD).status_code == 302
        auth.logout()
    assert auth.login("ola@tynset.example", PASSWORD).status_code == 302


def test_an_unreadable_limit_stops_the_app_at_start(make_app: MakeApp) -> None:
    from onboarding.config import ConfigError

    with pytest.raises(ConfigError, match="LOGIN_RATE_LIMIT_PER_ACCOUNT"):
        make_app(LOGIN_RATE_LIMIT_PER_ACCOUNT="ti i minuttet")


def test_an_account_guessed_at_from_many_places_lets_only_its_known_devices_in(
    make_app: MakeApp,
) -> None:
    """Rotating addresses gives no fresh guesses past the ceiling for the account."""
    app = make_app(
        LOGIN_RATE_LIMIT_PER_ACCOUNT="3 per 15 minutes",
        LOGIN_RATE_LIMIT_PER_ACCOUNT_ANYWHERE="5 per hour",
    )
    with app.app_context():
        create_user("ola@tynset.example")
        commit()
    own = AuthActions(client_at(app, "10.8.0.1"))
    assert own.login("ola@tynset.example", PASSWORD).status_code == 302
    own.logout()
    for number in range(5):
        guesser = AuthActions(client_at(app, f"10.7.0.{number}"))
        assert guesser.login("ola@tynset.example", "feil passord her").status_code == 400
    stranger = AuthActions(client_at(app, "10.7.0.99"))
    assert stranger.login("ola@tynset.example", PASSWORD).status_code == 429
    assert own.login("ola@tynset.example", PASSWORD).status_code == 302
    with app.app_context():
        from onboarding.auth import throttle

        [hold] = throttle.holds()
        assert (hold.email, hold.client, hold.failures) == ("ola@tynset.example", "", 5)
