"""Certificates (kursbevis): one valid certificate per person and programme."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.database import UTCDateTime, utcnow
from onboarding.extensions import Model

if TYPE_CHECKING:
    from onboarding.auth.models import User
    from onboarding.content.models import Programme


class Certificate(Model):
    """Proof that a person completed a programme, checked by anyone with its code.

    What the certificate says (the name, the programme's title, the signatory) is kept as
    it was on the day it was issued; a correction is a revocation and a new certificate.
    """

    __tablename__ = "certificates"
    __table_args__ = (
        # At most one valid (not revoked) certificate per person and programme, enforced by
        # the database, so two completions at the same moment cannot both issue one.
        Index(
            "uq_certificates_one_valid",
            "user_id",
            "programme_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    # The verification code without separators (see services.format_code for the print form).
    code: Mapped[str] = mapped_column(String(16), unique=True)
    holder_name: Mapped[str] = mapped_column(String(201))
    programme_title: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5), default="nb")
    signatory_name: Mapped[str] = mapped_column(String(200))
    signatory_title: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # None when issued automatically on completion; HR when HR issued a new one.
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The revoked certificate this one was issued in place of.
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="SET NULL")
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    # The rendered PDF, kept so that a download does not render it again.
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    pdf_rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    programme: Mapped[Programme] = relationship()
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    def __repr__(self) -> str:
        return f"<Certificate {self.id} {self.code} user={self.user_id}>"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None
