"""Who may see whom: ``can_view_person`` for every role, and the unit tree behind it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from onboarding.auth.models import Role, User
from onboarding.extensions import db
from onboarding.org.models import OrgUnit, UnitKind
from onboarding.org.services import (
    OrgError,
    can_view_person,
    create_unit,
    led_unit_ids,
    remove_leader,
    set_leader,
)
from tests.factories import commit, create_user
from tests.factories import create_unit as make_unit
from tests.helpers import AuthActions, text_of


@dataclass
class Org:
    kommune: OrgUnit
    helse: OrgUnit
    hjemme: OrgUnit
    institusjon: OrgUnit
    oppvekst: OrgUnit
    skole: OrgUnit
    person: User


@pytest.fixture
def org(appctx: Flask) -> Org:
    kommune = make_unit("Tynset kommune")
    helse = make_unit("Helse og omsorg", kommune)
    hjemme = make_unit("Hjemmetjenesten", helse)
    institusjon = make_unit("Institusjonstjenesten", helse)
    oppvekst = make_unit("Oppvekst", kommune)
    skole = make_unit("Tynset barneskole", oppvekst)
    person = create_user("nyansatt@tynset.example", unit=hjemme)
    return Org(kommune, helse, hjemme, institusjon, oppvekst, skole, person)


def viewer(org: Org, who: str) -> User | None:
    match who:
        case "anonymous":
            return None
        case "the person":
            return org.person
        case "a colleague in the same unit":
            return create_user(unit=org.hjemme)
        case "HR":
            return create_user(roles=(Role.HR,), unit=org.kommune)
        case "admin":
            return create_user(roles=(Role.ADMIN,))
        case "deactivated HR":
            return create_user(roles=(Role.HR,), active=False)
        case "leader of the unit":
            return create_user(leads=org.hjemme)
        case "leader of the unit above":
            return create_user(leads=org.helse)
        case "leader of the municipality":
            return create_user(leads=org.kommune)
        case "leader of a sibling unit":
            return create_user(leads=org.institusjon)
        case "leader of another area":
            return create_user(leads=org.oppvekst)
        case "leader role without a unit":
            return create_user(roles=(Role.LEADER,))
    raise AssertionError(who)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("anonymous", False),
        ("the person", True),
        ("a colleague in the same unit", False),
        ("HR", True),
        ("admin", True),
        ("deactivated HR", False),
        ("leader of the unit", True),
        ("leader of the unit above", True),
        ("leader of the municipality", True),
        ("leader of a sibling unit", False),
        ("leader of another area", False),
        ("leader role without a unit", False),
    ],
)
def test_can_view_person(org: Org, who: str, allowed: bool) -> None:
    assert can_view_person(viewer(org, who), org.person) is allowed


def test_a_leader_who_stops_leading_loses_sight(org: Org) -> None:
    leader = create_user(leads=org.hjemme)
    assert can_view_person(leader, org.person)
    remove_leader(org.hjemme, leader, by=None)
    assert not leader.has_role(Role.LEADER)
    assert not can_view_person(leader, org.person)


def test_a_person_without_a_unit_is_seen_only_by_themselves_and_hr(org: Org) -> None:
    loose = create_user()
    assert can_view_person(loose, loose)
    assert can_view_person(create_user(roles=(Role.HR,)), loose)
    assert not can_view_person(create_user(leads=org.kommune), loose)


def test_led_units_include_everything_below(org: Org) -> None:
    leader = create_user(leads=org.helse)
    assert led_unit_ids(leader) == {org.helse.id, org.hjemme.id, org.institusjon.id}
    set_leader(org.skole, leader, by=None)
    assert led_unit_ids(leader) == {org.helse.id, org.hjemme.id, org.institusjon.id, org.skole.id}
    assert led_unit_ids(create_user()) == set()


def test_unit_names_are_unique_among_siblings(org: Org) -> None:
    with pytest.raises(OrgError, match="allerede en enhet"):
        create_unit("Hjemmetjenesten", UnitKind.DEPARTMENT, org.helse)
    # The same name elsewhere in the tree is fine.
    assert create_unit("Hjemmetjenesten", UnitKind.DEPARTMENT, org.oppvekst).id


def test_a_department_holds_only_departments(org: Org) -> None:
    with pytest.raises(OrgError):
        create_unit("Nytt område", UnitKind.SERVICE_AREA, org.hjemme)
    with pytest.raises(OrgError):
        create_unit("   ", UnitKind.DEPARTMENT, org.helse)


@pytest.fixture
def people(app: Flask) -> dict[str, str]:
    with app.app_context():
        kommune = make_unit("Tynset kommune")
        helse = make_unit("Helse og omsorg", kommune)
        hjemme = make_unit("Hjemmetjenesten", helse)
        skole = make_unit("Tynset barneskole", make_unit("Oppvekst", kommune))
        create_user("hr@tynset.example", roles=(Role.HR,), unit=kommune)
        create_user("admin@tynset.example", roles=(Role.ADMIN,))
        create_user("leder@tynset.example", leads=helse, unit=helse)
        create_user("ansatt@tynset.example", unit=hjemme, first_name="Aisha", last_name="Hassan")
        create_user("laerer@tynset.example", unit=skole, first_name="Tomasz", last_name="Nowak")
        create_user("100%_rabatt@tynset.example", unit=skole, first_name="Prosent")
        commit()
        return {"hjemme": str(hjemme.id), "helse": str(helse.id)}


@pytest.mark.parametrize(
    ("email", "status"),
    [
        ("hr@tynset.example", 200),
        ("admin@tynset.example", 200),
        ("leder@tynset.example", 403),
        ("ansatt@tynset.example", 403),
    ],
)
def test_people_list_is_for_hr_and_admin(
    client: FlaskClient, auth: AuthActions, people: dict[str, str], email: str, status: int
) -> None:
    auth.login(email)
    response = client.get("/people")
    assert response.status_code == status
    if status == 403:
        assert "Du har ikke tilgang til denne siden" in text_of(response)
        assert "Nowak" not in text_of(response)


def test_people_list_searches_and_filters_by_unit_and_below(
    client: FlaskClient, auth: AuthActions, people: dict[str, str]
) -> None:
    auth.login("hr@tynset.example")
    everyone = text_of(client.get("/people"))
    assert "Hassan, Aisha" in everyone
    assert "Nowak, Tomasz" in everyone
    assert "6 personer" in everyone

    found = text_of(client.get("/people?q=aisha"))
    assert "Hassan, Aisha" in found
    assert "Nowak" not in found

    below = text_of(client.get(f"/people?unit={people['helse']}"))
    assert "Hassan, Aisha" in below
    assert "Nowak" not in below

    # A % in the search is a character, not a wildcard.
    percent = text_of(client.get("/people?q=100%25"))
    assert "1 person" in percent
    assert "Prosent" in percent

    # Unknown filter values are ignored, not a 500.
    assert client.get("/people?unit=99999&page=abc").status_code == 200


def test_navigation_shows_what_the_role_may_use(
    client: FlaskClient, auth: AuthActions, people: dict[str, str]
) -> None:
    auth.login("ansatt@tynset.example")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/people"' not in html
    assert 'href="/system"' not in html
    auth.logout()
    auth.login("hr@tynset.example")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/people"' in html
    assert 'href="/system"' not in html
    auth.logout()
    auth.login("admin@tynset.example")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/people"' in html
    assert 'href="/system"' in html
    assert client.get("/system").status_code == 200


def test_unit_kinds_are_stored_by_value(org: Org) -> None:
    commit()
    stored = db.session.execute(
        db.text("SELECT kind FROM org_units WHERE id = :id"), {"id": org.hjemme.id}
    ).scalar_one()
    assert stored == "department"
