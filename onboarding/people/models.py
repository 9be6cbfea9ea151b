"""An uploaded export from the HR system, kept until (and after) HR imports it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.database import UTCDateTime, utcnow
from onboarding.extensions import Model

if TYPE_CHECKING:
    from onboarding.auth.models import User


class ImportBatch(Model):
    """One uploaded file. The bytes live in the database, so any app server can preview it;
    ``applied_at`` is set once, by whoever imports it first."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None when the file came from the command line.
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # What the import did: {"created": n, "updated": n, "unchanged": n, "errors": n}.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])
    applied_by: Mapped[User | None] = relationship(foreign_keys=[applied_by_id])

    def __repr__(self) -> str:
        return f"<ImportBatch {self.id} {self.filename}>"
