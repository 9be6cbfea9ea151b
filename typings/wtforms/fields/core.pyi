from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

from markupsafe import Markup
from wtforms.form import BaseForm, _FormData
from wtforms.meta import DefaultMeta, _Translations

_Validator: TypeAlias = Callable[[BaseForm, Field], object]

class Label:
    field_id: str
    # As given to the field: a str, or a lazy string that becomes one when shown.
    text: object
    def __init__(self, field_id: str, text: object) -> None: ...
    def __html__(self) -> str: ...
    def __call__(self, text: object | None = None, **kwargs: Any) -> Markup: ...

class Flags:
    def __getattr__(self, name: str) -> Any: ...
    def __setattr__(self, name: str, value: object) -> None: ...
    def __contains__(self, name: str) -> bool: ...

# Declared on a form class, a field is an UnboundField (Field.__new__ makes one) that the
# form binds to its own Field when it is built; these stubs type it as the bound field.
class Field:
    errors: Sequence[str]
    process_errors: Sequence[str]
    raw_data: list[Any] | None
    object_data: Any
    data: Any
    validators: Sequence[_Validator]
    meta: DefaultMeta
    default: Any
    description: object
    render_kw: dict[str, Any] | None
    filters: Sequence[Callable[[Any], Any]]
    flags: Flags
    name: str
    short_name: str
    id: str
    type: str
    label: Label
    invalid_value_message: object
    def __init__(
        self,
        label: object = None,
        validators: Sequence[_Validator] | None = None,
        filters: Sequence[Callable[[Any], Any]] = (),
        description: object = "",
        id: str | None = None,
        default: object = None,
        invalid_value_message: object = None,
        widget: Callable[..., Markup] | None = None,
        render_kw: dict[str, Any] | None = None,
        name: str | None = None,
        datalist: object = None,
        _form: BaseForm | None = None,
        _prefix: str = "",
        _translations: _Translations | None = None,
        _meta: DefaultMeta | None = None,
    ) -> None: ...
    def __html__(self) -> str: ...
    def __call__(self, **kwargs: object) -> Markup: ...
    def gettext(self, string: str) -> str: ...
    def ngettext(self, singular: str, plural: str, n: int) -> str: ...
    def validate(self, form: BaseForm, extra_validators: Sequence[_Validator] = ()) -> bool: ...
    def pre_validate(self, form: BaseForm) -> None: ...
    def post_validate(self, form: BaseForm, validation_stopped: bool) -> None: ...
    def process(
        self,
        formdata: _FormData | None,
        data: object = ...,
        extra_filters: Sequence[Callable[[Any], Any]] | None = None,
    ) -> None: ...
    def process_data(self, value: Any) -> None: ...
    def process_formdata(self, valuelist: list[Any]) -> None: ...
    def populate_obj(self, obj: object, name: str) -> None: ...

class UnboundField:
    field_class: type[Field]
    name: str | None
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    def bind(
        self,
        form: BaseForm,
        name: str,
        prefix: str = "",
        translations: _Translations | None = None,
        **kwargs: Any,
    ) -> Field: ...
