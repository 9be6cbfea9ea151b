from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

from wtforms.fields.core import Field, _Validator
from wtforms.meta import DefaultMeta

class _FormData(Protocol):
    # A multi-dict such as request.form; WTForms reads it through getlist.
    def __contains__(self, key: str, /) -> bool: ...
    def getlist(self, key: str, /) -> list[Any]: ...

class BaseForm:
    meta: DefaultMeta
    form_errors: list[str]
    def __iter__(self) -> Iterator[Field]: ...
    def __contains__(self, name: str) -> bool: ...
    def __getitem__(self, name: str) -> Field: ...
    def populate_obj(self, obj: object) -> None: ...
    def process(
        self,
        formdata: _FormData | None = None,
        obj: object | None = None,
        data: Mapping[str, Any] | None = None,
        extra_filters: Mapping[str, Sequence[Any]] | None = None,
        **kwargs: Any,
    ) -> None: ...
    def validate(
        self, extra_validators: Mapping[str, Sequence[_Validator]] | None = None
    ) -> bool: ...
    @property
    def data(self) -> dict[str, Any]: ...
    @property
    def errors(self) -> dict[str, list[str]]: ...

class Form(BaseForm):
    # The nested Meta classes of a form and its bases are combined by Form's metaclass.
    Meta: type[DefaultMeta]
    def __init__(
        self,
        formdata: _FormData | None = None,
        obj: object | None = None,
        prefix: str = "",
        data: Mapping[str, Any] | None = None,
        meta: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None: ...
