"""Forms for planning cohorts and sessions."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import DateField, EmailField, IntegerField, StringField, TextAreaField, TimeField
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from onboarding.core.forms import Form


class CohortForm(Form):
    name = StringField(
        _l("Name"),
        description=_l("For example “Vårkullet 2027”."),
        validators=[InputRequired(_l("Give the cohort a name.")), Length(max=120)],
    )


class SessionForm(Form):
    day = DateField(
        _l("Date"),
        format=["%Y-%m-%d", "%d.%m.%Y"],
        validators=[InputRequired(_l("Enter a date like 14.04.2027."))],
    )
    start = TimeField(_l("Starts"), validators=[InputRequired(_l("Enter a time like 09:00."))])
    end = TimeField(_l("Ends"), validators=[InputRequired(_l("Enter a time like 15:00."))])
    place = StringField(
        _l("Place"),
        validators=[InputRequired(_l("Say where the session is.")), Length(max=200)],
    )
    capacity = IntegerField(
        _l("Capacity"),
        description=_l("How many people the room takes."),
        validators=[
            InputRequired(_l("Enter a number of places.")),
            NumberRange(min=1, max=1000, message=_l("Enter a number from 1 to 1000.")),
        ],
    )
    facilitator = EmailField(
        _l("Facilitator's e-mail address"),
        description=_l("The person running the day; they can keep the attendance register."),
        validators=[Optional(), Email(_l("Enter an e-mail address like navn@example.no."))],
    )
    opens_minutes_before = IntegerField(
        _l("Attendance opens (minutes before the start)"),
        description=_l(
            "«Present» and self check-in are accepted from this many minutes before the start, "
            "for people who arrive early. Before that, only an excused absence can be recorded."
        ),
        default=lambda: current_app.config["ATTENDANCE_OPENS_MINUTES_BEFORE"],
        validators=[
            Optional(),
            NumberRange(min=0, max=240, message=_l("Enter a number from 0 to 240.")),
        ],
    )
    agenda = TextAreaField(_l("Agenda"), validators=[Optional(), Length(max=4000)])
