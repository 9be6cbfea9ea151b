"""Every PDF the app renders (certificates, the sign-in sheet) goes through ``html_to_pdf``:
WeasyPrint fetches what the HTML points at through ``StaticFilesOnly``, which serves files
from the app's static folder and refuses everything else, so a PDF never reaches the
network or reads other files."""

from __future__ import annotations

import io
import mimetypes
import threading
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from flask import current_app
from weasyprint import CSS, HTML
from weasyprint.css import ColorProfile
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

#: PDF/A-3a: archivable (PDF/A-3) at conformance level A, which WeasyPrint produces as a
#: tagged PDF (structure tree, document language, alternative texts) for screen readers.
#: WeasyPrint 70 writes one variant per file; "pdf/ua-1" also works here (tests render it),
#: but PDF/A-3a gives both the archive format and the tagging.
PDF_VARIANT = "pdf/a-3a"


class RefusedURL(ValueError):
    """A URL the PDF renderer will not fetch."""


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
