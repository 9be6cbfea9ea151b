"""``flask notify``: deliver what waits in the outbox (for cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from onboarding.notifications.services import deliver

notify = AppGroup("notify", help="E-mail notifications.")


@notify.command("send")
def send_command() -> None:
    """Send every e-mail still waiting in the outbox."""
    report = deliver()
    elsewhere = f", {report.elsewhere} left to another process" if report.elsewhere else ""
    click.echo(f"{report.sent} sent, {report.failed} failed (kept for the next run){elsewhere}.")
    if report.failed:
        raise SystemExit(1)
