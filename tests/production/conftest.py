"""Real app server processes (gunicorn with the repository's config) and a browser-like
HTTP client, for tests of how the app runs in production.

A module that sets ``NEEDS_POSTGRESQL = True`` is deselected, not skipped, when the suite
runs on SQLite: ``make test`` runs the suite again on PostgreSQL, where it is collected and
run, so a skip on SQLite would only be noise (pytest's summary still says "deselected").
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from html import unescape
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
SECRET_KEY = "a-secret-key-that-every-app-server-shares-0123456789"
START_TIMEOUT = 60.0

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_TAGS = re.compile(r"<[^>]+>")


def on_postgresql() -> bool:
    return os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if on_postgresql():
        return
    deselected = [
        item
        for item in items
        if isinstance(item, pytest.Function) and getattr(item.module, "NEEDS_POSTGRESQL", False)
    ]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """One gunicorn master with one worker, serving the app on a loopback port."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


StartServer = Callable[..., Server]


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    """Start app servers as production does (``gunicorn -c gunicorn.conf.py``), configured
    only through the environment; every one is stopped afterwards, even after a failure."""
    servers: list[Server] = []

    def start(database_url: str, **settings: str) -> Server:
        port = free_port()
        name = f"server-{len(servers) + 1}"
        log = tmp_path / f"{name}.log"
        # Only what is given here: the test run's own ONBOARDING_* variables stay out.
        env = {key: value for key, value in os.environ.items() if not key.startswith("ONBOARDING")}
        env.update(
            SECRET_KEY=SECRET_KEY,
            DATABASE_URL=database_url,
            ONBOARDING_BIND=f"127.0.0.1:{port}",
            ONBOARDING_WORKERS="1",
            ONBOARDING_MAIL_OUTBOX_DIR=str(tmp_path / name / "outbox"),
            # Fast hashing, as in the other tests (the hash records its own parameters).
            ONBOARDING_ARGON2_TIME_COST="1",
            ONBOARDING_ARGON2_MEMORY_COST="8",
            ONBOARDING_ARGON2_PARALLELISM="1",
            ONBOARDING_LOG_REQUESTS="true",
        )
        env.update({f"ONBOARDING_{key}": value for key, value in settings.items()})
        with log.open("wb") as output:
            process = subprocess.Popen(
                [str(GUNICORN), "-c", str(ROOT / "gunicorn.conf.py")],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        server = Server(process, port, log)
        servers.append(server)
        wait_until_serving(server)
        return server

    yield start
    for server in servers:
        server.stop()


def wait_until_serving(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"the app server stopped at start:\n{server.output()}")
        try:
            with urllib.request.urlopen(f"{server.url}/accessibility", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"the app server did not answer within {START_TIMEOUT} s:\n{server.output()}")


@dataclass
class Page:
    status: int
    headers: Message
    html: str

    @property
    def text(self) -> str:
        """The visible text, whitespace collapsed."""
        html = re.sub(r"<(script|style)\b.*?</\1>", " ", self.html, flags=re.S)
        return " ".join(unescape(_TAGS.sub(" ", html)).split())

    @property
    def location(self) -> str:
        return urllib.parse.urlsplit(self.headers.get("Location", "")).path

    def csrf_token(self) -> str:
        match = _CSRF.search(self.html)
        assert match, f"no CSRF token on the page:\n{self.text}"
        return match.group(1)


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Browser:
    """A person's browser: one cookie jar, used with whichever server it is pointed at.
    Both servers are on 127.0.0.1, so the jar sends the same cookies to each, as a browser
    does to one address behind a load balancer. Redirects are returned, not followed."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _KeepRedirects()
        )

    def get(self, server: Server, path: str) -> Page:
        return self._open(urllib.request.Request(server.url + path))

    def post(self, server: Server, path: str, data: dict[str, str | list[str]]) -> Page:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        return self._open(urllib.request.Request(server.url + path, data=body, method="POST"))

    def _open(self, request: urllib.request.Request) -> Page:
        try:
            with self.opener.open(request, timeout=30) as response:
                return Page(response.status, response.headers, response.read().decode())
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx and 5xx
            with error:
                return Page(error.code, error.headers, error.read().decode(errors="replace"))

    def log_in(self, server: Server, email: str, password: str) -> Page:
        token = self.get(server, "/login").csrf_token()
        form: dict[str, str | list[str]] = {
            "email": email,
            "password": password,
            "next": "",
            "csrf_token": token,
        }
        return self.post(server, "/login", form)
