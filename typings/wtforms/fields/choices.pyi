from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, TypeAlias

from wtforms.fields.core import Field, _Validator

class Choice(NamedTuple):
    value: str
    label: str
    selected: bool
    render_kw: dict[str, Any]

class SelectChoice:
    value: Any
    label: Any
    render_kw: dict[str, Any]
    optgroup: str | None
    def __init__(
        self,
        value: Any,
        label: Any = None,
        render_kw: dict[str, Any] = ...,
        optgroup: str | None = None,
    ) -> None: ...
    def __iter__(self) -> Iterator[Any]: ...

# What ``choices=`` takes: SelectChoices (or the older value strings and (value, label[,
# render_kw]) tuples), optionally grouped in a dict by optgroup, or a callable giving them.
_Option: TypeAlias = SelectChoice | tuple[Any, Any] | tuple[Any, Any, dict[str, Any]] | str
_Choices: TypeAlias = (
    Sequence[_Option] | Mapping[str, Any] | Callable[..., Sequence[_Option] | Mapping[str, Any]]
)

class SelectFieldBase(Field):
    def __init__(
        self,
        label: object = None,
        validators: Sequence[_Validator] | None = None,
        option_widget: Any = None,
        **kwargs: Any,
    ) -> None: ...
    def iter_choices(self) -> list[Choice]: ...
    def has_groups(self) -> bool: ...
    def __iter__(self) -> Iterator[Field]: ...

class SelectField(SelectFieldBase):
    coerce: Callable[[Any], Any]
    validate_choice: bool
    invalid_choice_message: object
    choices: _Choices | None
    def __init__(
        self,
        label: object = None,
        validators: Sequence[_Validator] | None = None,
        coerce: Callable[[Any], Any] = ...,
        choices: _Choices | None = None,
        validate_choice: bool = True,
        invalid_value_message: object = None,
        invalid_choice_message: object = None,
        **kwargs: Any,
    ) -> None: ...
