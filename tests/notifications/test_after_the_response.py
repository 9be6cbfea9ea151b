"""A request sends the e-mails it queued and committed, once the response has gone; never
what it rolled back (with the request or with a savepoint), never another request's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from onboarding.auth.models import User
from onboarding.extensions import db
from onboarding.notifications.models import Notification
from onboarding.notifications.services import queue_email
from tests.factories import commit, create_user
from tests.helpers import outbox_messages


def queue_for(email: str) -> Notification:
    person = db.session.scalar(select(User).where(User.email == email))
    assert person is not None
    return queue_email("invitation", person, "invitation", link="http://x.test/i/1", days=21)


@pytest.fixture
def site(make_app: Callable[..., Flask], tmp_path: Path) -> Flask:
    """An app with pages that queue e-mail and then commit, roll back, or fail."""
    app = make_app()

    @app.get("/test/commit")
    def committed() -> str:
        queue_for("kari@tynset.example")
        db.session.commit()
        return "ok"

    @app.get("/test/rollback")
    def rolled_back() -> str:
        queue_for("kari@tynset.example")
        db.session.rollback()
        return "ok"

    @app.get("/test/savepoint")
    def savepoint() -> str:
        try:
            with db.session.begin_nested():
                queue_for("ola@tynset.example")
                raise ValueError("a rule said no")
        except ValueError:
            pass
        queue_for("kari@tynset.example")
        db.session.commit()
        return "ok"

    @app.get("/test/not-committed")
    def not_committed() -> str:
        queue_for("kari@tynset.example")  # flushed, never committed: gone with the request
        return "ok"

    @app.get("/test/committed-then-failed")
    def committed_then_failed() -> str:
        queue_for("kari@tynset.example")
        db.session.commit()
        raise RuntimeError("after the commit")

    with app.app_context():
        create_user("kari@tynset.example")
        create_user("ola@tynset.example")
        commit()
    return app


def recipients(app: Flask) -> list[str]:
    return [str(message["To"]) for message in outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))]


def unsent(app: Flask) -> int:
    with app.app_context():
        return len(
            list(db.session.scalars(select(Notification).where(Notification.sent_at.is_(None))))
        )


@pytest.mark.parametrize(
    ("page", "sent"),
    [
        ("/test/commit", ["kari@tynset.example"]),
        ("/test/rollback", []),
        ("/test/savepoint", ["kari@tynset.example"]),
        ("/test/not-committed", []),
        ("/test/committed-then-failed", ["kari@tynset.example"]),
    ],
)
def test_what_a_request_sends(site: Flask, page: str, sent: list[str]) -> None:
    site.config["PROPAGATE_EXCEPTIONS"] = False  # the failing page answers 500, as in production
    site.test_client().get(page)
    assert [address.rsplit("<", 1)[-1].rstrip(">") for address in recipients(site)] == sent
    assert unsent(site) == 0


def test_a_request_leaves_another_requests_mail_to_cron(site: Flask) -> None:
    with site.app_context():
        queue_for("ola@tynset.example")  # queued by a command, or a request long gone
        commit()
    site.test_client().get("/test/commit")
    assert [address.rsplit("<", 1)[-1].rstrip(">") for address in recipients(site)] == [
        "kari@tynset.example"
    ]
    assert unsent(site) == 1
