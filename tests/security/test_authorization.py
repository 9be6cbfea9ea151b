"""Who may reach what: every endpoint in ``app.url_map``, every method, as every role.

``MATRIX`` is the rule written down: one row per endpoint, one column per role (``ROLES``).
A new endpoint without a row fails ``test_every_endpoint_has_a_row``, so nobody adds a page
without deciding who may see it. The roles are:

- anonymous: not signed in;
- employee: the new employee the URL is about (their certificate, their quiz attempt, their
  record); for pages about the signed-in person, the person themselves;
- other_employee: a new colleague in the same unit and the same cohort;
- other_leader: the leader of another service area (Oppvekst);
- leader: the leader of the employee's unit (Hjemmetjenesten);
- hr and admin.

POSTs carry a valid CSRF token and an empty form, so what is tested is the access check: a
role that may use the form gets past it (a 400 for the empty form is fine), one that may not
gets 403, a 404 where the app hides that the thing exists, or the login page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.security.routes import ROUTES, arguments_of, url_for_endpoint
from tests.security.world import ROLES, Browsers, World

OK = "allowed"  # 2xx or 3xx (or 400/409/422 for an empty form), not the login page
LOGIN = "login"  # a redirect to the login page
DENY = "403"
HIDE = "404"  # the app does not say that the thing exists

# Rows that many endpoints share, in the order of ROLES:
#                 anonymous employee other_employee other_leader leader  hr    admin
PUBLIC = (OK, OK, OK, OK, OK, OK, OK)
SIGNED_IN = (LOGIN, OK, OK, OK, OK, OK, OK)
HR_ONLY = (LOGIN, DENY, DENY, DENY, DENY, OK, OK)
ADMIN_ONLY = (LOGIN, DENY, DENY, DENY, DENY, DENY, OK)
# The learner's own pages: for people enrolled in the programme (new employees with a start
# date). Leaders here are not new employees, and HR and admin are not employees at all.
LEARNER = (LOGIN, OK, OK, DENY, DENY, DENY, DENY)

MATRIX: dict[str, tuple[str, ...]] = {
    # -- the attendance register: HR, admin and the session's facilitator (tested below)
    "attendance.all_present": HR_ONLY,
    "attendance.check_in_page": SIGNED_IN,
    "attendance.code_page": HR_ONLY,
    # the check-in screen's changing part, fetched by its script: as the screen itself
    "attendance.code_panel": HR_ONLY,
    "attendance.mark_one": HR_ONLY,
    "attendance.move_absent": HR_ONLY,
    # «Mine samlinger» lists the sessions the signed-in person leads (none for most)
    "attendance.my_sessions": SIGNED_IN,
    "attendance.register_page": HR_ONLY,
    "attendance.sign_in_sheet": HR_ONLY,
    # -- the audit history: HR and admin read it; nobody edits it
    "audit.history": HR_ONLY,
    # -- signing in: the links carry their own proof, the forms are for anyone
    "auth.accept_invitation": PUBLIC,
    "auth.account": SIGNED_IN,
    "auth.choose_language": PUBLIC,
    "auth.forgot_password": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": PUBLIC,
    "auth.reset_password": PUBLIC,
    # «Logg ut overalt» on the account page
    "auth.sign_out_everywhere": SIGNED_IN,
    # single sign-on is off in these tests (the default): its pages do not exist
    "auth.sso_callback": (HIDE,) * 7,
    "auth.sso_login": (HIDE,) * 7,
    # -- certificates: the holder, their leaders and HR download; to others it does not exist
    "certificates.cohort_pdf": HR_ONLY,
    "certificates.cohort_zip": HR_ONLY,
    "certificates.detail": HR_ONLY,
    #                            anonymous employee other_employee other_leader leader hr admin
    "certificates.download": (LOGIN, OK, HIDE, HIDE, OK, OK, OK),
    "certificates.register": HR_ONLY,
    "certificates.register_export": HR_ONLY,
    "certificates.reissue": HR_ONLY,
    # GET: the page that asks before revoking; POST: its form, which revokes
    "certificates.revoke": HR_ONLY,
    "certificates.verify": PUBLIC,
    "certificates.verify_code": PUBLIC,
    # -- cohorts: HR plans; each member gets their own session's calendar file
    "attendance.cohort_csv": HR_ONLY,
    "cohorts.cohort": HR_ONLY,
    "cohorts.cohorts": HR_ONLY,
    "cohorts.edit_session": HR_ONLY,
    "cohorts.fill": HR_ONLY,
    "cohorts.move": HR_ONLY,
    #                            anonymous employee other_employee other_leader leader hr admin
    "cohorts.my_calendar": (LOGIN, OK, OK, HIDE, HIDE, HIDE, HIDE),
    "cohorts.new_session": HR_ONLY,
    "cohorts.place": HR_ONLY,
    # -- content: lesson images for anyone signed in; HR previews the programme
    "content.asset": SIGNED_IN,
    "content.lesson_preview": HR_ONLY,
    "content.overview": HR_ONLY,
    # -- the shell
    "core.accessibility": PUBLIC,
    "core.brand_css": PUBLIC,
    "core.healthz": PUBLIC,
    "reports.system": ADMIN_ONLY,
    "static": PUBLIC,
    # -- learning: one's own programme; HR changes a person's deadline
    "learning.deadline": HR_ONLY,
    "learning.home": SIGNED_IN,
    "learning.lesson": LEARNER,
    "learning.module": LEARNER,
    "learning.reflections": LEARNER,
    # -- the unit tree
    "org.add_leader": HR_ONLY,
    "org.drop_leader": HR_ONLY,
    "org.unit": HR_ONLY,
    "org.units": HR_ONLY,
    # -- people and the import
    "people.apply": HR_ONLY,
    "people.batch": HR_ONLY,
    # the link to a new e-mail address: for whoever it names, signed in (tests/people)
    "people.confirm_email": SIGNED_IN,
    "people.edit": HR_ONLY,
    "people.invite": HR_ONLY,
    # the log-in throttle's holds, and lifting one
    "people.lift_hold": HR_ONLY,
    "people.people": HR_ONLY,
    "people.person": HR_ONLY,
    # an import's result (an unimported batch leads to its preview) and the templates
    "people.result": HR_ONLY,
    "people.sign_in_holds": HR_ONLY,
    "people.template": HR_ONLY,
    "people.toggle_active": HR_ONLY,
    "people.upload": HR_ONLY,
    # -- privacy: «Mine data», the signed-in person's own copy (the URL names nobody)
    "privacy.my_data": SIGNED_IN,
    "privacy.my_data_json": SIGNED_IN,
    # -- quizzes: an attempt is its taker's alone; nobody else learns that it exists
    #                            anonymous employee other_employee other_leader leader hr admin
    "quizzes.attempt": (LOGIN, OK, HIDE, HIDE, HIDE, HIDE, HIDE),
    "quizzes.start": LEARNER,
    # -- reports: leaders see their units, HR everyone; a person outside scope does not exist
    "reports.overview": HR_ONLY,
    # where each role lands after signing in, and HR's work list
    "reports.landing": SIGNED_IN,
    "reports.work": HR_ONLY,
    "reports.overview_export": HR_ONLY,
    "reports.person": (LOGIN, DENY, DENY, HIDE, OK, OK, OK),
    "reports.team": (LOGIN, DENY, DENY, OK, OK, DENY, DENY),
    "reports.team_export": (LOGIN, DENY, DENY, OK, OK, DENY, DENY),
}

CASES = [
    pytest.param(endpoint, method, role, id=f"{endpoint}-{method}-{role}")
    for endpoint, method in ROUTES
    if endpoint in MATRIX
    for role in ROLES
]


def outcome(response: TestResponse) -> str:
    """What the response means for access: one of OK, LOGIN, DENY, HIDE, or the status."""
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        location = urlsplit(response.location)
        if location.path == "/login" and "next" in parse_qs(location.query):
            return LOGIN
        return OK
    if status == 403:
        return DENY
    if status == 404:
        return HIDE
    if status < 300 or status in (400, 409, 422):
        return OK
    return str(status)


def request_as(browsers: Browsers, who: str, method: str, url: str, **kwargs: Any) -> TestResponse:
    client, token = browsers.client(who)
    data = {"csrf_token": token} if method != "GET" else None
    response = client.open(url, method=method, data=data, **kwargs)
    response.close()  # a file sent from disk (static) keeps it open until closed
    if method == "POST" and url in ("/logout", "/account/sign-out-everywhere"):
        browsers.forget(who)  # that sign-in has ended on the server
    return response


def test_every_endpoint_has_a_row() -> None:
    """A new endpoint must say who may use it; a removed one must leave the table."""
    endpoints = {endpoint for endpoint, _method in ROUTES}
    assert sorted(endpoints - MATRIX.keys()) == [], "endpoints without a row in MATRIX"
    assert sorted(MATRIX.keys() - endpoints) == [], "rows in MATRIX for no endpoint"
    assert all(len(row) == len(ROLES) for row in MATRIX.values())


@pytest.mark.parametrize(("endpoint", "method", "role"), CASES)
def test_access(
    security_app: Flask, world: World, browsers: Browsers, endpoint: str, method: str, role: str
) -> None:
    url = url_for_endpoint(security_app, endpoint, world)
    response = request_as(browsers, role, method, url)
    expected = MATRIX[endpoint][ROLES.index(role)]
    assert response.status_code < 500, f"{method} {url} as {role} answered {response.status}"
    assert outcome(response) == expected, (
        f"{method} {url} as {role}: expected {expected}, got {response.status}"
        + (f" to {response.location}" if response.location else "")
    )


# -- the rules the matrix cannot show -----------------------------------------------------


# The register's pages and forms: the attendance area's endpoints about one session, but
# moving people to another cohort, which is HR's.
REGISTER_ENDPOINTS = [
    (endpoint, method)
    for endpoint, method in ROUTES
    if endpoint.startswith("attendance.")
    and "session_id" in arguments_of(endpoint)
    and endpoint != "attendance.move_absent"
]


@pytest.mark.parametrize(("endpoint", "method"), REGISTER_ENDPOINTS)
def test_the_facilitator_keeps_the_register_of_their_own_session_only(
    security_app: Flask, world: World, browsers: Browsers, endpoint: str, method: str
) -> None:
    own = url_for_endpoint(security_app, endpoint, world)
    assert outcome(request_as(browsers, "facilitator", method, own)) == OK
    other = url_for_endpoint(security_app, endpoint, world, session_id=world.other_session_id)
    assert request_as(browsers, "facilitator", method, other).status_code == 403


def test_the_facilitator_does_not_move_people_to_another_cohort(
    security_app: Flask, world: World, browsers: Browsers
) -> None:
    own = url_for_endpoint(security_app, "attendance.move_absent", world)
    assert request_as(browsers, "facilitator", "POST", own).status_code == 403
    assert outcome(request_as(browsers, "hr", "POST", own)) == OK


@pytest.mark.parametrize(
    "url",
    ["/team?unit={}", "/team/export.csv?unit={}", "/team/export.xlsx?unit={}"],
)
def test_a_leader_cannot_filter_on_a_unit_outside_their_own(
    world: World, browsers: Browsers, url: str
) -> None:
    address = url.format(world.unit_id)
    assert request_as(browsers, "other_leader", "GET", address).status_code == 404
    assert request_as(browsers, "leader", "GET", address).status_code == 200
