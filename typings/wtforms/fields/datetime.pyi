import datetime
from collections.abc import Sequence
from typing import Any

from wtforms.fields.core import Field, _Validator

# DateTimeField's data is a datetime, its subclasses' a date or a time: their common base
# leaves it untyped (Field.data), and each field used here says its own.
class DateTimeField(Field):
    format: list[str]
    def __init__(
        self,
        label: object = None,
        validators: Sequence[_Validator] | None = None,
        format: str | list[str] = "%Y-%m-%d %H:%M:%S",
        invalid_value_message: object = None,
        **kwargs: Any,
    ) -> None: ...

class DateField(DateTimeField):
    data: datetime.date | None
    def __init__(
        self,
        label: object = None,
        validators: Sequence[_Validator] | None = None,
        format: str | list[str] = "%Y-%m-%d",
        invalid_value_message: object = None,
        **kwargs: Any,
    ) -> None: ...

class TimeField(DateTimeField):
    data: datetime.time | None
    def __init__(
        self,
        label: object = None,
        validators: Sequence[_Validator] | None = None,
        format: str | list[str] = "%H:%M",
        invalid_value_message: object = None,
        **kwargs: Any,
    ) -> None: ...
