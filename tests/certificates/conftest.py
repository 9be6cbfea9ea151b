"""A programme, a cohort with its session, and people who complete the programme the way the
app does it: every module (lessons and quiz), then attendance marked on the day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from flask import Flask

from onboarding.attendance.models import AttendanceStatus
from onboarding.attendance.services import mark
from onboarding.auth.models import Role, User
from onboarding.certificates.models import Certificate
from onboarding.certificates.services import valid_certificate
from onboarding.cohorts.models import CohortSession
from onboarding.cohorts.services import (
    membership,
    move_member,
)
from onboarding.learning.models import Enrolment
from onboarding.learning.services import current_programme
from onboarding.org.models import OrgUnit
from tests.attendance.test_attendance import VALID, complete_modules, member
from tests.factories import (
    EnrolmentFactory,
    ProgrammeFactory,
    SessionFactory,
    commit,
    create_unit,
    create_user,
)
from tests.helpers import at_the_session
from tests.programmes import sync_programme

DAY = date(2027, 4, 14)


def plan_session(name: str = "Vårkullet 2027", place: str = "Kommunestyresalen") -> CohortSession:
    return SessionFactory.create(cohort__name=name, place=place, day=DAY)


def enrol(**kwargs: Any) -> tuple[User, Enrolment]:
    """A new employee placed in the first cohort with room, enrolled in the programme."""
    person = member(**kwargs)
    programme = current_programme()  # the one the test loaded
    assert programme is not None
    return person, EnrolmentFactory.create(user=person, programme=programme)


def graduate(session: CohortSession, **kwargs: object) -> User:
    """A person who completes every module and then attends ``session``: the certificate
    is issued."""
    person, _enrolment = enrol(**kwargs)
    place = membership(person)
    if place is None or place.session_id != session.id:
        move_member(person, session.cohort, session, by=None)
    complete_modules(person)
    # Marked on the day, as the facilitator does: «Møtt» is not accepted before.
    with at_the_session(session):
        mark(session, person, AttendanceStatus.PRESENT, None)
    return person


def certificate_of(person: User) -> Certificate:
    programme = current_programme()
    assert programme is not None
    certificate = valid_certificate(person.id, programme.id)
    assert certificate is not None
    return certificate


@pytest.fixture
def session(appctx: Flask) -> CohortSession:
    """The programme loaded and one cohort session planned (an app context is open)."""
    ProgrammeFactory.create(folder=VALID)
    session = plan_session()
    commit()
    return session


@dataclass
class World:
    """Ids and e-mail addresses, for view tests that make requests outside an app context."""

    session_id: int
    cohort_id: int
    person_id: int
    certificate_id: int
    code: str


@dataclass
class Units:
    kommune: OrgUnit
    helse: OrgUnit
    hjemme: OrgUnit
    oppvekst: OrgUnit


@pytest.fixture
def world(app: Flask) -> World:
    """Units with leaders, HR, a colleague, and a graduate (nyansatt@) with a certificate.

    Everyone reads the interface in English, so that the tests read the same before and
    after the Norwegian catalogue is updated.
    """
    with app.app_context():
        sync_programme(VALID)
        kommune = create_unit("Tynset kommune")
        helse = create_unit("Helse og omsorg", kommune)
        hjemme = create_unit("Hjemmetjenesten", helse)
        oppvekst = create_unit("Oppvekst", kommune)
        create_user("hr@tynset.example", roles=(Role.HR,), unit=kommune, language="en")
        create_user("admin@tynset.example", roles=(Role.ADMIN,), language="en")
        create_user("leder@tynset.example", leads=helse, language="en")
        create_user("avdelingsleder@tynset.example", leads=hjemme, language="en")
        create_user("annen.leder@tynset.example", leads=oppvekst, language="en")
        create_user("kollega@tynset.example", unit=hjemme, language="en")
        session = plan_session()
        person = graduate(
            session,
            email="nyansatt@tynset.example",
            first_name="Áŋŋá",
            last_name="Čáhppe",
            unit=hjemme,
            language="en",
        )
        certificate = certificate_of(person)
        world = World(session.id, session.cohort_id, person.id, certificate.id, certificate.code)
        commit()
    return world
