"""HR turns a person's reminder e-mails off and on; the person page says which."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from onboarding.auth.models import Role, User
from onboarding.extensions import db
from tests.factories import commit, create_user
from tests.helpers import AuthActions, post_form, text_of


def box_checked(client: FlaskClient, url: str) -> bool:
    return ticked(client.get(url).get_data(as_text=True))


def ticked(html: str) -> bool:
    """Whether the edit form's «Send reminder e-mails» box is ticked."""
    match = re.search(r'<input[^>]*name="reminders"[^>]*>', html)
    assert match, "no reminders checkbox"
    assert 'type="checkbox"' in match.group(0)
    return re.search(r"\bchecked\b", match.group(0)) is not None


def opted_out(app: Flask, user_id: int) -> bool:
    with app.app_context():
        person = db.session.get(User, user_id)
        assert person is not None
        return person.reminders_opt_out


def test_hr_turns_reminders_off_and_on(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    with app.app_context():
        create_user("hr@tynset.example", roles=(Role.HR,), language="en")
        nora = create_user("nora@tynset.example", first_name="Nora", last_name="Haugen")
        commit()
        nora_id = nora.id
    auth.login("hr@tynset.example")
    edit = f"/people/{nora_id}/edit"
    page = f"/people/{nora_id}"
    assert "Reminder e-mails On" in text_of(client.get(page))
    assert box_checked(client, edit)
    details = {
        "first_name": "Nora",
        "last_name": "Haugen",
        "email": "nora@tynset.example",
        "unit": "0",
        "language": "nb",
    }

    assert post_form(client, edit, details).status_code == 302  # box left unticked
    assert opted_out(app, nora_id)
    assert "Reminder e-mails Off (turned off by HR)" in text_of(client.get(page))
    assert not box_checked(client, edit)

    assert post_form(client, edit, {**details, "reminders": "y"}).status_code == 302
    assert not opted_out(app, nora_id)
    assert "Reminder e-mails On" in text_of(client.get(page))
    assert box_checked(client, edit)


def test_a_refused_edit_keeps_the_box_as_hr_left_it(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    with app.app_context():
        create_user("hr@tynset.example", roles=(Role.HR,), language="en")
        nora = create_user("nora@tynset.example")
        commit()
        nora_id = nora.id
    auth.login("hr@tynset.example")
    refused = post_form(
        client,
        f"/people/{nora_id}/edit",
        {"first_name": "", "last_name": "Haugen", "email": "nora@tynset.example", "unit": "0"},
    )
    assert refused.status_code == 400
    assert not ticked(refused.get_data(as_text=True))
    assert not opted_out(app, nora_id)
