"""The organisation: units, their leaders, the people in them, and who may see whom.

The views are imported when the app registers the blueprint (see ``learning``).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("org", __name__)
