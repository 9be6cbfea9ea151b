"""Fixtures for tests in a real Chromium: the app on a live server, one browser for the whole
run, a fresh context per test, and axe-core run on every page a test passes through."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag

import pytest
from flask import Flask, got_request_exception
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from werkzeug.serving import make_server

from tests.helpers import PASSWORD

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Where the live server serves axe-core, beside the app.
AXE_URL = "/__tests__/axe.min.js"

# -- the app on a live server ------------------------------------------------------------------


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test app served over HTTP on a free port; yields its base URL.

    Links in e-mails are built from ``BASE_URL`` when they are sent (``onboarding.urls``), so
    pointing it at the server once the port is known is enough.
    """
    server = make_server("127.0.0.1", 0, with_axe(app), threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base_url
    # The browser keeps the style sheets and scripts instead of asking for each again on
    # every page: the same pages, a good deal fewer requests to the one-process server.
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    errors: list[BaseException] = []

    def record(sender: Flask, exception: BaseException, **extra: Any) -> None:
        errors.append(exception)

    got_request_exception.connect(record, app)
    # One log line per request would bury a failure's message; errors still show.
    request_log = logging.getLogger("werkzeug")
    level = request_log.level
    request_log.setLevel(logging.WARNING)
    # shutdown() waits for the loop to look again: every half second by default.
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.02},
        name="live-server",
        daemon=True,
    )
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        request_log.setLevel(level)
        got_request_exception.disconnect(record, app)
    assert not errors, f"the app failed while serving the browser: {errors!r}"


def with_axe(app: WSGIApplication) -> WSGIApplication:
    """The app, with axe-core at ``AXE_URL``. Sent over with each page, the 550 KB script
    took about 170 ms a page; loaded from a URL, the browser keeps it (and its compiled code)
    for the next pages."""
    script = AXE_SCRIPT.read_bytes()
    headers = [
        ("Content-Type", "text/javascript; charset=utf-8"),
        ("Content-Length", str(len(script))),
        ("Cache-Control", "max-age=3600"),
    ]

    def serve(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == AXE_URL:
            start_response("200 OK", headers)
            return [script]
        return app(environ, start_response)

    return serve


# -- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed ({CHROMIUM} is missing). The browser tests need it: "
            "run `scripts/system-deps test` as root, or `apt-get install chromium`."
        )
    if not AXE_SCRIPT.exists():
        pytest.fail(f"axe-core is not installed ({AXE_SCRIPT} is missing): run `npm ci`.")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser, live_server: str) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=live_server,
        locale="nb-NO",
        timezone_id="Europe/Oslo",
        # The app sends a strict Content-Security-Policy; axe is injected as a script.
        bypass_csp=True,
        accept_downloads=True,
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


class Axe:
    """Runs axe-core on the page and remembers which documents were checked, so a test
    that forgets to check a page it passed through fails."""

    def __init__(self) -> None:
        self.loaded: list[str] = []
        self.checked: set[str] = set()

    def watch(self, page: Page) -> None:
        page.on("load", lambda loaded: self.loaded.append(_page_key(loaded.url)))

    def __call__(self, page: Page) -> None:
        """Assert that the page (in its current state) has no WCAG 2.1 A/AA violations."""
        page.wait_for_load_state("load")
        if not page.evaluate("typeof window.axe === 'object'"):
            page.add_script_tag(url=AXE_URL)
        options = {
            "runOnly": {"type": "tag", "values": WCAG_TAGS},
            # Only the violations are reported; skipping the details of passing and
            # inapplicable checks makes a run faster.
            "resultTypes": ["violations"],
        }
        violations = page.evaluate(
            "async options => (await axe.run(document, options)).violations", options
        )
        self.checked.add(_page_key(page.url))
        assert not violations, describe(page.url, violations)

    def unchecked(self) -> list[str]:
        return [url for url in dict.fromkeys(self.loaded) if url not in self.checked]


def _page_key(url: str) -> str:
    return urldefrag(url).url


def describe(url: str, violations: list[dict[str, Any]]) -> str:
    """A readable report of axe's findings, for the assertion message."""
    lines = [f"axe found {len(violations)} accessibility problem(s) on {url}:"]
    for violation in violations:
        nodes = violation["nodes"]
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']} "
            f"[{len(nodes)} element(s)] {violation['helpUrl']}"
        )
        for node in nodes[:3]:
            lines.append(f"    at {', '.join(map(str, node['target']))}")
            lines.append(f"       {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary[:300]}")
    return "\n".join(lines)


@pytest.fixture
def axe(request: pytest.FixtureRequest) -> Iterator[Axe]:
    """The axe-core check; afterwards, every page the test's page loaded must have had it."""
    checker = Axe()
    failed_before = request.session.testsfailed
    yield checker
    if request.session.testsfailed > failed_before:
        return  # the test's own failure says more than the pages it did not reach
    missed = checker.unchecked()
    assert not missed, f"pages loaded but never checked with axe: {missed}"


@pytest.fixture
def page(context: BrowserContext, axe: Axe) -> Page:
    page = context.new_page()
    axe.watch(page)
    return page


def sign_in(
    page: Page, axe: Axe, email: str, password: str = PASSWORD, *, remember: bool = False
) -> None:
    """Sign in through the login form, checking the form with axe on the way; ``remember``
    ticks «keep me signed in» (a sign-in otherwise ends after a working day)."""
    page.goto("/login")
    axe(page)
    page.get_by_label("E-postadresse").fill(email)
    page.get_by_label("Passord", exact=True).fill(password)
    if remember:
        page.get_by_label("Husk meg på denne enheten").check()
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(lambda url: "/login" not in url)
