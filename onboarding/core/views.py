"""Pages every installation has: the health check and the accessibility statement."""

from __future__ import annotations

from datetime import date

from flask import current_app, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from onboarding.core import bp
from onboarding.extensions import db


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the app and its database answer, 503 when the database does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.error("health check: database unavailable: %s", error)
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok"), 200


# The day the statement was last assessed against the automated and manual checks.
ACCESSIBILITY_ASSESSED = date(2026, 11, 27)


@bp.get("/accessibility")
def accessibility() -> str:
    return render_template("core/accessibility.html", assessed=ACCESSIBILITY_ASSESSED)
