"""People for HR: the list and person pages, and the import of new hires from the HR system."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("people", __name__)


def init_app(app: Flask) -> None:
    from onboarding.auth.models import Role
    from onboarding.core.nav import add_nav_item
    from onboarding.people import directory_views, views  # noqa: F401  (the routes)

    app.register_blueprint(bp)
    hr = {Role.HR, Role.ADMIN}
    add_nav_item(app, "people.people", _l("People"), position=60, roles=hr)
    add_nav_item(app, "people.upload", _l("Import"), position=100, roles=hr)
