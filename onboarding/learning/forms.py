"""Forms for HR's changes to a person's enrolment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField
from wtforms.validators import InputRequired

from onboarding.core.forms import Form


class DeadlineForm(Form):
    due_date = DateField(
        _l("New deadline"),
        format=["%Y-%m-%d", "%d.%m.%Y"],
        description=_l("For example 31.03.2027."),
        validators=[InputRequired(_l("Enter a date like 31.03.2027."))],
    )
