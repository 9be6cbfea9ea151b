"""``flask people anonymise``: remove what identifies people who left long ago, and the
uploaded HR files nobody imported."""

from __future__ import annotations

from datetime import date, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.people.import_apply import UNIMPORTED_FILES_KEPT, discard_unimported_batches
from onboarding.privacy.services import anonymise_left_before, left_before

people = AppGroup("people", help="People's personal data.")


def _years_back(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@people.command("anonymise")
@click.option(
    "--left-before",
    "cutoff",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Anonymise people deactivated before this day (YYYY-MM-DD). Default: "
    "ANONYMISE_AFTER_YEARS years ago; a later day is refused.",
)
@click.option("--dry-run", is_flag=True, help="List who would be anonymised; change nothing.")
def anonymise_command(cutoff: datetime | None, dry_run: bool) -> None:
    """Anonymise the people who left (were deactivated) long ago. Their progress, scores and
    certificates stay for the statistics and the certificate register, without their name."""
    years = int(current_app.config["ANONYMISE_AFTER_YEARS"])
    latest = _years_back(local_today(), years)
    day = cutoff.date() if cutoff is not None else latest
    if day > latest:
        raise click.UsageError(
            f"People who left less than {years} years ago are kept (ANONYMISE_AFTER_YEARS); "
            f"use --left-before {latest.isoformat()} or earlier."
        )
    people_found = left_before(day)
    for person in people_found:
        assert person.deactivated_at is not None
        click.echo(f"{person.id}\t{person.full_name}\tleft {person.deactivated_at:%Y-%m-%d}")
    if dry_run:
        click.echo(f"Dry run: {len(people_found)} would be anonymised; nothing changed.")
        return
    done = anonymise_left_before(day)
    discarded = discard_unimported_batches()
    db.session.commit()
    click.echo(f"{len(done)} anonymised (left before {day.isoformat()}).")
    if discarded:
        days = UNIMPORTED_FILES_KEPT.days
        click.echo(f"{discarded} uploaded files never imported, older than {days} days, deleted.")
