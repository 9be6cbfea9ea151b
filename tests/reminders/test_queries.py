"""A run reads with a fixed number of queries, however many people it reminds."""

from __future__ import annotations

from datetime import timedelta

from onboarding.attendance.models import AttendanceStatus
from onboarding.attendance.services import mark
from onboarding.auth.models import Role
from onboarding.cohorts.services import SessionPlan, add_session, create_cohort, move_member
from onboarding.content.models import Programme
from onboarding.extensions import db
from onboarding.reminders.services import queue_reminders
from tests.conftest import CountQueries
from tests.factories import commit, create_unit, create_user
from tests.helpers import at_the_session
from tests.reminders.conftest import TODAY, Org, employee, enrol


def test_reading_does_not_grow_with_the_number_of_people(
    programme: Programme, org: Org, count_queries: CountQueries
) -> None:
    hr = create_user(roles=(Role.HR,))
    cohort = create_cohort("Vårkullet 2027")
    past = add_session(
        cohort,
        SessionPlan(TODAY - timedelta(days=20), (9, 0), (15, 0), "Salen", 99),
        by=None,
    )
    coming = add_session(
        cohort,
        SessionPlan(TODAY + timedelta(days=5), (9, 0), (15, 0), "Salen", 99),
        by=None,
    )
    manager = create_user()

    def add_people(count: int) -> None:
        for _ in range(count):
            unit = create_unit(parent=org.helse)
            create_user(roles=(Role.LEADER,), leads=unit)
            create_user(roles=(Role.HR,))
            soon = employee(f"Snart{unit.id}", unit)
            soon.manager_id = manager.id
            enrol(soon, programme, TODAY + timedelta(days=3))
            enrol(employee(f"Sen{unit.id}", unit), programme, TODAY - timedelta(days=3))
            absent = employee(f"Borte{unit.id}", unit)
            enrol(absent, programme, TODAY + timedelta(days=30))
            move_member(absent, cohort, past, by=None)
            with at_the_session(past):  # marked on the day
                mark(past, absent, AttendanceStatus.ABSENT, hr)
            move_member(employee(f"Kommer{unit.id}", unit), cohort, coming, by=None)
        commit()

    def selects() -> tuple[int, int]:
        """How many SELECTs a run makes, and how many reminders it queues (undone after)."""
        try:
            with count_queries() as statements:
                queued = len(queue_reminders(TODAY))
        finally:
            db.session.rollback()
        return sum(
            1 for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))
        ), queued

    add_people(2)
    few, few_queued = selects()
    add_people(10)
    many, many_queued = selects()
    assert many_queued > few_queued
    assert many == few
