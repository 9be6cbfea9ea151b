"""Personal data: what a person can download about themselves, and anonymising people who
left long ago. Reads every area's records, so it sits at the top with reports.

The views are imported when the app registers the blueprint (see ``learning``).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("privacy", __name__)
