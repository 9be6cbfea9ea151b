"""«Mine data»: a signed-in person's copy of everything the platform holds about them."""

from __future__ import annotations

import json

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from onboarding.attendance.models import AttendanceStatus
from onboarding.audit import services as audit
from onboarding.i18n import local_today
from onboarding.privacy import bp
from onboarding.privacy.services import personal_data


@bp.get("/account/data")
@login_required
def my_data() -> str:
    # Stored values in the interface's words (the file keeps the stored values): attendance
    # marks as the register calls them, changes as the audit history names them.
    marks = {status.value: status.label for status in AttendanceStatus}
    words = {"status": marks, "from": marks, "to": marks, "action": audit.ACTIONS}
    return render_template("privacy/my_data.html", data=personal_data(current_user), words=words)


@bp.get("/account/data.json")
@login_required
def my_data_json() -> Response:
    body = json.dumps(personal_data(current_user), ensure_ascii=False, indent=2)
    stem = _("my-data")
    name = f"{stem}-{local_today().isoformat()}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
