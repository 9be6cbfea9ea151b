"""Leaders' and HR's overview of the programme: dashboards, the cohort funnel and exports."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("reports", __name__)


def init_app(app: Flask) -> None:
    from onboarding.auth.models import Role
    from onboarding.core.nav import add_nav_item
    from onboarding.reports import views  # noqa: F401  (the routes)

    app.register_blueprint(bp)
    hr = {Role.HR, Role.ADMIN}
    add_nav_item(app, "reports.work", _l("To do"), position=10, roles=hr)
    add_nav_item(app, "reports.team", _l("My employees"), position=30, roles={Role.LEADER})
    add_nav_item(app, "reports.overview", _l("Overview"), position=50, roles=hr)
    add_nav_item(app, "reports.system", _l("System"), position=130, roles={Role.ADMIN})
