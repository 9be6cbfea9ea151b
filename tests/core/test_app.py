"""The application shell: configuration, health check, error pages, request logging."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask, abort
from flask.testing import FlaskClient

from onboarding import create_app
from onboarding.config import DEV_SECRET_KEY, ConfigError
from tests.conftest import settings_for
from tests.helpers import post_form, text_of

MakeApp = Callable[..., Flask]
GOOD_KEY = "k" * 48


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in ("SECRET_KEY", "ONBOARDING_SECRET_KEY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ONBOARDING_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    monkeypatch.setenv("ONBOARDING_BASE_URL", "https://introduksjon.tynset.example")
    return monkeypatch


def test_production_refuses_to_start_without_a_secret_key(
    production_env: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ConfigError, match="without a secret key: set SECRET_KEY"):
        create_app()


@pytest.mark.parametrize("key", [DEV_SECRET_KEY, "short-key"])
def test_production_refuses_a_weak_secret_key(production_env: pytest.MonkeyPatch, key: str) -> None:
    production_env.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_refuses_plain_http_links(production_env: pytest.MonkeyPatch) -> None:
    production_env.setenv("SECRET_KEY", GOOD_KEY)
    production_env.setenv("ONBOARDING_BASE_URL", "http://introduksjon.tynset.example")
    with pytest.raises(ConfigError, match="https://"):
        create_app()


def test_production_with_a_key_starts_with_secure_cookies(
    production_env: pytest.MonkeyPatch,
) -> None:
    production_env.setenv("ONBOARDING_SECRET_KEY", GOOD_KEY)
    production_env.setenv("ONBOARDING_MAIL_PORT", "587")
    app = create_app()
    assert app.config["SECRET_KEY"] == GOOD_KEY
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["MAIL_PORT"] == 587
    assert app.config["LOG_REQUESTS"] is True


def test_development_defaults_need_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ONBOARDING_ENV", "SECRET_KEY", "ONBOARDING_SECRET_KEY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    app = create_app()
    assert app.config["ENV_NAME"] == "development"
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/onboarding.sqlite3")


def test_an_unknown_environment_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONBOARDING_ENV", "prod")
    with pytest.raises(ConfigError, match="ONBOARDING_ENV must be one of"):
        create_app()


def test_a_bad_organisation_colour_is_refused(make_app: MakeApp) -> None:
    with pytest.raises(ConfigError, match="ORG_COLOUR"):
        make_app(ORG_COLOUR="red; } body {")


def test_healthz_checks_the_database(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_down(make_app: MakeApp, tmp_path: Path) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'missing-folder' / 'db.sqlite3'}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "unavailable"}


def test_pages_answer_503_in_norwegian_when_the_database_is_damaged(
    make_app: MakeApp, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"this is not a database" * 100)
    app = make_app(f"sqlite:///{damaged}", PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    response = post_form(client, "/login", {"email": "a@tynset.example", "password": "x" * 12})
    assert response.status_code == 503
    page = text_of(response)
    assert "Tjenesten er ikke tilgjengelig akkurat nå" in page
    assert "sqlite" not in page.lower()
    assert client.get("/healthz").status_code == 503


def test_not_found_is_a_page_in_the_layout(client: FlaskClient) -> None:
    response = client.get("/finnes-ikke")
    assert response.status_code == 404
    page = text_of(response)
    assert "Vi finner ikke siden" in page
    assert "Gå til forsiden" in page
    assert "Tilgjengelighetserklæring" in page


def test_an_unexpected_error_shows_a_friendly_page_with_a_reference(
    make_app: MakeApp, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internal detail")

    app.logger.propagate = True  # let caplog see the app's log
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/boom", headers={"X-Request-ID": "abc-123"})
    assert response.status_code == 500
    page = text_of(response)
    assert "Noe gikk galt hos oss" in page
    assert "abc-123" in page
    assert "secret internal detail" not in page
    assert "Traceback" not in response.get_data(as_text=True)
    assert any("request_id=abc-123" in record.getMessage() for record in caplog.records)


def test_http_errors_keep_their_status(make_app: MakeApp) -> None:
    app = make_app()

    @app.get("/forbidden")
    def forbidden() -> str:
        abort(403)

    response = app.test_client().get("/forbidden")
    assert response.status_code == 403
    assert "Du har ikke tilgang til denne siden" in text_of(response)


def test_request_id_is_returned_and_forged_ids_are_replaced(client: FlaskClient) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "proxy-42"}).headers["X-Request-ID"]
        == "proxy-42"
    )
    forged = client.get("/healthz", headers={"X-Request-ID": "x FAKE=log <line>"})
    assert "FAKE" not in forged.headers["X-Request-ID"]
    assert len(forged.headers["X-Request-ID"]) == 16


def test_one_log_line_per_request_when_enabled(
    make_app: MakeApp, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(LOG_REQUESTS=True)
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        app.logger.propagate = True
        app.test_client().get("/healthz")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("GET /healthz")]
    assert len(lines) == 1
    assert " 200 " in lines[0]
    assert "user=-" in lines[0]
    assert "request_id=" in lines[0]


def test_public_pages(client: FlaskClient) -> None:
    statement = client.get("/accessibility")
    assert statement.status_code == 200
    assert "WCAG 2.1" in text_of(statement)
    assert "postmottak@tynset.example" in text_of(statement)
    brand = client.get("/brand.css")
    assert brand.mimetype == "text/css"
    assert "--org-colour: #005f73" in brand.get_data(as_text=True)


def test_the_layout_has_skip_link_landmarks_and_designsystemet(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert 'class="ds-skip-link" href="#main"' in html
    for landmark in ("<header", '<main id="main"', "<footer"):
        assert landmark in html
    assert "/static/vendor/designsystemet/index.css" in html
    for name in ("index.css", "theme.css"):
        with client.get(f"/static/vendor/designsystemet/{name}") as response:
            assert response.status_code == 200
            assert b"@layer ds" in response.data


def test_the_organisation_comes_from_configuration(make_app: MakeApp) -> None:
    app = make_app(ORG_NAME="Os kommune", ORG_COLOUR="#123456")
    client = app.test_client()
    assert "Velkommen til Os kommune" in text_of(client.get("/login"))
    assert "#123456" in client.get("/brand.css").get_data(as_text=True)


def test_settings_given_to_the_factory_replace_the_environment(
    production_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What the tests rely on: an app built from settings reads nothing from the
    environment, so a developer's variables cannot point the tests at another database."""
    production_env.setenv("ONBOARDING_SECRET_KEY", GOOD_KEY)
    production_env.setenv("ONBOARDING_ORG_NAME", "Os kommune")
    database = f"sqlite:///{tmp_path / 'test.sqlite3'}"
    app = create_app(settings_for(database, tmp_path))
    assert app.testing
    assert app.config["ENV_NAME"] == "testing"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == database
    assert app.config["ORG_NAME"] == "Tynset kommune"
    assert app.config["SESSION_COOKIE_SECURE"] is False
    from_environment = create_app()
    assert not from_environment.testing
    assert from_environment.config["ENV_NAME"] == "production"
    assert from_environment.config["ORG_NAME"] == "Os kommune"
