"""Content: the programme as files in ``courses/``, checked, versioned and loaded."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("content", __name__, url_prefix="/content")


def init_app(app: Flask) -> None:
    from onboarding.auth.models import Role
    from onboarding.content import views  # noqa: F401  (the routes)
    from onboarding.content.localised import all_translated
    from onboarding.core.nav import add_nav_item

    app.register_blueprint(bp)
    # Pages say when some of their content is shown in bokmål for want of a translation.
    app.add_template_global(all_translated)
    add_nav_item(app, "content.overview", _l("Content"), position=110, roles={Role.HR, Role.ADMIN})
