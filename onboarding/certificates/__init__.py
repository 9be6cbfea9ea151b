"""Certificates (kursbevis): issued when the programme is complete, verified by anyone,
managed by HR."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("certificates", __name__)


def init_app(app: Flask) -> None:
    from onboarding.auth.models import Role
    from onboarding.certificates import views
    from onboarding.certificates.cli import certificates
    from onboarding.certificates.completion import on_modules_completed, on_session_attended
    from onboarding.certificates.services import certificates_of
    from onboarding.core.hooks import add_cohort_section, add_home_card
    from onboarding.core.nav import add_nav_item
    from onboarding.signals import modules_completed, session_attended

    app.register_blueprint(bp)
    # The programme is complete when both halves are: the modules, and the session.
    modules_completed.connect(on_modules_completed)
    session_attended.connect(on_session_attended)
    app.cli.add_command(certificates)
    add_nav_item(
        app, "certificates.register", _l("Certificates"), position=80, roles={Role.HR, Role.ADMIN}
    )
    add_home_card(app, views.certificate_card, position=10)
    add_cohort_section(app, views.cohort_downloads)
    # The person page (people area) shows a person's certificates without importing this area.
    app.add_template_global(certificates_of, "certificates_of")
