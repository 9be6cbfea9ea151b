"""HR's import of new hires: upload a file, see the preview, import."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from onboarding.auth.access import roles_required
from onboarding.auth.models import Role
from onboarding.extensions import db
from onboarding.people import bp
from onboarding.people.forms import ApplyForm, UploadForm
from onboarding.people.models import ImportBatch
from onboarding.people.reader import HEADINGS, LABELS, MAX_FILE_BYTES, REQUIRED, FileProblem
from onboarding.people.services import (
    AlreadyApplied,
    ImportPlan,
    PlanChanged,
    apply_batch,
    create_batch,
    deliver_import_emails,
    preview_batch,
    recent_batches,
)


def _upload_page(form: UploadForm, status: int = 200) -> tuple[str, int]:
    return render_template(
        "people/upload.html",
        form=form,
        recent=recent_batches(),
        headings=HEADINGS,
        labels=LABELS,
        required=REQUIRED,
    ), status


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.HR, Role.ADMIN)
def upload() -> Response | tuple[str, int]:
    form = UploadForm()
    if form.validate_on_submit():
        storage = form.file.data
        try:
            batch = create_batch(storage.filename or "", storage.read(), current_user)
        except FileProblem as problem:
            db.session.rollback()
            form.file.errors = [str(problem)]
        else:
            db.session.commit()
            return redirect(url_for(".batch", batch_id=batch.id))
    return _upload_page(form, 400 if form.errors else 200)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error: RequestEntityTooLarge) -> tuple[str, int]:
    """Werkzeug refuses the body before the view runs; say so next to the file field."""
    # The page's other forms (the language choice) read the request's form data; let
    # them find it empty instead of refusing the body a second time.
    request.__dict__.update(form=ImmutableMultiDict(), files=ImmutableMultiDict())
    form = UploadForm(formdata=None)
    form.file.errors = [
        _(
            "The file is larger than %(size)d MB. Split it into smaller files.",
            size=MAX_FILE_BYTES // (1024 * 1024),
        )
    ]
    return _upload_page(form, RequestEntityTooLarge.code)


def _batch_or_404(batch_id: int) -> ImportBatch:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        abort(404)
    return batch


def _preview_page(
    batch: ImportBatch, plan: ImportPlan, warning: str | None = None, status: int = 200
) -> tuple[str, int]:
    # formdata=None: after a refused import, show the new plan, not the one posted.
    form = ApplyForm(formdata=None, plan=plan.fingerprint)
    return render_template(
        "people/preview.html", batch=batch, plan=plan, form=form, warning=warning
    ), status


@bp.get("/import/<int:batch_id>")
@roles_required(Role.HR, Role.ADMIN)
def batch(batch_id: int) -> str | tuple[str, int]:
    batch = _batch_or_404(batch_id)
    if batch.applied_at is not None:
        return render_template("people/result.html", batch=batch)
    try:
        plan = preview_batch(batch)
    except FileProblem as problem:  # stored before a rule changed; cannot be imported
        return render_template("people/unreadable.html", batch=batch, problem=str(problem)), 422
    return _preview_page(batch, plan)


@bp.post("/import/<int:batch_id>")
@roles_required(Role.HR, Role.ADMIN)
def apply(batch_id: int) -> Response | tuple[str, int]:
    batch = _batch_or_404(batch_id)
    form = ApplyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        report = apply_batch(batch, current_user._get_current_object(), form.plan.data or "")
    except AlreadyApplied as refused:
        db.session.rollback()
        flash(str(refused), "info")
        return redirect(url_for(".batch", batch_id=batch_id))
    except PlanChanged as changed:
        db.session.rollback()
        return _preview_page(batch, changed.plan, warning=str(changed), status=409)
    except FileProblem as problem:
        db.session.rollback()
        return render_template("people/unreadable.html", batch=batch, problem=str(problem)), 422
    db.session.commit()
    deliver_import_emails(report.notification_ids)
    flash(
        _(
            "The file is imported: %(created)d new and %(updated)d changed.",
            created=report.created,
            updated=report.updated,
        ),
        "success",
    )
    return redirect(url_for(".batch", batch_id=batch_id))
