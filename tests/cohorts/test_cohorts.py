"""Cohort rules: assignment with capacity and waiting list, moving, calendar invitations."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from icalendar import Calendar
from sqlalchemy import select

from onboarding.auth.models import User
from onboarding.auth.services import send_invitation as send_account_invitation
from onboarding.cohorts.models import Cohort, CohortMember
from onboarding.cohorts.services import (
    CohortError,
    SessionPlan,
    add_session,
    assign_new_hire,
    create_cohort,
    fill_from_waiting_list,
    move_member,
    place_everyone,
    update_session,
)
from onboarding.content.models import Module
from onboarding.extensions import db
from onboarding.learning.models import LessonProgress
from onboarding.learning.services import mark_lesson_read
from onboarding.notifications.models import Notification
from onboarding.notifications.services import deliver
from tests.factories import commit, create_user
from tests.helpers import outbox_messages
from tests.programmes import sync_programme

VALID = Path(__file__).parents[1] / "content" / "courses" / "valid"


def plan(day: date, capacity: int = 2, place: str = "Kommunestyresalen") -> SessionPlan:
    return SessionPlan(day=day, start=(9, 0), end=(15, 0), place=place, capacity=capacity)


@pytest.fixture
def spring_and_autumn(appctx: Flask) -> tuple[Cohort, Cohort]:
    spring = create_cohort("Vårkullet 2027")
    add_session(spring, plan(date(2027, 4, 14), capacity=2), by=None)
    add_session(spring, plan(date(2027, 4, 21), capacity=1), by=None)
    autumn = create_cohort("Høstkullet 2027")
    add_session(autumn, plan(date(2027, 10, 6), capacity=1), by=None)
    commit()
    return spring, autumn


def hire(start: date) -> User:
    return create_user(start_date=start, password=None)


def test_a_new_hire_gets_the_first_session_after_starting(
    spring_and_autumn: tuple[Cohort, Cohort],
) -> None:
    spring, autumn = spring_and_autumn
    member = assign_new_hire(hire(date(2027, 3, 1)))
    assert member is not None
    assert member.cohort_id == spring.id
    assert member.session_id == spring.sessions[0].id
    # Starting on the day of the first spring session still counts («on or after»).
    same_day = assign_new_hire(hire(date(2027, 4, 14)))
    assert same_day is not None
    assert same_day.session_id == spring.sessions[0].id
    # Starting after spring's first session: spring's second session is still after it.
    later = assign_new_hire(hire(date(2027, 4, 15)))
    assert later is not None
    assert (later.cohort_id, later.session_id) == (spring.id, spring.sessions[1].id)
    # Starting after every spring session: the next cohort, autumn.
    autumn_hire = assign_new_hire(hire(date(2027, 4, 22)))
    assert autumn_hire is not None
    assert (autumn_hire.cohort_id, autumn_hire.session_id) == (autumn.id, autumn.sessions[0].id)


def test_full_sessions_spill_over_and_then_the_waiting_list(
    spring_and_autumn: tuple[Cohort, Cohort],
) -> None:
    spring, autumn = spring_and_autumn
    members = [assign_new_hire(hire(date(2027, 3, 1))) for _ in range(5)]
    assert [m.session_id for m in members if m] == [
        spring.sessions[0].id,
        spring.sessions[0].id,
        spring.sessions[1].id,
        autumn.sessions[0].id,
        None,  # every later session is full: the waiting list of the first candidate
    ]
    waiting = members[-1]
    assert waiting is not None
    assert waiting.waiting
    assert waiting.cohort_id == spring.id
    # A new session gives the waiting person a place.
    add_session(spring, plan(date(2027, 4, 28), capacity=5), by=None)
    assert fill_from_waiting_list(spring, by=None) == 1
    assert waiting.session_id == spring.sessions[2].id


def test_the_minimum_days_after_start_is_configurable(
    app: Flask, spring_and_autumn: tuple[Cohort, Cohort]
) -> None:
    spring, autumn = spring_and_autumn
    assert assign_new_hire(hire(date(2027, 3, 20))).cohort_id == spring.id  # type: ignore[union-attr]
    app.config["COHORT_MIN_DAYS_AFTER_START"] = 30
    member = assign_new_hire(hire(date(2027, 3, 20)))  # 14.04 is only 25 days later, 21.04 32
    assert member is not None
    assert member.session_id == spring.sessions[1].id
    app.config["COHORT_MIN_DAYS_AFTER_START"] = 40  # after both spring sessions
    member = assign_new_hire(hire(date(2027, 3, 20)))
    assert member is not None
    assert member.cohort_id == autumn.id


def test_nothing_is_planned_yet(appctx: Flask) -> None:
    assert assign_new_hire(hire(date(2027, 3, 1))) is None


def test_assigning_twice_keeps_one_place(spring_and_autumn: tuple[Cohort, Cohort]) -> None:
    person = hire(date(2027, 3, 1))
    first = assign_new_hire(person)
    assert assign_new_hire(person) is first
    assert len(list(db.session.scalars(select(CohortMember)))) == 1


def test_placing_everyone_places_the_unplaced(spring_and_autumn: tuple[Cohort, Cohort]) -> None:
    person = hire(date(2027, 3, 1))
    report = place_everyone(by=None)
    member = db.session.scalar(select(CohortMember).where(CohortMember.user_id == person.id))
    assert member is not None
    assert report.placed == [member]


def test_the_invitation_carries_a_calendar_file(
    app: Flask, spring_and_autumn: tuple[Cohort, Cohort]
) -> None:
    person = create_user("ola@tynset.example", first_name="Ola", start_date=date(2027, 3, 1))
    assign_new_hire(person)
    commit()
    deliver()
    [message] = outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))
    assert message["Subject"] == "Invitasjon: samling 14. april 2027"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert "Kommunestyresalen" in body.get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    event = Calendar.from_ical(attachment.get_content()).walk("VEVENT")[0]
    assert str(event["LOCATION"]) == "Kommunestyresalen"
    assert event.decoded("DTSTART").isoformat() == "2027-04-14T07:00:00+00:00"  # 09:00 in Oslo


def test_changing_time_or_place_sends_an_update_with_the_same_uid(
    app: Flask, spring_and_autumn: tuple[Cohort, Cohort]
) -> None:
    spring, _autumn = spring_and_autumn
    assign_new_hire(create_user(start_date=date(2027, 3, 1)))
    session = spring.sessions[0]
    uid, sequence = session.calendar_uid, session.sequence
    notifications = update_session(
        session,
        plan(date(2027, 4, 14), capacity=3, place="Tynsethallen"),
        by=None,
    )
    commit()
    [update] = notifications
    assert update.calendar is not None
    event = Calendar.from_ical(update.calendar).events[0]
    assert str(event["UID"]) == uid
    assert event.sequence == sequence + 1
    assert str(event["LOCATION"]) == "Tynsethallen"
    # Only the capacity changed: nobody is told anything.
    assert (
        update_session(session, plan(date(2027, 4, 14), capacity=4, place="Tynsethallen"), by=None)
        == []
    )


def test_sessions_need_sense(spring_and_autumn: tuple[Cohort, Cohort]) -> None:
    spring, _autumn = spring_and_autumn
    with pytest.raises(CohortError):
        add_session(spring, SessionPlan(date(2027, 5, 1), (15, 0), (9, 0), "Sal", 10), by=None)
    with pytest.raises(CohortError):
        add_session(spring, plan(date(2027, 5, 1), capacity=0), by=None)
    with pytest.raises(CohortError):
        create_cohort("vårkullet 2027")  # the same name, whatever the case
    assign_new_hire(hire(date(2027, 3, 1)))
    assign_new_hire(hire(date(2027, 3, 1)))
    with pytest.raises(CohortError, match="kapasiteten"):
        update_session(spring.sessions[0], plan(date(2027, 4, 14), capacity=1), by=None)


def test_moving_a_person_keeps_their_progress(
    spring_and_autumn: tuple[Cohort, Cohort],
) -> None:
    spring, autumn = spring_and_autumn
    sync_programme(VALID)
    person = hire(date(2027, 3, 1))
    # Invited to the platform already, so each place's own invitation goes at once.
    send_account_invitation(person)
    assign_new_hire(person)
    module = db.session.scalar(select(Module).where(Module.slug == "forste"))
    assert module is not None
    assert module.current_version is not None
    mark_lesson_read(person, module.current_version.lessons[0])
    commit()
    member = move_member(person, autumn, autumn.sessions[0], by=None)
    commit()
    assert (member.cohort_id, member.session_id) == (autumn.id, autumn.sessions[0].id)
    assert db.session.scalar(select(LessonProgress).where(LessonProgress.user_id == person.id))
    # A full session refuses; the waiting list does not.
    with pytest.raises(CohortError, match="full"):
        move_member(hire(date(2027, 3, 1)), autumn, autumn.sessions[0], by=None)
    assert move_member(person, spring, None, by=None).waiting
    invitations = db.session.scalars(
        select(Notification).where(
            Notification.recipient_id == person.id, Notification.kind == "cohort_invitation"
        )
    )
    assert len(list(invitations)) == 2  # one for spring, one for autumn; none for waiting
