"""Certificate pages: the public check, downloads, and HR's register, revocation and new issue."""

from __future__ import annotations

import re
import unicodedata

from flask import Response as FlaskResponse
from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from onboarding.auth.access import roles_required
from onboarding.auth.models import Role, User
from onboarding.certificates import bp
from onboarding.certificates.codes import format_code
from onboarding.certificates.forms import ReissueForm, RevokeForm, VerifyForm
from onboarding.certificates.models import Certificate
from onboarding.certificates.register import (
    STATUSES,
    RegisterFilters,
    cohorts_of,
    register_query,
    register_rows,
)
from onboarding.certificates.services import (
    CertificateError,
    Verification,
    VerificationStatus,
    can_download,
    certificate_pdf,
    certificates_of,
    cohort_certificates,
    count_cohort_certificates,
    file_name,
    merged_pdf,
    notify_holder,
    reissue_certificate,
    revoke_certificate,
    verify,
    zip_of,
)
from onboarding.cohorts.models import Cohort
from onboarding.core.filters import NO_SUCH_COHORT, NO_SUCH_STATUS, ListArguments
from onboarding.core.hooks import Card
from onboarding.core.ids import page_number
from onboarding.core.tables import csv_download
from onboarding.extensions import db, limiter

HR = (Role.HR, Role.ADMIN)
PAGE_SIZE = 50


# -- public verification -------------------------------------------------------------------


def _verification_limit() -> str:
    return str(current_app.config["CERTIFICATE_VERIFY_RATE_LIMIT"])


def _no_code_given() -> bool:
    """Opening the empty form is not a look-up, so it does not count."""
    return request.endpoint == "certificates.verify" and not request.args.get("code")


# One budget per client for both addresses, so neither can be used to go round the other.
verification_limit = limiter.shared_limit(
    _verification_limit, scope="certificate-verification", exempt_when=_no_code_given
)


def _verification_page(form: VerifyForm, result: Verification | None) -> Response:
    status = 400 if form.errors else 200
    if result is not None and result.status is VerificationStatus.UNKNOWN:
        status = 404
    response = make_response(
        render_template("certificates/verify.html", form=form, result=result), status
    )
    # A revocation must show at once: no cache may keep an earlier answer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/verify", endpoint="verify")
@verification_limit
def verify_form() -> Response:
    """The form; with ``?code=`` it also shows the answer."""
    form = VerifyForm(formdata=request.args if "code" in request.args else None)
    result = None
    if "code" in request.args and form.validate():
        result = verify(form.code.data or "")
    return _verification_page(form, result)


@bp.get("/verify/<path:code>")
@verification_limit
def verify_code(code: str) -> Response:
    """The address in the QR code: the answer for one code."""
    form = VerifyForm(formdata=None, code=code[:64])
    return _verification_page(form, verify(code))


# -- downloads -----------------------------------------------------------------------------


def _pdf_response(body: bytes, filename: str, mimetype: str = "application/pdf") -> Response:
    return FlaskResponse(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.get("/certificates/<int:certificate_id>.pdf")
@login_required
def download(certificate_id: int) -> Response:
    """The holder, their leaders and HR download it; to anyone else it does not exist."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or not can_download(current_user._get_current_object(), certificate):
        abort(404)
    pdf = certificate_pdf(certificate)
    db.session.commit()  # keep the rendered PDF for the next download
    return _pdf_response(pdf, file_name(certificate))


def certificate_card(user: User) -> Card | None:
    if not user.has_role(Role.EMPLOYEE):
        return None
    certificates = certificates_of(user)
    certificate = certificates[0] if certificates else None
    return Card(
        "certificates/_home_card.html",
        {
            "certificate": certificate,
            "code": format_code(certificate.code) if certificate else None,
        },
    )


# -- HR: the register ----------------------------------------------------------------------


def _register_filters(*, page: bool = True) -> tuple[RegisterFilters, list[Cohort]]:
    """The register's filters; what is ignored is said on the page (not on a download)."""
    cohorts = list(db.session.scalars(select(Cohort).order_by(Cohort.name)))
    args = ListArguments(request.args)
    filters = RegisterFilters(
        search=args.search(),
        cohort_id=args.id("cohort", {c.id for c in cohorts}, NO_SUCH_COHORT),
        status=args.choice("status", STATUSES, NO_SUCH_STATUS),
        issued_from=args.day("from"),
        issued_to=args.day("to"),
    )
    if page:
        args.flash_notices()
    return filters, cohorts


def _arguments(filters: RegisterFilters) -> dict[str, object]:
    return {
        "q": filters.search or None,
        "cohort": filters.cohort_id,
        "status": filters.status or None,
        "from": filters.issued_from.isoformat() if filters.issued_from else None,
        "to": filters.issued_to.isoformat() if filters.issued_to else None,
    }


@bp.get("/certificates")
@roles_required(*HR)
def register() -> str:
    filters, cohorts = _register_filters()
    page = db.paginate(
        register_query(filters), page=page_number(), per_page=PAGE_SIZE, error_out=False
    )
    return render_template(
        "certificates/register.html",
        page=page,
        cohorts=cohorts,
        filters=filters,
        arguments=_arguments(filters),
        cohort_of=cohorts_of(list(page.items)),
        format_code=format_code,
    )


@bp.get("/certificates/register.csv")
@roles_required(*HR)
def register_export() -> Response:
    filters, _cohorts = _register_filters(page=False)
    header, rows = register_rows(list(db.session.scalars(register_query(filters))))
    return csv_download("kursbevis.csv", header, rows)


def _certificate_or_404(certificate_id: int) -> Certificate:
    certificate = db.get_or_404(Certificate, certificate_id)
    return certificate


def _detail_page(certificate: Certificate) -> str:
    return render_template(
        "certificates/detail.html",
        certificate=certificate,
        code=format_code(certificate.code),
        others=[c for c in certificates_of(certificate.user) if c.id != certificate.id],
        reissue_form=ReissueForm(formdata=None),
        format_code=format_code,
    )


@bp.get("/certificates/<int:certificate_id>")
@roles_required(*HR)
def detail(certificate_id: int) -> str:
    return _detail_page(_certificate_or_404(certificate_id))


def _revoke_page(certificate: Certificate, form: RevokeForm, status: int) -> tuple[str, int]:
    return render_template(
        "certificates/revoke.html",
        certificate=certificate,
        code=format_code(certificate.code),
        form=form,
    ), status


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["GET", "POST"])
@roles_required(*HR)
def revoke(certificate_id: int) -> Response | tuple[str, int]:
    """A page of its own that says what revoking does and asks for the reason; only its
    form revokes."""
    certificate = _certificate_or_404(certificate_id)
    if certificate.revoked_at is not None:  # a double click, a second tab or an old link
        flash(_("The certificate is already revoked."), "info")
        return redirect(url_for(".detail", certificate_id=certificate.id))
    form = RevokeForm()
    if request.method == "GET":
        return _revoke_page(certificate, form, 200)
    if form.validate_on_submit():
        try:
            revoke_certificate(
                certificate, current_user._get_current_object(), form.reason.data or ""
            )
        except CertificateError as error:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(error)]
        else:
            db.session.commit()
            flash(
                _(
                    "The certificate %(code)s is revoked. Checking it now shows that it is "
                    "revoked.",
                    code=format_code(certificate.code),
                ),
                "success",
            )
            return redirect(url_for(".detail", certificate_id=certificate.id))
    return _revoke_page(certificate, form, 400)


@bp.post("/certificates/<int:certificate_id>/reissue")
@roles_required(*HR)
def reissue(certificate_id: int) -> Response:
    certificate = _certificate_or_404(certificate_id)  # CSRFProtect checked the token
    try:
        new = reissue_certificate(certificate, current_user._get_current_object())
    except CertificateError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".detail", certificate_id=certificate.id))
    notify_holder(new)
    db.session.commit()
    flash(
        _(
            "A new certificate is issued with the code %(code)s, and %(name)s gets an e-mail.",
            code=format_code(new.code),
            name=new.holder_name,
        ),
        "success",
    )
    return redirect(url_for(".detail", certificate_id=new.id))


# -- HR: a cohort's certificates at once -----------------------------------------------------


def cohort_downloads(cohort: Cohort) -> Card:
    return Card(
        "certificates/_cohort_downloads.html",
        {"cohort": cohort, "count": count_cohort_certificates(cohort)},
    )


def _cohort_and_certificates(cohort_id: int) -> tuple[Cohort, list[Certificate]]:
    cohort = db.get_or_404(Cohort, cohort_id)
    return cohort, cohort_certificates(cohort)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "kull"


def _nothing_to_download(cohort: Cohort) -> Response:
    flash(_("No one in %(cohort)s has a valid certificate yet.", cohort=cohort.name), "info")
    return redirect(url_for(".register", cohort=cohort.id))


@bp.get("/cohorts/<int:cohort_id>/certificates.zip")
@roles_required(*HR)
def cohort_zip(cohort_id: int) -> Response:
    """Every valid certificate of the cohort, a PDF each, in one ZIP."""
    cohort, certificates = _cohort_and_certificates(cohort_id)
    if not certificates:
        return _nothing_to_download(cohort)
    body = zip_of(certificates)
    db.session.commit()  # keep what was rendered
    return _pdf_response(body, f"kursbevis-{_slug(cohort.name)}.zip", "application/zip")


@bp.get("/cohorts/<int:cohort_id>/certificates.pdf")
@roles_required(*HR)
def cohort_pdf(cohort_id: int) -> Response:
    """Every valid certificate of the cohort in one PDF, for printing."""
    cohort, certificates = _cohort_and_certificates(cohort_id)
    if not certificates:
        return _nothing_to_download(cohort)
    body = merged_pdf(certificates)
    db.session.commit()
    return _pdf_response(body, f"kursbevis-{_slug(cohort.name)}.pdf")
