"""Fixtures for the import: an organisation with units, HR, and files built in the test."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask_babel import force_locale

from onboarding.auth.models import Role, User
from onboarding.auth.services import create_user as _create_user
from onboarding.content.services import courses_dir
from onboarding.extensions import db
from onboarding.org.models import OrgUnit, UnitKind
from onboarding.org.services import create_unit
from onboarding.people.import_plan import ImportPlan, PlannedRow, build_plan
from onboarding.people.reader import read_people_file
from tests.factories import commit, create_user
from tests.programmes import sync_programme

HEADER = [
    "Ansattnummer",
    "Fornavn",
    "Etternavn",
    "E-post",
    "Enhet",
    "Stillingstittel",
    "Startdato",
    "Nærmeste leder",
]


def person(
    number: str,
    first: str = "Kari",
    last: str = "Nordmann",
    email: str | None = None,
    unit: str = "Hjemmetjenesten",
    position: str = "Helsefagarbeider",
    start: str = "01.03.2027",
    leader: str = "",
) -> list[str]:
    """One row of an export, in the order of ``HEADER``."""
    return [
        number,
        first,
        last,
        email or f"{first.lower()}.{number.lower()}@tynset.example",
        unit,
        position,
        start,
        leader,
    ]


def csv_bytes(
    rows: Sequence[Sequence[Any]],
    header: Sequence[str] = HEADER,
    delimiter: str = ";",
    encoding: str = "utf-8",
) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[Any]], header: Sequence[str] | None = HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    if header is not None:
        sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass
class Org:
    kommune: OrgUnit
    helse: OrgUnit
    hjemme: OrgUnit
    oppvekst: OrgUnit
    hr: User


@pytest.fixture
def org(appctx: Flask) -> Iterator[Org]:
    """Units with and without codes, two of them with the same name, and an HR person.

    Messages come out in English, so the tests read the same before and after the
    Norwegian catalogue is updated.
    """
    kommune = create_unit("Tynset kommune", UnitKind.MUNICIPALITY, code="0437")
    helse = create_unit("Helse og omsorg", UnitKind.SERVICE_AREA, kommune, code="4000")
    hjemme = create_unit("Hjemmetjenesten", UnitKind.DEPARTMENT, helse, code="4210")
    oppvekst = create_unit("Oppvekst", UnitKind.SERVICE_AREA, kommune)
    create_unit("Kontor", UnitKind.DEPARTMENT, helse)
    create_unit("Kontor", UnitKind.DEPARTMENT, oppvekst)
    hr = create_user("hr@tynset.example", roles=(Role.HR,), first_name="Hanne", unit=kommune)
    commit()
    with force_locale("en"):
        yield Org(kommune, helse, hjemme, oppvekst, hr)


@pytest.fixture
def programme(appctx: Flask) -> None:
    sync_programme(courses_dir() / "introduksjon")
    commit()


def employee(
    number: str | None,
    email: str,
    first: str = "Ola",
    last: str = "Hansen",
    unit: OrgUnit | None = None,
    position: str | None = "Sykepleier",
    start: date | None = date(2027, 2, 1),
    manager: User | None = None,
) -> User:
    """Someone already in the database, with the employee number the HR system gave them."""
    user = _create_user(
        email=email,
        first_name=first,
        last_name=last,
        unit=unit,
        employee_number=number,
        position=position,
        start_date=start,
    )
    user.manager_id = manager.id if manager is not None else None
    db.session.flush()
    return user


def plan_for(content: bytes) -> ImportPlan:
    return build_plan(read_people_file(content))


def rows_by_number(plan: ImportPlan) -> dict[int, PlannedRow]:
    return {row.number: row for row in plan.rows}
