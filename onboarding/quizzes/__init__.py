"""Quizzes (kunnskapstester): taking one, scoring it, and the review of an attempt."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("quizzes", __name__)


def init_app(app: Flask) -> None:
    from onboarding.quizzes import views  # noqa: F401  (the routes)

    app.register_blueprint(bp)
