"""The new employee's journey: «Min introduksjon», lessons, reflections, progress.

The views (and with them the signal receivers in ``services``) are imported when the app
registers the blueprint, so that other areas can import this area's models freely.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("learning", __name__)
