"""HR's notice a week before each introduction day, with who is coming."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from onboarding.auth.models import Role
from onboarding.cohorts.services import (
    SessionPlan,
    add_session,
    create_cohort,
    move_member,
    update_session,
)
from onboarding.reminders.services import SESSION_NOTICE, queue_session_notices
from tests.factories import commit, create_user
from tests.reminders.conftest import TODAY, Org, employee


def plan(days_ahead: int) -> SessionPlan:
    return SessionPlan(TODAY + timedelta(days=days_ahead), (9, 0), (15, 0), "Kommunestyresalen", 10)


def test_hr_gets_a_notice_a_week_before_with_who_is_coming(appctx: Flask, org: Org) -> None:
    hr = create_user("hr@tynset.example", roles=(Role.HR,), language="en")
    opted_out = create_user(roles=(Role.HR,))
    opted_out.reminders_opt_out = True
    create_user(roles=(Role.HR,), active=False)
    create_user(roles=(Role.LEADER,), leads=org.helse)  # not HR
    cohort = create_cohort("Vårkullet 2027")
    session = add_session(cohort, plan(7), by=None)
    later = add_session(cohort, plan(8), by=None)
    move_member(employee("Haugen", org.hjemme, "Sykepleier"), cohort, session, by=None)
    move_member(employee("Uten"), cohort, session, by=None)
    gone = employee("Borte", org.helse)
    move_member(gone, cohort, session, by=None)
    gone.active = False
    move_member(employee("Senere", org.helse), cohort, later, by=None)
    commit()

    assert queue_session_notices(TODAY - timedelta(days=1)) == []  # eight days before
    [notice] = queue_session_notices(TODAY)
    commit()
    assert notice.recipient.id == hr.id
    assert notice.reminder.kind == SESSION_NOTICE
    assert notice.reminder.occasion == f"{session.id}:{(TODAY + timedelta(days=7)).isoformat()}"
    body = notice.notification.body_text
    assert "Kari Haugen – Hjemmetjenesten – Sykepleier" in body
    assert "Kari Uten – – – –" in body
    assert "Borte" not in body
    assert "Senere" not in body
    assert "Participants: 2 (capacity 10)" in body
    assert f"http://onboarding.test/cohorts/{cohort.id}" in body
    assert (
        notice.notification.subject == "Coming up: introduction day 15 March 2027 (Vårkullet 2027)"
    )

    assert queue_session_notices(TODAY) == []
    commit()
    # The next day the later session is a week away; the first has had its notice.
    [next_day] = queue_session_notices(TODAY + timedelta(days=1))
    commit()
    assert next_day.reminder.occasion.startswith(f"{later.id}:")
    assert queue_session_notices(TODAY + timedelta(days=3)) == []


def test_a_moved_session_gets_a_new_notice(appctx: Flask) -> None:
    create_user(roles=(Role.HR,), language="en")
    cohort = create_cohort("Vårkullet 2027")
    session = add_session(cohort, plan(5), by=None)
    commit()
    [first] = queue_session_notices(TODAY)
    commit()
    assert "No one is placed in this session yet." in first.notification.body_text
    update_session(session, plan(6), by=None)
    commit()
    [moved] = queue_session_notices(TODAY)
    assert moved.reminder.occasion == f"{session.id}:{(TODAY + timedelta(days=6)).isoformat()}"
