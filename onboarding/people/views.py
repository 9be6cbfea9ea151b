"""HR's import of new hires: upload a file, see the preview, import."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from onboarding.auth.access import roles_required
from onboarding.auth.models import Role
from onboarding.core.tables import XLSX_TYPE, csv_download
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.people import bp
from onboarding.people.forms import ApplyForm, UploadForm
from onboarding.people.import_apply import (
    UNIMPORTED_FILES_KEPT,
    AlreadyApplied,
    PlanChanged,
    apply_batch,
    create_batch,
    preview_batch,
    recent_batches,
)
from onboarding.people.import_plan import ImportPlan
from onboarding.people.import_result import import_result
from onboarding.people.models import ImportBatch
from onboarding.people.reader import (
    DESCRIPTIONS,
    HEADINGS,
    LABELS,
    MAX_FILE_BYTES,
    REQUIRED,
    FileProblem,
)
from onboarding.people.template import (
    FILENAME,
    csv_row,
    example_row,
    template_header,
    template_workbook,
)


def _upload_page(form: UploadForm, status: int = 200) -> tuple[str, int]:
    return render_template(
        "people/upload.html",
        form=form,
        recent=recent_batches(),
        headings=HEADINGS,
        labels=LABELS,
        descriptions=DESCRIPTIONS,
        required=REQUIRED,
    ), status


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.HR, Role.ADMIN)
def upload() -> Response | tuple[str, int]:
    form = UploadForm()
    if form.validate_on_submit():
        storage = form.file.data
        assert storage is not None  # FileRequired
        try:
            batch = create_batch(storage.filename or "", storage.read(), current_user)
        except FileProblem as problem:
            db.session.rollback()
            form.file.errors = [str(problem)]
        else:
            db.session.commit()
            return redirect(url_for(".batch", batch_id=batch.id))
    return _upload_page(form, 400 if form.errors else 200)


@bp.get("/import/template.<any(csv, xlsx):kind>")
@roles_required(Role.HR, Role.ADMIN)
def template(kind: str) -> Response:
    """The file to fill in: the accepted headings and a made-up person on the signed-in
    person's e-mail domain, in one of the organisation's units."""
    row = example_row(current_user.email.rpartition("@")[2], local_today())
    if kind == "csv":
        return csv_download(f"{FILENAME}.csv", template_header(), [csv_row(row)])
    return send_file(
        io.BytesIO(template_workbook(row)),
        mimetype=XLSX_TYPE,
        as_attachment=True,
        download_name=f"{FILENAME}.xlsx",
    )


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
    batch = db.get_or_404(ImportBatch, batch_id)
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
def batch(batch_id: int) -> Response | str | tuple[str, int]:
    batch = _batch_or_404(batch_id)
    if batch.applied_at is not None:
        return redirect(url_for(".result", batch_id=batch.id))
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
    flash(
        _(
            "The file is imported: %(created)d new and %(updated)d changed.",
            created=report.created,
            updated=report.updated,
        ),
        "success",
    )
    return redirect(url_for(".result", batch_id=batch_id))


@bp.get("/import/<int:batch_id>/result")
@roles_required(Role.HR, Role.ADMIN)
def result(batch_id: int) -> Response | str:
    """What the import did, for as long as the batch keeps its rows."""
    batch = _batch_or_404(batch_id)
    if batch.applied_at is None:
        return redirect(url_for(".batch", batch_id=batch.id))
    return render_template(
        "people/result.html",
        batch=batch,
        result=import_result(batch),
        kept_days=UNIMPORTED_FILES_KEPT.days,
    )
