"""Sign-in rules: passwords, accounts, reset and invitation links."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from onboarding.auth.models import Role, User, new_security_stamp, normalise_email
from onboarding.auth.sessions import end_all_sessions
from onboarding.auth.weak_passwords import is_common
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.notifications.models import Notification
from onboarding.notifications.services import queue_email
from onboarding.urls import external_url

if TYPE_CHECKING:
    from onboarding.org.models import OrgUnit


class AuthError(ValueError):
    """A sign-in rule was broken; the message is for the user."""


class PasswordRejected(AuthError):
    pass


class DuplicateUser(AuthError):
    pass


class TokenProblem(AuthError):
    pass


class TokenPurpose(StrEnum):
    RESET = "password-reset"
    INVITATION = "invitation"
    EMAIL_CHANGE = "email-change"


# --- passwords -------------------------------------------------------------------------------


@cache
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def password_hasher() -> PasswordHasher:
    config = current_app.config
    return _hasher(
        config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"], config["ARGON2_PARALLELISM"]
    )


def check_password_rules(password: str, user: User | None = None) -> None:
    """Length over complexity, as NSM advises; raise ``PasswordRejected`` with the reason."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise PasswordRejected(
            _("The password must be at least %(count)d characters long.", count=minimum)
        )
    if len(password) > 256:
        raise PasswordRejected(_("The password can be at most 256 characters long."))
    organisation = str(current_app.config.get("ORG_NAME", ""))
    if len(set(password)) < 4 or is_common(password, tuple(organisation.split())):
        raise PasswordRejected(
            _(
                "This password is among the first ones people try when guessing. Choose "
                "another one: a few words that belong together for you make a long, strong "
                "password."
            )
        )
    if user is not None:
        lowered = password.lower()
        personal = [user.email.split("@")[0], user.first_name, user.last_name]
        if any(part and len(part) >= 4 and part.lower() in lowered for part in personal):
            raise PasswordRejected(_("The password must not contain your name or e-mail address."))


def set_password(user: User, password: str, *, keep_current_session: bool = False) -> None:
    """Give ``user`` a new password and end their sign-ins: all of them, or all but the one
    making the change. Links sent before (reset, invitation) stop working too."""
    check_password_rules(password, user)
    user.password_hash = password_hasher().hash(password)
    user.security_stamp = new_security_stamp()
    user.password_changed_at = utcnow()
    end_all_sessions(user, except_current=keep_current_session)
    db.session.flush()


def verify_password(user: User, password: str) -> bool:
    if user.password_hash is None:
        return False
    try:
        return password_hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class WrongPassword(AuthError):
    pass


def change_password(user: User, current: str, new: str) -> None:
    """Change a signed-in user's password after checking the current one."""
    if not verify_password(user, current):
        raise WrongPassword(_("The current password is wrong."))
    set_password(user, new, keep_current_session=True)


# A hash of a random password, so that an unknown e-mail costs as long as a wrong password.
_DUMMY_PASSWORD = "dummy password for timing equalisation"


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (never says which was wrong)."""
    user = find_user_by_email(email)
    hasher = password_hasher()
    if user is None or user.password_hash is None or not user.active:
        try:
            hasher.verify(_dummy_hash(hasher), password)
        except VerificationError:
            pass
        return None
    if not verify_password(user, password):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


_dummy_hashes: dict[int, str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    key = id(hasher)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash(_DUMMY_PASSWORD)
    return _dummy_hashes[key]


# --- accounts --------------------------------------------------------------------------------


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    *,
    email: str,
    first_name: str,
    last_name: str,
    roles: Iterable[Role] = (Role.EMPLOYEE,),
    unit: OrgUnit | None = None,
    employee_number: str | None = None,
    position: str | None = None,
    start_date: date | None = None,
    language: str = "nb",
    password: str | None = None,
) -> User:
    """Add a person; e-mail and employee number must be new."""
    email = normalise_email(email)
    if db.session.scalar(select(func.count()).where(User.email == email)):
        raise DuplicateUser(
            _("A person with the e-mail address %(email)s already exists.", email=email)
        )
    if employee_number and db.session.scalar(
        select(func.count()).where(User.employee_number == employee_number)
    ):
        raise DuplicateUser(
            _("A person with employee number %(number)s already exists.", number=employee_number)
        )
    user = User(
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        unit=unit,
        employee_number=employee_number or None,
        position=position,
        start_date=start_date,
        language=language,
    )
    for role in roles:
        user.add_role(role)
    db.session.add(user)
    db.session.flush()
    if password is not None:
        set_password(user, password)
    return user


# --- reset and invitation links --------------------------------------------------------------


def _serializer(purpose: TokenPurpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=str(purpose))


def _fingerprint(user: User) -> str:
    """Changes whenever the password does, which makes every link single-use."""
    material = f"{user.security_stamp}:{user.password_hash or ''}".encode()
    return hashlib.sha256(material).hexdigest()[:24]


def make_token(user: User, purpose: TokenPurpose) -> str:
    data: dict[str, object] = {"u": user.id, "f": _fingerprint(user)}
    last_day = invitation_valid_until(user) if purpose is TokenPurpose.INVITATION else None
    if last_day is not None:
        data["x"] = last_day.isoformat()
    return _serializer(purpose).dumps(data)


def invitation_valid_until(user: User) -> date | None:
    """The last day an invitation link works however early it was sent: some days after
    the start date (a link sent two weeks ahead still works in the first weeks)."""
    if user.start_date is None:
        return None
    days = int(current_app.config["INVITATION_VALID_DAYS_AFTER_START"])
    return user.start_date + timedelta(days=days)


def invitation_day(user: User) -> date | None:
    """The day the person's invitation to the platform goes (by the nightly job): some days
    before the start date. None when it has gone, or goes at once (no start date)."""
    if user.invitation_sent_at is not None or user.start_date is None:
        return None
    return user.start_date - timedelta(days=int(current_app.config["INVITATION_DAYS_BEFORE_START"]))


def invitation_due(user: User, today: date) -> bool:
    """Whether the person should be invited now: active, never invited, never signed in,
    and their invitation day has come."""
    if not user.active or user.invitation_sent_at is not None:
        return False
    if user.has_password or user.last_login_at is not None:
        return False
    day = invitation_day(user)
    return day is None or day <= today


_MAX_AGE = {
    TokenPurpose.RESET: "PASSWORD_RESET_MAX_AGE",
    TokenPurpose.INVITATION: "INVITATION_MAX_AGE",
    TokenPurpose.EMAIL_CHANGE: "EMAIL_CHANGE_MAX_AGE",
}


def max_age(purpose: TokenPurpose) -> int:
    return int(current_app.config[_MAX_AGE[purpose]])


def user_for_token(token: str, purpose: TokenPurpose) -> User:
    """The user a link was made for, or ``TokenProblem`` saying why it cannot be used."""
    expired = TokenProblem(_("The link has expired. Ask for a new one."))
    try:
        data, signed_at = _serializer(purpose).loads(token, return_timestamp=True)
    except BadSignature as error:
        raise TokenProblem(_("The link is not valid. Check that you copied all of it.")) from error
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise TokenProblem(_("The link is not valid. Check that you copied all of it."))
    fresh = (utcnow() - signed_at).total_seconds() <= max_age(purpose)
    if not fresh and not _within_last_day(data.get("x")):
        raise expired
    user = db.session.get(User, data["u"])
    if user is None or not user.active:
        raise TokenProblem(_("The link is not valid. Check that you copied all of it."))
    if data.get("f") != _fingerprint(user):
        raise TokenProblem(_("The link has already been used. Ask for a new one if you need it."))
    return user


def _within_last_day(last_day: object) -> bool:
    """An invitation's own last day (see ``invitation_valid_until``) has not passed."""
    if not isinstance(last_day, str):
        return False
    try:
        return local_today() <= date.fromisoformat(last_day)
    except ValueError:
        return False


def request_password_reset(email: str) -> Notification | None:
    """E-mail a reset link if an active account has this address; silent otherwise, and
    silent when one went to it a few minutes ago (``PASSWORD_RESET_EMAIL_INTERVAL``): a
    form sent again and again does not fill anyone's inbox."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return None
    since = utcnow() - timedelta(minutes=int(current_app.config["PASSWORD_RESET_EMAIL_INTERVAL"]))
    recent = db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.recipient_id == user.id,
            Notification.kind == "password_reset",
            Notification.created_at > since,
        )
    )
    if recent:
        return None
    link = external_url("auth.reset_password", token=make_token(user, TokenPurpose.RESET))
    hours = max_age(TokenPurpose.RESET) // 3600
    return queue_email("password_reset", user, "password_reset", link=link, hours=hours)


# --- a new e-mail address for someone with HR's or the administrator's rights ----------------


def email_change_token(user: User, new_email: str) -> str:
    """Keep ``new_email`` as the person's pending address and return the token of the link
    that confirms it. Until they confirm, nothing signs in or resets a password with the
    new address; a newer request voids the older link."""
    user.pending_email = normalise_email(new_email)
    db.session.flush()
    return _serializer(TokenPurpose.EMAIL_CHANGE).dumps(
        {"u": user.id, "f": _fingerprint(user), "e": user.pending_email}
    )


def email_change_for_token(token: str) -> tuple[User, str]:
    """The person and the new address a confirmation link was made for."""
    try:
        data = _serializer(TokenPurpose.EMAIL_CHANGE).loads(
            token, max_age=max_age(TokenPurpose.EMAIL_CHANGE)
        )
    except SignatureExpired as error:
        raise TokenProblem(_("The link has expired. Ask for a new one.")) from error
    except BadSignature as error:
        raise TokenProblem(_("The link is not valid. Check that you copied all of it.")) from error
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise TokenProblem(_("The link is not valid. Check that you copied all of it."))
    user = db.session.get(User, data["u"])
    if user is None or not user.active:
        raise TokenProblem(_("The link is not valid. Check that you copied all of it."))
    # A newer request, a new password or a confirmation already made all void the link.
    if data.get("f") != _fingerprint(user) or data.get("e") != user.pending_email:
        raise TokenProblem(_("The link has already been used. Ask for a new one if you need it."))
    return user, str(data["e"])


def confirm_email_change(user: User, new_email: str) -> str:
    """Make the confirmed address the person's own; returns the old one."""
    if db.session.scalar(
        select(func.count(User.id)).where(User.email == new_email, User.id != user.id)
    ):
        raise AuthError(
            _("Another person already has the e-mail address %(email)s.", email=new_email)
        )
    old = user.email
    user.email = new_email
    user.pending_email = None
    user.security_stamp = new_security_stamp()
    db.session.flush()
    return old


def send_invitation(user: User) -> Notification:
    """E-mail ``user`` a link to choose their first password, or, when everyone signs in
    through the identity provider, a link to the sign-in page."""
    if not current_app.config["PASSWORD_LOGIN_ENABLED"]:
        user.invitation_sent_at = utcnow()
        link = external_url("auth.login")
        return queue_email("invitation", user, "invitation", link=link, days=0, sso=True)
    if user.has_password:
        raise AuthError(_("%(name)s has already set a password.", name=user.full_name))
    user.invitation_sent_at = utcnow()
    link = external_url("auth.accept_invitation", token=make_token(user, TokenPurpose.INVITATION))
    days = max_age(TokenPurpose.INVITATION) // 86400
    last_day = invitation_valid_until(user)
    if last_day is not None:
        days = max(days, (last_day - local_today()).days)
    return queue_email("invitation", user, "invitation", link=link, days=days, sso=False)


# --- redirects -------------------------------------------------------------------------------


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    target = target.strip()
    if "\\" in target or any(ord(char) < 32 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
