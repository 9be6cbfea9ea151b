"""A request id for every request, and one log line per request when configured."""

from __future__ import annotations

import re
import time
import uuid

from flask import Flask, Response, current_app, g, request
from flask_login import current_user

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    # A proxy's id is kept when it is plainly an id; anything else could forge log lines.
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex[:16]
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    if current_app.config["LOG_REQUESTS"]:
        elapsed_ms = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
        user = current_user.id if current_user.is_authenticated else "-"
        current_app.logger.info(
            "%s %s %s %.1fms user=%s request_id=%s",
            request.method,
            request.path,
            response.status_code,
            elapsed_ms,
            user,
            g.get("request_id", "-"),
        )
    return response
