from collections.abc import Callable
from datetime import timedelta
from typing import Any, ParamSpec, Protocol, TypeVar

from werkzeug.wrappers import Response

_P = ParamSpec("_P")
_R = TypeVar("_R")

class _User(Protocol):
    @property
    def is_active(self) -> bool: ...
    def get_id(self) -> str | None: ...

# A proxy for whatever the user_loader returned for this request, or for the anonymous user:
# the application's own class, so the library can say no more than Any (as Flask types its
# own proxies by what they stand for).
current_user: Any

def login_user(
    user: _User,
    remember: bool = False,
    duration: timedelta | None = None,
    force: bool = False,
    fresh: bool = True,
) -> bool: ...
def logout_user() -> bool: ...

# Signed out: the view is not called and LoginManager.unauthorized() answers.
def login_required(func: Callable[_P, _R]) -> Callable[_P, _R | Response]: ...
