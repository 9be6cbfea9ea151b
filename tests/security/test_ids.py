"""Numbers that cannot be an id: a 404 for an address, an error for a form field or a query
argument, never a 500.

The id columns are ``integer`` on PostgreSQL: a number past 2**31 - 1 makes PostgreSQL refuse
the whole query, and past 2**63 - 1 SQLite refuses it before sending it. Every address with an
``<int:...>`` part is tried with such numbers, as the admin (who may reach every page), with
each method it answers and a valid CSRF token for a POST.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from onboarding.attendance.models import Attendance
from onboarding.cohorts.models import CohortMember
from onboarding.extensions import db
from tests.helpers import text_of
from tests.security.routes import URL_MAP_APP, url_for_endpoint
from tests.security.test_authorization import request_as
from tests.security.world import Browsers, World

LARGEST = 2**31 - 1  # the largest id the database holds
TOO_LARGE = [str(2**31), str(2**63 - 1), str(2**63), "9" * 20, "9" * 5000]
MARK = 987654321987654  # built into the address, then replaced by the number tried

# (endpoint, method, the names of its int arguments) for every address with one.
INT_ROUTES = sorted(
    (rule.endpoint, method, tuple(names))
    for rule in URL_MAP_APP.url_map.iter_rules()
    if (names := re.findall(r"<int:(\w+)>", rule.rule))
    for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
)


def refusals(endpoint: str, method: str) -> set[int]:
    """404; or 405 where the same address also answers another method (Werkzeug compares
    the method before it reads the number): either way no view runs."""
    (rule,) = [r for r in URL_MAP_APP.url_map.iter_rules() if r.endpoint == endpoint]
    siblings = [
        other
        for other in URL_MAP_APP.url_map.iter_rules()
        if other.rule == rule.rule and method not in (other.methods or set())
    ]
    return {404, 405} if siblings else {404}


def test_the_walk_finds_the_addresses_with_ids() -> None:
    endpoints = {endpoint for endpoint, _method, _names in INT_ROUTES}
    assert {"people.person", "quizzes.attempt", "org.drop_leader"} <= endpoints
    assert len(endpoints) >= 17


@pytest.mark.parametrize("value", TOO_LARGE, ids=lambda value: f"{len(value)}-digits")
@pytest.mark.parametrize(("endpoint", "method", "names"), INT_ROUTES)
def test_an_id_no_database_holds_is_not_found(
    security_app: Flask,
    world: World,
    browsers: Browsers,
    endpoint: str,
    method: str,
    names: tuple[str, ...],
    value: str,
) -> None:
    for name in names:
        url = url_for_endpoint(security_app, endpoint, world, **{name: MARK})
        url = url.replace(str(MARK), value)
        response = request_as(browsers, "admin", method, url)
        assert response.status_code in refusals(endpoint, method), (
            f"{method} {url[:80]} answered {response.status}"
        )
        assert "Vi finner ikke siden" in text_of(response) or response.status_code == 405


@pytest.mark.parametrize(("endpoint", "method", "names"), INT_ROUTES)
def test_the_largest_id_is_looked_up_and_not_found(
    security_app: Flask,
    world: World,
    browsers: Browsers,
    endpoint: str,
    method: str,
    names: tuple[str, ...],
) -> None:
    url = url_for_endpoint(security_app, endpoint, world, **dict.fromkeys(names, LARGEST))
    response = request_as(browsers, "admin", method, url)
    assert response.status_code == 404, f"{method} {url} answered {response.status}"


# -- query arguments -----------------------------------------------------------------------

LISTS = ["/people", "/certificates", "/audit", "/overview"]


@pytest.mark.parametrize("page", ["2147483648", "9223372036854775808", "9" * 30, "9" * 5000])
@pytest.mark.parametrize("url", LISTS)
def test_a_page_past_any_database_is_a_page_past_the_end(
    browsers: Browsers, url: str, page: str
) -> None:
    response = request_as(browsers, "admin", "GET", f"{url}?page={page}")
    assert response.status_code == 200, f"{url}?page={page[:30]} answered {response.status}"


@pytest.mark.parametrize(
    "url",
    [
        "/people?unit={}&cohort={}",
        "/certificates?cohort={}",
        "/audit?person={}",
        "/overview?unit={}&cohort={}",
        "/check-in?session={}",
    ],
)
@pytest.mark.parametrize("value", ["9223372036854775808", "9" * 5000, "²"])
def test_a_filter_on_an_id_no_database_holds_is_ignored(
    browsers: Browsers, url: str, value: str
) -> None:
    response = request_as(browsers, "admin", "GET", url.format(value, value))
    assert response.status_code in (200, 404), f"{url} answered {response.status}"


# -- form fields that are not WTForms fields -----------------------------------------------


def _places(app: Flask) -> list[tuple[int, int, int | None]]:
    with app.app_context():
        rows = db.session.execute(
            select(CohortMember.user_id, CohortMember.cohort_id, CohortMember.session_id)
        )
        return sorted((user_id, cohort_id, session_id) for user_id, cohort_id, session_id in rows)


@pytest.mark.parametrize("value", ["2147483648", "9223372036854775808", "9" * 5000, "²"])
def test_placing_people_with_ids_no_database_holds_changes_nothing(
    security_app: Flask, world: World, browsers: Browsers, value: str
) -> None:
    before = _places(security_app)
    colleague = world.ids["other_employee"]
    for form in (
        {"user": value, "target": f"{world.cohort_id}:{world.other_session_id}"},
        {"user": [str(colleague), value], "target": f"{value}:{world.other_session_id}"},
        {"user": str(colleague), "target": f"{world.cohort_id}:{value}"},
        {"user": str(colleague), "target": f"{value}:"},
    ):
        client, token = browsers.client("hr")
        response = client.post("/cohorts/place", data={**form, "csrf_token": token})
        assert response.status_code in (302, 400), f"{form} answered {response.status}"
        query = (
            "&".join(f"user={user}" for user in form["user"])
            if isinstance(form["user"], list)
            else f"user={form['user']}"
        )
        shown = client.get(f"/cohorts/place?{query}&target={form['target']}")
        assert shown.status_code in (200, 302), f"GET {form} answered {shown.status}"
    moved = url_for_endpoint(security_app, "cohorts.move", world, user_id=colleague)
    client, token = browsers.client("hr")
    response = client.post(moved, data={"target": f"{value}:1", "csrf_token": token})
    assert response.status_code == 302
    assert _places(security_app) == before


@pytest.mark.parametrize("value", ["2147483648", "9223372036854775808", "²"])
def test_marking_a_person_whose_id_no_database_holds_changes_nothing(
    security_app: Flask, world: World, browsers: Browsers, value: str
) -> None:
    with security_app.app_context():
        before = db.session.scalar(select(func.count(Attendance.id)))
    url = url_for_endpoint(security_app, "attendance.mark_one", world)
    client, token = browsers.client("hr")
    response = client.post(url, data={"user": value, "status": "excused", "csrf_token": token})
    assert response.status_code == 302
    assert "Velg en person og en status." in text_of(client.get(response.location))
    with security_app.app_context():
        assert db.session.scalar(select(func.count(Attendance.id))) == before


@pytest.mark.parametrize("value", ["9223372036854775808", "²", "١"])
def test_a_reflection_form_with_an_author_that_is_no_id_is_read_as_without_one(
    security_app: Flask, world: World, browsers: Browsers, value: str
) -> None:
    # The page writes the signed-in person's id into the form; an old page has none.
    url = url_for_endpoint(security_app, "learning.reflections", world)
    client, token = browsers.client("other_employee")
    response = client.post(url, data={"author": value, "csrf_token": token})
    assert response.status_code == 302
