"""Forms for importing people. The rules live in ``people.services``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField


class UploadForm(FlaskForm):
    file = FileField(
        _l("File from the HR system"),
        description=_l(
            "CSV (semicolon or comma separated) or Excel (.xlsx), at most 5 MB. "
            "The first row must hold the column headings."
        ),
        validators=[FileRequired(_l("Choose a file to upload."))],
        render_kw={
            "accept": ".csv,.txt,.xlsx,text/csv,application/vnd.ms-excel,"
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        },
    )


class ApplyForm(FlaskForm):
    # The preview HR saw: the import is refused if the plan is no longer the same.
    plan = HiddenField()
