"""Calendar files (.ics) for cohort sessions, so the day lands in people's calendars."""

from __future__ import annotations

from typing import cast

from icalendar import Calendar, Event, vCalAddress, vText

from onboarding import dates
from onboarding.cohorts.models import CohortSession
from onboarding.database import utcnow


def session_calendar(
    session: CohortSession, org_name: str, title: str, method: str = "REQUEST"
) -> str:
    """An iCalendar document for ``session``. The UID never changes and the SEQUENCE grows
    with every change of time or place, so calendars update the event they already have."""
    calendar = Calendar()
    calendar.add("prodid", f"-//{org_name}//Introduksjon for nyansatte//NO")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", session.calendar_uid)
    event.add("sequence", session.sequence)
    event.add("dtstamp", utcnow())
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("summary", title)
    event.add("location", vText(session.place))
    # Calendars show DTSTART in their own way; the description says it as a person writes it.
    when = f"{dates.span(session.starts_at, session.ends_at)}, {session.place}"
    event.add("description", f"{when}\n\n{session.agenda}" if session.agenda else when)
    if session.facilitator is not None:
        organizer = vCalAddress(f"mailto:{session.facilitator.email}")
        organizer.params["cn"] = vText(session.facilitator.full_name)
        event.add("organizer", organizer)
    calendar.add_component(event)
    return cast(bytes, calendar.to_ical()).decode()  # to_ical is not annotated
