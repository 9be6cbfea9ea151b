"""The audit history: who among HR and the administrators changed what, when, from what to what.

A foundation area: every other area records its HR and admin actions here. Nothing in the
application edits or deletes an entry. The views are imported when the app registers the
blueprint (see ``learning``).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("audit", __name__)
