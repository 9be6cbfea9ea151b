"""Certificates: issued on completion, verified by code, revoked and issued anew by HR,
downloaded one by one or for a whole cohort, and listed in HR's register.

Issuing runs inside the completing request's transaction (``completion``); like every
service here it flushes and never commits.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from pypdf import PdfReader, PdfWriter
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload, undefer

from onboarding import dates
from onboarding.attendance.models import ATTENDED, Attendance
from onboarding.audit import services as audit
from onboarding.auth.models import Role, User
from onboarding.certificates.codes import format_code, new_code, normalise_code
from onboarding.certificates.models import Certificate
from onboarding.certificates.pdf import (
    CertificateDetails,
    ModuleLine,
    SessionLine,
    render_certificate,
)
from onboarding.cohorts.models import Cohort, CohortMember, CohortSession
from onboarding.content.models import Module
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.learning.models import Enrolment, ModuleCompletion
from onboarding.notifications.models import Notification
from onboarding.notifications.services import queue_email
from onboarding.org.services import can_view_person
from onboarding.urls import external_url

MAX_REASON = 500
_CODE_ATTEMPTS = 5


class CertificateError(ValueError):
    """A change the rules do not allow; the message is for the user."""


# -- issuing -------------------------------------------------------------------------------


def issue_certificate(
    enrolment: Enrolment, by: User | None = None, replaces: Certificate | None = None
) -> Certificate | None:
    """Issue the certificate for a completed enrolment, or None when the person already
    has a valid one for the programme.

    The partial unique index decides, not a check before the insert, so two completions
    at the same moment (two requests, two app servers) issue exactly one certificate.
    """
    if enrolment.completed_at is None:
        raise CertificateError(
            _("%(name)s has not completed the programme.", name=enrolment.user.full_name)
        )
    person, programme = enrolment.user, enrolment.programme
    config = current_app.config
    language = person.language if person.language in config["LANGUAGES"] else "nb"
    # The certificate is in the holder's language, programme title included.
    with force_locale(language):
        programme_title = programme.title
    for _attempt in range(_CODE_ATTEMPTS):
        certificate = Certificate(
            user_id=person.id,
            programme_id=programme.id,
            code=new_code(),
            holder_name=person.full_name,
            programme_title=programme_title,
            language=language,
            signatory_name=config["CERTIFICATE_SIGNATORY_NAME"],
            signatory_title=config["CERTIFICATE_SIGNATORY_TITLE"],
            issued_by_id=by.id if by else None,
            replaces_id=replaces.id if replaces else None,
        )
        try:
            with db.session.begin_nested():
                db.session.add(certificate)
        except IntegrityError:
            if valid_certificate(person.id, programme.id) is not None:
                return None  # already issued, perhaps by a concurrent completion
            continue  # the random code was taken (about never, at 60 bits): draw again
        return certificate
    raise RuntimeError("could not draw an unused certificate code")


def notify_holder(certificate: Certificate) -> Notification | None:
    """Queue the e-mail telling the holder their certificate is ready (not to the inactive)."""
    person = certificate.user
    if not person.active:
        return None
    return queue_email(
        "certificate_issued",
        person,
        "certificate_issued",
        certificate=certificate,
        code=format_code(certificate.code),
        link=external_url("certificates.download", certificate_id=certificate.id),
        verify_link=external_url("certificates.verify_code", code=certificate.code),
    )


def issue_missing() -> list[Certificate]:
    """Issue certificates for completed enrolments that never had one (for example,
    completed before certificates existed). Revoked ones are left to HR."""
    enrolments = db.session.scalars(
        select(Enrolment)
        .where(
            Enrolment.completed_at.is_not(None),
            ~select(Certificate.id)
            .where(
                Certificate.user_id == Enrolment.user_id,
                Certificate.programme_id == Enrolment.programme_id,
            )
            .exists(),
        )
        .options(joinedload(Enrolment.user), joinedload(Enrolment.programme))
    ).all()
    issued = []
    for enrolment in enrolments:
        certificate = issue_certificate(enrolment)
        if certificate is not None:
            issued.append(certificate)
    return issued


# -- reading -------------------------------------------------------------------------------


def valid_certificate(user_id: int, programme_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate).where(
            Certificate.user_id == user_id,
            Certificate.programme_id == programme_id,
            Certificate.revoked_at.is_(None),
        )
    )


def certificates_of(person: User) -> list[Certificate]:
    """Every certificate of ``person``, valid ones first, then newest first."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == person.id)
            .order_by(
                Certificate.revoked_at.is_not(None),
                Certificate.issued_at.desc(),
                Certificate.id.desc(),
            )
        )
    )


def can_download(viewer: User | None, certificate: Certificate) -> bool:
    """HR and admin download any certificate; the holder and their leaders a valid one."""
    if viewer is None or not viewer.is_authenticated or not viewer.active:
        return False
    if viewer.has_role(Role.HR, Role.ADMIN):
        return True
    return certificate.is_valid and can_view_person(viewer, certificate.user)


# -- verification --------------------------------------------------------------------------


class VerificationStatus(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Verification:
    """What the public verification page may show, and nothing more about the person."""

    status: VerificationStatus
    holder_name: str | None = None
    programme_title: str | None = None
    issued_at: datetime | None = None
    revoked_at: datetime | None = None


def verify(text: str) -> Verification:
    """Look up a typed or scanned code. A malformed code is simply unknown, and nothing
    tells whether a code close to it exists."""
    code = normalise_code(text)
    if code is None:
        return Verification(VerificationStatus.UNKNOWN)
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code))
    if certificate is None:
        return Verification(VerificationStatus.UNKNOWN)
    return Verification(
        VerificationStatus.VALID if certificate.is_valid else VerificationStatus.REVOKED,
        holder_name=certificate.holder_name,
        programme_title=certificate.programme_title,
        issued_at=certificate.issued_at,
        revoked_at=certificate.revoked_at,
    )


# -- HR: revoke and issue anew ---------------------------------------------------------------


def revoke_certificate(certificate: Certificate, by: User, reason: str) -> None:
    """Revoke a certificate, keeping who, when and why. The code then verifies as revoked."""
    reason = reason.strip()
    if not reason:
        raise CertificateError(_("Give the reason for revoking the certificate."))
    if len(reason) > MAX_REASON:
        raise CertificateError(_("The reason can be at most %(max)d characters.", max=MAX_REASON))
    if certificate.revoked_at is not None:
        raise CertificateError(_("The certificate is already revoked."))
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = by.id
    certificate.revoke_reason = reason
    db.session.flush()
    code = format_code(certificate.code)
    audit.record(
        by,
        "certificate.revoked",
        audit.person(certificate.user),
        {"code": code, "revoked": False},
        {"code": code, "revoked": True, "reason": reason},
    )


def reissue_certificate(certificate: Certificate, by: User) -> Certificate:
    """A new certificate, with a new code and today's details, in place of a revoked one."""
    if certificate.revoked_at is None:
        raise CertificateError(_("Revoke the certificate before you issue a new one."))
    enrolment = db.session.scalar(
        select(Enrolment).where(
            Enrolment.user_id == certificate.user_id,
            Enrolment.programme_id == certificate.programme_id,
        )
    )
    if enrolment is None or enrolment.completed_at is None:
        raise CertificateError(
            _("%(name)s has not completed the programme.", name=certificate.user.full_name)
        )
    new = issue_certificate(enrolment, by=by, replaces=certificate)
    if new is None:
        raise CertificateError(
            _("%(name)s already has a valid certificate.", name=certificate.user.full_name)
        )
    audit.record(
        by,
        "certificate.reissued",
        audit.person(certificate.user),
        {"code": format_code(certificate.code)},
        {"code": format_code(new.code)},
    )
    return new


# -- the PDF -------------------------------------------------------------------------------


def details_for(certificates: Sequence[Certificate]) -> dict[int, CertificateDetails]:
    """The modules completed (with dates) and the session attended, for each certificate;
    three queries however many certificates there are."""
    if not certificates:
        return {}
    user_ids = {c.user_id for c in certificates}
    programme_ids = {c.programme_id for c in certificates}
    # Module titles in the language of each holder's certificate.
    languages = {(c.user_id, c.programme_id): c.language or "nb" for c in certificates}
    modules: dict[tuple[int, int], list[ModuleLine]] = {}
    for completion, programme_id in db.session.execute(
        select(ModuleCompletion, Module.programme_id)
        .join(Module, ModuleCompletion.module_id == Module.id)
        .where(
            ModuleCompletion.user_id.in_(user_ids),
            Module.programme_id.in_(programme_ids),
        )
        .options(selectinload(ModuleCompletion.version))
        .order_by(Module.position, Module.id)
    ):
        key = (completion.user_id, programme_id)
        with force_locale(languages.get(key, "nb")):
            title = completion.version.title
        modules.setdefault(key, []).append(ModuleLine(title, completion.completed_at))
    sessions: dict[int, SessionLine] = {}
    for user_id, session, cohort_name in db.session.execute(
        select(Attendance.user_id, CohortSession, Cohort.name)
        .join(CohortSession, Attendance.session_id == CohortSession.id)
        .join(Cohort, CohortSession.cohort_id == Cohort.id)
        .where(
            Attendance.user_id.in_(user_ids),
            Attendance.status.in_(ATTENDED),
        )
        .order_by(CohortSession.starts_at)
    ):
        sessions[user_id] = SessionLine(cohort_name, session.starts_at, session.place)  # latest
    return {
        c.id: CertificateDetails(
            modules=modules.get((c.user_id, c.programme_id), []),
            session=sessions.get(c.user_id),
        )
        for c in certificates
    }


def ensure_pdfs(certificates: Sequence[Certificate]) -> None:
    """Render and keep the PDFs of those not rendered yet (one version, rendered once)."""
    missing = [c for c in certificates if c.pdf is None]
    if not missing:
        return
    details = details_for(missing)
    for certificate in missing:
        certificate.pdf = render_certificate(certificate, details[certificate.id])
        certificate.pdf_rendered_at = utcnow()
    db.session.flush()


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate's PDF: rendered the first time it is asked for, then kept."""
    ensure_pdfs([certificate])
    assert certificate.pdf is not None
    return certificate.pdf


def file_name(certificate: Certificate) -> str:
    """An ASCII file name: ``kursbevis-kari-nordmann-ABCD-EFGH-JKLM.pdf``."""
    ascii_name = (
        unicodedata.normalize("NFKD", certificate.holder_name).encode("ascii", "ignore").decode()
    )
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    parts = ["kursbevis", slug, format_code(certificate.code)]
    return "-".join(part for part in parts if part) + ".pdf"


# -- a cohort's certificates ---------------------------------------------------------------


def _valid_in_cohort(cohort: Cohort) -> Select[Certificate]:
    return (
        select(Certificate)
        .join(CohortMember, CohortMember.user_id == Certificate.user_id)
        .where(CohortMember.cohort_id == cohort.id, Certificate.revoked_at.is_(None))
    )


def cohort_certificates(cohort: Cohort) -> list[Certificate]:
    """The valid certificates of the cohort's members, by name."""
    return list(
        db.session.scalars(
            _valid_in_cohort(cohort)
            .join(User, Certificate.user_id == User.id)
            .order_by(User.last_name, User.first_name, Certificate.id)
            .options(undefer(Certificate.pdf))
        )
    )


def count_cohort_certificates(cohort: Cohort) -> int:
    """How many valid certificates the cohort's members hold: what its downloads hold."""
    query = _valid_in_cohort(cohort).with_only_columns(func.count(Certificate.id))
    return db.session.scalar(query) or 0


def zip_of(certificates: Sequence[Certificate]) -> bytes:
    """One ZIP with a PDF per certificate (stored as is: PDFs are compressed already)."""
    ensure_pdfs(certificates)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for certificate in certificates:
            assert certificate.pdf is not None
            stamp = dates.local(certificate.issued_at).timetuple()[:6]
            info = zipfile.ZipInfo(file_name(certificate), date_time=stamp)
            archive.writestr(info, certificate.pdf)
    return buffer.getvalue()


def merged_pdf(certificates: Sequence[Certificate]) -> bytes:
    """All the certificates as one PDF, a page each, for printing."""
    ensure_pdfs(certificates)
    writer = PdfWriter()
    for certificate in certificates:
        assert certificate.pdf is not None
        writer.append(PdfReader(io.BytesIO(certificate.pdf)))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
