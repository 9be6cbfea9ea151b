"""Issuing: one certificate per person and programme on completion, with an unguessable code
and an e-mail, even when two completions race."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from onboarding.attendance.models import AttendanceStatus
from onboarding.attendance.services import mark
from onboarding.auth.models import Role, User
from onboarding.certificates.codes import (
    CODE_ALPHABET,
    CODE_LENGTH,
    format_code,
    new_code,
    normalise_code,
)
from onboarding.certificates.completion import complete_if_done
from onboarding.certificates.models import Certificate
from onboarding.certificates.services import CertificateError, issue_certificate, issue_missing
from onboarding.cohorts.models import CohortSession
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.learning.models import Enrolment
from onboarding.notifications.models import Notification
from tests.attendance.test_attendance import complete_modules
from tests.certificates.conftest import enrol, graduate, plan_session
from tests.factories import commit, create_user
from tests.helpers import AuthActions, at_the_session, link_in, outbox_messages, post_form


def certificate_mails() -> int:
    return db.session.execute(
        select(func.count(Notification.id)).where(Notification.kind == "certificate_issued")
    ).scalar_one()


def count_certificates(user_id: int) -> int:
    return db.session.execute(
        select(func.count(Certificate.id)).where(Certificate.user_id == user_id)
    ).scalar_one()


def test_codes_are_random_unambiguous_and_printed_in_groups() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(code) == CODE_LENGTH for code in codes)
    assert set("".join(codes)) <= set(CODE_ALPHABET)
    assert not set("".join(codes)) & set("0O1I")
    # At least 50 bits of randomness: 32 symbols are 5 bits each.
    assert len(CODE_ALPHABET) == 32
    assert CODE_LENGTH * 5 >= 50
    assert format_code("ABCDEFGHJKLM") == "ABCD-EFGH-JKLM"


@pytest.mark.parametrize(
    "typed",
    ["ABCD-EFGH-JKLM", "abcd-efgh-jklm", " abcd efgh jklm ", "ABCDEFGHJKLM", "abcd–efgh—jklm"],
)
def test_typed_codes_are_normalised(typed: str) -> None:
    assert normalise_code(typed) == "ABCDEFGHJKLM"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "ABCD-EFGH-JKL",  # too short
        "ABCD-EFGH-JKLMN",  # too long
        "ABCD-EFGH-JKL0",  # 0 is not in the alphabet
        "ABCD-EFGH-JKLO",  # nor is O
        "ABCD-EFGH-JK<>",
        "ÅBCD-EFGH-JKLM",
        "ßBCDEFGHJKL",  # upper-cases to two letters: still not a code
        "A" * 10_000,
        "../../etc/passwd",
    ],
)
def test_malformed_codes_are_no_code(typed: str) -> None:
    assert normalise_code(typed) is None


def test_completing_the_programme_issues_one_certificate_and_queues_an_email(
    session: CohortSession,
) -> None:
    person = graduate(session, first_name="Kari", last_name="Nordmann")
    commit()
    certificates = list(db.session.scalars(select(Certificate)))
    assert len(certificates) == 1
    certificate = certificates[0]
    assert certificate.user_id == person.id
    assert certificate.holder_name == "Kari Nordmann"
    assert certificate.programme_title
    assert certificate.is_valid
    assert certificate.issued_by_id is None
    assert normalise_code(certificate.code) == certificate.code
    assert certificate.signatory_name == ""  # a fresh installation makes up no name
    assert certificate.signatory_title == "Kommunedirektør"
    [mail] = db.session.scalars(
        select(Notification).where(Notification.kind == "certificate_issued")
    )
    assert mail.recipient_id == person.id
    assert f"/certificates/{certificate.id}.pdf" in mail.body_text
    assert f"/verify/{certificate.code}" in mail.body_text
    assert format_code(certificate.code) in mail.body_text
    assert mail.sent_at is None  # queued: the caller delivers after its commit


def test_completing_again_issues_nothing_new(session: CohortSession) -> None:
    person = graduate(session)
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == person.id))
    assert enrolment is not None
    assert complete_if_done(person) == []  # already complete
    assert issue_certificate(enrolment) is None  # a valid certificate exists
    with at_the_session(session):
        mark(session, person, AttendanceStatus.LATE, None)  # a changed mark: no new completion
    commit()
    assert count_certificates(person.id) == 1
    assert certificate_mails() == 1


def test_a_direct_second_insert_hits_the_unique_index(session: CohortSession) -> None:
    person = graduate(session)
    commit()
    existing = db.session.scalars(select(Certificate)).one()
    duplicate = Certificate(
        user_id=person.id,
        programme_id=existing.programme_id,
        code=new_code(),
        holder_name=existing.holder_name,
        programme_title=existing.programme_title,
        signatory_name="x",
        signatory_title="y",
    )
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(duplicate)
    # Once the first is revoked, a new one may be issued.
    existing.revoked_at = utcnow()
    db.session.flush()
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == person.id))
    assert enrolment is not None
    assert issue_certificate(enrolment) is not None


def _race(app: Flask, work: object, threads: int = 2) -> list[object]:
    """Run ``work`` in ``threads`` threads, each with its own app context (own session and
    connection), released together; each commits what it did."""
    barrier = threading.Barrier(threads)
    results: list[object] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                results.append(work())  # type: ignore[operator]
                db.session.commit()
                db.session.remove()
        except BaseException as error:  # reported in the test's own thread
            errors.append(error)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not errors, errors
    return results


def test_two_concurrent_issues_give_exactly_one_certificate(
    app: Flask, session: CohortSession
) -> None:
    _person, enrolment = enrol()
    enrolment.completed_at = utcnow()  # completed, but no certificate yet
    commit()
    enrolment_id, user_id = enrolment.id, enrolment.user_id

    def issue() -> object:
        mine = db.session.get(Enrolment, enrolment_id)
        assert mine is not None
        return issue_certificate(mine)

    results = _race(app, issue)
    assert sorted(result is None for result in results) == [False, True]
    assert count_certificates(user_id) == 1


def test_two_concurrent_completions_give_exactly_one_certificate(
    app: Flask, session: CohortSession
) -> None:
    """Both requests see the programme as not completed yet and complete it."""
    person, _enrolment = enrol()
    complete_modules(person)
    mark(session, person, AttendanceStatus.EXCUSED, None)
    commit()
    assert count_certificates(person.id) == 0
    user_id = person.id
    # The mark changes to attended without completing (as two requests would both see it).
    from onboarding.attendance.models import Attendance

    attendance = db.session.scalars(select(Attendance)).one()
    attendance.status = AttendanceStatus.PRESENT
    commit()

    def complete() -> object:
        mine = db.session.get(User, user_id)
        assert mine is not None
        return complete_if_done(mine)

    _race(app, complete)
    db.session.expire_all()
    assert count_certificates(user_id) == 1


def test_an_incomplete_enrolment_gets_no_certificate(session: CohortSession) -> None:
    _person, enrolment = enrol()
    with pytest.raises(CertificateError):
        issue_certificate(enrolment)


def test_a_deactivated_person_gets_the_certificate_but_no_email(session: CohortSession) -> None:
    person, _enrolment = enrol()
    complete_modules(person)
    person.active = False
    with at_the_session(session):
        mark(session, person, AttendanceStatus.PRESENT, None)
    commit()
    assert count_certificates(person.id) == 1
    assert certificate_mails() == 0


def test_issue_missing_covers_completions_from_before_certificates(
    session: CohortSession,
) -> None:
    person, enrolment = enrol()
    enrolment.completed_at = utcnow()
    other = graduate(session)
    commit()
    issued = issue_missing()
    assert [c.user_id for c in issued] == [person.id]
    assert issue_missing() == []
    assert count_certificates(other.id) == 1


def test_the_email_is_sent_after_the_request_that_completes(app: Flask) -> None:
    """HR marks attendance in the register; the completion's e-mail leaves after the commit."""
    from tests.attendance.test_attendance import VALID
    from tests.programmes import sync_programme

    with app.app_context():
        sync_programme(VALID)
        session = plan_session()
        create_user("hr@tynset.example", roles=(Role.HR,), language="en")
        person, _enrolment = enrol(email="nyansatt@tynset.example", language="en")
        complete_modules(person)
        ids = (session.id, person.id)
        starts_at = session.starts_at
        commit()
    client = app.test_client()
    with at_the_session(starts_at):  # HR keeps the register on the day
        AuthActions(client).login("hr@tynset.example")
        response = post_form(
            client,
            f"/sessions/{ids[0]}/register",
            {"user": ids[1], "status": AttendanceStatus.PRESENT.value},
        )
    assert response.status_code == 302
    mails = [
        m for m in outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"])) if "nyansatt@" in m["To"]
    ]
    assert len(mails) == 1
    with app.app_context():
        certificate = db.session.scalars(select(Certificate)).one()
        assert link_in(mails[0]) == f"/certificates/{certificate.id}.pdf"
        mail = db.session.scalars(
            select(Notification).where(Notification.kind == "certificate_issued")
        ).one()
        assert mail.sent_at is not None


def test_everyone_marked_present_at_once_gets_their_email(app: Flask) -> None:
    """«Alle møtt» completes several people in one request; all their e-mails leave."""
    from tests.attendance.test_attendance import VALID
    from tests.programmes import sync_programme

    with app.app_context():
        sync_programme(VALID)
        session = plan_session()
        create_user("hr@tynset.example", roles=(Role.HR,), language="en")
        for name in ("kari", "ola", "per"):
            person, _enrolment = enrol(email=f"{name}@tynset.example")
            if name != "per":  # per has not finished the modules
                complete_modules(person)
        session_id, starts_at = session.id, session.starts_at
        commit()
    client = AuthActions(app.test_client())
    with at_the_session(starts_at):  # «Alle møtt» on the day
        client.login("hr@tynset.example")
        response = post_form(client.client, f"/sessions/{session_id}/register/all-present", {})
    assert response.status_code == 302
    mails = [
        m["To"]
        for m in outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))
        if "/certificates/" in str(m.get_body())
    ]
    assert sorted(address.split("<")[1].split("@")[0] for address in mails) == ["kari", "ola"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Certificate.id))) == 2
