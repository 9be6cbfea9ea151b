"""One entry in the audit history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from onboarding.database import UTCDateTime, utcnow
from onboarding.extensions import Model


class AuditEvent(Model):
    """An action by HR or an administrator: who, when, what, and the values before and after.

    The actor's and the subject's names are kept as they were, so the entry still reads the
    same after a person is renamed, deactivated or anonymised.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    actor_name: Mapped[str] = mapped_column(String(201))
    # What was done, e.g. "attendance.marked", "certificate.revoked", "role.added".
    action: Mapped[str] = mapped_column(String(60), index=True)
    # What it was done to, e.g. ("user", 12, "Kari Nordmann").
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    subject_label: Mapped[str] = mapped_column(String(300), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
