"""Security headers on every response, public or not, and the cookies' flags."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import commit, create_user
from tests.helpers import AuthActions


@pytest.mark.parametrize(
    "path", ["/login", "/accessibility", "/healthz", "/finnes-ikke", "/verify"]
)
def test_public_responses_carry_the_security_headers(client: FlaskClient, path: str) -> None:
    headers = client.get(path).headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # only in production


def test_pages_have_no_inline_scripts(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    with app.app_context():
        create_user("hr@tynset.example", roles=("hr",))  # type: ignore[arg-type]
        commit()
    auth.login("hr@tynset.example")
    for path in ("/", "/people", "/cohorts", "/units", "/account"):
        html = client.get(path).get_data(as_text=True)
        for tag in html.split("<script")[1:]:
            assert tag.lstrip().startswith("src="), f"inline script on {path}"


def test_production_adds_hsts(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(
        ENV_NAME="production",
        SESSION_COOKIE_SECURE=True,
        BASE_URL="https://onboarding.test",
    )
    response = app.test_client().get("/login", base_url="https://onboarding.test")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
