"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py`` (see docs/deploy.md).

Every value can be changed from the environment, so the systemd unit's EnvironmentFile
is the one place an operator edits. Command-line options given to gunicorn win over these.
"""

from __future__ import annotations

import multiprocessing
import os

# The app; settings for it come from the environment (onboarding/config.py).
wsgi_app = "onboarding.wsgi:app"

# Behind nginx on the same host, so loopback only by default.
bind = [os.environ.get("ONBOARDING_BIND", "127.0.0.1:8000")]

# gunicorn's rule of thumb, capped: each worker holds its own database connections
# (up to 15 with SQLAlchemy's default pool) and hashes passwords with 64 MiB of memory.
MAX_WORKERS = 8
workers = int(
    os.environ.get("ONBOARDING_WORKERS", min(2 * multiprocessing.cpu_count() + 1, MAX_WORKERS))
)

# Heartbeat files in memory, not on a disk that may stall (gunicorn's FAQ).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# A request that takes longer than this is killed; PDF certificates take a second or two.
timeout = int(os.environ.get("ONBOARDING_TIMEOUT", 60))
# On restart (systemctl reload/restart), requests in flight get this long to finish.
graceful_timeout = int(os.environ.get("ONBOARDING_GRACEFUL_TIMEOUT", 30))
keepalive = 5

# Recycle workers now and then, at different times, so slow leaks never build up.
max_requests = int(os.environ.get("ONBOARDING_MAX_REQUESTS", 1000))
max_requests_jitter = int(os.environ.get("ONBOARDING_MAX_REQUESTS_JITTER", 100))

# Which addresses may set X-Forwarded-Proto for gunicorn itself (the scheme). The app
# trusts X-Forwarded-* only through its PROXY_FIX_* settings.
forwarded_allow_ips = os.environ.get("ONBOARDING_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs go to stdout/stderr, which systemd's journal keeps. The request id is the one the
# app answers with (X-Request-ID, onboarding/core/requestlog.py), so a line here can be
# matched with the app's own log lines. Empty ONBOARDING_ACCESS_LOG turns this log off.
accesslog = os.environ.get("ONBOARDING_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("ONBOARDING_LOG_LEVEL", "info")
access_log_format = (
    '%(h)s "%({x-forwarded-for}i)s" %(t)s "%(r)s" %(s)s %(B)s %(M)sms '
    '"%(f)s" "%(a)s" request_id=%({x-request-id}o)s'
)

# gunicorn 27 otherwise opens a control socket in the service user's home folder.
control_socket_disable = True

proc_name = "onboarding"
