"""The WSGI entry point for app servers: ``gunicorn onboarding.wsgi:app``.

Settings come from the environment (see ``onboarding/config.py`` and docs/deploy.md).
"""

from __future__ import annotations

from onboarding import create_app

app = create_app()
