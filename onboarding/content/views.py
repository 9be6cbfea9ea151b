"""Lesson images, and HR's read-only view of the loaded programme."""

from __future__ import annotations

from flask import Response, abort, current_app, render_template
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from onboarding.auth.access import roles_required
from onboarding.auth.models import Role
from onboarding.content import bp
from onboarding.content.models import ContentAsset, Lesson, Module, ModuleVersion, Programme
from onboarding.extensions import db


@bp.get("/assets/<digest>/<filename>")
@login_required
def asset(digest: str, filename: str) -> Response:
    """An image by its hash. Like every response for a signed-in person, it is not kept by
    the browser (``core.headers``)."""
    stored = db.session.scalar(select(ContentAsset).where(ContentAsset.sha256 == digest))
    if stored is None:
        abort(404)
    response = Response(stored.data, mimetype=stored.content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # An SVG opened on its own must not be able to run anything.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    return response


@bp.get("/")
@roles_required(Role.HR, Role.ADMIN)
def overview() -> str:
    programmes = list(
        db.session.scalars(
            select(Programme)
            .options(
                selectinload(Programme.modules)
                .selectinload(Module.current_version)
                .selectinload(ModuleVersion.lessons),
                selectinload(Programme.modules)
                .selectinload(Module.current_version)
                .selectinload(ModuleVersion.questions),
            )
            .order_by(Programme.title)
        )
    )
    return render_template("content/overview.html", programmes=programmes)


@bp.get("/<module_slug>/<lesson_slug>")
@roles_required(Role.HR, Role.ADMIN)
def lesson_preview(module_slug: str, lesson_slug: str) -> str:
    lesson = db.session.scalar(
        select(Lesson)
        .join(ModuleVersion, Lesson.version_id == ModuleVersion.id)
        .join(Module, Module.current_version_id == ModuleVersion.id)
        .where(Module.slug == module_slug, Module.active.is_(True), Lesson.slug == lesson_slug)
    )
    if lesson is None:
        abort(404)
    current_app.logger.debug("preview of %s/%s", module_slug, lesson_slug)
    return render_template("content/lesson_preview.html", lesson=lesson, version=lesson.version)
