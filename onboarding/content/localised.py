"""Course content in the reader's language, falling back to bokmål.

The course files are written in bokmål; ``module.nn.yaml`` and ``01-visjon.nn.md`` beside
them hold the nynorsk text, and so on for each language the interface offers. The stored
content keeps the bokmål text in its own columns and the other languages in a JSON column,
``{"nn": {"title": ...}, "en": {...}}``. A ``Translated`` attribute reads the text in the
language of the request (or of ``force_locale``, for e-mails and certificates), and the
bokmål text where that language has none.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app, has_app_context
from flask_babel import get_locale

DEFAULT_LANGUAGE = "nb"


def content_language() -> str:
    """The language content is shown in now: the interface's language, else bokmål."""
    if not has_app_context():
        return DEFAULT_LANGUAGE
    locale = get_locale()
    language = locale.language if locale is not None else DEFAULT_LANGUAGE
    return language if language in current_app.config["LANGUAGES"] else DEFAULT_LANGUAGE


def translation_languages() -> list[str]:
    """The languages course files may be translated into (all offered but bokmål)."""
    offered = current_app.config["LANGUAGES"] if has_app_context() else ("nb", "nn", "en")
    return [language for language in offered if language != DEFAULT_LANGUAGE]


class Translated:
    """A text attribute in the reader's language. ``stored`` names the mapped attribute
    that holds the bokmål text; ``translations`` the JSON attribute with the others.
    On the class it is the bokmål column, so queries keep working; setting it sets bokmål."""

    def __init__(self, stored: str, translations: str = "translations") -> None:
        self.stored = stored
        self.translations = translations
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: object | None, owner: type | None = None) -> Any:
        if instance is None:
            return getattr(owner, self.stored)
        language = content_language()
        if language != DEFAULT_LANGUAGE:
            text = self.translated(instance, language)
            if text:
                return text
        return getattr(instance, self.stored)

    def __set__(self, instance: object, value: str) -> None:
        setattr(instance, self.stored, value)

    def translated(self, instance: object, language: str) -> str | None:
        texts = getattr(instance, self.translations) or {}
        text = (texts.get(language) or {}).get(self.name)
        return text if isinstance(text, str) else None

    def is_translated(self, instance: object, language: str) -> bool:
        """True when there is nothing to translate or the translation is there."""
        return not getattr(instance, self.stored) or bool(self.translated(instance, language))


class TranslatedMixin:
    """For models with ``Translated`` attributes: whether the reader gets them all in
    their own language (the page says so when not)."""

    def is_translated(self, language: str | None = None) -> bool:
        language = language or content_language()
        if language == DEFAULT_LANGUAGE:
            return True
        return all(
            attribute.is_translated(self, language)
            for attribute in vars(type(self)).values()
            if isinstance(attribute, Translated)
        )


def all_translated(*things: TranslatedMixin | Iterable[TranslatedMixin]) -> bool:
    """Whether every one of ``things`` (content objects, or lists of them) is in the
    reader's language; templates use it to say when some text is shown in bokmål."""
    language = content_language()
    if language == DEFAULT_LANGUAGE:
        return True
    for thing in things:
        items = [thing] if isinstance(thing, TranslatedMixin) else thing
        if not all(item.is_translated(language) for item in items):
            return False
    return True
