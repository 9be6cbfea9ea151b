"""Sign-in: passwords, sessions, reset and invitation links, language choice."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

from onboarding.extensions import login_manager

bp = Blueprint("auth", __name__)


def init_app(app: Flask) -> None:
    from onboarding.auth import sessions, sso, views  # noqa: F401  (views: the routes)
    from onboarding.auth.models import User

    app.register_blueprint(bp)
    sso.init_app(app)

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Sign in to see that page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(token: str) -> User | None:
        return sessions.user_for_token(token)
