"""A record of each reminder made, so that it goes once per occasion."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onboarding.database import UTCDateTime, utcnow
from onboarding.extensions import Model


class Reminder(Model):
    """One reminder for one occasion (e.g. a deadline, a week, a session) to one person.

    The e-mail itself is the notification in the outbox; whether it has left is recorded
    there, so a reminder queued while the mail server was down is sent on the next run.
    """

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("kind", "recipient_id", "occasion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # What the reminder is about, e.g. "enrolment:12:2027-03-01" or "week:2027-W09".
    occasion: Mapped[str] = mapped_column(String(100))
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
