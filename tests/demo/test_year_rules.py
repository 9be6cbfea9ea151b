"""The demo data obeys the year's rules: nobody unplaced without a reason, no false
«Forsinket», the absent of last autumn moved with their marks voided."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from onboarding.attendance.models import Attendance, AttendanceChange
from onboarding.attendance.progress import Progress, progress_of
from onboarding.auth.models import User
from onboarding.cohorts.models import CohortMember
from onboarding.cohorts.services import unplaced_query
from onboarding.content.services import courses_dir
from onboarding.demo.services import DEMO_PASSWORD, seed_demo, seed_progress
from onboarding.extensions import db
from onboarding.learning.models import Enrolment
from onboarding.learning.services import current_programme, enrol_everyone
from tests.factories import commit
from tests.helpers import AuthActions, text_of
from tests.programmes import sync_programme

TODAY = date(2026, 12, 2)


@pytest.mark.slow
def test_the_demo_keeps_the_year_s_rules(app: Flask, client: FlaskClient) -> None:
    with time_machine.travel(datetime(2026, 12, 2, 10, tzinfo=ZoneInfo("Europe/Oslo")), tick=False):
        with app.app_context():
            seed_demo(today=TODAY)
            sync_programme(courses_dir() / "introduksjon")
            programme = current_programme()
            assert programme is not None
            enrol_everyone(programme)
            seed_progress(programme, today=TODAY)
            commit()

            # Everyone who takes part has a place (three cohorts are planned: last autumn's,
            # the spring's and next autumn's).
            assert list(db.session.scalars(unplaced_query())) == []
            # Nobody's deadline is before their samling.
            for enrolment in db.session.scalars(select(Enrolment)):
                place = db.session.scalar(
                    select(CohortMember).where(CohortMember.user_id == enrolment.user_id)
                )
                if place is not None and place.session is not None and not enrolment.completed_at:
                    day = place.session.starts_at.astimezone(ZoneInfo("Europe/Oslo")).date()
                    assert enrolment.due_date >= day
            # No false «Forsinket»: whoever is overdue has modules left or missed the samling.
            standing = {
                enrolment.user_id: progress_of(enrolment, TODAY)
                for enrolment in db.session.scalars(select(Enrolment))
            }
            assert Progress.WAITING in standing.values()
            for user_id, progress in standing.items():
                if progress is Progress.OVERDUE:
                    enrolment = db.session.scalars(
                        select(Enrolment).where(Enrolment.user_id == user_id)
                    ).one()
                    assert enrolment.due_date < TODAY
                    assert enrolment.modules_completed_at is None
            # Ingrid waits for the spring samling; her deadline is that day.
            ingrid = db.session.scalars(
                select(User).where(User.email == "ingrid.nyland@tynset.example")
            ).one()
            ingrid_enrolment = db.session.scalars(
                select(Enrolment).where(Enrolment.user_id == ingrid.id)
            ).one()
            assert ingrid_enrolment.due_date == date(2027, 3, 22)
            # Last autumn's absent were moved to the spring: their marks there are voided.
            voided = list(
                db.session.scalars(
                    select(AttendanceChange).where(AttendanceChange.new_status.is_(None))
                )
            )
            assert voided
            assert {c.reason for c in voided} == {"Flyttet til Vårkullet 2027"}
            current = {a.user_id for a in db.session.scalars(select(Attendance))}
            assert not current & {c.user_id for c in voided}

        AuthActions(client).login("hanne.berg@tynset.example", DEMO_PASSWORD)
        cohorts = text_of(client.get("/cohorts"))
        assert "Ikke plassert (0)" in cohorts
        overview = text_of(client.get("/overview"))
        assert "Venter på samling" in overview
