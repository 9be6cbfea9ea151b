"""The attendance register (oppmøteliste) for cohort sessions, with its full history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.database import UTCDateTime, utcnow
from onboarding.extensions import Model

if TYPE_CHECKING:
    from onboarding.auth.models import User


class AttendanceStatus(StrEnum):
    PRESENT = "present"  # møtt
    LATE = "late"  # kom for sent
    EXCUSED = "excused"  # gyldig fravær
    ABSENT = "absent"  # fravær

    @property
    def attended(self) -> bool:
        """Counts as having been at the session: for completion, certificates and reports."""
        return self in ATTENDED

    @property
    def label(self) -> LazyString:
        """What the interface calls it: «Møtt», «Kom for sent», «Gyldig fravær», «Fravær»."""
        return _LABELS[self]


#: The marks that count as attended (møtt, kom for sent), also for queries:
#: ``Attendance.status.in_(ATTENDED)``.
ATTENDED = frozenset({AttendanceStatus.PRESENT, AttendanceStatus.LATE})

_LABELS = {
    AttendanceStatus.PRESENT: _l("Present"),
    AttendanceStatus.LATE: _l("Late"),
    AttendanceStatus.EXCUSED: _l("Excused absence"),
    AttendanceStatus.ABSENT: _l("Absent"),
}


def _status_type() -> Enum:
    return Enum(
        AttendanceStatus,
        native_enum=False,
        length=16,
        values_callable=lambda e: [m.value for m in e],
    )


class Attendance(Model):
    """A person's current mark for a session."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(_status_type())
    note: Mapped[str] = mapped_column(String(500), default="")
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # True when the person checked themselves in with the code.
    self_check_in: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    marked_by: Mapped[User | None] = relationship(foreign_keys=[marked_by_id])


class AttendanceChange(Model):
    """One change to the register: who, when, from what to what. Never edited.

    ``new_status`` None: the mark was voided, because the person was moved out of the
    session (``reason`` says where to); it no longer counts anywhere.
    """

    __tablename__ = "attendance_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    old_status: Mapped[AttendanceStatus | None] = mapped_column(_status_type())
    new_status: Mapped[AttendanceStatus | None] = mapped_column(_status_type())
    reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    old_note: Mapped[str] = mapped_column(String(500), default="")
    new_note: Mapped[str] = mapped_column(String(500), default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    changed_by: Mapped[User | None] = relationship(foreign_keys=[changed_by_id])
    user: Mapped[User] = relationship(foreign_keys=[user_id])
