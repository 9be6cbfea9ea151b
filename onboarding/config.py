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
        # The deadline is the later of the start date plus the programme's weeks and the
        # person's session plus this many days.
        "DEADLINE_DAYS_AFTER_SESSION": 0,
        # Self check-in: the code changes this often.
        "CHECKIN_CODE_SECONDS": 300,
        # The check-in screen in the room fetches the count of those checked in this often.
        "CHECKIN_SCREEN_REFRESH_SECONDS": 15,
        # «Møtt» and self check-in open this many minutes before a new session starts (HR
        # can change it per session); before that, only «Gyldig fravær» can be recorded.
        "ATTENDANCE_OPENS_MINUTES_BEFORE": 15,
        "ORG_NAME": "Tynset kommune",
        "ORG_LOGO": "img/tynset-logo.svg",
        "ORG_COLOUR": "#005f73",
        "ACCESSIBILITY_CONTACT": "postmottak@tynset.example",
        # Who signs the certificates (kursbevis): the name is printed above the title. Until
        # the real name of the kommunedirektør is set, only the title is printed; no name is
        # made up. Each certificate keeps the signatory it was issued with.
        "CERTIFICATE_SIGNATORY_NAME": "",
        "CERTIFICATE_SIGNATORY_TITLE": "Kommunedirektør",
        # Public certificate verification, per client. The counts live in memory per
        # process unless RATELIMIT_STORAGE_URI names a shared store (e.g. redis://...).
        "CERTIFICATE_VERIFY_RATE_LIMIT": "30 per minute",
        # Failed sign-ins: per client address (browsers where the account signed in before
        # are exempt), and per account from one client or known device (auth.throttle).
        # Successful sign-ins do not count. The answer is the same whether or not the
        # account exists.
        "LOGIN_RATE_LIMIT_PER_CLIENT": "30 per 15 minutes",
        "LOGIN_RATE_LIMIT_PER_ACCOUNT": "10 per 15 minutes",
        # Wrong passwords for one account from anywhere but its known devices (a botnet
        # trying one account from many addresses): then only known devices get in.
        "LOGIN_RATE_LIMIT_PER_ACCOUNT_ANYWHERE": "100 per hour",
        # «Glemt passord»: requests per client and per address asked for, and at most one
        # reset e-mail per address in this many minutes.
        "PASSWORD_RESET_RATE_LIMIT_PER_CLIENT": "20 per hour",
        "PASSWORD_RESET_RATE_LIMIT_PER_ADDRESS": "5 per hour",
        "PASSWORD_RESET_EMAIL_INTERVAL": 5,
        # Wrong self check-in codes: per person, and per client address (everyone in the room
        # may share one, so it is generous). Right codes and other refusals do not count.
        "CHECK_IN_RATE_LIMIT_PER_PERSON": "10 per 10 minutes",
        "CHECK_IN_RATE_LIMIT_PER_CLIENT": "100 per 10 minutes",
        # A sign-in without «Husk meg» ends after this many hours (a working day); with it,
        # after REMEMBER_COOKIE_DURATION. Signing out ends it at once (auth.sessions).
        "SIGN_IN_SESSION_HOURS": 12,
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
        # A link confirming a new e-mail address for HR or an administrator.
        "EMAIL_CHANGE_MAX_AGE": int(timedelta(days=2).total_seconds()),
        # A new hire is invited this many days before their start date (at once when it is
        # sooner), by the nightly job; the link stays valid until this many days after it.
        "INVITATION_DAYS_BEFORE_START": 14,
        "INVITATION_VALID_DAYS_AFTER_START": 14,
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
        # Behind a reverse proxy: how many proxies in front of the app set each
        # X-Forwarded-* header (usually 1 for nginx). 0 ignores the header, as it must be
        # when nothing in front strips a forged one; see docs/deploy.md.
        "PROXY_FIX_X_FOR": 0,
        "PROXY_FIX_X_PROTO": 0,
        "PROXY_FIX_X_HOST": 0,
        # Single sign-on with OpenID Connect (Microsoft Entra ID by default; any provider
        # that publishes a discovery document works, ID-porten and Ansattporten included).
        "OIDC_ENABLED": False,
        # Empty means Entra's address for OIDC_TENANT (the directory's id or domain).
        "OIDC_DISCOVERY_URL": "",
        "OIDC_TENANT": "",
        "OIDC_CLIENT_ID": "",
        "OIDC_CLIENT_SECRET": "",
        "OIDC_SCOPES": "openid email profile",
        # The button says «Logg inn med <name>».
        "OIDC_PROVIDER_NAME": "Microsoft",
        # Claims holding the e-mail address; the first one present is used (Entra often
        # sends the address only as preferred_username or upn).
        "OIDC_MATCH_CLAIMS": ("email", "preferred_username", "upn"),
        # A claim holding the employee number (as in the HR import); empty means not used.
        "OIDC_EMPLOYEE_NUMBER_CLAIM": "",
        # Seconds to wait for the identity provider before giving up.
        "OIDC_TIMEOUT": 10,
        # Off only together with OIDC_ENABLED: everyone then signs in through the provider.
        "PASSWORD_LOGIN_ENABLED": True,
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
        if env_name == "development" and "ONBOARDING_BASE_URL" not in os.environ:
            app.config["BASE_URL"] = development_base_url(os.environ)
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


def development_base_url(environ: Mapping[str, str]) -> str:
    """The address of the development server, for links in e-mails, QR codes and calendar
    files: ``make run`` serves on 127.0.0.1 and the port in ``PORT`` (``FLASK_RUN_PORT`` for
    a plain ``flask run``), 5000 by default."""
    port = (environ.get("PORT") or environ.get("FLASK_RUN_PORT") or "5000").strip()
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"PORT must be a port number like 8000, not {port!r}.")
    return f"http://127.0.0.1:{int(port)}"


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
        "LOGIN_RATE_LIMIT_PER_ACCOUNT_ANYWHERE",
        "PASSWORD_RESET_RATE_LIMIT_PER_CLIENT",
        "PASSWORD_RESET_RATE_LIMIT_PER_ADDRESS",
        "CHECK_IN_RATE_LIMIT_PER_PERSON",
        "CHECK_IN_RATE_LIMIT_PER_CLIENT",
    ):
        check_rate_limit(limit, config)
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", str(config["ORG_COLOUR"])):
        raise ConfigError(
            f"ONBOARDING_ORG_COLOUR must be a colour like #005f73, not {config['ORG_COLOUR']!r}."
        )
    config["BASE_URL"] = str(config["BASE_URL"]).rstrip("/")
    check_oidc(config)


ENTRA_DISCOVERY_URL = (
    "https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration"
)
# Entra's shared tenants let anyone's directory sign in, and a foreign directory can put any
# e-mail address in its tokens: matching people by e-mail needs the municipality's own tenant.
SHARED_ENTRA_TENANTS = ("common", "organizations", "consumers")


def check_oidc(config: dict[str, Any]) -> None:
    """Refuse single sign-on settings that cannot work, or that would lock everyone out."""
    claims = config.get("OIDC_MATCH_CLAIMS") or ()
    if isinstance(claims, str):
        claims = claims.replace(",", " ").split()
    config["OIDC_MATCH_CLAIMS"] = tuple(str(claim) for claim in claims)
    if not config.get("OIDC_ENABLED"):
        if not config.get("PASSWORD_LOGIN_ENABLED", True):
            raise ConfigError(
                "Refusing to turn off password sign-in (ONBOARDING_PASSWORD_LOGIN_ENABLED="
                "false) while single sign-on is off: nobody could sign in. Set "
                "ONBOARDING_OIDC_ENABLED=true and its settings first."
            )
        return
    for name in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"):
        if not config.get(name):
            raise ConfigError(
                f"Single sign-on is on (ONBOARDING_OIDC_ENABLED): set ONBOARDING_{name} "
                "to the value the identity provider gave when the app was registered."
            )
    if not config.get("OIDC_DISCOVERY_URL"):
        tenant = str(config.get("OIDC_TENANT") or "").strip()
        if not tenant:
            raise ConfigError(
                "Single sign-on is on: set ONBOARDING_OIDC_TENANT to the organisation's "
                "Microsoft Entra tenant id, or ONBOARDING_OIDC_DISCOVERY_URL to another "
                "provider's /.well-known/openid-configuration address."
            )
        if tenant.lower() in SHARED_ENTRA_TENANTS:
            raise ConfigError(
                f"ONBOARDING_OIDC_TENANT must be the organisation's own tenant id, not "
                f"{tenant!r}: a shared tenant would let any organisation's accounts sign in."
            )
        config["OIDC_DISCOVERY_URL"] = ENTRA_DISCOVERY_URL.format(tenant=tenant)
    if config["ENV_NAME"] == "production" and not str(config["OIDC_DISCOVERY_URL"]).startswith(
        "https://"
    ):
        raise ConfigError(
            "Refusing to start in production: ONBOARDING_OIDC_DISCOVERY_URL must be an "
            "https:// address."
        )
    if "openid" not in str(config.get("OIDC_SCOPES", "")).split():
        raise ConfigError('ONBOARDING_OIDC_SCOPES must include "openid".')


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
