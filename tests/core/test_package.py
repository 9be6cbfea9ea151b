"""`pip install .` gives an installation that runs on its own, outside the checkout."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).parent / "uv"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
@pytest.mark.own_database
def test_the_built_wheel_installs_and_serves_the_login_page(tmp_path: Path) -> None:
    subprocess.run(
        [UV, "build", "--wheel", "--out-dir", tmp_path / "dist", ROOT],
        check=True,
        capture_output=True,
    )
    [wheel] = (tmp_path / "dist").glob("onboarding-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "onboarding/_resources/templates/base.html",
        "onboarding/_resources/static/css/app.css",
        "onboarding/_resources/static/vendor/designsystemet/index.css",
        "onboarding/_resources/migrations/env.py",
        "onboarding/translations/nb/LC_MESSAGES/messages.mo",
    ):
        assert needed in names, f"{needed} is missing from the wheel"
    assert any(n.startswith("onboarding/_resources/courses/") for n in names)

    venv = tmp_path / "venv"
    subprocess.run([UV, "venv", "--quiet", "--python", sys.executable, venv], check=True)
    subprocess.run(
        [UV, "pip", "install", "--quiet", "--python", venv / "bin" / "python", wheel],
        check=True,
        capture_output=True,
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ONBOARDING_", "DATABASE_URL", "VIRTUAL_ENV", "PYTHONPATH"))
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'installed.sqlite3'}"
    env["ONBOARDING_MAIL_OUTBOX_DIR"] = str(tmp_path / "outbox")
    workdir = tmp_path / "elsewhere"  # not the checkout: nothing may come from there
    workdir.mkdir()
    script = venv / "bin" / "onboarding"
    setup = subprocess.run(
        [script, "setup"], cwd=workdir, env=env, capture_output=True, text=True, timeout=120
    )
    assert setup.returncode == 0, setup.stderr
    assert "hanne.berg@tynset.example" in setup.stdout

    port = free_port()
    server = subprocess.Popen(
        [script, "run", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    assert response.status == 200
                break
            except OSError:
                assert time.monotonic() < deadline, "the installed app did not start"
                time.sleep(0.2)
        with urllib.request.urlopen(f"{base}/login", timeout=5) as response:
            page = response.read().decode()
        assert "Velkommen til Tynset kommune" in page
        with urllib.request.urlopen(
            f"{base}/static/vendor/designsystemet/index.css", timeout=5
        ) as response:
            assert b"@layer ds" in response.read()
    finally:
        server.terminate()
        server.wait(timeout=10)
