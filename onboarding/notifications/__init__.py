"""Notifications: the e-mail outbox, and sending what a request queued once it is done."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from onboarding.notifications import services

    services.init_app(app)
