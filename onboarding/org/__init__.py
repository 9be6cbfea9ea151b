"""The organisation: units, their leaders, the people in them, and who may see whom."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("org", __name__)


def init_app(app: Flask) -> None:
    from onboarding.auth.models import Role
    from onboarding.core.nav import add_nav_item
    from onboarding.org import views  # noqa: F401  (the routes)

    app.register_blueprint(bp)
    add_nav_item(app, "org.units", _l("Units"), position=90, roles={Role.HR, Role.ADMIN})
