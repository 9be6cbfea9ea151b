"""Queue e-mails in the outbox and deliver them by SMTP or, in development, to files."""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, Response, current_app, g, has_request_context, render_template
from flask_babel import force_locale
from sqlalchemy import Table, event, func, inspect, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import InstanceState, Session, joinedload

from onboarding.core.deferred import when_closed
from onboarding.database import in_chunks, utcnow
from onboarding.extensions import db
from onboarding.i18n import babel_locale
from onboarding.notifications.models import Notification

if TYPE_CHECKING:
    from onboarding.auth.models import User


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    # Being sent by another process at the same time: left to it.
    elsewhere: int = 0


# How long a claim on a message holds: far longer than sending one takes (MAIL_TIMEOUT),
# and short enough that a message whose sender died goes out on one of the next runs.
CLAIM = timedelta(minutes=10)
TO_ADDRESS_LENGTH = 254  # the column's length


def queue_email(
    kind: str,
    recipient: User,
    template: str,
    calendar: str | None = None,
    *,
    address: str | None = None,
    **context: Any,
) -> Notification:
    """Render ``templates/email/<template>.txt`` in the recipient's language and queue it,
    to the recipient's address or to ``address`` (a new one waiting to be confirmed).

    The template's first line is ``Subject: ...``; the rest is the body.
    """
    with force_locale(babel_locale(recipient.language or "nb")):
        rendered = render_template(f"email/{template}.txt", recipient=recipient, **context)
    first, _, body = rendered.lstrip().partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"email/{template}.txt must start with a 'Subject:' line")
    email = address or recipient.email
    to_address = formataddr((recipient.full_name, email))
    if len(to_address) > TO_ADDRESS_LENGTH:  # two long names: the address alone still fits
        to_address = email
    notification = Notification(
        kind=kind,
        recipient_id=recipient.id,
        to_address=to_address,
        subject=first.removeprefix("Subject:").strip(),
        body_text=body.strip() + "\n",
        calendar=calendar,
    )
    db.session.add(notification)
    db.session.flush()
    if has_request_context():
        g.setdefault(_QUEUED, []).append(notification)
    return notification


# The e-mails the current request queued: waiting for its commit, then committed (by id).
_QUEUED = "queued_notifications"
_COMMITTED = "committed_notification_ids"


@event.listens_for(Session, "after_commit")
def _queued_are_committed(session: Session) -> None:
    """The request's commit: what it queued is now in the outbox for good, except what a
    rolled-back savepoint took away (no longer persistent)."""
    if not has_request_context() or not (queued := g.pop(_QUEUED, None)):
        return
    committed: list[int] = g.setdefault(_COMMITTED, [])
    for notification in queued:
        state: InstanceState[Notification] = inspect(notification)
        if state.persistent and state.identity is not None:
            committed.append(int(state.identity[0]))


@event.listens_for(Session, "after_rollback")
def _queued_are_gone(session: Session) -> None:
    if has_request_context():
        g.pop(_QUEUED, None)


def send_queued() -> DeliveryReport:
    """Send now the e-mails this request has queued and committed, for a page that says how
    many went. What the request commits afterwards is sent when it ends."""
    ids: list[int] = g.pop(_COMMITTED, [])
    return deliver(ids) if ids else DeliveryReport()


def init_app(app: Flask) -> None:
    @app.after_request
    def send_after_response(response: Response) -> Response:
        """Every request sends the e-mails it queued and committed, and only those, once
        the response has gone: nobody waits for the mail server, and what a request rolled
        back is never sent. Outside a request (a command, a test calling services) e-mail
        waits for ``flask notify send``, as does anything that could not be sent."""
        g.pop(_QUEUED, None)  # queued but never committed: gone with the request
        if ids := g.pop(_COMMITTED, []):
            when_closed(app, response, lambda: _deliver_quietly(ids))
        return response


def _deliver_quietly(ids: list[int]) -> None:
    deliver(ids)


@dataclass(frozen=True)
class Outgoing:
    """What is needed to send one queued notification, read without the ORM session."""

    id: int
    kind: str
    to_address: str
    subject: str
    body_text: str
    calendar: str | None
    created_at: datetime


# Sends one built message: the notification it is for, and the message.
Send = Callable[[Outgoing, EmailMessage], None]


def build_message(notification: Outgoing | Notification) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = notification.to_address
    message["Subject"] = notification.subject
    created = notification.created_at
    message["Date"] = format_datetime(created if created.tzinfo else created.replace(tzinfo=UTC))
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

    Runs on a connection of its own and commits after each message: once a message has
    left, the record that it was sent must survive whatever happens to the rest, and a
    large batch must not drag the caller's session along. A message that fails stays
    unsent, with the error, for the next run. Call it after committing what queued them.

    Each message is claimed before it is sent, so that two processes delivering at once
    (cron on two servers, or a page and cron) never send the same one twice.

    It never raises: pages call it after they have saved, and their answer must not turn
    into an error. A message that cannot be built (a stored name with a line break, which
    the e-mail library refuses in a header) or sent fails alone, with the reason; a
    failure of the mail server or of the outbox as a whole leaves the rest queued.
    """
    table = Notification.__table__
    query = (
        select(
            table.c.id,
            table.c.kind,
            table.c.to_address,
            table.c.subject,
            table.c.body_text,
            table.c.calendar,
            table.c.created_at,
        )
        .where(
            table.c.sent_at.is_(None),
            or_(table.c.claimed_until.is_(None), table.c.claimed_until < utcnow()),
        )
        .order_by(table.c.id)
    )
    report = DeliveryReport()
    try:
        with db.engine.connect() as connection:
            wanted = list(ids) if ids is not None else None
            pending: list[Outgoing] = []
            for chunk in (list(in_chunks(wanted)) or [[]]) if wanted is not None else [None]:
                chosen = query if chunk is None else query.where(table.c.id.in_(chunk))
                pending.extend(Outgoing(*row) for row in connection.execute(chosen))
            connection.commit()
            if pending:
                _send_all(connection, pending, report)
    except Exception:  # the database itself: what was not sent stays queued
        current_app.logger.exception("e-mails not delivered, kept queued for the next run")
    return report


def _send_all(connection: Connection, pending: list[Outgoing], report: DeliveryReport) -> None:
    attempted: set[int] = set()
    try:
        with _transport() as send:
            for outgoing in pending:
                attempted.add(outgoing.id)
                if not _claim(connection, outgoing.id):
                    report.elsewhere += 1
                    continue
                error = _attempt(outgoing, send)
                _record(connection, outgoing.id, error)
                connection.commit()
                if error is None:
                    report.sent += 1
                else:
                    report.failed += 1
    except Exception as problem:
        # The mail server (or the outbox folder) failed as a whole: what was not sent
        # stays queued for the next run.
        connection.rollback()
        message = f"{type(problem).__name__}: {problem}"
        for outgoing in pending:
            if outgoing.id not in attempted:
                _record(connection, outgoing.id, message, unclaimed_only=True)
                report.failed += 1
        connection.commit()
        current_app.logger.warning("mail server unavailable, e-mails kept queued: %s", problem)


def _attempt(outgoing: Outgoing, send: Send) -> str | None:
    """Build and send one message; the error text, or None when it left.

    Whatever one message raises is that message's failure, recorded with it: the next one
    in the batch is still sent.
    """
    try:
        message = build_message(outgoing)
    except Exception as error:
        current_app.logger.warning("e-mail %s cannot be built: %s", outgoing.id, error)
        return f"{type(error).__name__}: {error}"
    try:
        send(outgoing, message)
    except Exception as error:
        current_app.logger.warning("e-mail %s not sent: %s", outgoing.id, error)
        return f"{type(error).__name__}: {error}"
    return None


def _claim(connection: Connection, notification_id: int) -> bool:
    """Claim an unsent message for this process, committed; False when another process
    holds it or has sent it meanwhile."""
    table = cast(Table, Notification.__table__)  # the model declares a Table
    now = utcnow()
    claimed = connection.execute(
        update(table)
        .where(
            table.c.id == notification_id,
            table.c.sent_at.is_(None),
            or_(table.c.claimed_until.is_(None), table.c.claimed_until < now),
        )
        .values(claimed_until=now + CLAIM)
    )
    connection.commit()
    return claimed.rowcount == 1


def _record(
    connection: Connection, notification_id: int, error: str | None, unclaimed_only: bool = False
) -> None:
    """Record a try at sending. ``unclaimed_only``: for a message this process did not
    claim, leave it alone if another process is sending it now."""
    table = cast(Table, Notification.__table__)  # the model declares a Table
    values: dict[str, object] = {
        "attempts": table.c.attempts + 1,
        "last_error": error,
        "claimed_until": None,
    }
    if error is None:
        values["sent_at"] = utcnow()
    query = update(table).where(table.c.id == notification_id, table.c.sent_at.is_(None))
    if unclaimed_only:
        query = query.where(or_(table.c.claimed_until.is_(None), table.c.claimed_until < utcnow()))
    connection.execute(query.values(**values))


@contextmanager
def _transport() -> Iterator[Send]:
    config = current_app.config
    if not config["MAIL_SERVER"]:
        outbox = Path(config["MAIL_OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)

        def write(notification: Outgoing, message: EmailMessage) -> None:
            stamp = f"{notification.created_at:%Y%m%d-%H%M%S}"
            name = f"{stamp}-{notification.id:06d}-{notification.kind}.eml"
            (outbox / name).write_bytes(bytes(message))

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

        def send(notification: Outgoing, message: EmailMessage) -> None:
            smtp.send_message(message)

        yield send


def undelivered(limit: int = 20) -> tuple[int, list[Notification]]:
    """E-mails that could not be sent (the last try failed), newest first: how many, and
    the first ``limit`` of them with their recipients."""
    failed = (Notification.sent_at.is_(None), Notification.last_error.is_not(None))
    count = db.session.scalar(select(func.count(Notification.id)).where(*failed)) or 0
    latest = db.session.scalars(
        select(Notification)
        .where(*failed)
        .options(joinedload(Notification.recipient))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return count, list(latest)
