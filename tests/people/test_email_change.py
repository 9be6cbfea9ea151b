"""A new e-mail address for someone with HR's or the administrator's rights is used only
once they confirm it themselves, from the new address and signed in as they are today."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from onboarding.audit.models import AuditEvent
from onboarding.auth.models import Role, User
from onboarding.extensions import db
from onboarding.people.import_plan import RowStatus
from onboarding.people.reader import Column
from tests.factories import commit, create_user
from tests.helpers import (
    AuthActions,
    body_of,
    edit_form,
    link_in,
    outbox_messages,
    post_form,
    signed_in,
    stored_user,
    text_of,
)
from tests.people.conftest import Org, csv_bytes, person, plan_for, rows_by_number

NEW = "arne.ny@tynset.example"


@pytest.fixture
def admins(app: Flask) -> dict[str, int]:
    with app.app_context():
        ids = {
            "arne": create_user("arne@tynset.example", roles=(Role.ADMIN,), first_name="Arne").id,
            "siri": create_user("siri@tynset.example", roles=(Role.ADMIN,), first_name="Siri").id,
            "hanne": create_user("hanne@tynset.example", roles=(Role.HR,), first_name="Hanne").id,
        }
        commit()
    return ids


def change_address(client: FlaskClient, target: User, email: str) -> None:
    response = post_form(client, f"/people/{target.id}/edit", edit_form(target, email=email))
    assert response.status_code == 302, text_of(response)


def outbox(app: Flask) -> Path:
    return Path(app.config["MAIL_OUTBOX_DIR"])


def test_the_new_address_waits_for_the_admins_own_confirmation(
    app: Flask, admins: dict[str, int]
) -> None:
    siri = signed_in(app, "siri@tynset.example")
    arne = stored_user(app, admins["arne"])
    change_address(siri, arne, NEW)
    page = text_of(siri.get(f"/people/{arne.id}"))
    assert "arne@tynset.example" in page
    assert f"Endres til {NEW} når den er bekreftet fra den adressen" in page

    confirmation, notice = outbox_messages(outbox(app))
    assert NEW in str(confirmation["To"])
    assert "arne@tynset.example" in str(notice["To"])
    assert NEW in body_of(notice)
    link = link_in(confirmation)

    # Until confirmed, the old address signs in and the new one does not.
    assert AuthActions(app.test_client()).login(NEW).status_code == 400

    # Opened without signing in: the sign-in page, with the old address.
    anonymous = app.test_client()
    assert anonymous.get(link).headers["Location"].startswith("/login")

    own = signed_in(app, "arne@tynset.example")
    opened = own.get(link)
    assert opened.status_code == 200
    assert "Bekreft den nye adressen" in text_of(opened)
    assert stored_user(app, arne.id).email == "arne@tynset.example"  # opening changes nothing

    confirmed = post_form(own, link, {})
    assert confirmed.status_code == 302
    assert f"E-postadressen din er nå {NEW}" in text_of(own.get(confirmed.location))
    after = stored_user(app, arne.id)
    assert (after.email, after.pending_email) == (NEW, None)
    assert AuthActions(app.test_client()).login(NEW).status_code == 302
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "email.change_confirmed")
        )
        assert event is not None
        assert (event.actor_id, event.before, event.after) == (
            arne.id,
            {"email": "arne@tynset.example"},
            {"email": NEW},
        )
    # The link works once.
    replay = own.get(link)
    assert replay.status_code == 400
    assert "Lenken er allerede brukt" in text_of(replay)


def test_someone_else_signed_in_cannot_confirm(app: Flask, admins: dict[str, int]) -> None:
    hanne = signed_in(app, "hanne@tynset.example")
    siri = signed_in(app, "siri@tynset.example")
    change_address(siri, stored_user(app, admins["arne"]), "hanne.sin@tynset.example")
    link = link_in(outbox_messages(outbox(app))[0])
    refused = hanne.get(link)
    assert refused.status_code == 403
    assert "Denne lenken er til Arne" in text_of(refused)
    assert post_form(hanne, link, {}).status_code == 403
    assert stored_user(app, admins["arne"]).email == "arne@tynset.example"


def test_a_newer_change_voids_the_older_link_and_links_expire(
    app: Flask, admins: dict[str, int]
) -> None:
    siri = signed_in(app, "siri@tynset.example")
    arne = stored_user(app, admins["arne"])
    change_address(siri, arne, "forste@tynset.example")
    change_address(siri, arne, NEW)
    messages = outbox_messages(outbox(app))
    # Each change: the confirmation to the new address, then the notice to the old one.
    first, second = link_in(messages[0]), link_in(messages[2])
    own = signed_in(app, "arne@tynset.example")
    assert "Lenken er allerede brukt" in text_of(own.get(first))
    with time_machine.travel(timedelta(days=2, minutes=1), tick=False):
        expired = signed_in(app, "arne@tynset.example").get(second)
    assert expired.status_code == 400
    assert "Lenken er utløpt" in text_of(expired)
    assert stored_user(app, arne.id).email == "arne@tynset.example"


def test_hr_changes_an_employees_address_at_once(app: Flask, admins: dict[str, int]) -> None:
    with app.app_context():
        ola = create_user("ola@tynset.example", first_name="Ola")
        commit()
        ola_id = ola.id
    hanne = signed_in(app, "hanne@tynset.example")
    change_address(hanne, stored_user(app, ola_id), "ola.ny@tynset.example")
    assert stored_user(app, ola_id).email == "ola.ny@tynset.example"
    assert outbox_messages(outbox(app)) == []


def test_an_import_does_not_move_the_address_of_hr_or_an_admin(org: Org) -> None:
    """The HR system's file may not do what HR's own form cannot: a row that would change
    the address of someone with HR's rights is refused, and says where it is done."""
    org.hr.employee_number = "H1"
    commit()
    content = csv_bytes(
        [
            person("H1", "Hanne", org.hr.last_name, "overtatt@angriper.example", "Tynset kommune"),
        ]
    )
    plan = plan_for(content)
    row = rows_by_number(plan)[2]
    assert row.status is RowStatus.ERROR
    assert [error.column for error in row.errors] == [Column.EMAIL]
    assert "only once they have confirmed the new one" in row.errors[0].message


def test_an_import_does_not_give_hr_an_employee_number(org: Org) -> None:
    """Single sign-on may match on the number: a file that links HR (added by hand, with no
    number) to a number is refused for that row."""
    org.hr.employee_number = None
    commit()
    content = csv_bytes([person("H9", "Hanne", org.hr.last_name, org.hr.email, "Tynset kommune")])
    row = rows_by_number(plan_for(content))[2]
    assert row.status is RowStatus.ERROR
    assert [error.column for error in row.errors] == [Column.EMPLOYEE_NUMBER]
