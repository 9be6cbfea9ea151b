"""The attendance register, self check-in, and completion that needs attendance.

The views are imported when the app registers the blueprint (see ``learning``).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("attendance", __name__)
