"""Content: the programme as files in ``courses/``, checked, versioned and loaded."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("content", __name__, url_prefix="/content")

from onboarding.content import views  # noqa: E402,F401
