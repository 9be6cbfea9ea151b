"""Certificates (kursbevis): issued on completion, verified by anyone, managed by HR.

The views are imported when the app registers the blueprint (see ``learning``). Importing
the services connects the receiver of ``programme_completed``.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("certificates", __name__)


def init_app(app: Flask) -> None:
    from onboarding.certificates.cli import certificates
    from onboarding.certificates.services import certificates_of

    app.cli.add_command(certificates)
    # The person page (people area) shows a person's certificates without importing this area.
    app.add_template_global(certificates_of, "certificates_of")
