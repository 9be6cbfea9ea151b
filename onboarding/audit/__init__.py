"""The audit history: who among HR and the administrators changed what, when, from what to what.

Every area above it records its HR and admin actions here. Nothing in the application edits
or deletes an entry.
"""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("audit", __name__)


def init_app(app: Flask) -> None:
    from onboarding.audit import views  # noqa: F401  (the routes)
    from onboarding.audit.services import record_account_linked
    from onboarding.auth.models import Role
    from onboarding.core.nav import add_nav_item
    from onboarding.signals import account_linked

    app.register_blueprint(bp)
    account_linked.connect(record_account_linked)
    add_nav_item(
        app, "audit.history", _l("Audit history"), position=120, roles={Role.HR, Role.ADMIN}
    )
