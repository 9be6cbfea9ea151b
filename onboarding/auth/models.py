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
from onboarding.extensions import Model

if TYPE_CHECKING:
    from onboarding.org.models import OrgUnit


class Role(StrEnum):
    EMPLOYEE = "employee"
    LEADER = "leader"
    HR = "hr"
    ADMIN = "admin"


def new_security_stamp() -> str:
    return secrets.token_urlsafe(32)


def normalise_email(email: str) -> str:
    return email.strip().lower()


class User(UserMixin, Model):
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
    # A new address for someone with HR's or the administrator's rights waits here until
    # they confirm it from that address (``auth.services.request_email_change``).
    pending_email: Mapped[str | None] = mapped_column(String(254))
    # Changes when the password does and when the person is deactivated: reset and
    # invitation links made before then stop working (``auth.services.make_token``).
    security_stamp: Mapped[str] = mapped_column(String(64), default=new_security_stamp)
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

    # Flask-Login's mixin compares users by ``get_id``, which is now a sign-in's token; a
    # person is the same person by identity, as the ORM's identity map has it.
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    def get_id(self) -> str:
        """Flask-Login's identity for the cookies: the token of this sign-in, not the
        person's id, so that ending the sign-in (``auth.sessions``) makes the cookies void."""
        token = self.__dict__.get("sign_in_token")
        if token is None:
            raise RuntimeError("No sign-in session was started for this user.")
        return str(token)


class UserSession(Model):
    """One sign-in on one device: what the session and remember cookies point at. Deleting
    the row ends that sign-in wherever its cookies are."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Only a hash is kept: a copy of the database opens no sessions.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    remembered: Mapped[bool] = mapped_column(default=False)
    user_agent: Mapped[str | None] = mapped_column(String(200))

    user: Mapped[User] = relationship()


class SignInFailure(Model):
    """A wrong password, kept for a while for the log-in throttle (``auth.throttle``)."""

    __tablename__ = "sign_in_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    client: Mapped[str] = mapped_column(String(64))
    # The known-device cookie's id when the browser sent a valid one for this address.
    device: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class UserRole(Model):
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
