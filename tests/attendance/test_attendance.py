"""The attendance register, self check-in, and completion that waits for attendance."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select

from onboarding.attendance.models import AttendanceChange, AttendanceStatus
from onboarding.attendance.services import (
    AttendanceError,
    absentees,
    check_in,
    check_in_code,
    code_is_valid,
    mark,
    mark_rest_present,
    register,
)
from onboarding.auth.models import Role, User
from onboarding.certificates.models import Certificate
from onboarding.cohorts.models import Cohort, CohortMember, CohortSession
from onboarding.cohorts.services import SessionPlan, add_session, assign_new_hire, create_cohort
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.learning.models import Enrolment
from onboarding.learning.services import current_programme, ensure_enrolment, mark_lesson_read
from onboarding.quizzes.services import start_attempt, submit_attempt
from tests.factories import SessionFactory, commit, create_user, right_answers
from tests.helpers import AuthActions, at_the_session, post_form, text_of
from tests.programmes import sync_programme

VALID = Path(__file__).parents[1] / "content" / "courses" / "valid"
DAY = date(2027, 4, 14)


@pytest.fixture
def session(appctx: Flask) -> CohortSession:
    session = SessionFactory.create(cohort__name="Vårkullet 2027", capacity=10)
    commit()
    return session


def member(start: date = date(2027, 3, 1), **kwargs: object) -> User:
    person = create_user(start_date=start, **kwargs)  # type: ignore[arg-type]
    assign_new_hire(person)
    return person


def during(session: CohortSession, minutes: int = 60) -> float:
    return (session.starts_at + timedelta(minutes=minutes)).timestamp()


def test_every_change_is_kept_with_who_when_before_and_after(session: CohortSession) -> None:
    hr = create_user(roles=(Role.HR,))
    person = member()
    with at_the_session(session):  # the register is kept on the day
        mark(session, person, AttendanceStatus.ABSENT, hr)
        mark(session, person, AttendanceStatus.ABSENT, hr)  # a double click: no new change
        mark(session, person, AttendanceStatus.LATE, hr, note="Kom 09:40, bussen var sen")
    commit()
    changes = list(db.session.scalars(select(AttendanceChange).order_by(AttendanceChange.id)))
    assert [(c.old_status, c.new_status) for c in changes] == [
        (None, AttendanceStatus.ABSENT),
        (AttendanceStatus.ABSENT, AttendanceStatus.LATE),
    ]
    assert changes[1].new_note == "Kom 09:40, bussen var sen"
    assert all(c.changed_by_id == hr.id and c.changed_at for c in changes)


def test_people_who_had_not_started_are_not_absent(session: CohortSession) -> None:
    hr = create_user(roles=(Role.HR,))
    came = member()
    missing = member()
    not_yet = create_user(start_date=date(2027, 3, 1))
    assign_new_hire(not_yet)
    not_yet.start_date = DAY + timedelta(days=10)  # HR moved the start date later
    with at_the_session(session):
        mark(session, came, AttendanceStatus.PRESENT, hr)
        rows = {row.user.id: row for row in register(session)}
        assert rows[not_yet.id].not_started
        assert absentees(session) == [missing]
        assert mark_rest_present(session, hr) == 1  # «alle møtt» skips the one not started
        assert absentees(session) == []


def test_hr_moves_those_who_did_not_attend_once_the_session_is_over(
    app: Flask, client: FlaskClient
) -> None:
    started = local_today() - timedelta(days=60)
    soon = local_today() + timedelta(days=30)
    with app.app_context():
        spring = add_session(
            create_cohort("Vårkullet 2027"),
            SessionPlan(soon, (9, 0), (15, 0), "Kommunestyresalen", 10),
            by=None,
        )
        autumn = add_session(
            create_cohort("Høstkullet 2027"),
            SessionPlan(soon + timedelta(days=180), (9, 0), (15, 0), "Kommunestyresalen", 10),
            by=None,
        )
        create_user("hr@tynset.example", roles=(Role.HR,))
        came = member(started, first_name="Kari")
        missing = member(started, first_name="Per")
        with at_the_session(spring):  # Kari came on the day
            mark(spring, came, AttendanceStatus.PRESENT, None)
        commit()
        ids = {"spring": spring.id, "autumn": autumn.id, "came": came.id, "missing": missing.id}

    def place_of(user_id: int) -> int | None:
        with app.app_context():
            membership = db.session.scalars(
                select(CohortMember).where(CohortMember.user_id == user_id)
            ).one()
            return membership.session_id

    AuthActions(client).login("hr@tynset.example")
    url = f"/sessions/{ids['spring']}/register/move-absent"
    early = post_form(client, url, {}, follow_redirects=True)
    assert "Samlingen er ikke over ennå" in text_of(early)
    assert place_of(ids["missing"]) == ids["spring"]

    with app.app_context():  # the day has come and gone
        spring = db.session.get_one(CohortSession, ids["spring"])
        spring.starts_at = utcnow() - timedelta(days=1, hours=6)
        spring.ends_at = utcnow() - timedelta(days=1)
        commit()
    page = text_of(client.get(f"/sessions/{ids['spring']}/register"))
    assert "Flytt dem til neste kull" in page
    moved = text_of(post_form(client, url, {}, follow_redirects=True))
    assert "1 person er flyttet til Høstkullet 2027" in moved
    assert place_of(ids["missing"]) == ids["autumn"]
    assert place_of(ids["came"]) == ids["spring"]


def test_only_members_can_be_marked(session: CohortSession) -> None:
    with at_the_session(session), pytest.raises(AttendanceError, match="er ikke med"):
        mark(session, create_user(), AttendanceStatus.PRESENT, None)


def test_the_check_in_code_rotates_and_the_previous_one_still_works(
    session: CohortSession,
) -> None:
    moment = during(session)
    code = check_in_code(session, moment)
    assert len(code) == 6
    assert not set(code) & set("01OI")
    later = moment + 300
    assert check_in_code(session, later) != code
    assert code_is_valid(session, code, later)  # typed as it changed
    assert not code_is_valid(session, code, later + 300)  # two windows later: expired
    assert code_is_valid(session, f" {code[:3].lower()}-{code[3:]} ", moment)  # normalised


def test_check_in_marks_present_once(session: CohortSession) -> None:
    person = member()
    with at_the_session(session) as now:
        moment = now.timestamp()
        assert check_in(person, session, check_in_code(session, moment), at=moment) is True
        assert check_in(person, session, check_in_code(session, moment), at=moment) is False
    rows = [row for row in register(session) if row.user.id == person.id]
    assert rows[0].attendance is not None
    assert rows[0].attendance.status is AttendanceStatus.PRESENT
    assert rows[0].attendance.self_check_in
    assert len(list(db.session.scalars(select(AttendanceChange)))) == 1


@pytest.mark.parametrize(
    ("when", "message"),
    [(-120, "bare åpen under samlingen"), (60 * 8, "bare åpen under samlingen")],
)
def test_check_in_outside_the_session_is_refused(
    session: CohortSession, when: int, message: str
) -> None:
    person = member()
    moment = during(session, when)
    with pytest.raises(AttendanceError, match=message):
        check_in(person, session, check_in_code(session, moment), at=moment)


def test_a_wrong_code_or_a_stranger_is_refused(session: CohortSession) -> None:
    moment = during(session)
    with pytest.raises(AttendanceError, match="Koden er feil"):
        check_in(member(), session, "AAAAAA", at=moment)
    with pytest.raises(AttendanceError, match="ikke påmeldt"):
        check_in(create_user(), session, check_in_code(session, moment), at=moment)


def complete_modules(person: User) -> None:
    programme = current_programme()
    assert programme is not None
    for module in programme.modules:
        assert module.current_version is not None
        for lesson in module.current_version.lessons:
            mark_lesson_read(person, lesson)
        attempt = start_attempt(person, module)
        submit_attempt(attempt, right_answers(attempt))


@pytest.fixture
def learner(session: CohortSession) -> tuple[User, Enrolment]:
    sync_programme(VALID)
    person = member()
    programme = current_programme()
    assert programme is not None
    enrolment = ensure_enrolment(person, programme)
    assert enrolment is not None
    return person, enrolment


def certificates_issued(person: User) -> int:
    return db.session.execute(
        select(func.count(Certificate.id)).where(Certificate.user_id == person.id)
    ).scalar_one()


def test_completion_when_attendance_comes_last(
    session: CohortSession, learner: tuple[User, Enrolment]
) -> None:
    person, enrolment = learner
    complete_modules(person)
    assert enrolment.modules_completed_at is not None
    assert enrolment.completed_at is None
    assert certificates_issued(person) == 0
    mark(session, person, AttendanceStatus.EXCUSED, None)  # excused is not attended
    assert enrolment.completed_at is None
    assert certificates_issued(person) == 0
    with at_the_session(session):
        mark(session, person, AttendanceStatus.LATE, None)
        assert enrolment.completed_at is not None
        assert certificates_issued(person) == 1
        completed_at = enrolment.completed_at
        mark(session, person, AttendanceStatus.PRESENT, None)  # no second completion
    assert enrolment.completed_at == completed_at
    assert certificates_issued(person) == 1


def test_completion_when_the_modules_come_last(
    session: CohortSession, learner: tuple[User, Enrolment]
) -> None:
    person, enrolment = learner
    with at_the_session(session):
        mark(session, person, AttendanceStatus.PRESENT, None)
    assert enrolment.completed_at is None
    assert certificates_issued(person) == 0
    complete_modules(person)
    assert enrolment.completed_at is not None
    assert certificates_issued(person) == 1


def test_the_sign_in_sheet_lists_the_members(app: Flask, session: CohortSession) -> None:
    hr = create_user("hr@tynset.example", roles=(Role.HR,))
    member(first_name="Áŋŋá", last_name="Čáhppe")
    member(first_name="Ola", last_name="Nordmann")
    commit()
    del hr
    from tests.helpers import AuthActions

    client = app.test_client()
    AuthActions(client).login("hr@tynset.example")
    response = client.get(f"/sessions/{session.id}/sign-in-sheet.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Čáhppe, Áŋŋá" in text
    assert "Nordmann, Ola" in text
    assert "Kommunestyresalen" in text


def test_sessions_store_aware_utc_times(session: CohortSession) -> None:
    stored = db.session.get(CohortSession, session.id)
    assert stored is not None
    assert stored.starts_at.utcoffset() == timedelta(0)
    assert stored.starts_at == datetime(2027, 4, 14, 7, 0, tzinfo=utcnow().tzinfo)
    assert isinstance(db.session.get(Cohort, stored.cohort_id), Cohort)
