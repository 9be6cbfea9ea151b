"""Sign-in: passwords, sessions, reset and invitation links, language choice."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from onboarding.extensions import db, login_manager

bp = Blueprint("auth", __name__)


def init_app(app: Flask) -> None:
    from onboarding.auth import sso
    from onboarding.auth.models import User

    sso.init_app(app)

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Sign in to see that page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_token: str) -> User | None:
        # Every request of a signed-in person starts here: one query, roles and led units
        # joined, rather than one for the person and one for each of those.
        return (
            db.session.scalars(
                select(User)
                .where(User.session_token == session_token, User.active.is_(True))
                .options(joinedload(User.role_links), joinedload(User.led_units))
            )
            .unique()
            .one_or_none()
        )


from onboarding.auth import views  # noqa: E402,F401
