"""A person's copy of their data, and anonymising people who left long ago."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from onboarding.attendance.models import Attendance
from onboarding.audit.models import AuditEvent
from onboarding.auth.models import User
from onboarding.certificates.models import Certificate
from onboarding.content.models import ReflectionPrompt
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.learning.models import QuizAttempt, Reflection
from onboarding.learning.services import save_reflection
from onboarding.notifications.models import Notification
from onboarding.people.import_apply import create_batch
from onboarding.people.models import ImportBatch
from tests.certificates.conftest import World
from tests.factories import commit
from tests.helpers import AuthActions, text_of
from tests.people.conftest import csv_bytes, person

ENGLISH = {"Accept-Language": "en"}


def add_reflection(app: Flask, person_id: int, text: str) -> None:
    with app.app_context():
        person = db.session.get(User, person_id)
        prompt = db.session.scalars(select(ReflectionPrompt)).first()
        assert person is not None
        assert prompt is not None
        save_reflection(person, prompt, text, shared=False)
        commit()


def test_a_person_reads_and_downloads_everything_held_about_them(
    app: Flask, client: FlaskClient, world: World
) -> None:
    add_reflection(app, world.person_id, "Mitt private svar om trygghet")
    assert client.get("/account/data").status_code == 302  # sign in first
    AuthActions(client).login("nyansatt@tynset.example")
    page = client.get("/account/data")
    assert page.status_code == 200
    text = text_of(page)
    for expected in ("Áŋŋá", "Čáhppe", "nyansatt@tynset.example", "Hjemmetjenesten"):
        assert expected in text
    assert "Mitt private svar om trygghet" in text
    assert world.code in text
    assert "kollega@" not in text  # nobody else's data
    # Marks and changes in the page's words (English here), not as they are stored.
    assert "Present" in text
    assert "Attendance marked" in text
    assert "present" not in text
    assert "attendance.marked" not in text

    download = client.get("/account/data.json")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    data = json.loads(download.get_data(as_text=True))
    assert data["person"]["email"] == "nyansatt@tynset.example"
    assert [c["code"] for c in data["certificates"]] == [world.code]
    assert data["reflections"][0]["text"] == "Mitt private svar om trygghet"
    assert data["quiz_attempts"]
    assert all(a["submitted_at"] for a in data["quiz_attempts"])
    assert data["quiz_attempts"][0]["answers"][0]["answer"]  # the options' own words
    assert data["attendance"][0]["status"] == "present"
    assert data["cohort"]["cohort"] == "Vårkullet 2027"
    assert data["module_completions"]


def leave(app: Flask, person_id: int, years_ago: float) -> None:
    with app.app_context():
        person = db.session.get(User, person_id)
        assert person is not None
        person.active = False
        person.deactivated_at = datetime.now(UTC) - timedelta(days=365 * years_ago)
        commit()


def test_people_who_left_long_ago_are_anonymised_and_their_certificate_still_verifies(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, world: World
) -> None:
    add_reflection(app, world.person_id, "Noe personlig")
    with app.app_context():
        attendance = db.session.scalar(
            select(Attendance).where(Attendance.user_id == world.person_id)
        )
        assert attendance is not None
        attendance.note = "Syk barn"
        commit()
        certificates_before = db.session.scalar(select(func.count(Certificate.id)))
    leave(app, world.person_id, years_ago=6)
    cutoff = local_today().replace(year=local_today().year - 5).isoformat()

    dry = runner.invoke(args=["people", "anonymise", "--left-before", cutoff, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Áŋŋá Čáhppe" in dry.output
    assert "nothing changed" in dry.output
    with app.app_context():
        person = db.session.get(User, world.person_id)
        assert person is not None
        assert person.anonymised_at is None

    result = runner.invoke(args=["people", "anonymise", "--left-before", cutoff])
    assert result.exit_code == 0, result.output
    assert "1 anonymised" in result.output
    with app.app_context():
        person = db.session.get(User, world.person_id)
        assert person is not None
        assert person.anonymised_at is not None
        assert "Áŋŋá" not in person.full_name
        assert person.email.endswith(".invalid")
        assert person.employee_number is None
        assert person.password_hash is None
        assert not db.session.scalar(
            select(func.count(Reflection.id)).where(Reflection.user_id == person.id)
        )
        assert not db.session.scalar(
            select(func.count(Notification.id)).where(Notification.recipient_id == person.id)
        )
        assert (
            db.session.scalar(select(Attendance.note).where(Attendance.user_id == person.id)) == ""
        )
        # Progress and the certificate stay, for the statistics and the register.
        assert db.session.scalar(
            select(func.count(QuizAttempt.id)).where(QuizAttempt.user_id == person.id)
        )
        assert db.session.scalar(select(func.count(Certificate.id))) == certificates_before
        certificate = db.session.get(Certificate, world.certificate_id)
        assert certificate is not None
        assert certificate.holder_name == ""
        assert certificate.pdf is None
        assert (
            db.session.scalar(
                select(func.count(AuditEvent.id)).where(AuditEvent.action == "person.anonymised")
            )
            == 1
        )

    verification = client.get(f"/verify/{world.code}", headers=ENGLISH)
    assert verification.status_code == 200
    text = text_of(verification)
    assert "The certificate is valid" in text
    assert "Áŋŋá" not in text
    assert "anonymised" in text

    again = runner.invoke(args=["people", "anonymise", "--left-before", cutoff])
    assert "0 anonymised" in again.output


def test_uploaded_files_nobody_imported_are_deleted_after_30_days(
    app: Flask, runner: FlaskCliRunner, world: World
) -> None:
    content = csv_bytes([person("N1", "Nora", "Ny", "nora@tynset.example")])
    with app.app_context():
        old = create_batch("gammel.csv", content, None)
        old.created_at = utcnow() - timedelta(days=31)
        recent = create_batch("ny.csv", content, None)
        recent.created_at = utcnow() - timedelta(days=29)
        imported = create_batch("importert.csv", content, None)
        imported.created_at = utcnow() - timedelta(days=400)
        imported.applied_at = imported.created_at
        commit()
        ids = (old.id, recent.id, imported.id)
    result = runner.invoke(args=["people", "anonymise"])
    assert result.exit_code == 0, result.output
    assert "1 uploaded files never imported, older than 30 days, deleted." in result.output
    with app.app_context():
        kept = set(db.session.scalars(select(ImportBatch.id)))
    assert kept == {ids[1], ids[2]}


def test_recent_leavers_and_active_people_are_kept(
    app: Flask, runner: FlaskCliRunner, world: World
) -> None:
    leave(app, world.person_id, years_ago=1)
    result = runner.invoke(args=["people", "anonymise"])  # the default: five years back
    assert result.exit_code == 0, result.output
    assert "0 anonymised" in result.output
    too_late = runner.invoke(
        args=["people", "anonymise", "--left-before", local_today().isoformat()]
    )
    assert too_late.exit_code == 2
    assert "less than 5 years ago are kept" in too_late.output
    with app.app_context():
        assert not db.session.scalar(
            select(func.count(User.id)).where(User.anonymised_at.is_not(None))
        )
