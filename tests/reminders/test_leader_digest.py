"""Leaders' weekly digest: their people who are overdue or missed the introduction day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from onboarding.attendance.models import AttendanceStatus
from onboarding.attendance.services import mark
from onboarding.auth.models import Role, User
from onboarding.cohorts.models import Cohort, CohortSession
from onboarding.cohorts.services import SessionPlan, add_session, create_cohort, move_member
from onboarding.content.models import Programme
from onboarding.database import utcnow
from onboarding.learning.services import change_due_date
from onboarding.reminders.services import LEADER_DIGEST, iso_week, queue_leader_digests
from tests.factories import commit, create_user
from tests.helpers import at_the_session
from tests.reminders.conftest import TODAY, Org, employee, enrol

OVERDUE = TODAY - timedelta(days=1)
LATER = TODAY + timedelta(days=30)


@pytest.fixture
def sessions(programme: Programme) -> tuple[Cohort, CohortSession, CohortSession]:
    cohort = create_cohort("Vårkullet 2027")
    first = add_session(
        cohort, SessionPlan(date(2027, 2, 10), (9, 0), (15, 0), "Salen", 20), by=None
    )
    second = add_session(
        cohort, SessionPlan(date(2027, 2, 24), (9, 0), (15, 0), "Salen", 20), by=None
    )
    commit()
    return cohort, first, second


def absent_from(session: CohortSession, person: User, hr: User, status: AttendanceStatus) -> None:
    """Place ``person`` at ``session`` now, and mark them on its day."""
    move_member(person, session.cohort, session, by=None)
    with at_the_session(session):
        mark(session, person, status, hr)


def enrol_later(person: User, programme: Programme, hr: User) -> User:
    """Enrolled, and given a later deadline by HR by hand: a placement does not move it back
    to the rule's (the start date's eight weeks end on 1 March), so only a missed session can
    put them in the digest."""
    change_due_date(enrol(person, programme, OVERDUE), LATER, hr)
    return person


def test_the_digest_lists_their_people_behind_and_no_one_else(
    programme: Programme, org: Org, sessions: tuple[Cohort, CohortSession, CohortSession]
) -> None:
    cohort, first, second = sessions
    hr = create_user(roles=(Role.HR,))
    leader = create_user("leder@tynset.example", roles=(Role.LEADER,), leads=org.helse)
    enrol(leader, programme, OVERDUE)  # a leader is not listed in their own digest
    sibling_leader = create_user(roles=(Role.LEADER,), leads=org.oppvekst)
    # Listed: in the unit led and in a unit below it.
    enrol(employee("Below", org.hjemme, "Helsefagarbeider"), programme, OVERDUE)
    absent_from(
        first,
        enrol_later(employee("Absent", org.helse), programme, hr),
        hr,
        AttendanceStatus.ABSENT,
    )
    absent_from(
        first,
        enrol_later(employee("Excused", org.hjemme), programme, hr),
        hr,
        AttendanceStatus.EXCUSED,
    )
    # Not listed.
    came_later = enrol_later(employee("Camelater", org.helse), programme, hr)
    absent_from(first, came_later, hr, AttendanceStatus.ABSENT)
    move_member(came_later, cohort, second, by=None)  # voids the absence from the first
    with at_the_session(second):
        mark(second, came_later, AttendanceStatus.LATE, hr)
    enrol(employee("Sibling", org.oppvekst), programme, OVERDUE)
    enrol(employee("Parent", org.kommune), programme, OVERDUE)
    enrol(employee("Gone", org.helse, active=False), programme, OVERDUE)
    enrol(employee("Done", org.helse), programme, OVERDUE).completed_at = utcnow()
    enrol(employee("Ontime", org.helse), programme, TODAY)
    commit()

    digests = {item.recipient.id: item for item in queue_leader_digests(TODAY)}
    assert set(digests) == {leader.id, sibling_leader.id}
    digest = digests[leader.id]
    assert (digest.reminder.kind, digest.reminder.occasion) == (LEADER_DIGEST, "2027-W10")
    body = digest.notification.body_text
    names = ["Below", "Absent", "Excused", "Camelater", "Sibling", "Parent", "Gone", "Done"]
    names += ["Ontime", leader.last_name]
    assert {name for name in names if f" {name} (" in body} == {"Below", "Absent", "Excused"}
    sibling_body = digests[sibling_leader.id].notification.body_text
    assert {name for name in names if f" {name} (" in sibling_body} == {"Sibling"}
    assert "Kari Below (Hjemmetjenesten, Helsefagarbeider)" in body
    assert "http://onboarding.test/team" in body


def test_the_digest_goes_once_a_week_and_not_when_empty(programme: Programme, org: Org) -> None:
    leader = create_user(roles=(Role.LEADER,), leads=org.helse)
    create_user(roles=(Role.LEADER,), leads=org.kultur)  # nobody behind in Kultur
    late = employee("Late", org.helse)
    enrol(late, programme, OVERDUE)
    commit()
    assert [d.recipient.id for d in queue_leader_digests(TODAY)] == [leader.id]
    commit()
    assert queue_leader_digests(TODAY) == []
    assert queue_leader_digests(TODAY + timedelta(days=6)) == []  # Sunday, same week
    next_week = TODAY + timedelta(days=7)
    [again] = queue_leader_digests(next_week)
    commit()
    assert again.reminder.occasion == iso_week(next_week) == "2027-W11"
    late.active = False
    commit()
    assert queue_leader_digests(TODAY + timedelta(days=14)) == []


def test_opted_out_and_deactivated_leaders_get_no_digest(programme: Programme, org: Org) -> None:
    opted_out = create_user(roles=(Role.LEADER,), leads=org.helse)
    opted_out.reminders_opt_out = True
    create_user(roles=(Role.LEADER,), leads=org.helse, active=False)
    enrol(employee("Late", org.helse), programme, OVERDUE)
    commit()
    assert queue_leader_digests(TODAY) == []
