"""The base of every form in the app."""

from __future__ import annotations

from functools import cache
from typing import Any

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


@cache
def _wtforms_translations(locale: str) -> support.NullTranslations:
    # WTForms has no nynorsk catalogue: bokmål is closer to a nynorsk reader than English.
    fallbacks = [locale, "nb"] if locale.startswith("nn") else [locale]
    return support.Translations.load(messages_path(), fallbacks, domain="wtforms")


class Form(FlaskForm):
    """A Flask-WTF form whose built-in messages (WTForms' own) follow the reader's language.

    Flask-WTF reads WTForms' catalogue from disk on every request that builds a form, and
    the footer's language form is on every page: parsing it took about a tenth of a page's
    time. The catalogues are read once per language and process instead.
    """

    class Meta:
        def get_translations(self, form: Any) -> Any:
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)  # type: ignore[misc]
            locale = get_locale()
            return _wtforms_translations(str(locale) if locale else "nb")
