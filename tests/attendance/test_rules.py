"""The register's rules that used to live in views, called as services: moving the absent,
which session a check-in is for, and the cohort's attendance as a table."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from onboarding.attendance.models import AttendanceStatus
from onboarding.attendance.services import (
    ATTENDANCE_COLUMNS,
    cohort_attendance_rows,
    mark,
    move_absentees,
    session_to_check_in,
)
from onboarding.auth.models import User
from onboarding.cohorts.models import CohortMember, CohortSession
from onboarding.cohorts.services import (
    CohortError,
    SessionPlan,
    add_session,
    assign_new_hire,
    create_cohort,
)
from onboarding.extensions import db
from tests.factories import SessionFactory, commit, create_unit, create_user
from tests.helpers import at_the_session

SPRING = date(2027, 4, 14)
STARTED = date(2027, 3, 1)


def place_of(person: User) -> int | None:
    member = db.session.scalars(select(CohortMember).where(CohortMember.user_id == person.id))
    return member.one().session_id


@pytest.fixture
def spring(appctx: Flask) -> CohortSession:
    session = SessionFactory.create(cohort__name="Vårkullet 2027", day=SPRING, capacity=10)
    commit()
    return session


def member(**kwargs: object) -> User:
    person = create_user(start_date=STARTED, **kwargs)  # type: ignore[arg-type]
    assign_new_hire(person)
    return person


def test_the_absent_move_once_the_session_is_over_and_not_before(spring: CohortSession) -> None:
    autumn = add_session(
        create_cohort("Høstkullet 2027"),
        SessionPlan(SPRING + timedelta(days=180), (9, 0), (15, 0), "Kommunestyresalen", 10),
        by=None,
    )
    came, missing = member(first_name="Kari"), member(first_name="Per")
    with at_the_session(spring):
        mark(spring, came, AttendanceStatus.PRESENT, None)
        with pytest.raises(CohortError, match="ikke over ennå"):
            move_absentees(spring, by=None)
    assert place_of(missing) == spring.id  # nothing moved
    with time_machine.travel(spring.ends_at + timedelta(minutes=1), tick=False):
        cohort, moved = move_absentees(spring, by=None)
    assert cohort.id == autumn.cohort_id
    assert moved == [missing]
    assert place_of(missing) == autumn.id
    assert place_of(came) == spring.id


def test_the_absent_are_not_moved_when_there_is_no_later_cohort(spring: CohortSession) -> None:
    missing = member()
    with (
        time_machine.travel(spring.ends_at + timedelta(minutes=1), tick=False),
        pytest.raises(CohortError, match="ikke noe senere kull"),
    ):
        move_absentees(spring, by=None)
    assert place_of(missing) == spring.id


def test_a_check_in_is_for_the_chosen_session_else_ones_own_else_the_first(
    spring: CohortSession,
) -> None:
    other = add_session(
        spring.cohort, SessionPlan(SPRING, (9, 0), (15, 0), "Tynset barneskole", 10), by=None
    )
    kari = member()  # placed at the first session with room: spring
    stranger = create_user()
    assert place_of(kari) == spring.id
    both = [other, spring]
    assert session_to_check_in(kari, both) == spring
    assert session_to_check_in(kari, both, chosen_id=other.id) == other
    assert session_to_check_in(kari, both, chosen_id=999_999) == spring  # not open: ignored
    assert session_to_check_in(stranger, both) == other


def test_the_cohorts_attendance_table_has_a_row_per_member_by_name(
    spring: CohortSession,
) -> None:
    unit = create_unit("Hjemmetjenesten")
    per = member(first_name="Per", last_name="Aas", unit=unit)
    kari = member(first_name="Kari", last_name="Berg")
    with at_the_session(spring):
        mark(spring, kari, AttendanceStatus.LATE, None, note="Bussen var sen")
    rows = cohort_attendance_rows(spring.cohort)
    assert len(ATTENDANCE_COLUMNS) == len(rows[0])
    assert [row[1] for row in rows] == [per.full_name, kari.full_name]
    assert rows[0][3:] == ["Hjemmetjenesten", "14.04.2027 kl. 09.00", "", ""]
    assert rows[1][5:] == ["Kom for sent", "Bussen var sen"]


def test_the_table_names_the_waiting_list(spring: CohortSession) -> None:
    waiting = create_cohort("Høstkullet 2027")
    person = create_user(start_date=STARTED)
    db.session.add(CohortMember(user_id=person.id, cohort_id=waiting.id, session_id=None))
    db.session.flush()
    [row] = cohort_attendance_rows(waiting)
    assert row[4] == "Venteliste"
