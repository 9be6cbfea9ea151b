"""Language and time zone for each request."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request, session
from flask_login import current_user

TIMEZONE = "Europe/Oslo"
#: Where the municipality is: every date and wall-clock time the app shows or reads.
OSLO = ZoneInfo(TIMEZONE)
# English readers here are in Norway: British formats (14/04/2027, 09:30), not American
# ones. Babel's locale for formatting; the catalogue is still "en" (gettext falls back).
FORMAT_LOCALES = {"en": "en_GB"}


def babel_locale(language: str) -> str:
    """The locale to format dates, times and numbers with for an interface language."""
    return FORMAT_LOCALES.get(language, language)


def normalise_language(code: str | None) -> str | None:
    """Map a language code to one the interface offers, or None."""
    if not code:
        return None
    code = code.strip().lower().replace("_", "-")
    if code in ("no", "nb-no", "no-no"):
        code = "nb"
    elif code == "nn-no":
        code = "nn"
    elif code.startswith("en"):
        code = "en"
    return code if code in current_app.config["LANGUAGES"] else None


def select_locale() -> str:
    """The user's saved choice, then the session's, then the browser's, then bokmål."""
    if not has_request_context():
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    if current_user.is_authenticated:
        chosen = normalise_language(current_user.language)
        if chosen:
            return babel_locale(chosen)
    chosen = normalise_language(session.get("language"))
    if chosen:
        return babel_locale(chosen)
    offered = list(current_app.config["LANGUAGES"])
    # Browsers send "no" or "nb-NO" for bokmål; match on the full tag first.
    for tag, _quality in request.accept_languages:
        match = normalise_language(tag)
        if match is not None and match in offered:
            return babel_locale(match)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def select_timezone() -> str:
    return TIMEZONE


def local_today() -> date:
    """Today's date where the municipality is."""
    return datetime.now(OSLO).date()


def start_of_day(day: date) -> datetime:
    """Midnight at the start of ``day`` where the municipality is, in UTC."""
    return datetime.combine(day, time(0), tzinfo=OSLO).astimezone(UTC)


def at_oslo(day: date, hour: int, minute: int) -> datetime:
    """A wall-clock time where the municipality is, as an aware datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=OSLO)
