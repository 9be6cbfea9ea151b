"""With RATELIMIT_STORAGE_URI=redis://..., app servers share the sign-in throttling counts."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask

from onboarding.extensions import db
from tests.factories import commit, create_user
from tests.helpers import PASSWORD
from tests.production.conftest import Browser, StartServer, free_port

# The servers have a SQLite database of their own, on either pass.
pytestmark = [pytest.mark.own_database, pytest.mark.slow]


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A throwaway Redis server on a free loopback port, stopped afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing: run scripts/system-deps test (Debian: redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_two_app_servers_count_failed_sign_ins_together(
    make_app: Callable[..., Flask], tmp_path: Path, redis_url: str, start_server: StartServer
) -> None:
    # The servers get a database of their own: this test is about Redis, and the test
    # run's shared SQLite file is left to this process alone.
    database_url = f"sqlite:///{tmp_path / 'servers.sqlite3'}"
    with make_app(database_url).app_context():
        db.create_all()
        create_user("ola@tynset.example")
        commit()
    limits = {"RATELIMIT_STORAGE_URI": redis_url, "LOGIN_RATE_LIMIT_PER_CLIENT": "3 per 15 minutes"}
    server_a = start_server(database_url, **limits)
    server_b = start_server(database_url, **limits)
    browser = Browser()

    # Three failures from one client, spread over both servers (different accounts, so
    # only the per-client limit is reached). Alone, neither server has seen three.
    for server, account in ((server_a, "gjett1"), (server_a, "gjett2"), (server_b, "gjett3")):
        failed = browser.log_in(server, f"{account}@tynset.example", "feil passord her")
        assert failed.status == 400, server.output()

    for server in (server_a, server_b):
        held = browser.log_in(server, "ola@tynset.example", PASSWORD)
        assert held.status == 429, server.output()
        assert "For mange forsøk" in held.text

    # The counts are in Redis, not in either process.
    keys = redis.Redis.from_url(redis_url).keys("*login-client*")
    assert keys, "no sign-in counts in Redis"
