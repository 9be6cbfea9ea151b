"""The attendance register and self check-in: who came to the samling."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("attendance", __name__)


def init_app(app: Flask) -> None:
    from onboarding.attendance import views  # noqa: F401  (the routes)
    from onboarding.attendance.models import AttendanceStatus
    from onboarding.attendance.services import facilitates_sessions, void_marks_left_behind
    from onboarding.audit.services import describe_values
    from onboarding.core.nav import add_nav_item
    from onboarding.signals import place_leaving

    app.register_blueprint(bp)
    # A person moved out of a session keeps no mark in it (or is not moved: they attended).
    place_leaving.connect(void_marks_left_behind)
    describe_values(app, "status", {status.value: status.label for status in AttendanceStatus})
    add_nav_item(
        app,
        "attendance.my_sessions",
        _l("My sessions"),
        position=40,
        condition=facilitates_sessions,
    )
