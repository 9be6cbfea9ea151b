"""HR's audit history page: newest first, filters, who may read it, and that nothing can be
changed or deleted through the app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from onboarding.audit import services as audit
from onboarding.audit.models import AuditEvent
from onboarding.auth.models import Role, User
from onboarding.extensions import db
from onboarding.learning.services import change_due_date, current_programme, ensure_enrolment
from onboarding.people.directory import set_active
from tests.attendance.test_attendance import VALID
from tests.conftest import CountQueries
from tests.factories import commit, create_unit, create_user
from tests.helpers import signed_in, text_of
from tests.programmes import sync_programme


@dataclass
class History:
    nora_id: int
    ola_id: int


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


@pytest.fixture
def history(app: Flask) -> History:
    """HR (reading English, so the page reads the same before and after the Norwegian
    catalogue is updated) deactivated Ola in January and changed Nora's deadline in March."""
    with app.app_context():
        sync_programme(VALID)
        unit = create_unit("Hjemmetjenesten")
        hr = create_user(
            "hr@tynset.example", roles=(Role.HR,), first_name="Hanne", last_name="Hr", language="en"
        )
        create_user("admin@tynset.example", roles=(Role.ADMIN,), language="en")
        create_user("leder@tynset.example", roles=(Role.LEADER,), language="en")
        nora = create_user(
            "nora@tynset.example",
            first_name="Nora",
            last_name="Haugen",
            unit=unit,
            start_date=date(2027, 3, 1),
            language="en",
        )
        ola = create_user("ola@tynset.example", first_name="Ola", last_name="Hansen", unit=unit)
        set_active(ola, False, by=hr)
        programme = current_programme()
        assert programme is not None
        enrolment = ensure_enrolment(nora, programme)
        assert enrolment is not None
        enrolment.due_date = date(2027, 5, 1)
        change_due_date(enrolment, date(2027, 6, 1), hr)
        deactivated, deadline = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        deactivated.at = at(date(2027, 1, 10))
        deadline.at = at(date(2027, 3, 5))
        commit()
        return History(nora_id=nora.id, ola_id=ola.id)


def test_hr_reads_the_history_newest_first(app: Flask, history: History) -> None:
    page = text_of(signed_in(app, "hr@tynset.example").get("/audit"))
    assert "2 entries" in page
    table = page[page.index("2 entries") :]  # the filter's choices name every action too
    assert table.index("Deadline changed") < table.index("Person deactivated")
    assert "Hanne Hr" in page  # who
    assert "Nora Haugen" in page  # about whom
    assert "Deadline: 01/05/2027 → changed to 01/06/2027" in page
    assert "Active: Yes → changed to No" in page


def test_the_filters(app: Flask, history: History) -> None:
    client = signed_in(app, "hr@tynset.example")

    def shown(query: str) -> str:
        return text_of(client.get(f"/audit?{query}"))

    only = shown("action=person.deactivated")
    assert "1 entry" in only
    assert "Ola Hansen" in only
    assert "Nora Haugen" not in only
    about_nora = shown(f"person={history.nora_id}")
    assert "Showing the history of Nora Haugen." in about_nora
    assert "1 entry" in about_nora
    assert "Deadline changed" in about_nora
    assert "Ola Hansen" not in about_nora
    assert "1 entry" in shown("from=2027-03-01&to=2027-03-31")
    assert "Deadline changed" in shown("from=2027-03-05&to=2027-03-05")
    assert "0 entries" in shown("from=2027-01-11&to=2027-03-04")
    assert "0 entries" in shown(f"person={history.ola_id}&action=deadline.changed")


def test_unknown_filter_values_are_ignored_with_a_notice(app: Flask, history: History) -> None:
    client = signed_in(app, "hr@tynset.example")
    for query in (
        "action=everything",
        "person=abc",
        "person=999999",
        "person=99999999999999999999",
        "from=31.02.2027",
        "page=-1",
    ):
        response = client.get(f"/audit?{query}")
        assert response.status_code == 200, query
        page = text_of(response)
        assert "2 entries" in page, query
        if not query.startswith("page"):
            assert "was not understood and is ignored" in page, query


def test_the_person_page_links_to_their_history(app: Flask, history: History) -> None:
    client = signed_in(app, "hr@tynset.example")
    html = client.get(f"/people/{history.nora_id}").get_data(as_text=True)
    assert f'href="/audit?person={history.nora_id}"' in html


@pytest.mark.parametrize(
    ("email", "status"),
    [
        ("hr@tynset.example", 200),
        ("admin@tynset.example", 200),
        ("leder@tynset.example", 403),
        ("nora@tynset.example", 403),
    ],
)
def test_only_hr_and_admin_read_it(app: Flask, history: History, email: str, status: int) -> None:
    client = signed_in(app, email)
    assert client.get("/audit").status_code == status
    menu = client.get("/").get_data(as_text=True)
    assert ('href="/audit"' in menu) is (status == 200)


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient, history: History) -> None:
    response = client.get("/audit")
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_no_route_changes_or_deletes_an_entry(app: Flask, history: History) -> None:
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/audit")]
    assert rules
    for rule in rules:
        assert not (rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}, rule.rule
    assert all(rule.endpoint == "audit.history" for rule in app.url_map.iter_rules()
               if rule.endpoint.startswith("audit."))  # fmt: skip
    client = signed_in(app, "hr@tynset.example")
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert client.open("/audit", method=method).status_code in (400, 405), method
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id))) == 2


def test_the_page_takes_the_same_queries_for_few_and_many_entries(
    app: Flask, history: History, count_queries: CountQueries
) -> None:
    client = signed_in(app, "hr@tynset.example")

    def queries() -> int:
        with count_queries() as statements:
            assert client.get("/audit").status_code == 200
        return len(statements)

    few = queries()
    with app.app_context():
        hr = db.session.scalars(select(User).where(User.email == "hr@tynset.example")).one()
        nora = db.session.get(User, history.nora_id)
        assert nora is not None
        for number in range(30):
            audit.record(hr, "invitation.sent", audit.person(nora), None, {"email": str(number)})
        commit()
    assert queries() == few
