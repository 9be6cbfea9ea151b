"""Quizzes (kunnskapstester): attempts, scoring and results.

The views are imported when the app registers the blueprint (see ``learning``).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("quizzes", __name__)
