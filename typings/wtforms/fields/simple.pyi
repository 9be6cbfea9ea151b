from collections.abc import Sequence
from typing import Any

from wtforms.fields.core import Field, _Validator

class BooleanField(Field):
    data: bool
    false_values: Sequence[Any]
    def __init__(
        self,
        label: object = None,
        validators: Sequence[_Validator] | None = None,
        false_values: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> None: ...

class StringField(Field):
    data: str | None

class TextAreaField(StringField): ...
class PasswordField(StringField): ...
class HiddenField(StringField): ...
class EmailField(StringField): ...
class FileField(Field): ...
