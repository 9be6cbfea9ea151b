"""Employees' deadline reminders: a week before, and once the deadline has passed."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from onboarding.auth.models import Role
from onboarding.content.models import Programme
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.learning.services import change_due_date
from onboarding.reminders.models import Reminder
from onboarding.reminders.services import (
    DEADLINE_PASSED,
    DEADLINE_SOON,
    queue_deadline_reminders,
)
from tests.factories import commit, create_user
from tests.reminders.conftest import TODAY, employee, enrol


def run(day: date) -> list[tuple[str, str]]:
    """The reminders a run on ``day`` queues, as (kind, recipient e-mail)."""
    queued = queue_deadline_reminders(day)
    commit()
    return [(item.reminder.kind, item.recipient.email) for item in queued]


def test_which_reminder_depends_on_the_days_left(programme: Programme) -> None:
    for days_left in (8, 7, 0, -1):
        enrol(employee(f"Frist{days_left + 10}"), programme, TODAY + timedelta(days=days_left))
    commit()
    assert sorted(run(TODAY)) == [
        (DEADLINE_PASSED, "frist9@tynset.example"),  # the day after
        (DEADLINE_SOON, "frist10@tynset.example"),  # on the due date: not passed yet
        (DEADLINE_SOON, "frist17@tynset.example"),  # seven days before
    ]  # eight days before: nothing yet


def test_each_reminder_goes_once_however_often_it_runs(programme: Programme) -> None:
    due = TODAY
    enrol(employee("Hansen"), programme, due)
    commit()
    me = "hansen@tynset.example"
    assert run(due - timedelta(days=8)) == []
    assert run(due - timedelta(days=7)) == [(DEADLINE_SOON, me)]
    assert run(due - timedelta(days=7)) == []
    assert run(due - timedelta(days=2)) == []
    assert run(due) == []
    assert run(due + timedelta(days=1)) == [(DEADLINE_PASSED, me)]
    assert run(due + timedelta(days=1)) == []
    assert run(due + timedelta(days=30)) == []
    assert db.session.scalar(select(func.count(Reminder.id))) == 2


def test_only_the_passed_reminder_when_the_first_run_is_after_the_deadline(
    programme: Programme,
) -> None:
    enrol(employee("Sen"), programme, TODAY - timedelta(days=3))
    commit()
    assert run(TODAY) == [(DEADLINE_PASSED, "sen@tynset.example")]
    assert run(TODAY + timedelta(days=1)) == []


def test_a_moved_deadline_gets_reminders_of_its_own(programme: Programme) -> None:
    hr = create_user(roles=(Role.HR,))
    person = employee("Flytt")
    enrolment = enrol(person, programme, TODAY)
    commit()
    assert run(TODAY + timedelta(days=1)) == [(DEADLINE_PASSED, person.email)]
    new_due = TODAY + timedelta(days=14)
    change_due_date(enrolment, new_due, hr)
    commit()
    assert run(TODAY + timedelta(days=2)) == []
    assert run(new_due - timedelta(days=7)) == [(DEADLINE_SOON, person.email)]
    assert run(new_due + timedelta(days=1)) == [(DEADLINE_PASSED, person.email)]
    occasions = set(db.session.scalars(select(Reminder.occasion)))
    assert occasions == {
        f"{enrolment.id}:{TODAY.isoformat()}",
        f"{enrolment.id}:{new_due.isoformat()}",
    }


def test_completed_deactivated_and_opted_out_people_get_nothing(programme: Programme) -> None:
    due = TODAY - timedelta(days=1)
    enrol(employee("Med"), programme, due)
    enrol(employee("Ferdig"), programme, due).completed_at = utcnow()
    enrol(employee("Borte", active=False), programme, due)
    permisjon = employee("Permisjon")
    permisjon.reminders_opt_out = True
    enrol(permisjon, programme, due)
    employee("Ikkepameldt")  # not enrolled at all
    commit()
    assert run(TODAY) == [(DEADLINE_PASSED, "med@tynset.example")]


def test_the_email_links_home_and_says_whom_to_ask(programme: Programme) -> None:
    leader = create_user(first_name="Liv", last_name="Leder")
    person = employee("Engelsk", language="en")
    person.manager_id = leader.id
    enrol(person, programme, TODAY + timedelta(days=7))
    enrol(employee("Utenleder", language="en"), programme, TODAY + timedelta(days=7))
    commit()
    [with_leader, without] = queue_deadline_reminders(TODAY)
    body = with_leader.notification.body_text
    assert with_leader.notification.subject == "Reminder: finish the introduction by 15 March 2027"
    assert "Hello Kari," in body
    assert "http://onboarding.test/\n" in body
    assert "you can ignore this e-mail" in body
    assert "contact your immediate leader, Liv Leder, or the HR department" in body
    assert "contact your immediate leader or the HR department" in without.notification.body_text
