"""Dates and times as the reader's language writes them: the one home of every format.

Bokmål and nynorsk follow Språkrådet: «22.03.2027», «22. mars 2027», «mandag 22. mars 2027»,
«kl. 09.00», «mandag 22. mars 2027 kl. 09.00–15.00». Never seconds, never a time-zone name:
every time is Norwegian wall-clock time. English uses British forms (22/03/2027, 09:00).
Pages (as Jinja filters), e-mails, the calendar file, the sign-in sheet and the certificate
all format through these functions.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from flask import Flask
from flask_babel import format_date, get_locale

from onboarding.i18n import OSLO

DayForm = Literal["short", "long", "full"]
FORMS = ("short", "long", "full")

# The full form of a day in English without Babel's comma after the weekday:
# «Monday 22 March 2027», as British style guides write it.
_FULL_PATTERNS = {"en": "EEEE d MMMM y"}


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "nb"


def _check(form: str) -> None:
    if form not in FORMS:
        raise ValueError(f"Unknown date form {form!r}: use one of {', '.join(FORMS)}")


def local(moment: datetime) -> datetime:
    """An aware moment as wall-clock time in Norway."""
    if moment.tzinfo is None:
        raise ValueError("A naive datetime has no place in Norwegian time; store it in UTC")
    return moment.astimezone(OSLO)


def day(value: date | datetime, form: DayForm = "short") -> str:
    """«22.03.2027» (short), «22. mars 2027» (long) or «mandag 22. mars 2027» (full)."""
    _check(form)
    if isinstance(value, datetime):
        value = local(value).date()
    pattern = _FULL_PATTERNS.get(_language()) if form == "full" else None
    return format_date(value, pattern or form)


def clock(moment: datetime) -> str:
    """The time of day: «09.00» in Norwegian, «09:00» in English."""
    wall = local(moment)
    separator = ":" if _language() == "en" else "."
    return f"{wall.hour:02d}{separator}{wall.minute:02d}"


def _joined(day_text: str, time_text: str) -> str:
    if _language() == "en":
        return f"{day_text}, {time_text}"
    return f"{day_text} kl. {time_text}"


def moment(value: datetime, form: DayForm = "short") -> str:
    """A day and a time: «22.03.2027 kl. 09.00», «mandag 22. mars 2027 kl. 09.00»."""
    return _joined(day(value, form), clock(value))


def span(start: datetime, end: datetime, form: DayForm = "full") -> str:
    """A stretch of time: «mandag 22. mars 2027 kl. 09.00–15.00».

    When it ends on another day, both ends are written out in full.
    """
    if local(start).date() == local(end).date():
        return _joined(day(start, form), f"{clock(start)}–{clock(end)}")
    return f"{moment(start, form)} – {moment(end, form)}"


def from_iso(text: str) -> str:
    """An ISO 8601 date or time stamp (as stored data holds them) in the reader's form;
    any other text as it is."""
    try:
        if len(text) == 10:
            return day(date.fromisoformat(text))
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return text
    return moment(parsed) if parsed.tzinfo is not None else text


def init_app(app: Flask) -> None:
    """The formats as Jinja filters: date, datetime, clock, timespan and from_iso."""
    app.jinja_env.filters["date"] = day
    app.jinja_env.filters["datetime"] = moment
    app.jinja_env.filters["clock"] = clock
    app.jinja_env.filters["timespan"] = span
    app.jinja_env.filters["from_iso"] = from_iso
