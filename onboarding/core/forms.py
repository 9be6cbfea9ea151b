"""The base of every form in the app."""

from __future__ import annotations

from functools import cache
from typing import Any

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, ValidationError

from onboarding.config import LANGUAGES
from onboarding.core.ids import parse_id
from onboarding.core.text import text_problem


@cache
def _wtforms_translations(locale: str) -> support.NullTranslations:
    # WTForms has no nynorsk catalogue: bokmål is closer to a nynorsk reader than English.
    fallbacks = [locale, "nb"] if locale.startswith("nn") else [locale]
    return support.Translations.load(messages_path(), fallbacks, domain="wtforms")


class PlainText:
    """Refuses invisible control characters, and line breaks unless ``multiline``
    (``core.text`` holds the rule). Every form adds it to its text fields by itself."""

    def __init__(self, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, form: Any, field: Field) -> None:
        if isinstance(field.data, str):
            problem = text_problem(field.data, multiline=self.multiline)
            if problem is not None:
                raise ValidationError(problem)


def _typed_text(field: Field) -> bool:
    # Passwords are only hashed and compared; hidden fields are not typed by anyone.
    return isinstance(field, StringField) and not isinstance(field, PasswordField | HiddenField)


class Form(FlaskForm):
    """A Flask-WTF form whose built-in messages (WTForms' own) follow the reader's language.

    Flask-WTF reads WTForms' catalogue from disk on every request that builds a form, and
    the footer's language form is on every page: parsing it took about a tenth of a page's
    time. The catalogues are read once per language and process instead.
    """

    class Meta:
        # Every text field refuses control characters (``PlainText``), a text area keeping
        # its line breaks, unless it has a ``PlainText`` of its own or the form sets this
        # to False (a field whose service reads anything, such as a code to look up).
        plain_text = True

        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
            field: Field = super().bind_field(form, unbound_field, options)  # type: ignore[misc]
            if (
                self.plain_text
                and _typed_text(field)
                and not any(isinstance(rule, PlainText) for rule in field.validators)
            ):
                multiline = isinstance(field, TextAreaField)
                field.validators = [*field.validators, PlainText(multiline=multiline)]
            return field

        def get_translations(self, form: Any) -> Any:
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)  # type: ignore[misc]
            locale = get_locale()
            return _wtforms_translations(str(locale) if locale else "nb")


NOT_A_CHOICE = _l("Choose one of the options in the list.")


def _choice_id(value: Any) -> int:
    """A choice's value as the id it stands for: the choices' own numbers as they are, a
    value sent as an id or as 0 (the choice of none); anything else is refused."""
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return 0 if value.strip() == "0" else parse_id(value)
    raise TypeError(f"not an id: {type(value).__name__}")


class IdSelectField(SelectField):
    """A choice of one row by its id, such as a unit (0 for «none» where the choices offer
    it). Every form field that takes an id is one of these.

    The value sent must be one of the choices: an unknown id, a number no database holds or
    no number at all is ``message`` next to the field, and is never taken as «none».
    """

    def __init__(
        self,
        label: Any = None,
        validators: Any = None,
        *,
        message: Any = NOT_A_CHOICE,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            label,
            validators,
            coerce=_choice_id,
            validate_choice=True,
            invalid_value_message=message,
            invalid_choice_message=message,
            **kwargs,
        )


LANGUAGE_NAMES = {"nb": "Norsk (bokmål)", "nn": "Norsk (nynorsk)", "en": "English"}


class LanguageForm(Form):
    """The language picker in every page's footer (and on «Min konto»)."""

    language = SelectField(
        _l("Language"),
        choices=[
            SelectChoice(code, LANGUAGE_NAMES[code], render_kw={"lang": code}) for code in LANGUAGES
        ],
        validators=[DataRequired()],
    )
    next = HiddenField()
