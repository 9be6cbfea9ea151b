"""The certificate as a PDF: a Jinja template rendered by WeasyPrint, entirely offline.

It is rendered by ``core.pdf.html_to_pdf``, which fetches only files of the static folder
(the logo). The fonts are DejaVu, installed with the system (``fonts-dejavu-core``, see
scripts/system-deps), named by family: nothing is fetched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import segno
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from onboarding.certificates.codes import format_code
from onboarding.certificates.models import Certificate
from onboarding.core.pdf import html_to_pdf
from onboarding.i18n import babel_locale
from onboarding.urls import external_url


@dataclass(frozen=True)
class ModuleLine:
    title: str
    completed_at: datetime


@dataclass(frozen=True)
class SessionLine:
    cohort: str
    starts_at: datetime
    place: str


@dataclass
class CertificateDetails:
    """What the certificate lists besides its own fields: the modules and the session."""

    modules: list[ModuleLine] = field(default_factory=list)
    session: SessionLine | None = None


def verification_url(certificate: Certificate) -> str:
    return external_url("certificates.verify_code", code=certificate.code)


def qr_svg(url: str) -> str:
    """The QR code for ``url`` as inline SVG (vectors in the PDF)."""
    return str(
        segno.make(url, error="m").svg_inline(
            scale=3, title=_("QR code to check the certificate"), border=2
        )
    )


def name_size(name: str) -> str:
    """A font size that keeps the longest names (201 characters) on the one page."""
    length = len(name)
    if length <= 28:
        return "26pt"
    if length <= 42:
        return "20pt"
    if length <= 70:
        return "15pt"
    return "11pt"


def signatory_lines(certificate: Certificate) -> list[str]:
    """The signatory as printed: the name above the title. An installation that has not
    set the name prints the title alone, and a name that is only the title again is
    printed once."""
    name = certificate.signatory_name.strip()
    title = certificate.signatory_title.strip()
    if name.casefold() == title.casefold():
        name = ""
    return [line for line in (name, title) if line]


def certificate_html(certificate: Certificate, details: CertificateDetails) -> str:
    """The certificate's HTML, in the language it was issued in."""
    config = current_app.config
    url = verification_url(certificate)
    with force_locale(babel_locale(certificate.language or "nb")):
        return render_template(
            "certificates/certificate.html",
            certificate=certificate,
            details=details,
            lang=certificate.language or "nb",
            code=format_code(certificate.code),
            verify_url=url,
            qr=qr_svg(url),
            org=config["ORG_NAME"],
            logo=config["ORG_LOGO"],
            name_size=name_size(certificate.holder_name),
            signatory=signatory_lines(certificate),
            stamp=certificate.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )


def certificate_css() -> str:
    return render_template("certificates/certificate.css", colour=current_app.config["ORG_COLOUR"])


def render_certificate(certificate: Certificate, details: CertificateDetails) -> bytes:
    """The certificate as PDF bytes. The same certificate gives the same bytes: the
    document's dates are the issue time, and nothing else varies between renderings."""
    return html_to_pdf(certificate_html(certificate, details), certificate_css())
