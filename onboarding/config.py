"""Configuration: safe development defaults, overridden from the environment.

Every setting can be given as ``ONBOARDING_<NAME>`` (values are parsed as JSON when
they can be, so ``ONBOARDING_MAIL_PORT=587`` is a number). ``DATABASE_URL`` and
``SECRET_KEY`` are also read without the prefix, as hosting platforms set them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

DEV_SECRET_KEY = "development-only-key-do-not-use-in-production"
ENVIRONMENTS = ("development", "production", "testing")
LANGUAGES = ("nb", "nn", "en")
MIN_SECRET_KEY_LENGTH = 32


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to set."""


def defaults(instance_path: Path) -> dict[str, Any]:
    return {
        "ENV_NAME": "development",
        "SECRET_KEY": DEV_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance_path / 'onboarding.sqlite3'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Links in e-mails are built from this, never from the request's Host header.
        "BASE_URL": "http://127.0.0.1:5000",
        # Where the programme's content files are; empty means the bundled courses/.
        "COURSES_DIR": "",
        # The programme new employees take; empty means the only one loaded.
        "PROGRAMME_SLUG": "",
        # A new hire joins the first session at least this many days after starting.
        "COHORT_MIN_DAYS_AFTER_START": 0,
        # Self check-in: the code changes this often, and opens this long before a session.
        "CHECKIN_CODE_SECONDS": 300,
        "CHECKIN_OPENS_MINUTES_BEFORE": 30,
        "ORG_NAME": "Tynset kommune",
        "ORG_LOGO": "img/tynset-logo.svg",
        "ORG_COLOUR": "#005f73",
        "ACCESSIBILITY_CONTACT": "postmottak@tynset.example",
        # Who signs the certificates (kursbevis); set the real name of the kommunedirektør.
        "CERTIFICATE_SIGNATORY_NAME": "Kommunedirektør",
        "CERTIFICATE_SIGNATORY_TITLE": "Kommunedirektør",
        # Public certificate verification, per client. The counts live in memory per
        # process unless RATELIMIT_STORAGE_URI names a shared store (e.g. redis://...).
        "CERTIFICATE_VERIFY_RATE_LIMIT": "30 per minute",
        # Failed sign-ins: per client address, and per account (whoever tries). Successful
        # sign-ins do not count. The message is the same whether or not the account exists.
        "LOGIN_RATE_LIMIT_PER_CLIENT": "30 per 15 minutes",
        "LOGIN_RATE_LIMIT_PER_ACCOUNT": "10 per 15 minutes",
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "MAIL_SERVER": "",
        "MAIL_PORT": 25,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_SENDER": "Tynset kommune <ikke-svar@tynset.example>",
        "MAIL_TIMEOUT": 10,
        "MAIL_OUTBOX_DIR": str(instance_path / "outbox"),
        "PASSWORD_RESET_MAX_AGE": int(timedelta(hours=2).total_seconds()),
        "INVITATION_MAX_AGE": int(timedelta(days=21).total_seconds()),
        "PASSWORD_MIN_LENGTH": 12,
        # People who left (were deactivated) more than this many years ago may be anonymised.
        "ANONYMISE_AFTER_YEARS": 5,
        # argon2id parameters; RFC 9106's second recommended option.
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_COST": 65536,
        "ARGON2_PARALLELISM": 2,
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": int(timedelta(hours=8).total_seconds()),
        # Requests larger than this (an uploaded import file) are refused with a message.
        "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "nb",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Oslo",
        "LANGUAGES": LANGUAGES,
        "LOG_REQUESTS": False,
    }


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill ``app.config`` from defaults, the environment and ``test_config``, then check it."""
    app.config.update(defaults(Path(app.instance_path)))
    if test_config is None:
        env_name = os.environ.get("ONBOARDING_ENV", "development")
        app.config["ENV_NAME"] = env_name
        for plain in ("DATABASE_URL", "SECRET_KEY"):
            if os.environ.get(plain):
                app.config[plain] = os.environ[plain]
        app.config.from_prefixed_env(prefix="ONBOARDING")
        if app.config.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
        if env_name == "production":
            app.config.update(
                SESSION_COOKIE_SECURE=True,
                REMEMBER_COOKIE_SECURE=True,
                LOG_REQUESTS=True,
            )
            if "SECRET_KEY" not in os.environ and "ONBOARDING_SECRET_KEY" not in os.environ:
                app.config["SECRET_KEY"] = ""
    else:
        app.config["ENV_NAME"] = "testing"
        app.config.update(test_config)
    check(app.config)


def check(config: dict[str, Any]) -> None:
    """Refuse settings that would run the app unsafely or not at all."""
    env_name = config["ENV_NAME"]
    if env_name not in ENVIRONMENTS:
        raise ConfigError(
            f"ONBOARDING_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env_name!r}."
        )
    if env_name == "production":
        key = config.get("SECRET_KEY") or ""
        if not key or key == DEV_SECRET_KEY:
            raise ConfigError(
                "Refusing to start in production without a secret key: set SECRET_KEY "
                "to a long random value, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        if len(key) < MIN_SECRET_KEY_LENGTH:
            raise ConfigError(
                f"Refusing to start in production: SECRET_KEY is {len(key)} characters; "
                f"use at least {MIN_SECRET_KEY_LENGTH} random characters."
            )
        if not str(config["BASE_URL"]).startswith("https://"):
            raise ConfigError(
                "Refusing to start in production: ONBOARDING_BASE_URL must be the public "
                "https:// address of the service, since links in e-mails are built from it."
            )
    for limit in (
        "CERTIFICATE_VERIFY_RATE_LIMIT",
        "LOGIN_RATE_LIMIT_PER_CLIENT",
        "LOGIN_RATE_LIMIT_PER_ACCOUNT",
    ):
        check_rate_limit(limit, config)
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", str(config["ORG_COLOUR"])):
        raise ConfigError(
            f"ONBOARDING_ORG_COLOUR must be a colour like #005f73, not {config['ORG_COLOUR']!r}."
        )
    config["BASE_URL"] = str(config["BASE_URL"]).rstrip("/")


def check_rate_limit(name: str, config: Mapping[str, Any]) -> None:
    """Refuse to start with a limit Flask-Limiter cannot read (it would fail on each check)."""
    from limits import parse_many

    value = str(config[name])
    try:
        parse_many(value)
    except ValueError as error:
        raise ConfigError(
            f"ONBOARDING_{name} must be a limit like '30 per minute', not {value!r}."
        ) from error
