# The parts of Flask-Babel 4.0 that this code uses (flask_babel/__init__.py).
from collections.abc import Callable, Mapping
from contextlib import _GeneratorContextManager
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from babel import Locale
from flask import Flask
from flask_babel.speaklater import LazyString as LazyString

class Babel:
    def __init__(
        self,
        app: Flask | None = None,
        date_formats: Mapping[str, str | None] | None = None,
        configure_jinja: bool = True,
        *args: Any,
        **kwargs: Any,
    ) -> None: ...
    def init_app(
        self,
        app: Flask,
        default_locale: str = "en",
        default_domain: str = "messages",
        default_translation_directories: str = "translations",
        default_timezone: str = "UTC",
        locale_selector: Callable[[], str | Locale | None] | None = None,
        timezone_selector: Callable[[], str | tzinfo | None] | None = None,
    ) -> None: ...

def get_locale() -> Locale | None: ...
def force_locale(locale: str | Locale) -> _GeneratorContextManager[None]: ...
def format_date(
    date: date | datetime | None = None, format: str | None = None, rebase: bool = True
) -> str: ...
def format_decimal(number: float | Decimal | str, format: str | None = None) -> str: ...
def gettext(string: str, **variables: Any) -> str: ...
def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str: ...
def lazy_gettext(string: str, **variables: Any) -> LazyString: ...

_ = gettext
