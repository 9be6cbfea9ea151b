"""The year's rules, one at a time: the four cases seen on 2 December 2026 (regressions),
then placement, placing by hand, the day itself, moves and invitations.

The clock stands at 2 December 2026 unless a test moves it; the sessions are in 2027.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy import func, select

from onboarding.attendance.models import Attendance, AttendanceChange, AttendanceStatus
from onboarding.attendance.progress import Progress, progress_of
from onboarding.attendance.services import AttendanceError, check_in, check_in_code, mark
from onboarding.auth.models import Role, User
from onboarding.auth.services import TokenProblem, TokenPurpose, make_token, user_for_token
from onboarding.cohorts.models import Cohort, CohortMember, CohortSession
from onboarding.cohorts.services import (
    CohortError,
    NeedsConfirmation,
    SessionPlan,
    add_session,
    create_cohort,
    membership,
    move_member,
    place_by_hand,
    place_everyone,
    unplaced_query,
    unplaced_reason,
    update_session,
    waiting_query,
)
from onboarding.extensions import db
from onboarding.learning.models import Enrolment
from onboarding.learning.services import change_due_date, current_programme, ensure_enrolment
from onboarding.notifications.models import Notification
from onboarding.reminders.services import (
    place_and_invite,
    queue_deadline_reminders,
    queue_leader_digests,
)
from tests.attendance.test_attendance import complete_modules
from tests.factories import commit, create_unit, create_user
from tests.helpers import AuthActions, csrf_token, post_form, text_of
from tests.programmes import sync_programme

OSLO = ZoneInfo("Europe/Oslo")
VALID = Path(__file__).parents[1] / "content" / "courses" / "valid"
TODAY = date(2026, 12, 2)
SAMLING = date(2027, 3, 22)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=OSLO)


def plan(day: date, capacity: int = 20, place: str = "Kommunestyresalen") -> SessionPlan:
    return SessionPlan(day, (9, 0), (15, 0), place, capacity, opens_minutes_before=15)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(at(TODAY), tick=False) as traveller:
        yield traveller


@pytest.fixture
def spring(appctx: Flask, clock: time_machine.Traveller) -> CohortSession:
    """«Vårkullet 2027»: two days in March, the programme loaded (eight weeks)."""
    sync_programme(VALID)
    cohort = create_cohort("Vårkullet 2027")
    session = add_session(cohort, plan(SAMLING), by=None)
    add_session(cohort, plan(SAMLING + timedelta(days=7), place="Tynsethallen"), by=None)
    commit()
    return session


def ingrid(start: date = date(2026, 11, 18), **kwargs: object) -> User:
    """Like the demo's Ingrid: a nurse who started two weeks ago."""
    kwargs.setdefault("first_name", "Ingrid")
    kwargs.setdefault("last_name", "Nyland")
    person = create_user(start_date=start, **kwargs)  # type: ignore[arg-type]
    programme = current_programme()
    if programme is not None:
        ensure_enrolment(person, programme)
    return person


def enrolment_of(person: User) -> Enrolment:
    return db.session.scalars(select(Enrolment).where(Enrolment.user_id == person.id)).one()


# -- the four cases seen on 2 December 2026 -------------------------------------------------


def test_seen_1_people_without_a_cohort_are_placed_when_one_is_planned(
    spring: CohortSession,
) -> None:
    """Hires starting after every planned samling were left «Ikke plassert» for good:
    planning «Høstkullet 2027» did not place them, nor did importing them again."""
    april = ingrid(date(2027, 4, 1), first_name="April")
    may = ingrid(date(2027, 5, 2), first_name="Mai")
    assert place_everyone(by=None).count == 0
    assert [u.id for u in db.session.scalars(unplaced_query())] == [april.id, may.id]
    with force_locale("nb"):
        assert unplaced_reason(april) == (
            "Ingen kull har en samling 01.04.2027 eller senere. Planlegg en, så blir de plassert."
        )

    autumn = create_cohort("Høstkullet 2027")
    session = add_session(autumn, plan(date(2027, 9, 20)), by=None)
    report = place_everyone(by=None)
    assert {m.user_id for m in report.placed} == {april.id, may.id}
    assert {m.session_id for m in report.placed} == {session.id}
    assert list(db.session.scalars(unplaced_query())) == []


def test_seen_1_the_nightly_job_places_a_hire_imported_before_the_cohort(
    spring: CohortSession,
) -> None:
    late = ingrid(date(2027, 6, 1))
    place_and_invite(TODAY)
    assert membership(late) is None
    autumn = create_cohort("Høstkullet 2027")
    add_session(autumn, plan(date(2027, 9, 20)), by=None)
    commit()  # HR planned it on a page that (say) failed to place anyone
    place_and_invite(TODAY + timedelta(days=1))
    place = membership(late)
    assert place is not None
    assert place.cohort_id == autumn.id


def test_seen_2_present_is_refused_before_the_day(spring: CohortSession) -> None:
    """On 2 December HR could mark Ingrid «Møtt» for 22 March, and a certificate followed."""
    person = ingrid()
    place_everyone(by=None)
    complete_modules(person)
    hr = create_user(roles=(Role.HR,))
    for status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.ABSENT):
        with pytest.raises(AttendanceError, match="22.03.2027 kl. 08.45"):
            mark(spring, person, status, hr)
    assert db.session.scalar(select(func.count(Attendance.id))) == 0
    assert enrolment_of(person).completed_at is None
    # An absence known in advance can be recorded.
    mark(spring, person, AttendanceStatus.EXCUSED, hr, note="Permisjon")
    assert db.session.scalar(select(func.count(Attendance.id))) == 1


def test_seen_2_from_the_grace_before_the_start_present_counts(
    spring: CohortSession, clock: time_machine.Traveller
) -> None:
    person = ingrid()
    place_everyone(by=None)
    complete_modules(person)
    clock.move_to(at(SAMLING, 8, 44))
    with pytest.raises(AttendanceError):
        mark(spring, person, AttendanceStatus.PRESENT, None)
    clock.move_to(at(SAMLING, 8, 45))
    mark(spring, person, AttendanceStatus.PRESENT, None)
    assert enrolment_of(person).completed_at is not None


def test_seen_2_self_check_in_keeps_to_the_window(
    spring: CohortSession, clock: time_machine.Traveller
) -> None:
    person = ingrid()
    place_everyone(by=None)
    code = check_in_code(spring)
    with pytest.raises(AttendanceError, match="bare åpen under samlingen"):
        check_in(person, spring, code)
    clock.move_to(at(SAMLING, 8, 30))
    with pytest.raises(AttendanceError):
        check_in(person, spring, check_in_code(spring))
    clock.move_to(at(SAMLING, 15, 1))
    with pytest.raises(AttendanceError):
        check_in(person, spring, check_in_code(spring))
    clock.move_to(at(SAMLING, 8, 50))
    assert check_in(person, spring, check_in_code(spring)) is True


def test_seen_3_a_move_voids_the_marks_left_behind(
    app: Flask, client: FlaskClient, spring: CohortSession
) -> None:
    """Moved to another session, Ingrid's page showed her old mark and her new one, and the
    old register showed «Person: –»."""
    person = ingrid(unit=create_unit("Hjemmetjenesten"))
    create_user("hr@tynset.example", roles=(Role.HR,), first_name="Hanne", last_name="Berg")
    hr = db.session.scalars(select(User).where(User.email == "hr@tynset.example")).one()
    place_everyone(by=None)
    mark(spring, person, AttendanceStatus.EXCUSED, hr, note="Vakt")
    later = spring.cohort.sessions[1]
    commit()
    person_id, later_id, spring_id, cohort_id = person.id, later.id, spring.id, spring.cohort_id

    AuthActions(client).login("hr@tynset.example")
    moved = post_form(
        client, f"/cohorts/members/{person_id}/move", {"target": f"{cohort_id}:{later_id}"}
    )
    assert moved.status_code == 302
    assert db.session.scalar(select(func.count(Attendance.id))) == 0
    change = db.session.scalars(
        select(AttendanceChange).where(AttendanceChange.new_status.is_(None))
    ).one()
    assert (change.session_id, change.old_status, change.reason) == (
        spring_id,
        AttendanceStatus.EXCUSED,
        "Flyttet til Vårkullet 2027",
    )
    page = text_of(client.get(f"/people/{person_id}"))
    assert "Oppmøte: Gyldig fravær" not in page  # no mark shown as current
    assert "Gyldig fravær → annullert (Flyttet til Vårkullet 2027)" in page
    assert "29.03.2027 kl. 09.00, Tynsethallen" in page  # the history of moves
    register = text_of(client.get(f"/sessions/{spring_id}/register"))
    assert "Ingrid Nyland Gyldig fravær (Vakt) Annullert: Flyttet til Vårkullet 2027" in register
    assert "Person: –" not in register
    # In the new session she has no mark; the old one counts nowhere.
    new_register = text_of(client.get(f"/sessions/{later_id}/register"))
    assert "Nyland, Ingrid Ikke markert" in new_register  # no status in the row
    assert "Ingen markeringer ennå" in new_register


def test_seen_4_the_deadline_waits_for_the_samling(spring: CohortSession) -> None:
    """Ingrid's deadline was 10.02.2027 with her samling on 22.03.2027: with every module done
    she was «Forsinket», named in her leader's digest, and reminded of a deadline that had
    nothing left for her to do."""
    unit = create_unit("Hjemmetjenesten")
    leader = create_user(roles=(Role.LEADER,), leads=unit)
    person = ingrid(unit=unit)
    assert enrolment_of(person).due_date == date(2026, 11, 18) + timedelta(weeks=8)
    place_everyone(by=None)
    assert membership(person).session_id == spring.id  # type: ignore[union-attr]
    assert enrolment_of(person).due_date == SAMLING  # the later of the two
    complete_modules(person)
    commit()
    for day in (date(2027, 2, 10), date(2027, 2, 11), date(2027, 3, 15), SAMLING):
        assert progress_of(enrolment_of(person), day) is Progress.WAITING
        assert queue_deadline_reminders(day) == []
        assert queue_leader_digests(day) == []
    assert leader.id  # the leader exists, with the unit; nobody there is behind


def test_seen_4_the_deadline_follows_a_move_and_a_moved_session(spring: CohortSession) -> None:
    person = ingrid()
    place_everyone(by=None)
    later = spring.cohort.sessions[1]
    move_member(person, spring.cohort, later, by=None)
    assert enrolment_of(person).due_date == SAMLING + timedelta(days=7)
    update_session(later, plan(date(2027, 4, 12), place="Tynsethallen"), by=None)
    assert enrolment_of(person).due_date == date(2027, 4, 12)


def test_seen_4_a_deadline_hr_set_by_hand_stays(spring: CohortSession) -> None:
    person = ingrid()
    hr = create_user(roles=(Role.HR,))
    change_due_date(enrolment_of(person), date(2027, 6, 1), hr)
    place_everyone(by=None)
    assert enrolment_of(person).due_date == date(2027, 6, 1)


def test_the_deadline_has_a_configurable_margin_after_the_samling(
    app: Flask, spring: CohortSession
) -> None:
    app.config["DEADLINE_DAYS_AFTER_SESSION"] = 14
    person = ingrid()
    place_everyone(by=None)
    assert enrolment_of(person).due_date == SAMLING + timedelta(days=14)


def test_overdue_means_the_deadline_passed_and_the_programme_is_not_complete(
    spring: CohortSession,
) -> None:
    done = ingrid(first_name="Ferdig")
    behind = ingrid(first_name="Bak")
    place_everyone(by=None)
    complete_modules(done)
    after = SAMLING + timedelta(days=1)
    assert progress_of(enrolment_of(behind), after) is Progress.OVERDUE
    # Modules done and the samling missed: waiting for a new place (HR moves them), and
    # overdue once the deadline has passed too.
    assert progress_of(enrolment_of(done), after) is Progress.OVERDUE
    assert progress_of(enrolment_of(done), SAMLING) is Progress.WAITING


# -- placement by the rule -------------------------------------------------------------------


def test_the_waiting_are_placed_in_start_date_order_when_a_capacity_is_raised(
    spring: CohortSession,
) -> None:
    small = create_cohort("Lite kull")
    tiny = add_session(small, plan(date(2027, 1, 20), capacity=1), by=None)
    for session in spring.cohort.sessions:
        update_session(session, plan(local_day(session), capacity=1, place=session.place), by=None)
    people = [
        ingrid(date(2027, 1, 4) + timedelta(days=d), first_name=f"P{d}") for d in (3, 1, 2, 0)
    ]
    place_everyone(by=None)
    seated = {m.user_id for m in db.session.scalars(select(CohortMember)) if m.session_id}
    # Earliest start first: P0 gets the January day, P1 and P2 the March days, P3 waits.
    assert seated == {people[3].id, people[1].id, people[2].id}
    assert [m.user_id for m in db.session.scalars(waiting_query())] == [people[0].id]
    update_session(tiny, plan(date(2027, 1, 20), capacity=2), by=None)
    assert place_everyone(by=None).count == 1
    assert membership(people[0]).session_id == tiny.id  # type: ignore[union-attr]


def local_day(session: CohortSession) -> date:
    return session.starts_at.astimezone(OSLO).date()


def test_a_session_that_has_been_held_places_nobody(
    spring: CohortSession, clock: time_machine.Traveller
) -> None:
    clock.move_to(at(SAMLING + timedelta(days=8)))
    late = ingrid(date(2027, 3, 1))
    assert place_everyone(by=None).count == 0
    assert membership(late) is None


def test_people_who_completed_or_left_are_not_counted_as_unplaced(spring: CohortSession) -> None:
    gone = ingrid(date(2027, 12, 1), first_name="Sluttet")
    gone.active = False
    hr = create_user(roles=(Role.HR,), start_date=date(2027, 12, 1))
    no_start = create_user(start_date=None)
    assert not {gone.id, hr.id, no_start.id} & {u.id for u in db.session.scalars(unplaced_query())}


# -- placing by hand -----------------------------------------------------------------------


def test_placing_by_hand_over_the_capacity_needs_confirmation(spring: CohortSession) -> None:
    full = add_session(create_cohort("Høstkullet 2027"), plan(date(2027, 9, 20), 1), by=None)
    first, second = ingrid(first_name="En"), ingrid(first_name="To")
    hr = create_user(roles=(Role.HR,))
    place_by_hand([first], full.cohort, full, by=hr)
    with pytest.raises(NeedsConfirmation) as warned:
        place_by_hand([second], full.cohort, full, by=hr)
    assert "1 flere enn kapasiteten" in warned.value.warnings[0]
    assert membership(second) is None  # nothing changed
    place_by_hand([second], full.cohort, full, by=hr, confirmed=True)
    assert membership(second).session_id == full.id  # type: ignore[union-attr]


def test_placing_before_the_start_date_needs_confirmation(spring: CohortSession) -> None:
    summer = ingrid(date(2027, 6, 1))
    with pytest.raises(NeedsConfirmation, match="etter samlingen"):
        place_by_hand([summer], spring.cohort, spring, by=None)
    place_by_hand([summer], spring.cohort, spring, by=None, confirmed=True)
    assert membership(summer).session_id == spring.id  # type: ignore[union-attr]


def test_bad_placements_are_refused_and_change_nothing(
    spring: CohortSession, clock: time_machine.Traveller
) -> None:
    person = ingrid()
    colleague = ingrid(first_name="Kollega")
    gone = ingrid(first_name="Sluttet")
    gone.active = False
    place_everyone(by=None)
    assert membership(person).session_id == spring.id  # type: ignore[union-attr]
    with pytest.raises(CohortError, match="deaktivert"):
        place_by_hand([person, gone], spring.cohort, spring.cohort.sessions[1], by=None)
    assert membership(person).session_id == spring.id  # type: ignore[union-attr]
    # A capacity below the number already placed.
    assert membership(colleague).session_id == spring.id  # type: ignore[union-attr]
    with pytest.raises(CohortError, match="kapasiteten kan ikke være lavere"):
        update_session(spring, plan(SAMLING, capacity=1), by=None)
    clock.move_to(at(SAMLING + timedelta(days=8)))
    with pytest.raises(CohortError, match="er allerede holdt"):
        place_by_hand([person], spring.cohort, spring, by=None, confirmed=True)
    with pytest.raises(CohortError, match="ingen samling fram i tid"):
        place_by_hand([person], spring.cohort, None, by=None, confirmed=True)
    assert membership(person).session_id == spring.id  # type: ignore[union-attr]


def test_someone_who_attended_is_not_moved(
    spring: CohortSession, clock: time_machine.Traveller
) -> None:
    person = ingrid()
    place_everyone(by=None)
    clock.move_to(at(SAMLING, 9, 30))
    mark(spring, person, AttendanceStatus.LATE, None)
    with pytest.raises(CohortError, match="møtte på samlingen 22.03.2027"):
        move_member(person, spring.cohort, spring.cohort.sessions[1], by=None)
    assert db.session.scalars(select(Attendance)).one().status is AttendanceStatus.LATE


def test_two_advisers_placing_the_same_person_at_once(
    app: Flask, make_app: Callable[..., Flask], spring: CohortSession
) -> None:
    """Both read the person as unplaced; the database lets one place them and the other is
    told. Then both move the placed person from the same place: again one wins."""
    person = ingrid()
    commit()
    person_id, cohort_id, first_id, second_id = (
        person.id,
        spring.cohort_id,
        spring.id,
        spring.cohort.sessions[1].id,
    )
    other = make_app()
    with other.app_context():
        theirs = db.session.get_one(User, person_id)
        assert membership(theirs) is None  # read before the other adviser places
        with app.app_context():
            place_by_hand(
                [db.session.get_one(User, person_id)],
                db.session.get_one(Cohort, cohort_id),
                db.session.get(CohortSession, first_id),
                by=None,
            )
            commit()
        with pytest.raises(CohortError, match="plassert av noen andre"):
            place_by_hand(
                [theirs],
                db.session.get_one(Cohort, cohort_id),
                db.session.get(CohortSession, second_id),
                by=None,
                seen={person_id: None},  # the page they chose on showed her unplaced
            )
        db.session.rollback()
    assert db.session.scalar(select(func.count(CohortMember.id))) == 1

    with other.app_context():
        theirs = db.session.get_one(User, person_id)
        stale = membership(theirs)
        assert stale is not None
        assert stale.session_id == first_id
        with app.app_context():
            mine = db.session.get_one(User, person_id)
            placed = membership(mine)
            assert placed is not None
            move_member(mine, placed.cohort, db.session.get(CohortSession, second_id), by=None)
            commit()
        with pytest.raises(CohortError, match="flyttet av noen andre"):
            move_member(theirs, stale.cohort, None, by=None)
        db.session.rollback()
    db.session.expire_all()
    assert membership(db.session.get_one(User, person_id)).session_id == second_id  # type: ignore[union-attr]


def test_hr_places_several_people_from_the_people_list(
    app: Flask, client: FlaskClient, spring: CohortSession
) -> None:
    create_user("hr@tynset.example", roles=(Role.HR,))
    april = ingrid(date(2027, 4, 1), first_name="April")
    may = ingrid(date(2027, 5, 2), first_name="Mai")
    autumn = add_session(create_cohort("Høstkullet 2027"), plan(date(2027, 9, 20), 1), by=None)
    commit()
    ids = [april.id, may.id]
    target = f"{autumn.cohort_id}:{autumn.id}"
    AuthActions(client).login("hr@tynset.example")
    listing = client.get("/people?placement=unplaced")
    assert "Plasser de valgte i et kull" in text_of(listing)
    page = client.get("/cohorts/place", query_string={"user": ids})
    assert "Plasser 2 personer i et kull" in text_of(page)
    warned = client.post(
        "/cohorts/place", data={"csrf_token": csrf_token(client), "user": ids, "target": target}
    )
    assert warned.status_code == 409
    assert "Samlingen har 1 ledige plasser av 1" in text_of(warned)
    assert db.session.scalar(select(func.count(CohortMember.id))) == 0
    placed = client.post(
        "/cohorts/place",
        data={"csrf_token": csrf_token(client), "user": ids, "target": target, "confirm": "1"},
        follow_redirects=True,
    )
    assert "2 personer er plassert i Høstkullet 2027" in text_of(placed)
    assert db.session.scalar(select(func.count(CohortMember.id))) == 2
    # A forged target changes nothing and says why.
    forged = client.post(
        "/cohorts/place",
        data={"csrf_token": csrf_token(client), "user": ids, "target": "999999:1"},
    )
    assert forged.status_code == 400
    assert "Velg hvor de skal plasseres." in text_of(forged)


# -- invitations -------------------------------------------------------------------------


def test_an_invitation_goes_fourteen_days_before_the_start(
    spring: CohortSession, clock: time_machine.Traveller
) -> None:
    person = ingrid(date(2027, 3, 1), password=None)
    place_everyone(by=None)
    place = membership(person)
    assert place is not None
    assert place.invited_at is None  # waits for her own invitation
    for day in (date(2027, 2, 14), date(2027, 2, 15), date(2027, 2, 16)):
        clock.move_to(at(day, 2))
        place_and_invite(day)
    kinds = [n.kind for n in db.session.scalars(select(Notification).order_by(Notification.id))]
    assert kinds == ["invitation", "cohort_invitation"]
    invitation = db.session.scalars(
        select(Notification).where(Notification.kind == "invitation")
    ).one()
    assert invitation.created_at == at(date(2027, 2, 15), 2)


def test_an_invitation_link_sent_early_works_until_after_the_start(
    spring: CohortSession, clock: time_machine.Traveller
) -> None:
    person = ingrid(date(2027, 3, 1), password=None)
    token = make_token(person, TokenPurpose.INVITATION)
    clock.move_to(at(date(2027, 3, 15), 23, 59))  # 103 days later, start + 14
    assert user_for_token(token, TokenPurpose.INVITATION).id == person.id
    clock.move_to(at(date(2027, 3, 16), 0, 1))
    with pytest.raises(TokenProblem, match="utløpt"):
        user_for_token(token, TokenPurpose.INVITATION)


def test_hr_sees_when_the_invitation_goes_and_can_send_it_now(
    client: FlaskClient, spring: CohortSession
) -> None:
    create_user("hr@tynset.example", roles=(Role.HR,))
    person = ingrid(date(2027, 3, 1), password=None)
    place_everyone(by=None)
    commit()
    person_id = person.id
    AuthActions(client).login("hr@tynset.example")
    page = text_of(client.get(f"/people/{person_id}"))
    assert "Invitasjon sendes 15.02.2027" in page
    sent = client.post(
        f"/people/{person_id}/invitation",
        data={"csrf_token": csrf_token(client)},
        follow_redirects=True,
    )
    assert "Invitasjonen er sendt til" in text_of(sent)
    kinds = sorted(n.kind for n in db.session.scalars(select(Notification)))
    assert kinds == ["cohort_invitation", "invitation"]  # her place, which waited, too
