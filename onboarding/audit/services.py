"""Record HR's and administrators' actions, and read them back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

from flask import Flask, current_app
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from onboarding import dates
from onboarding.audit.models import AuditEvent
from onboarding.auth.models import User
from onboarding.extensions import db
from onboarding.i18n import start_of_day

# What each kind of action is called in the interface, in the order the filter lists them.
ACTIONS: dict[str, LazyString] = {
    "import.applied": _l("Import from the HR system"),
    "person.created": _l("Person added"),
    "person.changed": _l("Person's details changed"),
    "person.deactivated": _l("Person deactivated"),
    "person.reactivated": _l("Person reactivated"),
    "invitation.sent": _l("Invitation sent"),
    "leader.added": _l("Made leader of a unit"),
    "leader.removed": _l("No longer leader of a unit"),
    "role.added": _l("Role given"),
    "role.removed": _l("Role taken away"),
    "attendance.marked": _l("Attendance marked"),
    "certificate.revoked": _l("Certificate revoked"),
    "certificate.reissued": _l("New certificate issued"),
    "deadline.changed": _l("Deadline changed"),
    "cohort.member_moved": _l("Moved to another cohort or session"),
    "session.created": _l("Session added"),
    "session.changed": _l("Session changed"),
    "sso.linked": _l("Linked to the single sign-on account"),
    "person.anonymised": _l("Person anonymised"),
    "email.change_requested": _l("New e-mail address awaiting confirmation"),
    "email.change_confirmed": _l("New e-mail address confirmed"),
    "sign_in.hold_lifted": _l("Sign-in hold lifted"),
}

# The fields that ``before`` and ``after`` hold, by key.
FIELDS: dict[str, LazyString] = {
    "file": _l("File"),
    "created": _l("New people"),
    "updated": _l("People with changes"),
    "unchanged": _l("People unchanged"),
    "errors": _l("Rows with errors"),
    "employee_number": _l("Employee number"),
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "email": _l("E-mail address"),
    "unit": _l("Unit"),
    "position": _l("Job title"),
    "start_date": _l("Start date"),
    "manager_email": _l("Nearest leader"),
    "language": _l("Language"),
    "reminders": _l("Reminder e-mails"),
    "active": _l("Active"),
    "roles": _l("Roles"),
    "leads": _l("Leader of"),
    "session": _l("Session"),
    "status": _l("Status"),
    "note": _l("Note"),
    "code": _l("Verification code"),
    "revoked": _l("Revoked"),
    "reason": _l("Reason"),
    "due_date": _l("Deadline"),
    "cohort": _l("Cohort"),
    "starts_at": _l("Starts"),
    "ends_at": _l("Ends"),
    "place": _l("Place"),
    "capacity": _l("Capacity"),
    "facilitator": _l("Facilitator"),
    "agenda": _l("Agenda"),
}
_DATES = {"start_date", "due_date"}
_TIMES = {"starts_at", "ends_at"}
# Stored values that read better as words; areas above add theirs (``describe_values``).
_VALUES: dict[str, dict[str, LazyString | str]] = {
    "roles": {
        "employee": _l("New employee"),
        "leader": _l("Leader"),
        "hr": _l("HR"),
        "admin": _l("Administrator"),
    },
    # Language names are written in the language itself.
    "language": {"nb": "Norsk (bokmål)", "nn": "Norsk (nynorsk)", "en": "English"},
}


_DESCRIBED = "onboarding.audit.values"


def describe_values(app: Flask, key: str, labels: Mapping[str, LazyString | str]) -> None:
    """Show the stored values of field ``key`` in ``app``'s history as these words (an area
    above this one, whose values they are, says so in its ``init_app``)."""
    app.extensions.setdefault(_DESCRIBED, {})[key] = dict(labels)


def _plain(value: Any) -> Any:
    """A value as JSON can hold it: dates as ISO text, enums by value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def record(
    actor: User | None,
    action: str,
    subject: tuple[str, int | None, str],
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    *,
    flush: bool = True,
) -> AuditEvent:
    """Add an entry: ``actor`` did ``action`` to ``subject`` (type, id, readable label),
    changing ``before`` into ``after``. ``actor`` None is the system (a command or a rule).
    Flushes with the change it records, so both are committed together or not at all
    (``flush=False`` for many entries at once: the caller flushes)."""
    subject_type, subject_id, label = subject
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.full_name if actor is not None else "",
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        subject_label=label[:300],
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
    )
    db.session.add(event)
    if flush:
        db.session.flush()
    return event


def record_account_linked(user: User, *, email: str) -> None:
    """Single sign-on linked ``user``'s account to an identity at the provider (receives
    ``account_linked``, connected in this area's ``init_app``)."""
    record(user, "sso.linked", person(user), None, {"email": email})


def person(user: User) -> tuple[str, int, str]:
    """The subject for an action on a person."""
    return ("user", user.id, user.full_name)


def roles_of(user: User) -> list[str]:
    """The person's roles, sorted, as the history stores them."""
    return sorted(role.value for role in user.roles)


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields whose value differs, before and after; both empty when none does."""
    keys = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def history_query(
    action: str = "",
    actor_id: int | None = None,
    subject: tuple[str, int] | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Select[AuditEvent]:
    """Entries, newest first, optionally of one kind of action, by one actor, about one
    subject, or from ``since`` to ``until`` (days in Norway, both included)."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if subject is not None:
        query = query.where(
            AuditEvent.subject_type == subject[0], AuditEvent.subject_id == subject[1]
        )
    if since is not None:
        query = query.where(AuditEvent.at >= start_of_day(since))
    if until is not None:
        query = query.where(AuditEvent.at < start_of_day(until + timedelta(days=1)))
    return query


# -- reading an entry ------------------------------------------------------------------------


def action_label(action: str) -> str:
    """What the action is called in the interface; an unknown one by its name."""
    label = ACTIONS.get(action)
    return str(label) if label is not None else action


def actor_label(event: AuditEvent) -> str:
    """Who did it: the name as it was, or the system (a command or an automatic rule)."""
    return event.actor_name or _("System")


@dataclass(frozen=True)
class Line:
    """One field of an entry: its value before and after, or just its value (``old`` None)."""

    label: str
    new: str
    old: str | None = None


def _text(key: str, value: Any, side: dict[str, Any]) -> str:
    """A stored value as a reader would write it."""
    if key == "session" and value is None and side.get("cohort"):
        return _("waiting list")
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(_text(key, item, side) for item in value)
    if isinstance(value, str):
        try:
            if key in _DATES:
                return dates.day(date.fromisoformat(value))
            if key in _TIMES:
                return dates.moment(datetime.fromisoformat(value))
        except ValueError:
            return value
        described = current_app.extensions.get(_DESCRIBED, {}).get(key) or _VALUES.get(key, {})
        return str(described.get(value, value))
    return str(value)


def lines(event: AuditEvent) -> list[Line]:
    """What the entry changed, field by field: «old → new» where the value changed, the
    value alone where it did not (the context: which session, which code)."""
    before = event.before or {}
    after = event.after or {}
    result = []
    for key in dict.fromkeys([*before, *after]):
        label = str(FIELDS.get(key, key))
        if key in after:
            new = _text(key, after[key], after)
            if key in before and before[key] != after[key]:
                result.append(Line(label, new, _text(key, before[key], before)))
            else:
                result.append(Line(label, new))
        else:
            result.append(Line(label, "–", _text(key, before[key], before)))
    return result
