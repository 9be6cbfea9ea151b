"""Certificates (kursbevis): issued on completion, verified by anyone, managed by HR.

The views are imported when the app registers the blueprint (see ``learning``). Importing
the services connects the receiver of ``programme_completed``.
"""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many

from onboarding.config import ConfigError

bp = Blueprint("certificates", __name__)

#: Limits only the routes decorated with it (the public verification); nothing else.
limiter = Limiter(key_func=get_remote_address)


def init_app(app: Flask) -> None:
    from onboarding.certificates.cli import certificates
    from onboarding.certificates.services import certificates_of

    check_rate_limit(str(app.config["CERTIFICATE_VERIFY_RATE_LIMIT"]))
    limiter.init_app(app)
    app.cli.add_command(certificates)
    # The person page (people area) shows a person's certificates without importing this area.
    app.add_template_global(certificates_of, "certificates_of")


def check_rate_limit(value: str) -> None:
    """Refuse to start with a limit Flask-Limiter cannot read (it would fail on each check)."""
    try:
        parse_many(value)
    except ValueError as error:
        raise ConfigError(
            "ONBOARDING_CERTIFICATE_VERIFY_RATE_LIMIT must be a limit like '30 per minute', "
            f"not {value!r}."
        ) from error
