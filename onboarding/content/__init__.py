"""Content: the programme as files in ``courses/``, checked, versioned and loaded."""

from __future__ import annotations

from flask import Blueprint

from onboarding.content.translations import all_translated

bp = Blueprint("content", __name__, url_prefix="/content")
# Pages say when some of their content is shown in bokmål for want of a translation.
bp.add_app_template_global(all_translated)

from onboarding.content import views  # noqa: E402,F401
