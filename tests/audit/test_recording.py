"""Each HR and admin action leaves one entry in the audit history, with who, what, about whom,
before and after; a refused change and the employee's own check-in leave none."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from onboarding.attendance.models import AttendanceStatus
from onboarding.attendance.services import (
    AttendanceError,
    check_in,
    check_in_code,
    mark,
    mark_rest_present,
)
from onboarding.audit.models import AuditEvent
from onboarding.auth.models import User
from onboarding.certificates.codes import format_code
from onboarding.certificates.services import (
    CertificateError,
    reissue_certificate,
    revoke_certificate,
)
from onboarding.cohorts.models import CohortSession
from onboarding.cohorts.services import (
    CohortError,
    SessionPlan,
    add_session,
    create_cohort,
    fill_from_waiting_list,
    move_member,
    update_session,
)
from onboarding.extensions import db
from onboarding.learning.services import (
    LearningError,
    change_due_date,
    current_programme,
    ensure_enrolment,
)
from onboarding.org.services import remove_leader, set_leader
from onboarding.people.directory import (
    PersonChanges,
    PersonError,
    resend_invitation,
    set_active,
    update_person,
)
from onboarding.people.import_apply import PlanChanged, apply_batch, create_batch, preview_batch
from tests.attendance.test_attendance import VALID, member
from tests.audit.conftest import subject
from tests.certificates.conftest import certificate_of, graduate, plan_session
from tests.factories import SessionFactory, commit, create_unit, create_user
from tests.helpers import at_the_session
from tests.people.conftest import csv_bytes, employee
from tests.people.conftest import person as row
from tests.programmes import sync_programme

Recorded = Callable[[], list[AuditEvent]]


def person_subject(user: User) -> tuple[str, int, str]:
    return ("user", user.id, user.full_name)


# -- imports -------------------------------------------------------------------------------


def test_an_import_records_the_batch_and_each_person_created_or_changed(
    recorded: Recorded, hr: User
) -> None:
    kommune = create_unit("Tynset kommune")
    hjemme = create_unit("Hjemmetjenesten", kommune)
    ola = employee("E1", "ola@tynset.example", "Ola", "Hansen", unit=hjemme)
    employee("E2", "eva@tynset.example", "Eva", "Lie", unit=hjemme, position="Sykepleier")
    content = csv_bytes(
        [
            row("E1", "Ola", "Hansen", "ola@tynset.example", "Hjemmetjenesten", "Fagleder",
                "01.03.2027"),
            row("E2", "Eva", "Lie", "eva@tynset.example", "Hjemmetjenesten", "Sykepleier",
                "01.02.2027"),
            row("N1", "Nora", "Ny", "nora@tynset.example", "Hjemmetjenesten", "Sykepleier",
                "15.03.2027", "ola@tynset.example"),
            row("N2", "Nils", "Feil", "nils@tynset.example", "Finnes ikke"),
        ]
    )  # fmt: skip
    batch = create_batch("visma.csv", content, hr)
    commit()
    recorded()

    apply_batch(batch, hr, preview_batch(batch).fingerprint)
    commit()

    created, changed, applied = recorded()
    nora = db.session.scalars(select(User).where(User.employee_number == "N1")).one()
    assert {(entry.actor_id, entry.actor_name) for entry in (created, changed, applied)} == {
        (hr.id, hr.full_name)
    }
    assert created.action == "person.created"
    assert subject(created) == person_subject(nora)
    assert created.before is None
    assert created.after == {
        "employee_number": "N1",
        "first_name": "Nora",
        "last_name": "Ny",
        "email": "nora@tynset.example",
        "unit": "Hjemmetjenesten",
        "position": "Sykepleier",
        "start_date": "2027-03-15",
        "manager_email": "ola@tynset.example",
    }
    assert changed.action == "person.changed"
    assert subject(changed) == person_subject(ola)
    assert changed.before == {"position": "Sykepleier", "start_date": "2027-02-01"}
    assert changed.after == {"position": "Fagleder", "start_date": "2027-03-01"}
    assert applied.action == "import.applied"
    assert subject(applied) == ("import", batch.id, "visma.csv")
    assert applied.after == {
        "file": "visma.csv",
        "created": 1,
        "updated": 1,
        "unchanged": 1,
        "errors": 1,
    }


def test_a_refused_import_records_nothing(recorded: Recorded, hr: User) -> None:
    create_unit("Hjemmetjenesten")
    content = csv_bytes([row("N1", "Nora", "Ny", "nora@tynset.example")])
    batch = create_batch("visma.csv", content, hr)
    commit()
    recorded()
    with pytest.raises(PlanChanged):
        apply_batch(batch, hr, "a preview that is no longer the same")
    db.session.rollback()
    assert recorded() == []


def test_the_import_command_records_the_system_as_actor(app: Flask, tmp_path: Path) -> None:
    with app.app_context():
        create_unit("Hjemmetjenesten")
        commit()
    path = tmp_path / "visma.csv"
    path.write_bytes(csv_bytes([row("N1", "Nora", "Ny", "nora@tynset.example")]))

    result = app.test_cli_runner().invoke(args=["users", "import", str(path)])

    assert result.exit_code == 0, result.output
    with app.app_context():
        entries = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [entry.action for entry in entries] == ["person.created", "import.applied"]
        assert all(entry.actor_id is None and entry.actor_name == "" for entry in entries)


def test_creating_a_person_with_roles_from_the_command_line(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--email",
            "Siri.Bakken@tynset.example",
            "--first-name",
            "Siri",
            "--last-name",
            "Bakken",
            "--role",
            "hr",
            "--role",
            "admin",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        siri = db.session.scalars(select(User)).one()
        created, roles = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert (created.action, created.actor_id, subject(created)) == (
            "person.created",
            None,
            person_subject(siri),
        )
        assert created.after == {
            "first_name": "Siri",
            "last_name": "Bakken",
            "email": "siri.bakken@tynset.example",
        }
        assert (roles.action, roles.actor_id, subject(roles)) == (
            "role.added",
            None,
            person_subject(siri),
        )
        assert (roles.before, roles.after) == ({"roles": []}, {"roles": ["admin", "hr"]})


# -- leaders and roles ---------------------------------------------------------------------


def test_leading_a_unit_and_the_leader_role(recorded: Recorded, hr: User) -> None:
    helse = create_unit("Helse og omsorg")
    hjemme = create_unit("Hjemmetjenesten", helse)
    berit = create_user(first_name="Berit", unit=hjemme)
    recorded()

    set_leader(hjemme, berit, by=hr)
    leads, role = recorded()
    assert (leads.action, leads.actor_id, subject(leads)) == (
        "leader.added",
        hr.id,
        person_subject(berit),
    )
    assert (leads.before, leads.after) == ({"leads": []}, {"leads": ["Hjemmetjenesten"]})
    assert (role.action, role.actor_id, subject(role)) == (
        "role.added",
        hr.id,
        person_subject(berit),
    )
    assert (role.before, role.after) == (
        {"roles": ["employee"]},
        {"roles": ["employee", "leader"]},
    )

    set_leader(hjemme, berit, by=hr)  # already: nothing changes
    assert recorded() == []

    set_leader(helse, berit, by=hr)  # a second unit: the role is already there
    [second] = recorded()
    assert second.action == "leader.added"
    assert second.after == {"leads": ["Helse og omsorg", "Hjemmetjenesten"]}

    remove_leader(helse, berit, by=hr)
    [removed] = recorded()
    assert (removed.action, removed.before, removed.after) == (
        "leader.removed",
        {"leads": ["Helse og omsorg", "Hjemmetjenesten"]},
        {"leads": ["Hjemmetjenesten"]},
    )

    remove_leader(hjemme, berit, by=hr)  # leads nothing now: the role goes too
    last, role_gone = recorded()
    assert (last.action, last.after) == ("leader.removed", {"leads": []})
    assert (role_gone.action, role_gone.actor_id) == ("role.removed", hr.id)
    assert (role_gone.before, role_gone.after) == (
        {"roles": ["employee", "leader"]},
        {"roles": ["employee"]},
    )
    remove_leader(hjemme, berit, by=hr)
    assert recorded() == []


# -- HR's changes to a person ----------------------------------------------------------------


def changes_for(user: User, **values: object) -> PersonChanges:
    current: dict[str, object] = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "employee_number": user.employee_number,
        "unit": user.unit,
        "position": user.position,
        "start_date": user.start_date,
        "language": user.language,
        "reminders": not user.reminders_opt_out,
    }
    current.update(values)
    return PersonChanges(**current)  # type: ignore[arg-type]


def test_changed_details_record_only_what_changed(recorded: Recorded, hr: User) -> None:
    hjemme = create_unit("Hjemmetjenesten")
    nora = create_user(first_name="Nora", last_name="Haugen", start_date=date(2027, 3, 1))
    create_user("opptatt@tynset.example")
    recorded()

    update_person(
        nora,
        changes_for(nora, last_name="Haugen-Moen", unit=hjemme, start_date=date(2027, 4, 1)),
        by=hr,
    )

    [entry] = recorded()
    assert (entry.action, entry.actor_id, entry.actor_name) == (
        "person.changed",
        hr.id,
        hr.full_name,
    )
    assert subject(entry) == ("user", nora.id, "Nora Haugen-Moen")
    assert entry.before == {"last_name": "Haugen", "unit": None, "start_date": "2027-03-01"}
    assert entry.after == {
        "last_name": "Haugen-Moen",
        "unit": "Hjemmetjenesten",
        "start_date": "2027-04-01",
    }

    update_person(nora, changes_for(nora), by=hr)  # saved without a change
    assert recorded() == []
    with pytest.raises(PersonError):
        update_person(nora, changes_for(nora, email="opptatt@tynset.example"), by=hr)
    assert recorded() == []


def test_deactivating_and_reactivating(recorded: Recorded, hr: User) -> None:
    nora = create_user(first_name="Nora")
    recorded()

    set_active(nora, False, by=hr)
    [gone] = recorded()
    assert (gone.action, gone.actor_id, subject(gone)) == (
        "person.deactivated",
        hr.id,
        person_subject(nora),
    )
    assert (gone.before, gone.after) == ({"active": True}, {"active": False})
    assert nora.deactivated_at is not None

    set_active(nora, False, by=hr)  # already deactivated
    assert recorded() == []

    set_active(nora, True, by=hr)
    [back] = recorded()
    assert (back.action, back.before, back.after) == (
        "person.reactivated",
        {"active": False},
        {"active": True},
    )
    assert nora.deactivated_at is None


def test_sending_the_invitation_again(recorded: Recorded, hr: User) -> None:
    invited = create_user("invitert@tynset.example", password=None)
    signed_up = create_user()
    gone = create_user(password=None, active=False)
    recorded()

    resend_invitation(invited, by=hr)
    [entry] = recorded()
    assert (entry.action, entry.actor_id, subject(entry)) == (
        "invitation.sent",
        hr.id,
        person_subject(invited),
    )
    assert entry.after == {"email": "invitert@tynset.example"}

    for refused in (signed_up, gone):
        with pytest.raises(PersonError):
            resend_invitation(refused, by=hr)
    assert recorded() == []


# -- attendance ----------------------------------------------------------------------------


@pytest.fixture
def session(appctx: Flask) -> CohortSession:
    session = SessionFactory.create(cohort__name="Vårkullet 2027", capacity=10)
    commit()
    return session


def test_hr_marking_attendance_is_recorded(
    recorded: Recorded, hr: User, session: CohortSession
) -> None:
    person = member(first_name="Nora")
    recorded()
    with at_the_session(session, minutes=40):  # the register is kept on the day
        mark(session, person, AttendanceStatus.LATE, hr, note="Kom 09:40")
        [entry] = recorded()
        assert (entry.action, entry.actor_id, subject(entry)) == (
            "attendance.marked",
            hr.id,
            person_subject(person),
        )
        where = "14.04.2027 kl. 09.00, Kommunestyresalen"
        assert entry.before == {"session": where, "status": None, "note": ""}
        assert entry.after == {"session": where, "status": "late", "note": "Kom 09:40"}

        mark(session, person, AttendanceStatus.LATE, hr)  # a double click changes nothing
        assert recorded() == []
        mark(session, person, AttendanceStatus.PRESENT, hr)
        [again] = recorded()
        assert (again.before["status"], again.after["status"]) == ("late", "present")  # type: ignore[index]

        with pytest.raises(AttendanceError):
            mark(session, person, AttendanceStatus.ABSENT, hr, note="x" * 501)
        assert recorded() == []


def test_a_self_check_in_is_not_recorded(recorded: Recorded, session: CohortSession) -> None:
    person = member()
    recorded()
    with at_the_session(session) as now:
        moment = now.timestamp()
        assert check_in(person, session, check_in_code(session, moment), at=moment) is True
    assert recorded() == []


def test_everyone_not_marked_present_is_one_entry_each(
    recorded: Recorded, hr: User, session: CohortSession
) -> None:
    first, second, marked = member(), member(), member()
    with at_the_session(session):
        mark(session, marked, AttendanceStatus.ABSENT, hr)
        recorded()

        assert mark_rest_present(session, hr) == 2

    entries = recorded()
    assert Counter(entry.subject_id for entry in entries) == Counter([first.id, second.id])
    assert {(e.action, e.actor_id, e.after["status"]) for e in entries} == {  # type: ignore[index]
        ("attendance.marked", hr.id, "present")
    }


# -- certificates --------------------------------------------------------------------------


def test_revoking_and_issuing_anew(recorded: Recorded, hr: User) -> None:
    sync_programme(VALID)
    person = graduate(plan_session(), first_name="Nora")
    old = certificate_of(person)
    recorded()

    for reason in ("   ", "x" * 501):
        with pytest.raises(CertificateError):
            revoke_certificate(old, hr, reason)
    with pytest.raises(CertificateError):
        reissue_certificate(old, hr)  # not revoked yet
    assert recorded() == []

    revoke_certificate(old, hr, "  Feil navn  ")
    [revoked] = recorded()
    code = format_code(old.code)
    assert (revoked.action, revoked.actor_id, subject(revoked)) == (
        "certificate.revoked",
        hr.id,
        person_subject(person),
    )
    assert revoked.before == {"code": code, "revoked": False}
    assert revoked.after == {"code": code, "revoked": True, "reason": "Feil navn"}

    new = reissue_certificate(old, hr)
    [reissued] = recorded()
    assert (reissued.action, reissued.actor_id, subject(reissued)) == (
        "certificate.reissued",
        hr.id,
        person_subject(person),
    )
    assert (reissued.before, reissued.after) == ({"code": code}, {"code": format_code(new.code)})
    with pytest.raises(CertificateError):
        reissue_certificate(old, hr)  # a second click
    assert recorded() == []


# -- deadlines -----------------------------------------------------------------------------


def test_a_changed_deadline(recorded: Recorded, hr: User) -> None:
    sync_programme(VALID)
    programme = current_programme()
    assert programme is not None
    person = create_user(first_name="Nora", start_date=date(2027, 3, 1))
    enrolment = ensure_enrolment(person, programme)
    assert enrolment is not None
    old_due = enrolment.due_date
    recorded()

    with pytest.raises(LearningError):
        change_due_date(enrolment, date(2027, 2, 1), hr)  # before the start date
    assert recorded() == []

    change_due_date(enrolment, date(2027, 9, 1), hr)
    [entry] = recorded()
    assert (entry.action, entry.actor_id, subject(entry)) == (
        "deadline.changed",
        hr.id,
        person_subject(person),
    )
    assert entry.before == {"due_date": old_due.isoformat() if old_due else None}
    assert entry.after == {"due_date": "2027-09-01"}


# -- cohorts and sessions ------------------------------------------------------------------


def test_sessions_added_and_changed(recorded: Recorded, hr: User) -> None:
    cohort = create_cohort("Vårkullet 2027")
    leader = create_user(first_name="Kari", last_name="Kursholder")
    recorded()

    session = add_session(
        cohort,
        SessionPlan(date(2027, 4, 14), (9, 0), (15, 0), "Salen", 20, leader, "Velkommen"),
        by=hr,
    )
    [created] = recorded()
    assert (created.action, created.actor_id, subject(created)) == (
        "session.created",
        hr.id,
        ("session", session.id, "Vårkullet 2027: 14.04.2027 kl. 09.00, Salen"),
    )
    assert created.before is None
    assert created.after == {
        "cohort": "Vårkullet 2027",
        "starts_at": "2027-04-14T07:00:00+00:00",
        "ends_at": "2027-04-14T13:00:00+00:00",
        "place": "Salen",
        "capacity": 20,
        "facilitator": "Kari Kursholder",
        "agenda": "Velkommen",
        "opens_minutes_before": 15,  # the configured default
    }
    with pytest.raises(CohortError):
        add_session(cohort, SessionPlan(date(2027, 4, 21), (15, 0), (9, 0), "Salen", 20), by=hr)
    assert recorded() == []

    update_session(
        session,
        SessionPlan(date(2027, 4, 14), (10, 0), (15, 0), "Tynsethallen", 25, leader, "Velkommen"),
        by=hr,
    )
    [changed] = recorded()
    assert (changed.action, changed.actor_id, changed.subject_id) == (
        "session.changed",
        hr.id,
        session.id,
    )
    assert changed.before == {
        "starts_at": "2027-04-14T07:00:00+00:00",
        "place": "Salen",
        "capacity": 20,
    }
    assert changed.after == {
        "starts_at": "2027-04-14T08:00:00+00:00",
        "place": "Tynsethallen",
        "capacity": 25,
    }
    same = SessionPlan(date(2027, 4, 14), (10, 0), (15, 0), "Tynsethallen", 25, leader, "Velkommen")
    update_session(session, same, by=hr)
    assert recorded() == []


def test_moving_a_member(recorded: Recorded, hr: User) -> None:
    spring = create_cohort("Vårkullet 2027")
    first = add_session(spring, SessionPlan(date(2027, 4, 14), (9, 0), (15, 0), "Salen", 1), by=hr)
    autumn = create_cohort("Høstkullet 2027")
    later = add_session(autumn, SessionPlan(date(2027, 10, 6), (9, 0), (15, 0), "Salen", 1), by=hr)
    nora = create_user(first_name="Nora", start_date=date(2027, 3, 1))
    ola = create_user(first_name="Ola", start_date=date(2027, 3, 1))
    recorded()

    move_member(nora, spring, first, by=hr)  # placed for the first time
    [placed] = recorded()
    assert (placed.action, placed.actor_id, subject(placed)) == (
        "cohort.member_placed",
        hr.id,
        person_subject(nora),
    )
    assert placed.before is None
    assert placed.after == {
        "cohort": "Vårkullet 2027",
        "session": "14.04.2027 kl. 09.00, Salen",
        "how": "hand",
    }

    move_member(nora, autumn, later, by=hr)
    [moved] = recorded()
    assert moved.before == {"cohort": "Vårkullet 2027", "session": "14.04.2027 kl. 09.00, Salen"}
    assert moved.after == {
        "cohort": "Høstkullet 2027",
        "session": "06.10.2027 kl. 09.00, Salen",
        "how": "hand",
    }

    move_member(nora, autumn, later, by=hr)  # already there
    move_member(ola, autumn, None, by=None)  # the waiting list
    recorded()
    with pytest.raises(CohortError):
        move_member(ola, autumn, later, by=hr)  # full
    assert recorded() == []

    move_member(nora, spring, first, by=hr)  # makes room in the autumn session
    recorded()
    assert fill_from_waiting_list(autumn, by=hr) == 1
    [filled] = recorded()
    assert (filled.action, filled.actor_id, subject(filled)) == (
        "cohort.member_moved",
        hr.id,
        person_subject(ola),
    )
    assert filled.before == {"cohort": "Høstkullet 2027", "session": None}
    assert filled.after == {
        "cohort": "Høstkullet 2027",
        "session": "06.10.2027 kl. 09.00, Salen",
        "how": "rule",  # the waiting list is filled by the rule, though HR asked
    }


def test_the_system_as_actor_and_every_role_before_and_after(recorded: Recorded, hr: User) -> None:
    unit = create_unit("Stab")
    recorded()
    set_leader(unit, hr, by=None)
    _leads, role = recorded()
    assert (role.actor_id, role.actor_name) == (None, "")
    assert (role.before, role.after) == ({"roles": ["hr"]}, {"roles": ["hr", "leader"]})
