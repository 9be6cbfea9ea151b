"""Leaders' and HR's overview of the programme: dashboards, the cohort funnel and exports.

The views are imported when the app registers the blueprint (see ``learning``).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__)
