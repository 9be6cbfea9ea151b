"""People for HR: the list and person pages, and the import of new hires from the HR system.

The views are imported when the app registers the blueprint (see ``learning``).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("people", __name__)
