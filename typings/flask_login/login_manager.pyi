from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask
from werkzeug.wrappers import Response

_UserLoader = TypeVar("_UserLoader", bound=Callable[[str], object])

class LoginManager:
    def __init__(self, app: Flask | None = None, add_context_processor: bool = True) -> None: ...
    login_view: str | None
    # Flashed as it is (or through localize_callback): a lazy string works too.
    login_message: Any
    login_message_category: str
    session_protection: str | None
    def init_app(self, app: Flask, add_context_processor: bool = True) -> None: ...
    # The redirect to login_view (a 401 without one). An unauthorized_handler's callback
    # would be returned instead; this stub has none, so the answer stays a Response.
    def unauthorized(self) -> Response: ...
    def user_loader(self, callback: _UserLoader) -> _UserLoader: ...
