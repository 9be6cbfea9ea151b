"""Applying an import: new people with enrolment, invitation when due and a place; changes; once."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from sqlalchemy import func, select

from onboarding.auth.models import Role, User
from onboarding.extensions import db
from onboarding.learning.models import Enrolment
from onboarding.learning.services import current_programme, ensure_enrolment
from onboarding.notifications.models import Notification
from onboarding.notifications.services import deliver
from onboarding.people.import_apply import (
    AlreadyApplied,
    PlanChanged,
    apply_batch,
    create_batch,
    preview_batch,
)
from onboarding.people.import_plan import RowStatus
from onboarding.people.models import ImportBatch
from tests.factories import commit
from tests.helpers import outbox_messages
from tests.people.conftest import Org, csv_bytes, employee, person


def user_by_number(number: str) -> User | None:
    return db.session.scalar(select(User).where(User.employee_number == number))


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def import_file(content: bytes, by: User, filename: str = "hrm.csv") -> tuple[ImportBatch, int]:
    """Upload, preview and import as HR's pages do; return the batch and e-mails sent."""
    batch = create_batch(filename, content, by)
    commit()
    report = apply_batch(batch, by, preview_batch(batch).fingerprint)
    commit()
    return batch, deliver(report.notification_ids).sent


def test_new_people_are_created_enrolled_and_invited_when_their_start_is_near(
    app: Flask, org: Org, programme: None
) -> None:
    boss = employee("L1", "boss@tynset.example", "Berit", "Sjef", unit=org.helse)
    commit()
    content = csv_bytes(
        [
            person("N1", "Nora", "Ny", "nora@tynset.example", "4210", "Sykepleier", "01.03.2027",
                   "boss@tynset.example"),
            person("N2", "Nils", "Ny", "nils@tynset.example", "Hjemmetjenesten", "", "2027-03-15",
                   "noah@tynset.example"),
            person("N3", "Noah", "Ny", "noah@tynset.example", "4000", "Avdelingsleder",
                   "01.02.2027"),
            person("N4", "Feil", "Rad", "feil@tynset.example", "Kontor"),
        ]
    )  # fmt: skip
    # Noah starts within two weeks and is invited at once; Nora and Nils later, by the
    # nightly job, 14 days before their start dates.
    with time_machine.travel(date(2027, 1, 20), tick=False):
        batch, sent = import_file(content, org.hr)

    nora, nils, noah = (user_by_number(number) for number in ("N1", "N2", "N3"))
    assert nora is not None
    assert nils is not None
    assert noah is not None
    assert user_by_number("N4") is None  # the row with an error is not imported
    assert (nora.full_name, nora.email, nora.unit, nora.position, nora.start_date) == (
        "Nora Ny",
        "nora@tynset.example",
        org.hjemme,
        "Sykepleier",
        date(2027, 3, 1),
    )
    assert nora.manager_id == boss.id
    assert nils.manager_id == noah.id  # a leader further down in the same file
    assert nils.position is None
    assert noah.unit == org.helse
    assert all(user.roles == {Role.EMPLOYEE} and not user.has_password for user in (nora, nils))
    assert noah.invitation_sent_at is not None
    assert nora.invitation_sent_at is None
    assert nils.invitation_sent_at is None

    programme_ = current_programme()
    assert programme_ is not None
    enrolments = {e.user_id: e for e in db.session.scalars(select(Enrolment))}
    assert set(enrolments) == {nora.id, nils.id, noah.id}
    assert enrolments[nora.id].due_date == date(2027, 3, 1) + timedelta(
        weeks=programme_.deadline_weeks
    )

    invited = {
        str(message["To"]): message
        for message in outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))
    }
    assert set(invited) == {"Noah Ny <noah@tynset.example>"}
    assert sent == len(invited)
    assert "/invitation/" in invited["Noah Ny <noah@tynset.example>"].get_body().get_content()  # type: ignore[union-attr]

    batch = db.session.get_one(ImportBatch, batch.id)
    assert batch.applied_at is not None
    assert batch.applied_by_id == org.hr.id
    assert batch.result is not None
    counts = {key: batch.result[key] for key in ("created", "updated", "unchanged", "errors")}
    assert counts == {"created": 3, "updated": 0, "unchanged": 0, "errors": 1}
    assert [row["status"] for row in batch.result["rows"]] == ["new", "new", "new", "error"]
    assert batch.content == b""  # the people are in the register; the export is not kept


def test_importing_the_same_file_again_changes_nothing(
    app: Flask, org: Org, programme: None
) -> None:
    content = csv_bytes(
        [
            person("N1", "Nora", "Ny", "nora@tynset.example", leader="noah@tynset.example"),
            person("N2", "Noah", "Ny", "noah@tynset.example"),
        ]
    )
    import_file(content, org.hr)
    people, e_mails = count(User), count(Notification)
    outbox = len(outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"])))

    again = create_batch("hrm.csv", content, org.hr)
    plan = preview_batch(again)
    assert [row.status for row in plan.rows] == [RowStatus.UNCHANGED, RowStatus.UNCHANGED]
    assert plan.to_apply == 0
    report = apply_batch(again, org.hr, plan.fingerprint)
    commit()

    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert (count(User), count(Notification)) == (people, e_mails)
    assert len(outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))) == outbox


def test_a_batch_is_applied_once_even_when_the_second_click_has_a_stale_copy(
    app: Flask, org: Org
) -> None:
    # Two weeks before N1's start date: the import invites them, once.
    with time_machine.travel(datetime(2027, 2, 15, 9, tzinfo=ZoneInfo("Europe/Oslo")), tick=False):
        batch = create_batch("hrm.csv", csv_bytes([person("N1")]), org.hr)
        commit()
        fingerprint = preview_batch(batch).fingerprint
        # The second click's request loaded the batch before the first one committed.
        with app.app_context():
            stale = db.session.get(ImportBatch, batch.id)
            assert stale is not None
            assert stale.applied_at is None
            db.session.expunge(stale)

        apply_batch(batch, org.hr, fingerprint)
        commit()

        with app.app_context():
            db.session.add(stale)
            assert stale.applied_at is None  # its copy says "not imported yet"
            with pytest.raises(AlreadyApplied, match="allerede importert"):
                apply_batch(stale, org.hr, fingerprint)
            db.session.rollback()
        assert count(User) == 2  # HR and the one new person
        assert count(Notification) == 1  # their invitation


def test_if_people_changed_after_the_preview_nothing_is_imported(org: Org) -> None:
    batch = create_batch(
        "hrm.csv", csv_bytes([person("N1", email="nora@tynset.example"), person("N2")]), org.hr
    )
    commit()
    seen = preview_batch(batch)
    # Meanwhile someone else adds Nora by hand.
    employee(None, "nora@tynset.example", "Nora", "Annen")
    commit()

    with pytest.raises(PlanChanged) as changed:
        apply_batch(batch, org.hr, seen.fingerprint)
    db.session.rollback()

    assert changed.value.plan.fingerprint != seen.fingerprint
    assert [row.status for row in changed.value.plan.rows] == [RowStatus.CHANGED, RowStatus.NEW]
    assert user_by_number("N2") is None
    assert db.session.get(ImportBatch, batch.id).applied_at is None  # type: ignore[union-attr]


def test_changes_are_applied_and_people_missing_from_the_file_are_left_alone(
    org: Org, programme: None
) -> None:
    boss = employee("L1", "boss@tynset.example", unit=org.helse)
    ola = employee("E1", "ola@tynset.example", unit=org.hjemme, start=date(2027, 2, 1))
    gone = employee("E2", "gone@tynset.example", "Gunn", "Borte", unit=org.hjemme)
    programme_ = current_programme()
    assert programme_ is not None
    enrolment = ensure_enrolment(ola, programme_)
    assert enrolment is not None
    commit()

    _batch, sent = import_file(
        csv_bytes(
            [
                person(
                    "E1",
                    "Ola",
                    "Hansen",
                    "ola.hansen@tynset.example",
                    "4000",
                    "Fagleder",
                    "01.04.2027",
                    "boss@tynset.example",
                )
            ]
        ),  # fmt: skip
        org.hr,
    )

    db.session.expire_all()
    assert (ola.email, ola.unit, ola.position, ola.start_date, ola.manager_id) == (
        "ola.hansen@tynset.example",
        org.helse,
        "Fagleder",
        date(2027, 4, 1),
        boss.id,
    )
    # The deadline follows the new start date.
    assert enrolment.due_date == date(2027, 4, 1) + timedelta(weeks=programme_.deadline_weeks)
    assert (gone.email, gone.unit, gone.active) == ("gone@tynset.example", org.hjemme, True)
    assert sent == 0  # a change sends no invitation
