"""HR's people pages: filters, one person's record, edits, invitations, deactivation."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from onboarding.auth.models import Role, User
from onboarding.cohorts.services import SessionPlan, add_session, assign_new_hire, create_cohort
from onboarding.extensions import db
from onboarding.learning.models import Reflection
from tests.factories import commit, create_unit, create_user
from tests.helpers import AuthActions, csrf_token, post_form, text_of


@pytest.fixture
def staff(app: Flask) -> dict[str, int]:
    with app.app_context():
        kommune = create_unit("Tynset kommune")
        helse = create_unit("Helse og omsorg", kommune)
        skole = create_unit("Tynset barneskole", create_unit("Oppvekst", kommune))
        create_user("hr@tynset.example", roles=(Role.HR,))
        cohort = create_cohort("Vårkullet 2027")
        add_session(cohort, SessionPlan(date(2027, 4, 14), (9, 0), (15, 0), "Salen", 10), by=None)
        nora = create_user(
            "nora@tynset.example",
            first_name="Nora",
            last_name="Haugen",
            unit=helse,
            start_date=date(2027, 3, 1),
        )
        assign_new_hire(nora)
        create_user(
            "tomasz@tynset.example",
            first_name="Tomasz",
            last_name="Nowak",
            unit=skole,
            start_date=date(2026, 8, 15),
            password=None,
        )
        gone = create_user("borte@tynset.example", first_name="Berit", last_name="Borte")
        gone.active = False
        commit()
        return {"nora": nora.id, "cohort": cohort.id, "helse": helse.id}


def test_filters(client: FlaskClient, auth: AuthActions, staff: dict[str, int]) -> None:
    auth.login("hr@tynset.example")

    def names(query: str) -> str:
        return text_of(client.get(f"/people?{query}"))

    assert "Haugen, Nora" in names(f"cohort={staff['cohort']}")
    assert "Nowak" not in names(f"cohort={staff['cohort']}")
    assert "Nowak, Tomasz" in names("status=invited")
    assert "Haugen" not in names("status=invited")
    assert "Borte, Berit" in names("status=deactivated")
    started = names("from=2027-01-01&to=2027-12-31")
    assert "Haugen" in started
    assert "Nowak" not in started
    assert "Haugen" in names(f"unit={staff['helse']}")
    # Nonsense is ignored with a notice, never a 500.
    odd = client.get("/people?status=x&cohort=abc&unit=99999&from=31.02.2027&page=-1")
    assert odd.status_code == 200
    assert "ble ikke forstått" in text_of(odd)


def test_person_page_shows_the_record_but_not_private_reflections(
    app: Flask, client: FlaskClient, auth: AuthActions, staff: dict[str, int]
) -> None:
    with app.app_context():
        from onboarding.content.services import courses_dir
        from tests.programmes import sync_programme

        sync_programme(courses_dir() / "introduksjon")
        prompt_id = db.session.execute(
            db.text("SELECT id FROM reflection_prompts LIMIT 1")
        ).scalar()
        module_id = db.session.execute(db.text("SELECT id FROM modules LIMIT 1")).scalar()
        db.session.add(
            Reflection(
                user_id=staff["nora"],
                module_id=module_id,
                prompt_key="x",
                prompt_id=prompt_id,
                text="Min private tanke",
            )
        )
        commit()
    auth.login("hr@tynset.example")
    page = text_of(client.get(f"/people/{staff['nora']}"))
    assert "Vårkullet 2027" in page
    assert "Salen" in page
    assert "Min private tanke" not in page
    assert client.get("/people/999999").status_code == 404


def test_hr_edits_a_person(
    app: Flask, client: FlaskClient, auth: AuthActions, staff: dict[str, int]
) -> None:
    auth.login("hr@tynset.example")
    url = f"/people/{staff['nora']}/edit"
    form = {
        "first_name": "Nora",
        "last_name": "Haugen-Moen",
        "email": "NORA.moen@tynset.example",
        "employee_number": "T77",
        "unit": str(staff["helse"]),
        "position": "Sykepleier",
        "start_date": "01.03.2027",
        "language": "nn",
    }
    saved = post_form(client, url, form)
    assert saved.status_code == 302
    with app.app_context():
        nora = db.session.get(User, staff["nora"])
        assert nora is not None
        assert (nora.last_name, nora.email, nora.language) == (
            "Haugen-Moen",
            "nora.moen@tynset.example",
            "nn",
        )
    clash = post_form(client, url, {**form, "email": "hr@tynset.example"})
    assert clash.status_code == 400
    assert "har allerede e-postadressen" in text_of(clash)


@pytest.mark.parametrize("unit", ["999999", "2147483648", "9223372036854775808", "x", "", "٣"])
def test_a_unit_that_is_not_in_the_list_is_an_error_and_changes_nothing(
    app: Flask, client: FlaskClient, auth: AuthActions, staff: dict[str, int], unit: str
) -> None:
    auth.login("hr@tynset.example")
    url = f"/people/{staff['nora']}/edit"
    form = {
        "first_name": "Nora",
        "last_name": "Haugen-Moen",
        "email": "nora@tynset.example",
        "unit": unit,
        "language": "nb",
    }
    refused = post_form(client, url, form)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert '<p class="ds-validation-message" id="unit-error">' in html
    assert "Velg en enhet fra listen." in text_of(refused)
    assert 'value="Haugen-Moen"' in html
    with app.app_context():
        nora = db.session.get(User, staff["nora"])
        assert nora is not None
        assert (nora.last_name, nora.unit_id) == ("Haugen", staff["helse"])
    # «(none)» is in the list: choosing it clears the unit.
    assert post_form(client, url, {**form, "unit": "0"}).status_code == 302
    with app.app_context():
        nora = db.session.get(User, staff["nora"])
        assert nora is not None
        assert nora.unit_id is None


def test_invitation_again_and_deactivation(
    app: Flask, client: FlaskClient, auth: AuthActions, staff: dict[str, int]
) -> None:
    auth.login("hr@tynset.example")
    with app.app_context():
        tomasz = db.session.scalar(select(User).where(User.email == "tomasz@tynset.example"))
        assert tomasz is not None
        tomasz_id = tomasz.id
    sent = client.post(f"/people/{tomasz_id}/invitation", data={"csrf_token": csrf_token(client)})
    assert sent.status_code == 302
    assert "Invitasjonen er sendt til tomasz@tynset.example" in text_of(
        client.get(f"/people/{tomasz_id}")
    )
    # Nora has a password: no new invitation.
    again = client.post(
        f"/people/{staff['nora']}/invitation", data={"csrf_token": csrf_token(client)}
    )
    assert "har allerede valgt passord" in text_of(client.get(again.headers["Location"]))

    nora_client = app.test_client()
    AuthActions(nora_client).login("nora@tynset.example")
    assert nora_client.get("/").status_code == 200
    client.post(f"/people/{staff['nora']}/active", data={"csrf_token": csrf_token(client)})
    assert nora_client.get("/").status_code == 302  # signed out at once
    assert "deaktivert" in text_of(client.get(f"/people/{staff['nora']}"))
    client.post(f"/people/{staff['nora']}/active", data={"csrf_token": csrf_token(client)})
    with app.app_context():
        nora = db.session.get(User, staff["nora"])
        assert nora is not None
        assert nora.active


def test_people_pages_are_for_hr(
    client: FlaskClient, auth: AuthActions, staff: dict[str, int]
) -> None:
    auth.login("nora@tynset.example")
    assert client.get("/people").status_code == 403
    assert client.get(f"/people/{staff['nora']}").status_code == 403
    assert post_form(client, f"/people/{staff['nora']}/active", {}).status_code == 403
