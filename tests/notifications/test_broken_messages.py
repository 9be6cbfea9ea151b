"""A message that cannot be built or sent is marked failed with the reason, never blocks
the others, and never turns a request that has saved into an error (issue 18, finding 5).

The forms and the import now refuse names with line breaks, but the database may already
hold some, and an outbox row may hold anything.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from onboarding.auth.models import Role, User
from onboarding.cohorts.models import CohortMember
from onboarding.cohorts.services import SessionPlan, add_session, create_cohort
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.notifications import services
from onboarding.notifications.models import Notification
from onboarding.notifications.services import deliver, queue_email, undelivered
from tests.factories import commit, create_user
from tests.helpers import AuthActions, csrf_token, outbox_messages, text_of
from tests.notifications.test_outbox import Inbox, smtp_server  # noqa: F401  (a fixture)

MakeApp = Callable[..., Flask]
INJECTED = "Hansen\r\nBcc: ond@example.org"


def queue_invitation(user: User) -> int:
    notification = queue_email("invitation", user, "invitation", link="http://x.test/i/1", days=21)
    return notification.id


def broken_then_good(app: Flask) -> tuple[int, int]:
    """A queued invitation for a person whose stored name holds CRLF, then an ordinary one."""
    with app.app_context():
        broken = create_user("ola@tynset.example", first_name="Ola", last_name=INJECTED)
        good = create_user("kari@tynset.example", first_name="Kari", last_name="Nordmann")
        ids = queue_invitation(broken), queue_invitation(good)
        commit()
        return ids


def stored(notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    assert notification is not None
    db.session.refresh(notification)
    return notification


def test_a_message_to_a_name_with_a_line_break_fails_with_the_reason_and_the_next_is_sent(
    make_app: MakeApp,
    smtp_server: tuple[Inbox, int],  # noqa: F811
) -> None:
    inbox, port = smtp_server
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    broken_id, good_id = broken_then_good(app)
    with app.app_context():
        report = deliver()
        assert (report.sent, report.failed) == (1, 1)
        broken = stored(broken_id)
        assert broken.sent_at is None
        assert broken.attempts == 1
        assert broken.claimed_until is None  # not left claimed for ten minutes
        assert broken.last_error is not None
        assert "linefeed or carriage return" in broken.last_error
        assert stored(good_id).sent_at is not None
        # HR's work list shows it among the e-mails that did not get through.
        count, failed = undelivered()
        assert (count, [n.id for n in failed]) == (1, [broken_id])
    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["kari@tynset.example"]
    message = message_from_bytes(envelope.content, policy=policy.default)  # type: ignore[arg-type]
    assert "Bcc" not in message
    assert "ond@example.org" not in envelope.content.decode()  # type: ignore[union-attr]


def test_in_development_the_broken_message_is_not_written_and_the_next_is(app: Flask) -> None:
    broken_id, good_id = broken_then_good(app)
    with app.app_context():
        report = deliver([broken_id, good_id])
        assert (report.sent, report.failed) == (1, 1)
        assert stored(broken_id).last_error
        assert stored(good_id).sent_at is not None
    [message] = outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))
    assert message["To"] == "Kari Nordmann <kari@tynset.example>"


def test_anything_raised_while_building_fails_that_message_only(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken_id, good_id = broken_then_good(app)
    with app.app_context():
        stored(broken_id).to_address = "ola@tynset.example"  # buildable, but see below
        commit()
        real = services.build_message

        def build(notification: services.Outgoing | Notification) -> object:
            if notification.id == broken_id:
                raise KeyError("calendar")
            return real(notification)

        monkeypatch.setattr(services, "build_message", build)
        report = deliver()
        assert (report.sent, report.failed) == (1, 1)
        assert "KeyError" in (stored(broken_id).last_error or "")
        assert stored(good_id).sent_at is not None


def test_deliver_does_not_raise_when_the_outbox_itself_fails(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Called after a request has committed: whatever goes wrong, the mail stays queued
    for ``flask notify send`` and the request still answers."""
    broken_id, good_id = broken_then_good(app)

    def no_transport() -> object:
        raise RuntimeError("the outbox folder is on a disk that went away")

    with app.app_context():
        monkeypatch.setattr(services, "_transport", no_transport)
        report = deliver()
        assert (report.sent, report.failed) == (0, 2)
        for notification_id in (broken_id, good_id):
            notification = stored(notification_id)
            assert notification.sent_at is None
            assert notification.claimed_until is None
            assert "RuntimeError" in (notification.last_error or "")


def test_a_long_name_still_fits_the_address_column(app: Flask) -> None:
    with app.app_context():
        long = create_user(
            f"{'k' * 60}@{'t' * 60}.example", first_name="K" * 100, last_name="N" * 100
        )
        notification = stored(queue_invitation(long))
        commit()
        assert len(notification.to_address) <= 254
        assert notification.to_address.endswith(f"<{long.email}>") or (
            notification.to_address == long.email
        )
        assert deliver().sent == 1


# -- the requests that send after they have saved -------------------------------------------


@pytest.fixture
def hr(app: Flask, auth: AuthActions) -> None:
    with app.app_context():
        create_user("hr@tynset.example", roles=(Role.HR,))
        commit()
    auth.login("hr@tynset.example")


def test_sending_an_invitation_to_a_name_with_a_line_break_is_not_an_error(
    app: Flask, client: FlaskClient, hr: None
) -> None:
    with app.app_context():
        ola = create_user("ola@tynset.example", last_name=INJECTED, password=None)
        commit()
        ola_id = ola.id
    response = client.post(f"/people/{ola_id}/invitation", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert "Invitasjonen til ola@tynset.example kunne ikke sendes." in page
    assert "Invitasjonen er sendt" not in page
    with app.app_context():
        [notification] = db.session.scalars(select(Notification))
        assert notification.sent_at is None
        assert notification.claimed_until is None
        assert notification.last_error


def test_a_cohort_fill_that_saved_answers_even_if_a_queued_message_cannot_be_built(
    app: Flask, client: FlaskClient, hr: None
) -> None:
    """HR places people, and the invitation to one of them cannot be built: the places are
    kept, the other invitation goes out, the broken one is marked failed. A message queued
    earlier, by another request, is not this page's to send: it waits for the cron job."""
    start = local_today() + timedelta(days=20)
    with app.app_context():
        cohort = create_cohort("Vårkullet")
        add_session(
            cohort, SessionPlan(start + timedelta(days=10), (9, 0), (15, 0), "Salen", 10), by=None
        )
        earlier = queue_invitation(create_user("per@tynset.example", password=None))
        ola = create_user("ola@tynset.example", last_name=INJECTED, start_date=start)
        kari = create_user("kari@tynset.example", start_date=start)
        commit()
        cohort_id, ola_id, kari_id = cohort.id, ola.id, kari.id
    response = client.post(f"/cohorts/{cohort_id}/fill", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    with app.app_context():
        members = db.session.scalars(
            select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id)
        )
        assert set(members) == {ola_id, kari_id}
        to_ola = db.session.scalars(select(Notification).where(Notification.recipient_id == ola_id))
        assert [(n.sent_at, bool(n.last_error)) for n in to_ola] == [(None, True)]
        sent = db.session.scalars(select(Notification).where(Notification.sent_at.is_not(None)))
        assert [n.recipient_id for n in sent] == [kari_id]
        assert stored(earlier).sent_at is None
        assert stored(earlier).last_error is None
