"""The session form puts each rule's message beside the field it is about."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from onboarding.auth.models import Role
from onboarding.cohorts.models import CohortSession
from onboarding.extensions import db
from onboarding.i18n import local_today
from tests.factories import commit, create_user
from tests.helpers import AuthActions, post_form, text_of

DAY = (local_today() + timedelta(days=30)).strftime("%d.%m.%Y")
ENDS_TOO_EARLY = "Samlingen må slutte etter at den starter."


@pytest.fixture
def cohort_id(app: Flask, client: FlaskClient, auth: AuthActions) -> int:
    with app.app_context():
        create_user("hr@tynset.example", roles=(Role.HR,), first_name="Hanne")
        commit()
    auth.login("hr@tynset.example")
    response = post_form(client, "/cohorts", {"name": "Vårkullet 2027"})
    return int(response.headers["Location"].rsplit("/", 1)[1])


def session_form(**changes: str) -> dict[str, str]:
    return {
        "day": DAY,
        "start": "09:00",
        "end": "15:00",
        "place": "Tynset rådhus",
        "capacity": "25",
        "facilitator": "",
        "agenda": "",
        **changes,
    }


def error_beside(html: str, field: str) -> str | None:
    """The message shown beside ``field``, if any."""
    match = re.search(rf'<p class="ds-validation-message" id="{field}-error">([^<]*)</p>', html)
    return match.group(1).strip() if match else None


def sessions(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CohortSession)) or 0


@pytest.mark.parametrize("end", ["08:00", "09:00"], ids=["before the start", "at the start"])
def test_a_session_that_ends_before_it_starts_says_so_under_the_end_time(
    app: Flask, client: FlaskClient, cohort_id: int, end: str
) -> None:
    response = post_form(client, f"/cohorts/{cohort_id}/sessions/new", session_form(end=end))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert error_beside(html, "end") == ENDS_TOO_EARLY
    assert error_beside(html, "place") is None
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="end"', html)
    # The summary at the top links to the field.
    assert f'<a href="#end">{ENDS_TOO_EARLY}</a>' in html
    # What was typed is kept.
    assert 'value="Tynset rådhus"' in html
    assert sessions(app) == 0


def test_changing_a_session_to_end_before_it_starts_says_so_under_the_end_time(
    app: Flask, client: FlaskClient, cohort_id: int
) -> None:
    assert post_form(client, f"/cohorts/{cohort_id}/sessions/new", session_form()).status_code
    with app.app_context():
        session_id = db.session.scalar(select(CohortSession.id))
    response = post_form(client, f"/sessions/{session_id}/edit", session_form(end="08:30"))
    assert response.status_code == 400
    assert error_beside(response.get_data(as_text=True), "end") == ENDS_TOO_EARLY


def test_an_unknown_facilitator_is_named_under_the_facilitator_field(
    app: Flask, client: FlaskClient, cohort_id: int
) -> None:
    response = post_form(
        client,
        f"/cohorts/{cohort_id}/sessions/new",
        session_form(facilitator="ukjent@tynset.example"),
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "ukjent@tynset.example" in (error_beside(html, "facilitator") or "")
    assert error_beside(html, "place") is None
    assert "Rett opp følgende for å gå videre:" in text_of(response)
    assert sessions(app) == 0
