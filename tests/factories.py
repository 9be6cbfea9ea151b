"""Factories for the objects tests need, built through the same services the app uses."""

from __future__ import annotations

import itertools
from datetime import date

from onboarding.auth.models import Role, User
from onboarding.auth.services import create_user as _create_user
from onboarding.extensions import db
from onboarding.org.models import OrgUnit, UnitKind
from onboarding.org.services import create_unit as _create_unit
from onboarding.org.services import set_leader
from tests.helpers import PASSWORD

_numbers = itertools.count(1)


def create_unit(
    name: str | None = None, parent: OrgUnit | None = None, kind: UnitKind | None = None
) -> OrgUnit:
    if kind is None:
        kind = (
            UnitKind.MUNICIPALITY
            if parent is None
            else (
                UnitKind.SERVICE_AREA
                if parent.kind == UnitKind.MUNICIPALITY
                else UnitKind.DEPARTMENT
            )
        )
    return _create_unit(name or f"Enhet {next(_numbers)}", kind, parent)


def create_user(
    email: str | None = None,
    *,
    roles: tuple[Role, ...] = (Role.EMPLOYEE,),
    unit: OrgUnit | None = None,
    password: str | None = PASSWORD,
    first_name: str = "Kari",
    last_name: str | None = None,
    leads: OrgUnit | None = None,
    active: bool = True,
    start_date: date | None = None,
    language: str = "nb",
) -> User:
    number = next(_numbers)
    user = _create_user(
        email=email or f"person{number}@tynset.example",
        first_name=first_name,
        last_name=last_name or f"Nordmann{number}",
        roles=roles,
        unit=unit,
        employee_number=f"T{number:05d}",
        start_date=start_date,
        language=language,
        password=password,
    )
    if leads is not None:
        set_leader(leads, user, by=None)
    user.active = active
    db.session.flush()
    return user


def commit() -> None:
    db.session.commit()
