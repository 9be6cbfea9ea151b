"""The outbox: e-mails are rows first, then files (development) or SMTP (production)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask
from sqlalchemy import select

from onboarding.auth.models import User
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.notifications.models import Notification
from onboarding.notifications.services import DeliveryReport, deliver, queue_email
from tests.factories import commit, create_user
from tests.helpers import outbox_messages

MakeApp = Callable[..., Flask]


class Inbox:
    """A real SMTP server on loopback that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.messages.append(envelope)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def queue_one(app: Flask, email: str = "ola@tynset.example", language: str = "nb") -> int:
    with app.app_context():
        user = create_user(email, first_name="Ola", password=None, language=language)
        notification = queue_email("test", user, "invitation", link="http://x.test/i/1", days=21)
        commit()
        return notification.id


def test_in_development_mail_is_written_as_eml_files(app: Flask) -> None:
    notification_id = queue_one(app)
    with app.app_context():
        report = deliver()
        assert (report.sent, report.failed) == (1, 0)
        notification = db.session.get(Notification, notification_id)
        assert notification is not None
        assert notification.sent_at is not None
    [message] = outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))
    assert message["From"] == "Tynset kommune <ikke-svar@tynset.example>"
    assert message["Subject"] == "Velkommen til Tynset kommune – start introduksjonen din"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert "Hei Ola," in body.get_content()


def test_sending_twice_sends_once(app: Flask) -> None:
    queue_one(app)
    with app.app_context():
        assert deliver().sent == 1
        assert deliver().sent == 0
    assert len(outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))) == 1


def test_mail_is_written_in_the_recipients_language(app: Flask) -> None:
    queue_one(app, "nn@tynset.example", language="nn")
    queue_one(app, "en@tynset.example", language="en")
    with app.app_context():
        subjects = set(db.session.scalars(select(Notification.subject)))
    assert subjects == {
        "Velkomen til Tynset kommune – start introduksjonen din",
        "Welcome to Tynset kommune – start your introduction",
    }


def test_mail_is_sent_by_smtp_when_configured(
    make_app: MakeApp, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    queue_one(app)
    with app.app_context():
        report = deliver()
    assert (report.sent, report.failed) == (1, 0)
    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["ola@tynset.example"]
    message = message_from_bytes(envelope.content, policy=policy.default)  # type: ignore[arg-type]
    assert message["Subject"] == "Velkommen til Tynset kommune – start introduksjonen din"
    assert not Path(app.config["MAIL_OUTBOX_DIR"]).exists()


def test_an_unreachable_mail_server_keeps_mail_queued_for_the_next_run(
    make_app: MakeApp, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    down = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    notification_id = queue_one(down)
    with down.app_context():
        report = deliver()
        assert (report.sent, report.failed) == (0, 1)
        notification = db.session.get(Notification, notification_id)
        assert notification is not None
        assert notification.sent_at is None
        assert notification.attempts == 1
        assert notification.last_error
        assert "ConnectionRefused" in notification.last_error

    up = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    with up.app_context():
        assert deliver().sent == 1
        notification = db.session.get(Notification, notification_id)
        assert notification is not None
        assert notification.sent_at is not None
        assert notification.last_error is None
    assert len(inbox.messages) == 1


def test_a_message_another_process_is_sending_is_left_to_it_until_its_claim_expires(
    app: Flask,
) -> None:
    notification_id = queue_one(app)
    outbox = Path(app.config["MAIL_OUTBOX_DIR"])
    with app.app_context():
        notification = db.session.get(Notification, notification_id)
        assert notification is not None
        notification.claimed_until = utcnow() + timedelta(minutes=5)  # being sent elsewhere
        commit()
        assert (deliver().sent, deliver([notification_id]).sent) == (0, 0)
        assert not outbox.exists()

        notification.claimed_until = utcnow() - timedelta(seconds=1)  # its sender died
        commit()
        report = deliver()
        assert (report.sent, report.failed) == (1, 0)
        db.session.refresh(notification)
        assert notification.sent_at is not None
        assert notification.claimed_until is None
    assert len(outbox_messages(outbox)) == 1


def test_two_processes_delivering_at_once_send_each_message_once(
    make_app: MakeApp, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    servers = [make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port) for _ in range(2)]
    for number in range(30):
        queue_one(servers[0], f"person{number}@tynset.example")
    start = threading.Barrier(2)
    reports: list[DeliveryReport] = []

    def run(server: Flask) -> None:
        with server.app_context():
            start.wait()
            reports.append(deliver())

    threads = [threading.Thread(target=run, args=(server,)) for server in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(reports) == 2
    assert sum(report.sent for report in reports) == 30
    assert sum(report.failed for report in reports) == 0
    recipients = [envelope.rcpt_tos[0] for envelope in inbox.messages]
    assert sorted(recipients) == sorted(f"person{n}@tynset.example" for n in range(30))
    with servers[0].app_context():
        unsent = select(Notification).where(Notification.sent_at.is_(None))
        assert db.session.scalars(unsent).all() == []


def test_notify_send_command_reports_and_fails_when_mail_is_stuck(
    make_app: MakeApp,
) -> None:
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    queue_one(app)
    result = app.test_cli_runner().invoke(args=["notify", "send"])
    assert result.exit_code == 1
    assert "0 sent, 1 failed" in result.output


def test_reset_mail_for_a_deactivated_person_is_not_sent(app: Flask) -> None:
    from onboarding.auth.services import request_password_reset

    with app.app_context():
        user = create_user("borte@tynset.example")
        user.active = False
        commit()
        assert request_password_reset("borte@tynset.example") is None
        assert db.session.scalar(select(Notification)) is None
        assert db.session.scalar(select(User).where(User.email == "borte@tynset.example"))
