"""Personal data: what a person can download about themselves, and anonymising people who
left long ago. Reads every area's records, so it sits at the top with reports."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("privacy", __name__)


def init_app(app: Flask) -> None:
    from onboarding.privacy import views  # noqa: F401  (the routes)

    app.register_blueprint(bp)
