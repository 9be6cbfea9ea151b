from collections.abc import Mapping, Sequence
from typing import Any

from wtforms import Form
from wtforms.fields.core import _Validator
from wtforms.form import _FormData

class FlaskForm(Form):
    # Without formdata, the form reads request.form and request.files when the request
    # was submitted (POST, PUT, PATCH or DELETE).
    def __init__(self, formdata: _FormData | None = ..., **kwargs: Any) -> None: ...
    def is_submitted(self) -> bool: ...
    def validate_on_submit(
        self, extra_validators: Mapping[str, Sequence[_Validator]] | None = None
    ) -> bool: ...
