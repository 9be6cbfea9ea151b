"""People who can sign in, and their roles."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from onboarding.database import UTCDateTime, utcnow
from onboarding.extensions import db

if TYPE_CHECKING:
    from onboarding.org.models import OrgUnit


class Role(StrEnum):
    EMPLOYEE = "employee"
    LEADER = "leader"
    HR = "hr"
    ADMIN = "admin"


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def normalise_email(email: str) -> str:
    return email.strip().lower()


class User(UserMixin, db.Model):  # type: ignore[name-defined]
    """A person known to the platform: an employee, a leader, HR or an administrator."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    employee_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    # Nærmeste leder, as the HR system says; seeing people goes by the units one leads.
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[str | None] = mapped_column(String(200))
    start_date: Mapped[date | None]
    language: Mapped[str] = mapped_column(String(5), default="nb")
    active: Mapped[bool] = mapped_column(default=True)
    # HR can stop the reminder e-mails for a person (on leave, say); other e-mails still go.
    reminders_opt_out: Mapped[bool] = mapped_column(default=False, server_default=false())
    # When the person was deactivated (left); people who left long ago can be anonymised.
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The identity provider's stable id for the person ("iss sub"), set at the first single
    # sign-on; later sign-ins match on it even if the e-mail address changes.
    sso_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Flask-Login's identity for the session and remember cookies. Rotating it
    # (on a password change) signs the person out everywhere else.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the invitation to the platform was queued; None: not yet (it goes some days
    # before the start date, see ``auth.services.invitation_day``).
    invitation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[OrgUnit | None] = relationship(back_populates="members")
    manager: Mapped[User | None] = relationship(remote_side=[id])
    role_links: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    led_units: Mapped[list[OrgUnit]] = relationship(
        secondary="unit_leaders", back_populates="leaders", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return normalise_email(value)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(link.role for link in self.role_links)

    def has_role(self, *roles: Role) -> bool:
        return any(link.role in roles for link in self.role_links)

    def add_role(self, role: Role) -> None:
        if role not in self.roles:
            self.role_links.append(UserRole(role=role))

    def remove_role(self, role: Role) -> None:
        self.role_links = [link for link in self.role_links if link.role != role]

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    def get_id(self) -> str:
        return self.session_token


class UserRole(db.Model):  # type: ignore[name-defined]
    """One role held by one user."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        primary_key=True,
    )

    user: Mapped[User] = relationship(back_populates="role_links")
