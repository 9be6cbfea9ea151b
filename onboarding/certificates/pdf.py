"""The certificate as a PDF: a Jinja template rendered by WeasyPrint, entirely offline.

WeasyPrint fetches what the HTML points at (the logo) through ``StaticFilesOnly``, which
serves files from the app's static folder and refuses everything else, so a certificate
never reaches the network or reads other files. The fonts are DejaVu, installed with the
system (``fonts-dejavu-core``, see scripts/system-deps), named by family: nothing is fetched.
"""

from __future__ import annotations

import io
import mimetypes
import threading
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import segno
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from weasyprint import CSS, HTML
from weasyprint.css import ColorProfile
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from onboarding.certificates.codes import format_code
from onboarding.certificates.models import Certificate
from onboarding.i18n import babel_locale
from onboarding.urls import external_url

#: PDF/A-3a: archivable (PDF/A-3) at conformance level A, which WeasyPrint produces as a
#: tagged PDF (structure tree, document language, alternative texts) for screen readers.
#: WeasyPrint 70 writes one variant per file; "pdf/ua-1" also works here (tests render it),
#: but PDF/A-3a gives both the archive format and the tagging.
PDF_VARIANT = "pdf/a-3a"


class RefusedURL(ValueError):
    """A URL the certificate renderer will not fetch."""


class StaticFilesOnly(URLFetcher):
    """A WeasyPrint URL fetcher that serves files under ``root`` and refuses anything else.

    Refused: other schemes (http, https, ftp, data), other hosts, and paths that leave
    ``root`` (``..``, symbolic links). What was fetched and refused is kept, for tests.
    """

    def __init__(self, root: Path) -> None:
        super().__init__(allowed_protocols=("file",), fail_on_errors=False)
        self.root = root.resolve()
        self.fetched: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        try:
            path = self.path_for(url)
        except RefusedURL:
            self.refused.append(url)
            raise
        self.fetched.append(url)
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mimetype})

    def path_for(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"not a file in the static folder: {url}")
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise RefusedURL(f"not a file in the static folder: {url}")
        return path


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


def static_root() -> Path:
    assert current_app.static_folder is not None
    return Path(current_app.static_folder)


# Parsed once per thread and reused: a FontConfiguration (fontconfig and Pango set-up) and
# the parsed stylesheet are a third of the time of a fresh rendering. Pango's font map is
# not shared between threads, hence one of each per thread.
_per_thread = threading.local()


def _font_config() -> FontConfiguration:
    font_config = getattr(_per_thread, "font_config", None)
    if font_config is None:
        font_config = _per_thread.font_config = FontConfiguration()
    return font_config


def _stylesheet(css: str) -> CSS:
    cache: dict[str, CSS] = _per_thread.__dict__.setdefault("stylesheets", {})
    if css not in cache:
        root = static_root()
        cache[css] = CSS(
            string=css,
            base_url=root.as_uri() + "/",
            url_fetcher=StaticFilesOnly(root),
            font_config=_font_config(),
        )
    return cache[css]


def _output_intent() -> dict[str, Any]:
    """The sRGB output intent PDF/A asks for, with the profile WeasyPrint ships, read once.

    WeasyPrint's own "srgb" opens the profile file for each document and never closes it.
    """
    profile = getattr(_per_thread, "srgb", None)
    if profile is None:
        data = (resources.files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()
        profile = _per_thread.srgb = ColorProfile(
            io.BytesIO(data), "sRGB2014.icc", "relative-colorimetric", (["r"], ["g"], ["b"])
        )
    return {"output_intent": "certificate-srgb", "color_profiles": {"certificate-srgb": profile}}


def certificate_css() -> str:
    return render_template("certificates/certificate.css", colour=current_app.config["ORG_COLOUR"])


def html_to_pdf(
    html: str,
    css: str | None = None,
    variant: str | None = PDF_VARIANT,
    url_fetcher: StaticFilesOnly | None = None,
) -> bytes:
    """Render ``html`` (and the stylesheet ``css``) with the static folder as the base and
    only its files fetched."""
    root = static_root()
    document = HTML(
        string=html, base_url=root.as_uri() + "/", url_fetcher=url_fetcher or StaticFilesOnly(root)
    )
    archival = _output_intent() if variant and variant.startswith("pdf/a") else {}
    return bytes(
        document.write_pdf(
            stylesheets=[_stylesheet(css)] if css else None,
            font_config=_font_config(),
            pdf_variant=variant,
            **archival,
        )
    )


def render_certificate(certificate: Certificate, details: CertificateDetails) -> bytes:
    """The certificate as PDF bytes. The same certificate gives the same bytes: the
    document's dates are the issue time, and nothing else varies between renderings."""
    return html_to_pdf(certificate_html(certificate, details), certificate_css())
