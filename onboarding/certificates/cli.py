"""``flask certificates ...``: bulk work for cron or an administrator."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from onboarding.certificates.models import Certificate
from onboarding.certificates.services import ensure_pdfs, issue_missing, notify_holder
from onboarding.extensions import db
from onboarding.notifications.services import deliver

certificates = AppGroup("certificates", help="Certificates (kursbevis).")


@certificates.command("render")
def render_command() -> None:
    """Render and keep the PDF of every valid certificate not rendered yet."""
    done = 0
    while True:
        batch = list(
            db.session.scalars(
                select(Certificate)
                .where(Certificate.pdf.is_(None), Certificate.revoked_at.is_(None))
                .order_by(Certificate.id)
                .limit(50)
            )
        )
        if not batch:
            break
        ensure_pdfs(batch)
        db.session.commit()
        done += len(batch)
    click.echo(f"{done} certificates rendered.")


@certificates.command("issue-missing")
def issue_missing_command() -> None:
    """Issue certificates to people who completed without getting one, and e-mail them."""
    issued = issue_missing()
    notifications = [notify_holder(certificate) for certificate in issued]
    db.session.commit()
    ids = [n.id for n in notifications if n is not None]
    if ids:
        deliver(ids)
    click.echo(f"{len(issued)} certificates issued.")
