"""Decorators that every area's views use to check role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from onboarding.auth.models import Role, User

P = ParamSpec("P")
R = TypeVar("R")


def roles_required(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R | Response]]:
    """Signed in and holding one of ``roles``, or 403."""

    def decorator(view: Callable[P, R]) -> Callable[P, R | Response]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return login_required(wrapped)

    return decorator


# What each role may do grows in this order; a person's rank is that of their highest role.
_RANK = {Role.EMPLOYEE: 0, Role.LEADER: 1, Role.HR: 2, Role.ADMIN: 3}
# People whose e-mail address opens HR's or the administrator's pages: a new address for
# them is used only once they have confirmed it themselves.
PRIVILEGED = (Role.HR, Role.ADMIN)


def rank(user: User) -> int:
    return max((_RANK[role] for role in user.roles), default=0)


def may_manage(actor: User | None, person: User) -> bool:
    """Whether ``actor`` may change ``person``'s e-mail address, roles or active state:
    nobody does that to someone with more rights than they have. None is the system (a
    command on the server), which may."""
    return actor is None or rank(actor) >= rank(person)


def is_privileged(user: User) -> bool:
    return user.has_role(*PRIVILEGED)
