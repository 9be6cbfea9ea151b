"""Cohorts (kull): planning the twice-yearly sessions and who is in them."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("cohorts", __name__)


def init_app(app: Flask) -> None:
    from onboarding.auth.models import Role
    from onboarding.cohorts import services, views
    from onboarding.core.hooks import add_home_card, add_session_day
    from onboarding.core.nav import add_nav_item

    app.register_blueprint(bp)
    add_nav_item(app, "cohorts.cohorts", _l("Cohorts"), position=70, roles={Role.HR, Role.ADMIN})
    add_home_card(app, views.cohort_card, position=20)
    # The learner's deadline waits for the day of their session.
    add_session_day(app, services.session_day)
