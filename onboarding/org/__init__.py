"""The organisation: units, their leaders, the people in them, and who may see whom."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("org", __name__)

from onboarding.org import views  # noqa: E402,F401
