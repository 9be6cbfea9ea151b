"""``flask notify run``: queue the reminders due today and send them (daily cron)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import IntegrityError

from onboarding.auth import throttle
from onboarding.auth.sessions import purge_expired
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.notifications.services import deliver
from onboarding.reminders.services import KINDS, place_and_invite, queue_reminders


@click.command("run")
@with_appcontext
@click.option(
    "--date",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Run as of this day (YYYY-MM-DD); default today in Europe/Oslo.",
)
@click.option("--dry-run", is_flag=True, help="List what would be sent, and change nothing.")
def run_command(as_of: datetime | None, dry_run: bool) -> None:
    """Place the unplaced and the waiting, invite the new hires whose day has come, queue
    the reminders due (deadlines, leaders' digests, HR's session notices), each once per
    occasion, then send everything waiting in the outbox."""
    today: date = as_of.date() if as_of is not None else local_today()
    nightly = place_and_invite(today)
    queued = queue_reminders(today)
    if dry_run:
        click.echo(f"{nightly.placed} placed in cohorts, {len(nightly.invited)} invitations")
        for item in queued:
            click.echo(
                f"{item.reminder.kind}\t{item.recipient.email}\t"
                f"{item.reminder.occasion}\t{item.notification.subject}"
            )
        db.session.rollback()
        click.echo(f"Dry run as of {today.isoformat()}: {len(queued)} reminders; nothing changed.")
        return
    # Sign-ins that ran out and wrong passwords past the throttle's window are forgotten.
    purge_expired()
    throttle.purge()
    try:
        db.session.commit()
    except IntegrityError as error:
        # Another run recorded the same reminders at the same moment; it sends them.
        db.session.rollback()
        raise click.ClickException(
            "Another run queued the same reminders at the same time; this one queued none."
        ) from error
    counts = Counter(item.reminder.kind for item in queued)
    click.echo(f"Placed in cohorts: {nightly.placed}; invitations queued: {len(nightly.invited)}")
    click.echo(f"Reminders queued as of {today.isoformat()}:")
    for kind in KINDS:
        click.echo(f"  {kind}: {counts[kind]}")
    report = deliver()
    elsewhere = f", {report.elsewhere} left to another process" if report.elsewhere else ""
    click.echo(f"{report.sent} sent, {report.failed} failed (kept for the next run){elsewhere}.")
    if report.failed:
        raise SystemExit(1)
