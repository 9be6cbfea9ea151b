"""Pages of the shell: home, health check, accessibility statement, system information."""

from __future__ import annotations

from datetime import date

from flask import current_app, jsonify, render_template
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from onboarding.auth.access import roles_required
from onboarding.auth.models import Role, User
from onboarding.core import bp
from onboarding.extensions import db
from onboarding.notifications.models import Notification
from onboarding.org.models import OrgUnit


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


@bp.get("/system")
@roles_required(Role.ADMIN)
def system() -> str:
    """What an administrator needs to know about this installation."""
    config = current_app.config
    url = db.engine.url
    backend = url.get_backend_name()
    counts = {
        "users": db.session.scalar(select(func.count(User.id))),
        "active_users": db.session.scalar(select(func.count(User.id)).where(User.active.is_(True))),
        "units": db.session.scalar(select(func.count(OrgUnit.id))),
        "queued_mail": db.session.scalar(
            select(func.count(Notification.id)).where(Notification.sent_at.is_(None))
        ),
    }
    return render_template(
        "core/system.html",
        environment=config["ENV_NAME"],
        database=f"{backend} ({url.database if backend == 'sqlite' else url.host})",
        mail=config["MAIL_SERVER"] or None,
        outbox=config["MAIL_OUTBOX_DIR"],
        base_url=config["BASE_URL"],
        counts=counts,
    )
