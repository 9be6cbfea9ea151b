"""«Glemt passord»: limited per address and per client, at most one e-mail per address
every few minutes, and the same answer after the same work whether or not the address
belongs to someone (the look-up and the e-mail happen after the response has gone)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import CountQueries
from tests.factories import commit, create_user
from tests.helpers import client_at, csrf_token, outbox_messages, text_of

MakeApp = Callable[..., Flask]


@pytest.fixture
def limited(make_app: MakeApp) -> Flask:
    app = make_app(
        PASSWORD_RESET_RATE_LIMIT_PER_ADDRESS="5 per hour",
        PASSWORD_RESET_RATE_LIMIT_PER_CLIENT="8 per hour",
    )
    with app.app_context():
        create_user("ola@tynset.example")
        commit()
    return app


def ask(client: FlaskClient, email: str) -> TestResponse:
    token = csrf_token(client, "/password/forgot")
    return client.post("/password/forgot", data={"email": email, "csrf_token": token})


def sent(app: Flask) -> int:
    return len(outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"])))


def test_one_address_gets_one_e_mail_in_a_few_minutes(limited: Flask) -> None:
    with time_machine.travel("2027-03-01 08:00 +0100", tick=False) as clock:
        client = client_at(limited, "10.1.0.1")
        for _ in range(4):
            assert ask(client, "ola@tynset.example").status_code == 200
        assert sent(limited) == 1
        clock.shift(timedelta(minutes=6))
        assert ask(client, "ola@tynset.example").status_code == 200
        assert sent(limited) == 2


def test_one_address_is_limited_from_every_client(limited: Flask) -> None:
    for number in range(5):
        assert ask(client_at(limited, f"10.2.0.{number}"), "ola@tynset.example").status_code == 200
    refused = ask(client_at(limited, "10.2.0.99"), "ola@tynset.example")
    assert refused.status_code == 429
    assert "For mange forsøk" in text_of(refused)
    # An address that does not exist is limited the same way: nothing tells them apart.
    for number in range(5):
        ask(client_at(limited, f"10.3.0.{number}"), "finnes.ikke@tynset.example")
    assert ask(client_at(limited, "10.3.0.99"), "finnes.ikke@tynset.example").status_code == 429


def test_one_client_is_limited_across_addresses(limited: Flask) -> None:
    client = client_at(limited, "10.4.0.1")
    for number in range(8):
        assert ask(client, f"gjett{number}@tynset.example").status_code == 200
    assert ask(client, "ola@tynset.example").status_code == 429
    assert sent(limited) == 0
    assert ask(client_at(limited, "10.4.0.2"), "ola@tynset.example").status_code == 200


def test_a_known_and_an_unknown_address_cost_the_request_the_same(
    limited: Flask, count_queries: CountQueries
) -> None:
    """Until the response has gone, the request does the same for both: no look-up, no
    e-mail. The e-mail to the known address goes once the server closes the response."""
    client = client_at(limited, "10.5.0.1")
    token = csrf_token(client, "/password/forgot")
    answers = {}
    for email in ("finnes.ikke@tynset.example", "ola@tynset.example"):
        with count_queries(limited) as seen:
            response = client.post(
                "/password/forgot", data={"email": email, "csrf_token": token}, buffered=False
            )
            status, queries = response.status_code, len(seen)
        assert sent(limited) == 0
        body = b"".join(response.response).decode()  # type: ignore[arg-type]
        answers[email] = (status, queries, body.replace(email, "<e-post>"))
        response.close()
    known, unknown = answers.values()
    assert known == unknown
    assert known[1] == 0  # not one query before the answer
    assert sent(limited) == 1
