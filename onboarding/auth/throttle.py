"""The log-in throttle: wrong passwords hold an account on one client, never its owner.

Wrong passwords are recorded (``SignInFailure``) for the account tried and the client they
came from. After ``LOGIN_RATE_LIMIT_PER_ACCOUNT`` of them within its window, that account is
held *from that client*: someone guessing from one place cannot lock the owner out from
another. A browser where the person has signed in before carries a signed known-device
cookie (as OWASP's "device cookies" describe); from it, only that device's own failures
count, so a correct password from one's own computer is accepted even while a guesser on the
same network (a municipality's NAT) is held. HR sees the accounts held and can lift a hold.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Request, current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import RateLimitItem, parse
from sqlalchemy import delete, func, or_, select
from werkzeug.wrappers import Response

from onboarding.auth.models import SignInFailure, normalise_email
from onboarding.database import utcnow
from onboarding.extensions import db

DEVICE_COOKIE = "known_device"
DEVICE_COOKIE_DAYS = 180
# A shared computer (a staff room's PC) remembers a few people, the latest first.
_DEVICES_KEPT = 5


def _limit() -> RateLimitItem:
    return parse(str(current_app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT"]))


def window() -> timedelta:
    return timedelta(seconds=_limit().get_expiry())


def hold_after() -> int:
    """How many wrong passwords from one place hold the account there."""
    return int(_limit().amount)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def _account_key(email: str) -> str:
    """The cookie names accounts by a hash: the browser need not show who signed in."""
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()[:16]


def _devices(request: Request) -> dict[str, str]:
    value = request.cookies.get(DEVICE_COOKIE)
    if not value:
        return {}
    try:
        data = _serializer().loads(value, max_age=DEVICE_COOKIE_DAYS * 86400)
    except BadSignature:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(key): str(device) for key, device in data.items() if isinstance(device, str)}


def known_device(request: Request, email: str) -> str | None:
    """The id of this browser for ``email``, if the person has signed in here before."""
    return _devices(request).get(_account_key(email))


def remember_device(request: Request, response: Response, email: str) -> None:
    """Mark this browser as one where ``email`` signs in (after a correct password)."""
    devices = _devices(request)
    key = _account_key(email)
    device = devices.pop(key, None) or secrets.token_urlsafe(16)
    kept = dict([(key, device), *list(devices.items())[: _DEVICES_KEPT - 1]])
    response.set_cookie(
        DEVICE_COOKIE,
        _serializer().dumps(kept),
        max_age=DEVICE_COOKIE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )


def _recent(email: str, client: str, device: str | None, now: datetime) -> int:
    query = select(func.count(SignInFailure.id)).where(
        SignInFailure.email == normalise_email(email), SignInFailure.at > now - window()
    )
    if device is not None:
        query = query.where(SignInFailure.device == device)
    else:
        query = query.where(SignInFailure.client == client, SignInFailure.device.is_(None))
    return int(db.session.scalar(query) or 0)


def _ceiling() -> RateLimitItem:
    return parse(str(current_app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT_ANYWHERE"]))


def _untrusted(email: str, now: datetime) -> int:
    """Wrong passwords for ``email`` from anywhere but known devices, in the ceiling's window."""
    since = now - timedelta(seconds=_ceiling().get_expiry())
    return int(
        db.session.scalar(
            select(func.count(SignInFailure.id)).where(
                SignInFailure.email == normalise_email(email),
                SignInFailure.device.is_(None),
                SignInFailure.at > since,
            )
        )
        or 0
    )


def is_held(email: str, client: str, device: str | None) -> bool:
    """Whether sign-in to ``email`` from this client (or known device) is held now. Besides
    the hold per client, an account guessed at from many places (a botnet, a range of
    addresses) is held for every browser but its owner's known devices."""
    now = utcnow()
    if _recent(email, client, device, now) >= hold_after():
        return True
    return device is None and _untrusted(email, now) >= _ceiling().amount


def record_failure(email: str, client: str, device: str | None) -> None:
    db.session.add(
        SignInFailure(email=normalise_email(email)[:254], client=client[:64], device=device)
    )
    db.session.flush()


def forget_failures(email: str, client: str, device: str | None) -> None:
    """A correct password: what this client or device got wrong before no longer counts."""
    condition = SignInFailure.client == client
    if device is not None:
        condition = or_(condition, SignInFailure.device == device)
    db.session.execute(
        delete(SignInFailure).where(SignInFailure.email == normalise_email(email), condition)
    )


@dataclass(frozen=True)
class Hold:
    """An account held from one client or one known device, as HR sees it."""

    email: str
    client: str
    known_device: bool
    failures: int
    last_failure: datetime
    until: datetime


def holds(now: datetime | None = None) -> list[Hold]:
    """Every account held now, newest first."""
    now = now or utcnow()
    span = window()
    amount = hold_after()
    rows = db.session.execute(
        select(
            SignInFailure.email,
            SignInFailure.client,
            SignInFailure.device,
            func.count(SignInFailure.id),
            func.min(SignInFailure.at),
            func.max(SignInFailure.at),
        )
        .where(SignInFailure.at > now - span)
        .group_by(SignInFailure.email, SignInFailure.client, SignInFailure.device)
        .having(func.count(SignInFailure.id) >= amount)
    )
    found = [
        Hold(
            email=email,
            client=client,
            known_device=device is not None,
            failures=count,
            last_failure=last,
            # Attempts while held are not recorded, so the count stays at the limit and
            # the hold lifts when the oldest failure leaves the window.
            until=first + span,
        )
        for email, client, device, count, first, last in rows
    ]
    ceiling = _ceiling()
    wide = db.session.execute(
        select(
            SignInFailure.email,
            func.count(SignInFailure.id),
            func.min(SignInFailure.at),
            func.max(SignInFailure.at),
        )
        .where(
            SignInFailure.device.is_(None),
            SignInFailure.at > now - timedelta(seconds=ceiling.get_expiry()),
        )
        .group_by(SignInFailure.email)
        .having(func.count(SignInFailure.id) >= ceiling.amount)
    )
    found.extend(
        # From many places: ``client`` is empty.
        Hold(email, "", False, count, last, first + timedelta(seconds=ceiling.get_expiry()))
        for email, count, first, last in wide
    )
    return sorted(found, key=lambda hold: hold.last_failure, reverse=True)


def lift(email: str) -> int:
    """HR lifts every hold on ``email``; returns how many failures were forgotten."""
    result = db.session.execute(
        delete(SignInFailure).where(SignInFailure.email == normalise_email(email))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge(now: datetime | None = None) -> int:
    """Forget failures older than the window (the nightly job)."""
    cutoff = (now or utcnow()) - window()
    result = db.session.execute(delete(SignInFailure).where(SignInFailure.at <= cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
