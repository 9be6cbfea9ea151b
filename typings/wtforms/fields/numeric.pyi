from collections.abc import Sequence
from typing import Any

from wtforms.fields.core import Field, _Validator

class IntegerField(Field):
    data: int | None
    def __init__(
        self,
        label: object = None,
        validators: Sequence[_Validator] | None = None,
        invalid_value_message: object = None,
        **kwargs: Any,
    ) -> None: ...
