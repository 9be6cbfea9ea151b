"""Behind a reverse proxy: X-Forwarded-* headers count only when PROXY_FIX_* says so."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from flask import Flask, request, url_for

from tests.factories import commit, create_user
from tests.helpers import PASSWORD, AuthActions

MakeApp = Callable[..., Flask]


def sign_in_through_proxy(app: Flask, proxy: str, client_address: str, password: str) -> int:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = proxy
    client.environ_base["HTTP_X_FORWARDED_FOR"] = client_address
    return AuthActions(client).login("ola@tynset.example", password).status_code


def throttled_app(make_app: MakeApp, **settings: int) -> Flask:
    app = make_app(
        LOGIN_RATE_LIMIT_PER_CLIENT="2 per 15 minutes",
        LOGIN_RATE_LIMIT_PER_ACCOUNT="100 per 15 minutes",
        **settings,
    )
    with app.app_context():
        create_user("ola@tynset.example")
        commit()
    return app


def test_with_a_trusted_proxy_sign_ins_are_throttled_per_forwarded_client(
    make_app: MakeApp,
) -> None:
    app = throttled_app(make_app, PROXY_FIX_X_FOR=1)
    for _ in range(2):
        assert sign_in_through_proxy(app, "10.9.0.1", "203.0.113.10", "feil passord her") == 400
    assert sign_in_through_proxy(app, "10.9.0.1", "203.0.113.10", PASSWORD) == 429
    # Another person behind the same proxy is not held for the first one's mistakes.
    assert sign_in_through_proxy(app, "10.9.0.1", "203.0.113.11", PASSWORD) == 302


def test_without_the_setting_forwarded_addresses_are_ignored(make_app: MakeApp) -> None:
    app = throttled_app(make_app)
    for _ in range(2):
        assert sign_in_through_proxy(app, "10.9.0.2", "203.0.113.20", "feil passord her") == 400
    # The header could be forged by anyone: the counts follow the connecting address.
    assert sign_in_through_proxy(app, "10.9.0.2", "203.0.113.21", PASSWORD) == 429


def where_am_i(app: Flask) -> dict[str, str]:
    @app.get("/_where")
    def where() -> dict[str, str]:
        return {
            "remote_addr": request.remote_addr or "",
            "external_url": url_for("where", _external=True),
        }

    response = app.test_client().get(
        "/_where",
        environ_base={"REMOTE_ADDR": "10.9.0.3"},
        headers={
            "X-Forwarded-For": "203.0.113.30",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "opplaering.tynset.example",
        },
    )
    assert response.json is not None
    return cast("dict[str, str]", response.json)  # what /_where answers


def test_a_trusted_proxy_sets_the_client_address_scheme_and_host(make_app: MakeApp) -> None:
    app = make_app(PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1, PROXY_FIX_X_HOST=1)
    assert where_am_i(app) == {
        "remote_addr": "203.0.113.30",
        "external_url": "https://opplaering.tynset.example/_where",
    }


def test_by_default_the_forwarded_headers_change_nothing(make_app: MakeApp) -> None:
    assert where_am_i(make_app()) == {
        "remote_addr": "10.9.0.3",
        "external_url": "http://localhost/_where",
    }
