"""People from the HR system: HR imports new hires and changes from a CSV or Excel export.

The views are imported when the app registers the blueprint (see ``learning``).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("people", __name__, url_prefix="/import")
