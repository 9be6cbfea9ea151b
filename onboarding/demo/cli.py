"""``flask demo``: demo data."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from onboarding.demo.services import DEMO_PASSWORD, demo_accounts, seed_demo
from onboarding.extensions import db

demo = AppGroup("demo", help="Demo data.")


@demo.command("seed")
def seed_command() -> None:
    """Add the demo organisation and people; running it again changes nothing."""
    created = seed_demo()
    db.session.commit()
    click.echo(f"Demo data: {created} new records.")
    click.echo(f"Demo log-ins (password for all: {DEMO_PASSWORD}):")
    for role, email, description in demo_accounts():
        click.echo(f"  {role:<10} {email:<40} {description}")
