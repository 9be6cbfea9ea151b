"""``flask notify run``: queue what is due (the new hires' invitations and the reminders),
send it, once; ``--dry-run`` changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from onboarding.auth.models import Role
from onboarding.extensions import db
from onboarding.notifications.models import Notification
from onboarding.reminders.models import Reminder
from tests.factories import commit, create_user
from tests.helpers import body_of, link_in, outbox_messages
from tests.notifications.test_outbox import Inbox, free_port
from tests.reminders.conftest import TODAY, build_org, employee, enrol, load_programme

MakeApp = Callable[..., Flask]
AS_OF = ["--date", TODAY.isoformat()]


@pytest.fixture
def due(app: Flask) -> dict[str, str]:
    """One employee due in a week, one overdue, and their leader. The two employees have
    not been invited yet, and their start date is behind them: the run invites them too.

    Made in an app context of its own: a command run while one is pushed would use it,
    and not the app with the settings the test chose.
    """
    with app.app_context():
        programme = load_programme()
        org = build_org()
        soon = employee("Snart", org.helse)
        enrol(soon, programme, TODAY + timedelta(days=7))
        late = employee("Sen", org.hjemme)
        enrol(late, programme, TODAY - timedelta(days=1))
        leader = create_user("leder@tynset.example", roles=(Role.LEADER,), leads=org.helse)
        commit()
        return {"soon": soon.email, "late": late.email, "leader": leader.email}


def counts(app: Flask) -> tuple[int, int]:
    """How many reminders and notifications there are."""
    with app.app_context():
        return (
            db.session.scalar(select(func.count(Reminder.id))) or 0,
            db.session.scalar(select(func.count(Notification.id))) or 0,
        )


def test_running_twice_sends_each_reminder_once(
    app: Flask, runner: FlaskCliRunner, due: dict[str, str]
) -> None:
    first = runner.invoke(args=["notify", "run", *AS_OF])
    assert first.exit_code == 0, first.output
    assert "Placed in cohorts: 0; invitations queued: 2\n" in first.output
    assert "deadline_soon: 1\n" in first.output
    assert "deadline_passed: 1\n" in first.output
    assert "leader_digest: 1\n" in first.output
    assert "session_notice: 0\n" in first.output
    assert "5 sent, 0 failed" in first.output  # two invitations and three reminders

    second = runner.invoke(args=["notify", "run", *AS_OF])
    assert second.exit_code == 0, second.output
    assert "Placed in cohorts: 0; invitations queued: 0\n" in second.output
    assert "deadline_soon: 0\n" in second.output
    assert "0 sent, 0 failed" in second.output
    assert counts(app) == (3, 5)
    messages = outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))
    assert sorted(message["To"].addresses[0].addr_spec for message in messages) == sorted(
        [*due.values(), due["soon"], due["late"]]
    )
    invited = [m for m in messages if "/invitation/" in body_of(m)]
    assert sorted(m["To"].addresses[0].addr_spec for m in invited) == sorted(
        [due["soon"], due["late"]]
    )
    [digest] = [m for m in messages if m["To"].addresses[0].addr_spec == due["leader"]]
    assert link_in(digest) == "/team"


def test_dry_run_lists_what_would_go_and_changes_nothing(
    app: Flask, runner: FlaskCliRunner, due: dict[str, str]
) -> None:
    result = runner.invoke(args=["notify", "run", *AS_OF, "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "0 placed in cohorts, 2 invitations" in lines
    assert any(line.startswith(f"deadline_soon\t{due['soon']}\t") for line in lines)
    assert any(line.startswith(f"deadline_passed\t{due['late']}\t") for line in lines)
    assert f"leader_digest\t{due['leader']}\t2027-W10\t" in result.output
    assert "3 reminders; nothing changed" in result.output
    assert counts(app) == (0, 0)
    assert outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"])) == []
    # The real run afterwards still sends them, and the two invitations.
    assert "5 sent" in runner.invoke(args=["notify", "run", *AS_OF]).output


def test_the_date_defaults_to_today_and_must_be_a_date(
    runner: FlaskCliRunner, due: dict[str, str]
) -> None:
    assert runner.invoke(args=["notify", "run", "--dry-run"]).exit_code == 0
    wrong = runner.invoke(args=["notify", "run", "--date", "08.03.2027"])
    assert wrong.exit_code == 2
    assert "--date" in wrong.output


def test_a_mail_server_that_is_down_keeps_them_for_the_next_run(
    app: Flask, make_app: MakeApp, smtp_server: tuple[Inbox, int], due: dict[str, str]
) -> None:
    inbox, port = smtp_server
    down = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    failed = down.test_cli_runner().invoke(args=["notify", "run", *AS_OF])
    assert failed.exit_code == 1, failed.output
    assert "0 sent, 5 failed" in failed.output  # two invitations and three reminders
    assert counts(app) == (3, 5)
    with app.app_context():
        assert (
            db.session.scalar(select(Notification).where(Notification.sent_at.is_not(None))) is None
        )

    # Still down the next day: nothing new is queued, the same five wait.
    again = down.test_cli_runner().invoke(args=["notify", "run", "--date", "2027-03-09"])
    assert again.exit_code == 1
    assert "invitations queued: 0" in again.output
    assert "0 sent, 5 failed" in again.output
    assert counts(app) == (3, 5)

    up = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    sent = up.test_cli_runner().invoke(args=["notify", "run", "--date", "2027-03-09"])
    assert sent.exit_code == 0, sent.output
    assert "5 sent, 0 failed" in sent.output
    assert up.test_cli_runner().invoke(args=["notify", "run", *AS_OF]).exit_code == 0
    assert counts(app) == (3, 5)
    assert sorted(rcpt for envelope in inbox.messages for rcpt in envelope.rcpt_tos) == sorted(
        [*due.values(), due["soon"], due["late"]]
    )
