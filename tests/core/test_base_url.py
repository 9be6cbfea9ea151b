"""`PORT=8000 make run` gives links (e-mails, QR codes, calendar files) on port 8000: in
development the base address follows the port, unless ONBOARDING_BASE_URL is set."""

from __future__ import annotations

import pytest

from onboarding import create_app
from onboarding.config import ConfigError, development_base_url
from onboarding.urls import external_url


@pytest.fixture
def development(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (
        "ONBOARDING_ENV",
        "ONBOARDING_BASE_URL",
        "PORT",
        "FLASK_RUN_PORT",
        "SECRET_KEY",
        "ONBOARDING_SECRET_KEY",
        "DATABASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "http://127.0.0.1:5000"),
        ({"PORT": "8000"}, "http://127.0.0.1:8000"),
        ({"PORT": " 8123 "}, "http://127.0.0.1:8123"),
        ({"FLASK_RUN_PORT": "5050"}, "http://127.0.0.1:5050"),
        ({"PORT": "8000", "FLASK_RUN_PORT": "5050"}, "http://127.0.0.1:8000"),
    ],
)
def test_the_development_address_is_on_the_servers_port(
    environ: dict[str, str], expected: str
) -> None:
    assert development_base_url(environ) == expected


@pytest.mark.parametrize("port", ["åtte tusen", "0", "70000"])
def test_a_port_that_is_no_port_is_refused_with_a_message(port: str) -> None:
    with pytest.raises(ConfigError, match="PORT must be a port number"):
        development_base_url({"PORT": port})


def test_links_from_a_development_server_on_another_port_use_that_port(
    development: pytest.MonkeyPatch,
) -> None:
    development.setenv("PORT", "8123")
    app = create_app()
    assert app.config["BASE_URL"] == "http://127.0.0.1:8123"
    with app.app_context():
        assert external_url("auth.login") == "http://127.0.0.1:8123/login"


def test_a_base_url_that_is_set_wins_over_the_port(development: pytest.MonkeyPatch) -> None:
    development.setenv("PORT", "8123")
    development.setenv("ONBOARDING_BASE_URL", "http://laptop.local:9000/")
    assert create_app().config["BASE_URL"] == "http://laptop.local:9000"


def test_production_never_takes_the_address_from_the_port(
    development: pytest.MonkeyPatch,
) -> None:
    development.setenv("ONBOARDING_ENV", "production")
    development.setenv("SECRET_KEY", "k" * 48)
    development.setenv("PORT", "8123")
    # A hosting platform's PORT is no public address: production still asks for one.
    with pytest.raises(ConfigError, match="ONBOARDING_BASE_URL must be the public"):
        create_app()
