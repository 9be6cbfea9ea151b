"""Sign-in throttling: per account and per client, counting only failed attempts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from onboarding.auth.models import Role
from tests.factories import commit, create_user
from tests.helpers import PASSWORD, AuthActions, text_of

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


def client_at(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_an_account_is_held_after_repeated_failures_even_with_the_right_password(
    throttled: Flask,
) -> None:
    auth = AuthActions(client_at(throttled, "10.0.0.1"))
    for _ in range(3):
        assert auth.login("hanne@tynset.example", "feil passord her").status_code == 400
    held = auth.login("hanne@tynset.example", PASSWORD)
    assert held.status_code == 429
    assert BUSY in text_of(held)
    # From another machine too: the limit follows the account, not the address.
    other = AuthActions(client_at(throttled, "10.0.0.2"))
    assert other.login("hanne@tynset.example", PASSWORD).status_code == 429
    # Someone else's account is not held.
    assert other.login("ola@tynset.example", PASSWORD).status_code == 302


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
