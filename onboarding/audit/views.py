"""HR's audit history page: what HR and the administrators did, newest first. Read only:
there is no route that changes or deletes an entry."""

from __future__ import annotations

from flask import render_template, request

from onboarding.audit import bp
from onboarding.audit.services import ACTIONS, action_label, actor_label, history_query, lines
from onboarding.auth.access import roles_required
from onboarding.auth.models import Role, User
from onboarding.core.filters import ListArguments
from onboarding.core.ids import page_number
from onboarding.extensions import db

PAGE_SIZE = 50


@bp.get("/audit")
@roles_required(Role.HR, Role.ADMIN)
def history() -> str:
    args = ListArguments(request.args)
    action = args.choice("action", ACTIONS)
    person_id = args.id("person")
    person = db.session.get(User, person_id) if person_id is not None else None
    if person_id is not None and person is None:
        args.ignored("person")  # the id of nobody
    since, until = args.day("from"), args.day("to")
    args.flash_notices()
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
