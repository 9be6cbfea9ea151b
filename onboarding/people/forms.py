"""Forms for importing and editing people. The rules live in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import Email, InputRequired, Length, Optional

from onboarding.config import LANGUAGES
from onboarding.core.forms import LANGUAGE_NAMES, Form, IdSelectField


class UploadForm(Form):
    file = FileField(
        _l("File from the HR system"),
        description=_l(
            "CSV (semicolon or comma separated) or Excel (.xlsx), at most 5 MB. "
            "The first row must hold the column headings."
        ),
        validators=[FileRequired(_l("Choose a file to upload."))],
        render_kw={
            "accept": ".csv,.txt,.xlsx,text/csv,application/vnd.ms-excel,"
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        },
    )


class ApplyForm(Form):
    # The preview HR saw: the import is refused if the plan is no longer the same.
    plan = HiddenField()


class PersonForm(Form):
    """HR's changes to a person's details."""

    first_name = StringField(
        _l("First name"), validators=[InputRequired(_l("Enter the first name.")), Length(max=100)]
    )
    last_name = StringField(
        _l("Last name"), validators=[InputRequired(_l("Enter the last name.")), Length(max=100)]
    )
    email = EmailField(
        _l("E-mail address"),
        validators=[
            InputRequired(_l("Enter the e-mail address.")),
            Email(_l("Enter an e-mail address like navn@example.no."), check_deliverability=False),
            Length(max=254),
        ],
    )
    employee_number = StringField(_l("Employee number"), validators=[Optional(), Length(max=32)])
    unit = IdSelectField(_l("Unit"), message=_l("Choose a unit from the list."))
    position = StringField(_l("Job title"), validators=[Optional(), Length(max=200)])
    start_date = DateField(
        _l("Start date"),
        format=["%Y-%m-%d", "%d.%m.%Y"],
        description=_l("For example 01.03.2027."),
        validators=[Optional()],
    )
    language = SelectField(
        _l("Language"),
        choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
    )
    # Checked: the person gets reminder e-mails (stored inverted, as ``reminders_opt_out``).
    reminders = BooleanField(_l("Send reminder e-mails"))


class LiftHoldForm(Form):
    """«Opphev»: the address whose sign-in holds HR lifts."""

    email = HiddenField(validators=[InputRequired(), Length(max=254)])
