"""HR edits the unit tree and who leads which unit."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from onboarding.auth.models import Role, User
from onboarding.extensions import db
from onboarding.org.models import OrgUnit, UnitKind
from tests.factories import commit, create_unit, create_user
from tests.helpers import AuthActions, csrf_token, post_form, text_of


@pytest.fixture
def tree(app: Flask) -> dict[str, int]:
    with app.app_context():
        kommune = create_unit("Tynset kommune")
        helse = create_unit("Helse og omsorg", kommune)
        create_user("hr@tynset.example", roles=(Role.HR,))
        create_user("berit@tynset.example", first_name="Berit", unit=helse)
        create_user("ansatt@tynset.example")
        commit()
        return {"kommune": kommune.id, "helse": helse.id}


def unit_named(name: str) -> OrgUnit:
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.name == name))
    assert unit is not None
    return unit


def test_hr_adds_units_under_the_right_parent(
    app: Flask, client: FlaskClient, auth: AuthActions, tree: dict[str, int]
) -> None:
    auth.login("hr@tynset.example")
    page = text_of(client.get("/units"))
    assert "Helse og omsorg" in page
    added = post_form(client, "/units", {"name": "Hjemmetjenesten", "parent": str(tree["helse"])})
    assert added.status_code == 302
    twice = post_form(client, "/units", {"name": "Hjemmetjenesten", "parent": str(tree["helse"])})
    assert twice.status_code == 400
    assert "finnes allerede en enhet" in text_of(twice)
    with app.app_context():
        unit = unit_named("Hjemmetjenesten")
        assert unit.parent_id == tree["helse"]
        assert unit.kind is UnitKind.DEPARTMENT


def test_hr_renames_a_unit_and_sets_its_code(
    app: Flask, client: FlaskClient, auth: AuthActions, tree: dict[str, int]
) -> None:
    auth.login("hr@tynset.example")
    saved = post_form(
        client, f"/units/{tree['helse']}", {"name": "Helse og mestring", "code": "4000"}
    )
    assert saved.status_code == 302
    with app.app_context():
        unit = db.session.get(OrgUnit, tree["helse"])
        assert unit is not None
        assert (unit.name, unit.code) == ("Helse og mestring", "4000")
    empty = post_form(client, f"/units/{tree['helse']}", {"name": "  ", "code": ""})
    assert empty.status_code == 400


def test_hr_sets_and_removes_a_leader(
    app: Flask, client: FlaskClient, auth: AuthActions, tree: dict[str, int]
) -> None:
    auth.login("hr@tynset.example")
    url = f"/units/{tree['helse']}/leaders"
    unknown = client.post(
        url, data={"csrf_token": csrf_token(client), "leader-email": "ingen@tynset.example"}
    )
    assert unknown.status_code == 400
    assert "Ingen aktive har e-postadressen" in text_of(unknown)
    added = client.post(
        url, data={"csrf_token": csrf_token(client), "leader-email": "berit@tynset.example"}
    )
    assert added.status_code == 302
    with app.app_context():
        berit = db.session.scalar(select(User).where(User.email == "berit@tynset.example"))
        assert berit is not None
        assert berit.has_role(Role.LEADER)
        berit_id = berit.id
    assert "Berit" in text_of(client.get(f"/units/{tree['helse']}"))
    removed = client.post(f"{url}/{berit_id}/remove", data={"csrf_token": csrf_token(client)})
    assert removed.status_code == 302
    with app.app_context():
        berit = db.session.get(User, berit_id)
        assert berit is not None
        assert not berit.has_role(Role.LEADER)


def test_only_hr_and_admin_edit_units(
    client: FlaskClient, auth: AuthActions, tree: dict[str, int]
) -> None:
    auth.login("ansatt@tynset.example")
    assert client.get("/units").status_code == 403
    assert post_form(client, "/units", {"name": "X", "parent": "0"}).status_code == 403


@pytest.mark.parametrize("parent", ["999999", "2147483648", "9223372036854775808", "abc", "²", ""])
def test_a_parent_that_is_not_in_the_list_is_an_error_and_adds_nothing(
    app: Flask, client: FlaskClient, auth: AuthActions, tree: dict[str, int], parent: str
) -> None:
    auth.login("hr@tynset.example")
    refused = post_form(client, "/units", {"name": "Kultur", "parent": parent})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert '<p class="ds-validation-message" id="parent-error">' in html
    assert "Velg fra listen hvor enheten skal ligge." in text_of(refused)
    assert 'value="Kultur"' in html  # what HR typed is kept
    with app.app_context():
        assert db.session.scalar(select(OrgUnit).where(OrgUnit.name == "Kultur")) is None
