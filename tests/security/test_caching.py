"""No browser or proxy keeps a page of the app (issue 18, finding 10).

Every response carries ``Cache-Control: no-store`` unless it is a static file or a view has
marked it public (the organisation's colours): pages with personal data for the signed-in
person, files sent to them (PDFs, lesson images, exports), and the pages for anonymous
visitors too, since each carries a CSRF token and some a name (the certificate check) or a
token from a link (invitation, new password).
"""

from __future__ import annotations

import pytest
from flask import Flask

from tests.security.routes import ROUTES, url_for_endpoint
from tests.security.test_authorization import MATRIX, OK, outcome, request_as
from tests.security.world import ROLES, Browsers, World

# Person-free and the same for everyone: browsers may keep them.
CACHEABLE = {"static", "core.brand_css"}
GETS = sorted(endpoint for endpoint, method in ROUTES if method == "GET")


def who_may_see(endpoint: str) -> str:
    """The first signed-in role the matrix lets see ``endpoint`` (an employee if none)."""
    row = MATRIX[endpoint]
    return next((role for role in ROLES[1:] if row[ROLES.index(role)] == OK), "employee")


@pytest.mark.parametrize("endpoint", [e for e in GETS if e not in CACHEABLE])
def test_no_page_for_a_signed_in_person_is_kept_by_the_browser(
    security_app: Flask, world: World, browsers: Browsers, endpoint: str
) -> None:
    role = who_may_see(endpoint)
    url = url_for_endpoint(security_app, endpoint, world)
    response = request_as(browsers, role, "GET", url)
    assert response.status_code < 500
    assert outcome(response) == MATRIX[endpoint][ROLES.index(role)]
    assert "no-store" in response.headers.get("Cache-Control", ""), f"GET {url} as {role}"


@pytest.mark.parametrize("endpoint", [e for e in GETS if e not in CACHEABLE])
def test_no_page_for_an_anonymous_visitor_is_kept_either(
    security_app: Flask, world: World, browsers: Browsers, endpoint: str
) -> None:
    url = url_for_endpoint(security_app, endpoint, world)
    response = request_as(browsers, "anonymous", "GET", url)
    assert "no-store" in response.headers.get("Cache-Control", ""), f"GET {url}"


def test_files_sent_to_a_signed_in_person_are_not_kept(
    security_app: Flask, world: World, browsers: Browsers
) -> None:
    """Lesson images set a year's caching of their own; the rule still wins."""
    image = request_as(
        browsers, "employee", "GET", url_for_endpoint(security_app, "content.asset", world)
    )
    pdf = request_as(
        browsers, "employee", "GET", url_for_endpoint(security_app, "certificates.download", world)
    )
    for response in (image, pdf):
        assert response.status_code == 200
        cache_control = response.headers["Cache-Control"]
        assert "no-store" in cache_control
        assert "max-age" not in cache_control
        assert "public" not in cache_control


@pytest.mark.parametrize("role", ["anonymous", "employee"])
def test_static_files_and_the_colours_keep_their_caching(
    security_app: Flask, world: World, browsers: Browsers, role: str
) -> None:
    static = request_as(browsers, role, "GET", url_for_endpoint(security_app, "static", world))
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")
    assert static.headers.get("ETag")  # the browser keeps it and asks whether it changed
    colours = request_as(
        browsers, role, "GET", url_for_endpoint(security_app, "core.brand_css", world)
    )
    assert colours.headers["Cache-Control"] == "public, max-age=3600"
