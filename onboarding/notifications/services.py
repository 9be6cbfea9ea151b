"""Queue e-mails in the outbox and deliver them by SMTP or, in development, to files."""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select

from onboarding.auth.models import User
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.notifications.models import Notification


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0


def queue_email(
    kind: str, recipient: User, template: str, calendar: str | None = None, **context: Any
) -> Notification:
    """Render ``templates/email/<template>.txt`` in the recipient's language and queue it.

    The template's first line is ``Subject: ...``; the rest is the body.
    """
    with force_locale(recipient.language or "nb"):
        rendered = render_template(f"email/{template}.txt", recipient=recipient, **context)
    first, _, body = rendered.lstrip().partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"email/{template}.txt must start with a 'Subject:' line")
    notification = Notification(
        kind=kind,
        recipient_id=recipient.id,
        to_address=formataddr((recipient.full_name, recipient.email)),
        subject=first.removeprefix("Subject:").strip(),
        body_text=body.strip() + "\n",
        calendar=calendar,
    )
    db.session.add(notification)
    db.session.flush()
    return notification


def build_message(notification: Notification) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = notification.to_address
    message["Subject"] = notification.subject
    message["Date"] = format_datetime(notification.created_at)
    message["Message-ID"] = make_msgid(idstring=f"notification-{notification.id}")
    message.set_content(notification.body_text)
    if notification.calendar:
        message.add_attachment(
            notification.calendar.encode(),
            maintype="text",
            subtype="calendar",
            filename="samling.ics",
            params={"method": "REQUEST"},
        )
    return message


def deliver(ids: Sequence[int] | None = None) -> DeliveryReport:
    """Send unsent notifications (all of them, or those in ``ids``).

    Commits after each message, unlike other services: once a message has left,
    the record that it was sent must survive whatever happens to the rest.
    A message that fails stays unsent, with the error, for the next run.
    """
    query = select(Notification).where(Notification.sent_at.is_(None)).order_by(Notification.id)
    if ids is not None:
        query = query.where(Notification.id.in_(list(ids)))
    pending = list(db.session.scalars(query.with_for_update(skip_locked=True)))
    report = DeliveryReport()
    if not pending:
        db.session.commit()
        return report
    attempted: set[int] = set()
    try:
        with _transport() as send:
            for notification in pending:
                attempted.add(notification.id)
                _attempt(notification, send, report)
                db.session.commit()
    except (smtplib.SMTPException, OSError) as error:
        # The connection itself failed: what was not sent stays queued for the next run.
        for notification in pending:
            if notification.id not in attempted:
                notification.attempts += 1
                notification.last_error = f"{type(error).__name__}: {error}"
                report.failed += 1
        db.session.commit()
        current_app.logger.warning("mail server unavailable, e-mails kept queued: %s", error)
    return report


def _attempt(
    notification: Notification, send: Callable[[Notification], None], report: DeliveryReport
) -> None:
    notification.attempts += 1
    try:
        send(notification)
    except (smtplib.SMTPException, OSError) as error:
        notification.last_error = f"{type(error).__name__}: {error}"
        report.failed += 1
        current_app.logger.warning(
            "e-mail %s not sent: %s", notification.id, notification.last_error
        )
    else:
        notification.sent_at = utcnow()
        notification.last_error = None
        report.sent += 1


@contextmanager
def _transport() -> Iterator[Callable[[Notification], None]]:
    config = current_app.config
    if not config["MAIL_SERVER"]:
        outbox = Path(config["MAIL_OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)

        def write(notification: Notification) -> None:
            stamp = f"{notification.created_at:%Y%m%d-%H%M%S}"
            name = f"{stamp}-{notification.id:06d}-{notification.kind}.eml"
            (outbox / name).write_bytes(bytes(build_message(notification)))

        yield write
        return

    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(
        config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
    ) as smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])

        def send(notification: Notification) -> None:
            smtp.send_message(build_message(notification))

        yield send
