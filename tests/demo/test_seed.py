"""Demo data and the set-up commands that `make run` uses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from onboarding.attendance.models import Attendance
from onboarding.auth.models import Role, User
from onboarding.certificates.models import Certificate
from onboarding.cohorts.models import Cohort, CohortMember
from onboarding.demo.services import DEMO_PASSWORD, GENERATED_EMPLOYEES, demo_accounts, seed_demo
from onboarding.extensions import db
from onboarding.learning.models import Enrolment, QuizAttempt
from onboarding.org.models import OrgUnit, UnitKind
from onboarding.org.services import can_view_person
from tests.helpers import AuthActions, text_of

MakeApp = Callable[..., Flask]
TODAY = date(2026, 11, 27)


def counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count(OrgUnit.id))) or 0,
        db.session.scalar(select(func.count(User.id))) or 0,
    )


def test_seed_builds_the_organisation_and_is_idempotent(appctx: Flask) -> None:
    created = seed_demo(today=TODAY)
    db.session.commit()
    units, people = counts()
    assert created == units + people + 3  # and three cohorts
    assert people == len(demo_accounts()) + GENERATED_EMPLOYEES
    assert seed_demo(today=TODAY) == 0
    db.session.commit()
    assert counts() == (units, people)

    kommune = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
    assert kommune is not None
    assert kommune.name == "Tynset kommune"
    areas = {unit.name for unit in kommune.children}
    assert {"Oppvekst", "Helse og omsorg", "Teknisk", "Kultur"} <= areas
    helse = next(unit for unit in kommune.children if unit.name == "Helse og omsorg")
    assert helse.kind is UnitKind.SERVICE_AREA
    assert {unit.name for unit in helse.children} == {
        "Helsetjenesten",
        "Barnevern",
        "Hjemmetjenesten",
        "Institusjonstjenesten",
        "Tjenesten for funksjonshemmede",
    }


def test_seed_spreads_start_dates_over_a_year(appctx: Flask) -> None:
    seed_demo(today=TODAY)
    starts = [
        start
        for start in db.session.scalars(
            select(User.start_date).where(User.employee_number.like("D%"))
        )
        if start is not None
    ]
    assert len(starts) == GENERATED_EMPLOYEES
    assert all(TODAY - timedelta(days=183) <= d <= TODAY + timedelta(days=183) for d in starts)
    assert any(d < TODAY for d in starts)
    assert any(d > TODAY for d in starts)


def test_seed_plans_three_cohorts_and_places_the_employees(appctx: Flask) -> None:
    seed_demo(today=TODAY)
    cohorts = {c.name: c for c in db.session.scalars(select(Cohort))}
    # Last autumn's (held), the coming spring's, and next autumn's for those starting later.
    assert set(cohorts) == {"Høstkullet 2026", "Vårkullet 2027", "Høstkullet 2027"}
    placed = list(db.session.scalars(select(CohortMember)))
    assert placed
    # Nobody is placed in a day before their start date.
    for member in placed:
        if member.session is not None:
            assert member.user.start_date is not None
            assert member.session.starts_at.date() >= member.user.start_date


def test_demo_leaders_see_their_units_and_not_others(appctx: Flask) -> None:
    seed_demo(today=TODAY)
    by_email = {u.email: u for u in db.session.scalars(select(User))}
    berit = by_email["berit.tjonn@tynset.example"]
    jon = by_email["jon.eggen@tynset.example"]
    ingrid = by_email["ingrid.nyland@tynset.example"]
    hanne = by_email["hanne.berg@tynset.example"]
    assert berit.has_role(Role.LEADER)
    assert jon.has_role(Role.LEADER)
    assert hanne.has_role(Role.HR)
    assert can_view_person(berit, ingrid)
    assert can_view_person(jon, ingrid)
    assert not can_view_person(jon, hanne)
    assert not can_view_person(ingrid, jon)


@pytest.mark.slow
def test_setup_command_migrates_seeds_and_prints_the_demo_logins(
    make_app: MakeApp, tmp_path: Path
) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'fresh' / 'onboarding.sqlite3'}")
    runner: FlaskCliRunner = app.test_cli_runner()
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded." in result.output
    assert "introduksjon: nye versjoner: visjon v1, verdier v1" in result.output
    assert f"password for all: {DEMO_PASSWORD}" in result.output
    for _role, email, _description in demo_accounts():
        assert email in result.output

    again = runner.invoke(args=["setup"])
    assert again.exit_code == 0, again.output
    assert "demo not loaded" in again.output

    # The HR demo user can sign in with the printed password.
    response = AuthActions(app.test_client()).login("hanne.berg@tynset.example", DEMO_PASSWORD)
    assert response.status_code == 302

    # The demo's employees have come different lengths, through the learner's own services:
    # some have finished and attended last autumn's day and hold a certificate, some have not
    # started, and the new nurse of the demo log-ins starts from the beginning.
    with app.app_context():
        completed = db.session.scalar(
            select(func.count(Enrolment.id)).where(Enrolment.completed_at.is_not(None))
        )
        certificates = db.session.scalar(select(func.count(Certificate.id)))
        assert completed
        assert completed == certificates
        assert db.session.scalar(select(func.count(Attendance.id)))
        ingrid = db.session.scalar(select(User).where(User.email == "ingrid.nyland@tynset.example"))
        assert ingrid is not None
        assert not db.session.scalar(
            select(func.count(QuizAttempt.id)).where(QuizAttempt.user_id == ingrid.id)
        )


def test_setup_refuses_a_damaged_database_file_with_a_clear_message(
    make_app: MakeApp, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"not a database at all" * 50)
    app = make_app(f"sqlite:///{damaged}")
    result = app.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code == 1
    assert "is not an SQLite database" in result.output
    assert "Traceback" not in result.output
    assert damaged.read_bytes().startswith(b"not a database")


def test_users_create_with_an_invitation(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Ny.Ansatt@Tynset.example",
            "--first-name",
            "Ny",
            "--last-name",
            "Ansatt",
            "--role",
            "hr",
            "--role",
            "employee",
            "--start-date",
            "01.02.2027",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "invitation sent" in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ny.ansatt@tynset.example"))
        assert user is not None
        assert user.roles == {Role.HR, Role.EMPLOYEE}
        assert user.start_date == date(2027, 2, 1)
        assert user.password_hash is None
    assert len(list(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))) == 1

    duplicate = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "ny.ansatt@tynset.example",
            "--first-name",
            "X",
            "--last-name",
            "Y",
        ]
    )
    assert duplicate.exit_code == 1
    assert "finnes allerede en person med e-postadressen" in duplicate.output


def test_users_create_with_a_password(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "admin@tynset.example",
            "--first-name",
            "Ada",
            "--last-name",
            "Admin",
            "--role",
            "admin",
            "--password",
        ],
        input="en lang setning om fjellet\nen lang setning om fjellet\n",
    )
    assert result.exit_code == 0, result.output
    response = AuthActions(app.test_client()).login(
        "admin@tynset.example", "en lang setning om fjellet"
    )
    assert response.status_code == 302
    page = app.test_client()
    AuthActions(page).login("admin@tynset.example", "en lang setning om fjellet")
    assert "System" in text_of(page.get("/system"))
