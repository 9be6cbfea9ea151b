"""``flask users``: create people from the command line."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup

from onboarding.audit import services as audit
from onboarding.auth.models import Role
from onboarding.auth.services import AuthError, create_user, send_invitation
from onboarding.extensions import db
from onboarding.notifications.services import deliver

users = AppGroup("users", help="People who can sign in.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice([role.value for role in Role]),
    help="Repeat for several roles. Default: employee.",
)
@click.option("--employee-number")
@click.option("--position", help="Job title (stillingstittel).")
@click.option("--start-date", type=click.DateTime(formats=["%Y-%m-%d", "%d.%m.%Y"]))
@click.option(
    "--password",
    is_flag=False,
    flag_value="",
    default=None,
    help="Set a password (asked for when given without a value). "
    "Without it, an invitation is sent.",
)
def create_command(
    email: str,
    first_name: str,
    last_name: str,
    roles: tuple[str, ...],
    employee_number: str | None,
    position: str | None,
    start_date: datetime | None,
    password: str | None,
) -> None:
    """Create a person, with a password or an invitation e-mail."""
    if password == "":
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(
            email=email,
            first_name=first_name,
            last_name=last_name,
            roles=[Role(role) for role in roles] or [Role.EMPLOYEE],
            employee_number=employee_number,
            position=position,
            start_date=start_date.date() if start_date else None,
            password=password,
        )
        # Done from the command line: the system, not a person, is the actor.
        details = {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "employee_number": user.employee_number,
            "position": user.position,
            "start_date": user.start_date,
        }
        audit.record(
            None,
            "person.created",
            audit.person(user),
            None,
            {key: value for key, value in details.items() if value},
        )
        if roles:
            audit.record(
                None,
                "role.added",
                audit.person(user),
                {"roles": []},
                {"roles": audit.roles_of(user)},
            )
        notification = None if password else send_invitation(user)
    except AuthError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    if notification is not None:
        deliver([notification.id])
        click.echo(f"Created {user.email}; invitation sent.")
    else:
        click.echo(f"Created {user.email} with a password.")
