"""Cohorts (kull): planning the twice-yearly sessions and who is in them.

The views are imported when the app registers the blueprint (see ``learning``).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("cohorts", __name__)
