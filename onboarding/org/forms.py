"""Forms for HR's editing of the unit tree."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, StringField
from wtforms.validators import Email, InputRequired, Length, Optional

from onboarding.core.forms import Form, IdSelectField


class NewUnitForm(Form):
    name = StringField(
        _l("Name"), validators=[InputRequired(_l("Give the unit a name.")), Length(max=200)]
    )
    parent = IdSelectField(_l("Under"), message=_l("Choose where the unit belongs from the list."))


class UnitForm(Form):
    name = StringField(
        _l("Name"), validators=[InputRequired(_l("Give the unit a name.")), Length(max=200)]
    )
    code = StringField(
        _l("Code in the HR system"),
        description=_l("Used to match the unit when new hires are imported."),
        validators=[Optional(), Length(max=50)],
    )


class LeaderForm(Form):
    email = EmailField(
        _l("Leader's e-mail address"),
        validators=[
            InputRequired(_l("Enter the leader's e-mail address.")),
            Email(_l("Enter an e-mail address like navn@example.no.")),
        ],
    )
