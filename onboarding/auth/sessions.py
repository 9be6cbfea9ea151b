"""Sign-in sessions kept on the server, so that signing out ends them.

The session and remember cookies hold only a random token; the server keeps its hash in
``user_sessions``. Signing out deletes that row, «Logg ut overalt» deletes all of a person's
rows, and a new password or a deactivation deletes the others: an old cookie then opens
nothing, wherever it is.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import cast

from flask import Flask, current_app, g, request, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from onboarding.auth.models import User, UserSession
from onboarding.database import utcnow
from onboarding.extensions import db

_KEPT = "onboarding.session_keys_kept_at_sign_in"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def lifetime(remembered: bool) -> timedelta:
    """How long a sign-in lasts: the remember cookie's duration when the person asked to
    stay signed in, a working day otherwise."""
    if remembered:
        return cast(timedelta, current_app.config["REMEMBER_COOKIE_DURATION"])  # config.py
    return timedelta(hours=int(current_app.config["SIGN_IN_SESSION_HOURS"]))


def start_session(user: User, *, remembered: bool, user_agent: str = "") -> str:
    """Record a new sign-in for ``user`` and return its token (for the cookies only)."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            user=user,
            token_hash=_digest(token),
            expires_at=utcnow() + lifetime(remembered),
            remembered=remembered,
            user_agent=user_agent[:200] or None,
        )
    )
    db.session.flush()
    user.__dict__["sign_in_token"] = token
    return token


def user_for_token(token: str) -> User | None:
    """The active person signed in with ``token``, if that sign-in has not ended."""
    if not token or len(token) > 100:
        return None
    user = (
        db.session.scalars(
            select(User)
            .join(UserSession, UserSession.user_id == User.id)
            .where(
                UserSession.token_hash == _digest(token),
                UserSession.expires_at > utcnow(),
                User.active.is_(True),
            )
            # One query for every signed-in request: roles and led units come with it.
            .options(joinedload(User.role_links), joinedload(User.led_units))
        )
        .unique()
        .one_or_none()
    )
    if user is not None:
        user.__dict__["sign_in_token"] = token
    return user


def current_token(user: User) -> str | None:
    token = user.__dict__.get("sign_in_token")
    return str(token) if token is not None else None


def end_session(user: User) -> None:
    """End the sign-in ``user`` was loaded with (this device only)."""
    token = current_token(user)
    if token is not None:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _digest(token)))


def end_all_sessions(user: User, *, except_current: bool = False) -> int:
    """End every sign-in of ``user`` (or every other one); returns how many ended."""
    query = delete(UserSession).where(UserSession.user_id == user.id)
    token = current_token(user)
    if except_current and token is not None:
        query = query.where(UserSession.token_hash != _digest(token))
    return int(db.session.execute(query).rowcount or 0)  # type: ignore[attr-defined]


def sessions_of(user: User) -> list[UserSession]:
    """The person's sign-ins that have not ended, newest first."""
    return list(
        db.session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.expires_at > utcnow())
            .order_by(UserSession.created_at.desc(), UserSession.id.desc())
        )
    )


def is_current(user: User, record: UserSession) -> bool:
    token = current_token(user)
    return token is not None and record.token_hash == _digest(token)


def purge_expired(now: datetime | None = None) -> int:
    """Delete sign-ins that have ended by time (the nightly job); returns how many."""
    result = db.session.execute(
        delete(UserSession).where(UserSession.expires_at <= (now or utcnow()))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- the request side ------------------------------------------------------------------------


def keep_at_sign_in(app: Flask, key: str) -> None:
    """Let an area keep a session value across the renewal at sign-in (a reflection
    written while the session had expired, say). Everything else is dropped."""
    app.extensions.setdefault(_KEPT, set()).add(key)


def sign_in(user: User, *, remember: bool = False) -> None:
    """Sign ``user`` in on this browser: a new session (nothing from before it is kept but
    what an area asked to keep, so a CSRF token or an identifier planted before the
    sign-in is worthless), a new server-side record, and the cookies pointing at it."""
    kept = {key: session[key] for key in current_app.extensions.get(_KEPT, ()) if key in session}
    session.clear()
    session.update(kept)
    # Flask-WTF keeps the request's token in ``g`` too; the next form gets a new one.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    start_session(user, remembered=remember, user_agent=request.user_agent.string)
    login_user(user, remember=remember)


def sign_out(*, everywhere: bool = False) -> None:
    """End this browser's sign-in (or all of the person's) and clear the session."""
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        if everywhere:
            end_all_sessions(user)
        else:
            end_session(user)
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    # After the clear: it leaves the mark that makes Flask-Login delete the remember cookie.
    logout_user()
