"""HR's audit history page: what HR and the administrators did, newest first. Read only:
there is no route that changes or deletes an entry."""

from __future__ import annotations

from flask import flash, render_template, request
from flask_babel import gettext as _

from onboarding.audit import bp
from onboarding.audit.services import ACTIONS, action_label, actor_label, history_query, lines
from onboarding.auth.access import roles_required
from onboarding.auth.models import Role, User
from onboarding.core.ids import page_number, parse_id
from onboarding.core.tables import date_arg
from onboarding.extensions import db

PAGE_SIZE = 50


def _ignored(value: str) -> None:
    flash(
        _("The filter value “%(value)s” was not understood and is ignored.", value=value[:60]),
        "warning",
    )


def _person_arg() -> User | None:
    """The person the history is filtered on: ``?person=<id>``; anything else is ignored."""
    raw = request.args.get("person", "").strip()
    if not raw:
        return None
    person_id = request.args.get("person", type=parse_id)
    person = db.session.get(User, person_id) if person_id is not None else None
    if person is None:
        _ignored(raw)
    return person


@bp.get("/audit")
@roles_required(Role.HR, Role.ADMIN)
def history() -> str:
    action = request.args.get("action", "").strip()
    if action and action not in ACTIONS:
        _ignored(action)
        action = ""
    person = _person_arg()
    since, until = date_arg("from"), date_arg("to")
    query = history_query(
        action=action,
        subject=("user", person.id) if person is not None else None,
        since=since,
        until=until,
    )
    page = db.paginate(query, page=page_number(), per_page=PAGE_SIZE, error_out=False)
    arguments = {
        "action": action or None,
        "person": person.id if person is not None else None,
        "from": since.isoformat() if since else None,
        "to": until.isoformat() if until else None,
    }
    return render_template(
        "audit/history.html",
        page=page,
        actions=[(key, str(label)) for key, label in ACTIONS.items()],
        action=action,
        person=person,
        since=since,
        until=until,
        arguments=arguments,
        action_label=action_label,
        actor_label=actor_label,
        lines=lines,
    )
