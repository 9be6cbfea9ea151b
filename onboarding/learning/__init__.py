"""The new employee's journey: «Min introduksjon», lessons, reflections, progress, and the
records of their quiz attempts."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("learning", __name__)


def init_app(app: Flask) -> None:
    from onboarding.auth.sessions import keep_at_sign_in
    from onboarding.core.nav import add_nav_item
    from onboarding.learning import reflection_views, views  # noqa: F401  (the routes)
    from onboarding.learning.reflection_views import UNSAVED_KEY
    from onboarding.learning.services import is_eligible

    app.register_blueprint(bp)
    add_nav_item(app, "learning.home", _l("My introduction"), position=20)
    # Who takes the programme, for pages of areas above (the people list).
    app.add_template_global(is_eligible)
    # A reflection written while the sign-in ran out waits in the session for the next
    # sign-in, which otherwise starts a new, empty session.
    keep_at_sign_in(app, UNSAVED_KEY)
