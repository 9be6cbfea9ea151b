"""Cohorts (kull): the twice-yearly groups of new employees and their sessions (samlinger)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.database import UTCDateTime, utcnow
from onboarding.extensions import Model

if TYPE_CHECKING:
    from onboarding.auth.models import User


def new_calendar_uid() -> str:
    return f"{uuid.uuid4()}@onboarding"


class Cohort(Model):
    """A cohort, e.g. «Vårkullet 2027»."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sessions: Mapped[list[CohortSession]] = relationship(
        back_populates="cohort", order_by="CohortSession.starts_at"
    )
    members: Mapped[list[CohortMember]] = relationship(back_populates="cohort")

    def __repr__(self) -> str:
        return f"<Cohort {self.name}>"


class CohortSession(Model):
    """An in-person session of a cohort: when, where, how many, who runs it."""

    __tablename__ = "cohort_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int]
    # «Møtt» and self check-in are accepted from this many minutes before the start (HR's
    # grace for people at the door); before that only an absence known in advance.
    opens_minutes_before: Mapped[int] = mapped_column(default=0, server_default="0")
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    agenda: Mapped[str] = mapped_column(Text, default="")
    # The calendar event's identity: the UID never changes, the sequence counts changes.
    calendar_uid: Mapped[str] = mapped_column(String(100), unique=True, default=new_calendar_uid)
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="sessions")
    facilitator: Mapped[User | None] = relationship()
    members: Mapped[list[CohortMember]] = relationship(back_populates="session")


class CohortMember(Model):
    """A person's current place in a cohort: at a session, or on the cohort's waiting list.

    One row per person; a move changes it (by a conditional update, so two advisers moving
    the same person cannot both win), and the audit history keeps every place they had.
    """

    __tablename__ = "cohort_members"
    __table_args__ = (UniqueConstraint("user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # None: on the cohort's waiting list.
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohort_sessions.id", ondelete="SET NULL"), index=True
    )
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the invitation to this place (with its calendar file) was queued; None while it
    # waits for the person's own invitation to the platform (see ``send_due_invitations``).
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cohort: Mapped[Cohort] = relationship(back_populates="members")
    session: Mapped[CohortSession | None] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    @property
    def waiting(self) -> bool:
        return self.session_id is None
