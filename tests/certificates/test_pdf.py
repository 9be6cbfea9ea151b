"""The certificate PDF: what it says, its QR code, its metadata, one page whatever the name,
rendered once and kept, and a renderer that fetches nothing from outside the static folder."""

from __future__ import annotations

import io
import re
import socket
import threading
from pathlib import Path
from typing import TypeVar

import pytest
from flask import Flask
from flask_babel import force_locale, format_date
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, PdfObject, StreamObject
from sqlalchemy import select

from onboarding.certificates.codes import format_code
from onboarding.certificates.models import Certificate
from onboarding.certificates.pdf import certificate_html, qr_svg, render_certificate
from onboarding.certificates.services import certificate_pdf, details_for
from onboarding.cohorts.models import CohortSession
from onboarding.core import pdf as pdf_module
from onboarding.core.pdf import PDF_VARIANT, RefusedURL, StaticFilesOnly, html_to_pdf
from onboarding.extensions import db
from tests.certificates.conftest import certificate_of, graduate, plan_session
from tests.factories import commit
from tests.programmes import sync_programme

P = TypeVar("P", bound=PdfObject)


def text_of_pdf(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def follow(value: PdfObject | None, kind: type[P]) -> P:
    """``value`` from a PDF, its reference followed, checked to be a ``kind``."""
    resolved = value.get_object() if value is not None else None
    assert isinstance(resolved, kind)
    return resolved


def squeezed(text: str) -> str:
    """Text without whitespace, so that a wrapped line still matches."""
    return re.sub(r"\s+", "", text)


@pytest.fixture
def certificate(session: CohortSession) -> Certificate:
    person = graduate(session, first_name="Kari", last_name="Nordmann")
    commit()
    return certificate_of(person)


def test_the_pdf_holds_name_programme_code_date_modules_and_session(
    certificate: Certificate,
) -> None:
    pages, text = text_of_pdf(certificate_pdf(certificate))
    assert pages == 1
    assert "Kari Nordmann" in text
    assert certificate.programme_title in text
    assert format_code(certificate.code) in text
    with force_locale("nb"):
        issued = format_date(certificate.issued_at, "d. MMMM yyyy")
    assert issued in text  # in bokmål: «14. april 2027»-style
    details = details_for([certificate])[certificate.id]
    assert len(details.modules) == 2
    for module in details.modules:
        assert module.title in text
    assert details.session is not None
    assert "Kommunestyresalen" in text
    assert "Vårkullet 2027" in text
    assert "Kommunedirektør" in text
    assert f"http://onboarding.test/verify/{certificate.code}" in squeezed(text)


def test_the_qr_code_holds_the_verification_url(certificate: Certificate) -> None:
    url = f"http://onboarding.test/verify/{certificate.code}"
    html = certificate_html(certificate, details_for([certificate])[certificate.id])
    assert qr_svg(url) in html  # the same segno SVG as for the expected URL
    assert qr_svg(url + "X") not in html


def test_the_pdf_is_archivable_tagged_and_described(certificate: Certificate) -> None:
    data = certificate_pdf(certificate)
    reader = PdfReader(io.BytesIO(data))
    catalog = follow(reader.trailer["/Root"], DictionaryObject)
    assert str(catalog["/Lang"]) == "nb"
    assert "/StructTreeRoot" in catalog  # tagged, for screen readers
    assert follow(catalog["/MarkInfo"], DictionaryObject)["/Marked"]
    xmp = follow(catalog["/Metadata"], StreamObject).get_data().decode()
    assert PDF_VARIANT == "pdf/a-3a"
    assert 'pdfaid:part="3"' in xmp
    assert 'pdfaid:conformance="A"' in xmp
    [intent] = follow(catalog["/OutputIntents"], ArrayObject)
    # The sRGB profile PDF/A asks for.
    assert str(follow(intent, DictionaryObject)["/S"]) == "/GTS_PDFA1"
    metadata = reader.metadata
    assert metadata is not None
    assert metadata.title
    assert "Kari Nordmann" in metadata.title
    assert metadata.author == "Tynset kommune"
    assert metadata.subject
    assert certificate.programme_title in metadata.subject
    assert metadata.creation_date is not None
    resources = follow(reader.pages[0]["/Resources"], DictionaryObject)
    fonts = {
        str(follow(font, DictionaryObject)["/BaseFont"])
        for font in follow(resources["/Font"], DictionaryObject).values()
    }
    assert any("DejaVu" in font for font in fonts), fonts


def test_the_pdf_follows_the_persons_language(session: CohortSession) -> None:
    person = graduate(session, language="nn")
    commit()
    certificate = certificate_of(person)
    assert certificate.language == "nn"
    html = certificate_html(certificate, details_for([certificate])[certificate.id])
    assert '<html lang="nn">' in html
    reader = PdfReader(io.BytesIO(certificate_pdf(certificate)))
    assert str(follow(reader.trailer["/Root"], DictionaryObject)["/Lang"]) == "nn"


def test_rendering_is_deterministic(certificate: Certificate) -> None:
    details = details_for([certificate])[certificate.id]
    assert render_certificate(certificate, details) == render_certificate(certificate, details)


def test_the_pdf_is_rendered_once_and_kept(
    certificate: Certificate, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = certificate_pdf(certificate)
    commit()

    def no_second_rendering(*args: object) -> bytes:
        raise AssertionError("rendered again")

    monkeypatch.setattr("onboarding.certificates.services.render_certificate", no_second_rendering)
    db.session.expire_all()
    stored = db.session.get(Certificate, certificate.id)
    assert stored is not None
    assert stored.pdf_rendered_at is not None
    assert certificate_pdf(stored) == first


@pytest.mark.parametrize(
    ("first_name", "last_name"),
    [
        ("Áŋŋá Máret Ŧuolbmá", "Čáhppe-Ŋuvttis Đuđđá Šiggá Žižžá"),
        ("Maria Magdalena Kristine Elisabeth " * 2 + "X" * 30, "Haugen-Nordmann " * 5 + "Y" * 20),
        ("Kari", "Nordmannsdotterhaugenbakkenlisletta" * 2 + "sen"),  # one long word
    ],
)
def test_long_and_non_latin_names_fit_on_one_page(
    session: CohortSession, first_name: str, last_name: str
) -> None:
    person = graduate(session, first_name=first_name[:100], last_name=last_name[:100])
    commit()
    certificate = certificate_of(person)
    pages, text = text_of_pdf(certificate_pdf(certificate))
    assert pages == 1
    assert squeezed(person.full_name) in squeezed(text)
    assert format_code(certificate.code) in text


def test_the_fetcher_serves_static_files_and_refuses_everything_else(app: Flask) -> None:
    assert app.static_folder is not None
    root = Path(app.static_folder)
    fetcher = StaticFilesOnly(root)
    logo = (root / "img" / "tynset-logo.svg").as_uri()
    assert fetcher.fetch(logo).read().startswith(b"<svg")
    for url in (
        "https://example.com/logo.png",
        "http://127.0.0.1/secret",
        "ftp://example.com/x",
        "data:text/plain,hello",
        "file:///etc/passwd",
        (root / ".." / "pyproject.toml").as_uri(),
        "file://example.com" + logo.removeprefix("file://"),
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 7


def test_rendering_never_reaches_the_network(
    appctx: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the renderer tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    assert appctx.static_folder is not None
    fetcher = StaticFilesOnly(Path(appctx.static_folder))
    html = (
        '<html lang="nb"><head><title>x</title>'
        '<link rel="stylesheet" href="https://example.com/style.css"></head><body>'
        '<img src="https://example.com/tracker.png" alt="">'
        '<img src="img/tynset-logo.svg" alt="logo"><p>Kursbevis</p></body></html>'
    )
    data = html_to_pdf(html, url_fetcher=fetcher)
    assert data.startswith(b"%PDF")
    assert fetcher.refused == [
        "https://example.com/style.css",
        "https://example.com/tracker.png",
    ]
    assert [url.rsplit("/", 1)[1] for url in fetcher.fetched] == ["tynset-logo.svg"]


def test_the_certificate_uses_only_the_logo_from_the_static_folder(
    certificate: Certificate, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetchers: list[StaticFilesOnly] = []
    original = pdf_module.StaticFilesOnly

    def recording(root: Path) -> StaticFilesOnly:
        fetcher = original(root)
        fetchers.append(fetcher)
        return fetcher

    monkeypatch.setattr(pdf_module, "StaticFilesOnly", recording)
    # As a worker's first certificate: the stylesheet, otherwise kept from whichever test
    # rendered first in this thread, is parsed here, and what it points at is fetched here.
    monkeypatch.setattr(pdf_module, "_per_thread", threading.local())
    render_certificate(certificate, details_for([certificate])[certificate.id])
    assert len(fetchers) == 2  # the page and its stylesheet, each through StaticFilesOnly
    fetched = [url for fetcher in fetchers for url in fetcher.fetched]
    assert [url.rsplit("/", 1)[1] for url in fetched] == ["tynset-logo.svg"]
    assert not [url for fetcher in fetchers for url in fetcher.refused]


def test_pdf_ua_is_available_too(certificate: Certificate) -> None:
    html = certificate_html(certificate, details_for([certificate])[certificate.id])
    data = html_to_pdf(html, variant="pdf/ua-1")
    catalog = follow(PdfReader(io.BytesIO(data)).trailer["/Root"], DictionaryObject)
    assert "pdfuaid:part" in follow(catalog["/Metadata"], StreamObject).get_data().decode()
    assert db.session.scalars(select(Certificate)).one().id == certificate.id


TRANSLATED = Path(__file__).parents[1] / "content" / "courses" / "translated"


@pytest.mark.parametrize(
    ("language", "title", "module"),
    [
        ("nb", "Velkommen til Prøvestad kommune", "Modul forste"),
        ("nn", "Velkomen til Prøvestad kommune", "Modul første"),
        ("en", "Welcome to Prøvestad kommune", "Module one"),
    ],
)
def test_the_certificate_is_in_the_holders_language(
    appctx: Flask, language: str, title: str, module: str
) -> None:
    sync_programme(TRANSLATED)
    session = plan_session()
    person = graduate(session, first_name="Amina", last_name="Haugen", language=language)
    commit()
    certificate = certificate_of(person)
    assert certificate.programme_title == title
    _pages, text = text_of_pdf(certificate_pdf(certificate))
    assert "Amina Haugen" in text
    assert squeezed(title) in squeezed(text)
    assert squeezed(module) in squeezed(text)


# -- the signatory -------------------------------------------------------------------------


def signature_lines(data: bytes) -> list[tuple[str, str]]:
    """The lines after «Utstedt …» up to the verification code, each with its font."""
    lines: list[tuple[str, str]] = []

    def visit(text: str, _cm: object, _tm: object, font: object, _size: object) -> None:
        if text.strip():
            name = str(font.get("/BaseFont")) if isinstance(font, dict) else ""
            lines.append((text.strip(), name))

    PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    texts = [text for text, _font in lines]
    start = next(i for i, text in enumerate(texts) if text.startswith("Utstedt"))
    return lines[start + 1 : texts.index("Verifiseringskode")]


def test_the_signatorys_name_stands_in_bold_above_the_title(
    app: Flask, session: CohortSession
) -> None:
    app.config["CERTIFICATE_SIGNATORY_NAME"] = "Kari Nordmo"
    certificate = certificate_of(graduate(session, first_name="Ola", last_name="Holder"))
    commit()
    assert certificate.signatory_name == "Kari Nordmo"
    lines = signature_lines(certificate_pdf(certificate))
    assert [text for text, _font in lines] == ["Kari Nordmo", "Kommunedirektør", "Tynset kommune"]
    fonts = [font for _text, font in lines]
    assert "Bold" in fonts[0]
    assert "Bold" not in fonts[1]
    assert "Bold" not in fonts[2]


def test_without_a_name_the_title_is_printed_once(certificate: Certificate) -> None:
    """A fresh installation has no name set: the title alone, not «Kommunedirektør» twice
    and no made-up name."""
    assert certificate.signatory_name == ""
    lines = signature_lines(certificate_pdf(certificate))
    assert [text for text, _font in lines] == ["Kommunedirektør", "Tynset kommune"]


def test_a_name_that_is_only_the_title_is_printed_once(certificate: Certificate) -> None:
    """Certificates issued while the default named the title twice keep what they say,
    printed once."""
    certificate.signatory_name = "Kommunedirektør"
    details = details_for([certificate])[certificate.id]
    lines = signature_lines(render_certificate(certificate, details))
    assert [text for text, _font in lines] == ["Kommunedirektør", "Tynset kommune"]
