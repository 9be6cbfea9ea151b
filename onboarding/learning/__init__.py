"""The new employee's journey: «Min introduksjon», lessons, reflections, progress.

The views (and with them the signal receivers in ``services``) are imported when the app
registers the blueprint, so that other areas can import this area's models freely.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("learning", __name__)


def init_app(app: Flask) -> None:
    from onboarding.auth.sessions import keep_at_sign_in
    from onboarding.learning.views import UNSAVED_KEY

    # A reflection written while the sign-in ran out waits in the session for the next
    # sign-in, which otherwise starts a new, empty session.
    keep_at_sign_in(app, UNSAVED_KEY)
