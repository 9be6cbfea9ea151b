# The parts of WeasyPrint 70 that this code uses.
from pathlib import Path
from typing import Any, BinaryIO, TextIO, overload

from weasyprint.css import ColorProfile
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

VERSION: str
__version__: str

class HTML:
    def __init__(
        self,
        guess: Any = None,
        filename: str | Path | None = None,
        url: str | None = None,
        file_obj: BinaryIO | TextIO | None = None,
        string: str | bytes | None = None,
        encoding: str | None = None,
        base_url: str | Path | None = None,
        url_fetcher: URLFetcher | None = None,
        media_type: str = "print",
    ) -> None: ...
    # The PDF as bytes, or None when it was written to ``target``.
    @overload
    def write_pdf(
        self,
        target: None = None,
        zoom: float = 1,
        finisher: Any = None,
        font_config: FontConfiguration | None = None,
        counter_style: dict[str, Any] | None = None,
        color_profiles: dict[str, ColorProfile] | None = None,
        *,
        stylesheets: list[CSS] | None = None,
        pdf_variant: str | None = None,
        **options: Any,
    ) -> bytes: ...
    @overload
    def write_pdf(
        self,
        target: str | Path | BinaryIO,
        zoom: float = 1,
        finisher: Any = None,
        font_config: FontConfiguration | None = None,
        counter_style: dict[str, Any] | None = None,
        color_profiles: dict[str, ColorProfile] | None = None,
        *,
        stylesheets: list[CSS] | None = None,
        pdf_variant: str | None = None,
        **options: Any,
    ) -> None: ...

class CSS:
    def __init__(
        self,
        guess: Any = None,
        filename: str | Path | None = None,
        url: str | None = None,
        file_obj: BinaryIO | TextIO | None = None,
        string: str | None = None,
        encoding: str | None = None,
        base_url: str | Path | None = None,
        url_fetcher: URLFetcher | None = None,
        media_type: str = "print",
        font_config: FontConfiguration | None = None,
        counter_style: dict[str, Any] | None = None,
        color_profiles: dict[str, ColorProfile] | None = None,
    ) -> None: ...
