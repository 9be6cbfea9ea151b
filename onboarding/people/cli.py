"""``flask users import FILE``: the same import as HR's page, for scripts and big files."""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import gettext as _

from onboarding.auth.cli import users
from onboarding.extensions import db
from onboarding.people.reader import FileProblem, read_people_file
from onboarding.people.services import (
    ImportPlan,
    ImportRefused,
    RowStatus,
    apply_batch,
    build_plan,
    create_batch,
    deliver_import_emails,
)


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
    deliver_import_emails(report.notification_ids)
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
