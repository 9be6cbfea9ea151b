"""Command-line entry points: ``flask --app onboarding ...`` and the ``onboarding`` script."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade

from onboarding.database import DatabaseProblem, check_database


def init_app(app: Flask) -> None:
    from onboarding.content.cli import courses
    from onboarding.demo.cli import demo
    from onboarding.notifications.cli import notify
    from onboarding.people.cli import users
    from onboarding.privacy.cli import people
    from onboarding.reminders.cli import run_command

    app.cli.add_command(users)
    app.cli.add_command(courses)
    app.cli.add_command(demo)
    # The daily job is reminders', run beside `notify send` as `flask notify run`.
    notify.add_command(run_command)
    app.cli.add_command(notify)
    app.cli.add_command(people)
    app.cli.add_command(setup_command)


@click.command("setup")
@click.option("--demo/--no-demo", default=True, help="Load demo data when the database is empty.")
@with_appcontext
def setup_command(demo: bool) -> None:
    """Create or upgrade the database, load the course files, and demo data into an empty one."""
    from onboarding.content.cli import sync_courses
    from onboarding.demo.services import (
        DEMO_PASSWORD,
        demo_accounts,
        seed_demo,
        seed_progress,
    )
    from onboarding.extensions import db
    from onboarding.learning.services import current_programme, enrol_everyone

    try:
        check_database(allow_missing=True)
    except DatabaseProblem as problem:
        raise click.ClickException(str(problem)) from problem
    upgrade(directory=current_app.extensions["migrate"].directory)
    sync_courses()
    if demo:
        created = seed_demo(only_if_empty=True)
        db.session.commit()
        programme = current_programme()
        if programme is not None:
            enrol_everyone(programme)
            if created:
                seed_progress(programme)
            db.session.commit()
        click.echo(
            "Demo data loaded." if created else "Database already has data; demo not loaded."
        )
        click.echo(f"\nDemo log-ins (password for all: {DEMO_PASSWORD}):")
        for role, email, description in demo_accounts():
            click.echo(f"  {role:<10} {email:<40} {description}")


def main() -> None:
    """The ``onboarding`` console script: the Flask CLI bound to this app."""
    from onboarding import create_app

    FlaskGroup(create_app=create_app, help="Introduksjon for nyansatte.")()
