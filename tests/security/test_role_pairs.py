"""Roles that cannot be climbed: for every pair of the roles that reach HR's people pages
and every role a person can hold, who may change that person's e-mail address, roles and
active state. Nobody may do it to someone with more rights than they have, and a new
address for someone with HR's or the administrator's rights waits for their own
confirmation (tests/people/test_email_change.py follows that to the end)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from onboarding.auth.models import Role, User
from onboarding.auth.services import TokenProblem, TokenPurpose, make_token, user_for_token
from onboarding.extensions import db
from onboarding.org.models import OrgUnit
from onboarding.org.services import set_leader
from tests.factories import commit, create_unit, create_user
from tests.helpers import (
    AuthActions,
    edit_form,
    outbox_messages,
    post_form,
    signed_in,
    stored_user,
    text_of,
)

ACTORS = (Role.HR, Role.ADMIN)
TARGETS = (Role.EMPLOYEE, Role.LEADER, Role.HR, Role.ADMIN)
# What the actor may do to someone holding the target role, and whether a new e-mail
# address then waits for the person's own confirmation.
#          actor       target          may change  address waits
EXPECTED = {
    (Role.HR, Role.EMPLOYEE): (True, False),
    (Role.HR, Role.LEADER): (True, False),
    (Role.HR, Role.HR): (True, True),
    (Role.HR, Role.ADMIN): (False, False),
    (Role.ADMIN, Role.EMPLOYEE): (True, False),
    (Role.ADMIN, Role.LEADER): (True, False),
    (Role.ADMIN, Role.HR): (True, True),
    (Role.ADMIN, Role.ADMIN): (True, True),
}
PAIRS = [
    pytest.param(actor, target, id=f"{actor.value}-changes-{target.value}")
    for actor in ACTORS
    for target in TARGETS
]


@pytest.fixture
def people(app: Flask) -> dict[str, int]:
    with app.app_context():
        unit = create_unit("Hjemmetjenesten")
        create_unit("Kultur")
        ids = {
            "actor-hr": create_user("hanne@tynset.example", roles=(Role.HR,)).id,
            "actor-admin": create_user("arne@tynset.example", roles=(Role.ADMIN,)).id,
        }
        for role in TARGETS:
            roles = (Role.EMPLOYEE,) if role is Role.EMPLOYEE else (role,)
            person = create_user(f"{role.value}@tynset.example", roles=roles, unit=unit)
            if role is Role.LEADER:
                set_leader(unit, person, by=None)
            ids[role.value] = person.id
        commit()
    return ids


def signed_in_as(app: Flask, actor: Role) -> FlaskClient:
    return signed_in(app, "hanne@tynset.example" if actor is Role.HR else "arne@tynset.example")


@pytest.mark.parametrize(("actor", "target"), PAIRS)
def test_changing_the_e_mail_address(
    app: Flask, people: dict[str, int], actor: Role, target: Role
) -> None:
    allowed, waits = EXPECTED[(actor, target)]
    client = signed_in_as(app, actor)
    before = stored_user(app, people[target.value])
    response = post_form(
        client,
        f"/people/{before.id}/edit",
        edit_form(before, email="overtatt@angriper.example", last_name="Endret"),
    )
    after = stored_user(app, before.id)
    if not allowed:
        assert response.status_code == 400
        assert "som har flere rettigheter enn deg" in text_of(response)
        # Nothing at all is saved, not even the other fields of the form.
        assert (after.email, after.last_name, after.pending_email) == (
            before.email,
            before.last_name,
            None,
        )
        return
    assert response.status_code == 302
    assert after.last_name == "Endret"
    if waits:
        assert after.email == before.email
        assert after.pending_email == "overtatt@angriper.example"
    else:
        assert after.email == "overtatt@angriper.example"
        assert after.pending_email is None


@pytest.mark.parametrize(("actor", "target"), PAIRS)
def test_deactivating(app: Flask, people: dict[str, int], actor: Role, target: Role) -> None:
    allowed, _waits = EXPECTED[(actor, target)]
    client = signed_in_as(app, actor)
    target_id = people[target.value]
    response = post_form(client, f"/people/{target_id}/active", {})
    assert response.status_code == 302
    assert stored_user(app, target_id).active is not allowed
    if not allowed:
        assert "som har flere rettigheter enn deg" in text_of(client.get(response.location))


@pytest.mark.parametrize(("actor", "target"), PAIRS)
def test_giving_and_taking_the_leader_role(
    app: Flask, people: dict[str, int], actor: Role, target: Role
) -> None:
    """Leading a unit is the leader role: made leader of Kultur, then no longer."""
    allowed, _waits = EXPECTED[(actor, target)]
    client = signed_in_as(app, actor)
    target_user = stored_user(app, people[target.value])
    with app.app_context():
        kultur = db.session.scalar(select(OrgUnit.id).where(OrgUnit.name == "Kultur"))
    given = post_form(client, f"/units/{kultur}/leaders", {"leader-email": target_user.email})
    if allowed:
        assert given.status_code == 302
        assert led_units(app, target_user.id) >= {"Kultur"}
        assert Role.LEADER in person_roles(app, target_user.id)
    else:
        assert given.status_code == 400
        assert "som har flere rettigheter enn deg" in text_of(given)
        assert "Kultur" not in led_units(app, target_user.id)
        assert person_roles(app, target_user.id) == {target}
        # An administrator makes them leader; HR still cannot take it away.
        with app.app_context():
            unit = db.session.get(OrgUnit, kultur)
            found = db.session.get(User, target_user.id)
            assert unit is not None
            assert found is not None
            set_leader(unit, found, by=None)
            commit()
    taken = post_form(client, f"/units/{kultur}/leaders/{target_user.id}/remove", {})
    assert taken.status_code == 302
    assert ("Kultur" in led_units(app, target_user.id)) is not allowed


def person_roles(app: Flask, user_id: int) -> frozenset[Role]:
    with app.app_context():
        found = db.session.get(User, user_id)
        assert found is not None
        return found.roles


def led_units(app: Flask, user_id: int) -> set[str]:
    with app.app_context():
        found = db.session.get(User, user_id)
        assert found is not None
        return {unit.name for unit in found.led_units}


def test_hr_cannot_take_over_the_administrator_by_a_password_reset(
    app: Flask, people: dict[str, int]
) -> None:
    """The attack as reported: change the admin's address to one HR reads, then ask for a
    new password. The address does not change, so the link goes to the admin."""
    client = signed_in_as(app, Role.HR)
    admin = stored_user(app, people["admin"])
    post_form(client, f"/people/{admin.id}/edit", edit_form(admin, email="hr@angriper.example"))
    AuthActions(client).logout()
    post_form(client, "/password/forgot", {"email": "hr@angriper.example"})
    outbox = Path(app.config["MAIL_OUTBOX_DIR"])
    assert all("hr@angriper.example" not in str(m["To"]) for m in outbox_messages(outbox))


@pytest.mark.parametrize(("actor", "target"), PAIRS)
def test_changing_the_employee_number(
    app: Flask, people: dict[str, int], actor: Role, target: Role
) -> None:
    """Single sign-on may match people on their employee number, as on the address."""
    allowed, _waits = EXPECTED[(actor, target)]
    client = signed_in_as(app, actor)
    before = stored_user(app, people[target.value])
    response = post_form(
        client, f"/people/{before.id}/edit", edit_form(before, employee_number="X999")
    )
    after = stored_user(app, before.id)
    assert response.status_code == (302 if allowed else 400)
    assert after.employee_number == ("X999" if allowed else before.employee_number)


def test_a_link_sent_to_the_old_address_dies_when_it_changes(
    app: Flask, people: dict[str, int]
) -> None:
    with app.app_context():
        found = db.session.get(User, people["employee"])
        assert found is not None
        token = make_token(found, TokenPurpose.RESET)
    client = signed_in_as(app, Role.HR)
    before = stored_user(app, people["employee"])
    post_form(client, f"/people/{before.id}/edit", edit_form(before, email="ny@tynset.example"))
    with app.app_context(), pytest.raises(TokenProblem):
        user_for_token(token, TokenPurpose.RESET)
