"""``flask users``: create a person, or import a file of them (the same import as HR's page,
for scripts and big files), from the command line."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from onboarding.audit import services as audit
from onboarding.auth.models import Role
from onboarding.auth.services import AuthError, create_user, send_invitation
from onboarding.extensions import db
from onboarding.notifications.services import deliver
from onboarding.people.import_apply import apply_batch, create_batch
from onboarding.people.import_plan import ImportPlan, ImportRefused, RowStatus, build_plan
from onboarding.people.reader import FileProblem, read_people_file

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


def echo_plan(plan: ImportPlan) -> None:
    """The preview as text: the counts, then each row that would change or has errors."""
    counts = plan.counts
    click.echo(
        _(
            "%(new)d new, %(changed)d changed, %(unchanged)d unchanged, %(errors)d with errors.",
            new=counts[RowStatus.NEW],
            changed=counts[RowStatus.CHANGED],
            unchanged=counts[RowStatus.UNCHANGED],
            errors=counts[RowStatus.ERROR],
        )
    )
    for row in plan.having(RowStatus.NEW):
        click.echo(
            _(
                "Row %(row)d: new: %(number)s %(name)s <%(email)s>",
                row=row.number,
                number=row.employee_number,
                name=row.name,
                email=row.email,
            )
        )
    for row in plan.having(RowStatus.CHANGED):
        changes = "; ".join(
            f"{change.label}: {change.old or '–'} → {change.new or '–'}" for change in row.changes
        )
        click.echo(
            _(
                "Row %(row)d: changed: %(number)s %(name)s: %(changes)s",
                row=row.number,
                number=row.employee_number,
                name=row.name,
                changes=changes,
            )
        )
    for row in plan.having(RowStatus.ERROR):
        for error in row.errors:
            click.echo(
                _(
                    "Row %(row)d, column “%(column)s”: %(problem)s",
                    row=row.number,
                    column=error.heading,
                    problem=error.message,
                ),
                err=True,
            )


@users.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change, and change nothing.")
def import_command(file: Path, dry_run: bool) -> None:
    """Import new hires and changes from an HR export (CSV or .xlsx)."""
    try:
        content = file.read_bytes()
        plan = build_plan(read_people_file(content))
    except OSError as error:
        reason = error.strerror or str(error)
        click.echo(_("Cannot read %(path)s: %(reason)s", path=str(file), reason=reason), err=True)
        raise SystemExit(1) from error
    except FileProblem as problem:
        click.echo(f"{file.name}: {problem}", err=True)
        raise SystemExit(1) from problem
    echo_plan(plan)
    if dry_run:
        db.session.rollback()
        click.echo(_("Dry run: nothing was changed."))
        return
    if not plan.to_apply:
        db.session.rollback()
        click.echo(_("Nothing to import."))
        return
    try:
        batch = create_batch(file.name, content, None)
        report = apply_batch(batch, None, plan.fingerprint)
    except (ImportRefused, FileProblem) as refused:
        db.session.rollback()
        raise click.ClickException(str(refused)) from refused
    db.session.commit()
    deliver(report.notification_ids)
    click.echo(
        _(
            "Imported: %(created)d new, %(updated)d changed, %(unchanged)d unchanged, "
            "%(errors)d with errors (not imported).",
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            errors=report.errors,
        )
    )
