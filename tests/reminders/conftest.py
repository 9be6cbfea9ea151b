"""Fixtures for reminders: the programme, an organisation, and a few helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from onboarding.auth.models import User
from onboarding.content.models import Programme
from onboarding.extensions import db
from onboarding.learning.models import Enrolment
from onboarding.org.models import OrgUnit
from tests.factories import EnrolmentFactory, ProgrammeFactory, commit, create_unit, create_user
from tests.notifications.test_outbox import smtp_server  # noqa: F401  (a real SMTP server)

VALID = Path(__file__).parents[1] / "content" / "courses" / "valid"
# A Monday, in ISO week 2027-W10.
TODAY = date(2027, 3, 8)


def load_programme() -> Programme:
    programme = ProgrammeFactory.create(folder=VALID)
    commit()
    return programme


@pytest.fixture
def programme(appctx: Flask) -> Programme:
    return load_programme()


@dataclass
class Org:
    kommune: OrgUnit
    helse: OrgUnit
    hjemme: OrgUnit  # below helse
    oppvekst: OrgUnit  # helse's sibling
    kultur: OrgUnit


def build_org() -> Org:
    kommune = create_unit("Tynset kommune")
    helse = create_unit("Helse og omsorg", kommune)
    hjemme = create_unit("Hjemmetjenesten", helse)
    oppvekst = create_unit("Oppvekst", kommune)
    kultur = create_unit("Kultur", kommune)
    commit()
    return Org(kommune, helse, hjemme, oppvekst, kultur)


@pytest.fixture
def org(appctx: Flask) -> Org:
    return build_org()


def employee(
    last_name: str,
    unit: OrgUnit | None = None,
    position: str | None = None,
    active: bool = True,
    language: str = "nb",
) -> User:
    person = create_user(
        f"{last_name.lower()}@tynset.example",
        first_name="Kari",
        last_name=last_name,
        unit=unit,
        password=None,
        start_date=date(2027, 1, 4),
        active=active,
        language=language,
    )
    person.position = position
    db.session.flush()
    return person


def enrol(person: User, programme: Programme, due: date) -> Enrolment:
    return EnrolmentFactory.create(user=person, programme=programme, due_date=due)
