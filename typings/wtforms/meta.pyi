from typing import Any, Protocol

from wtforms.fields.core import Field, UnboundField
from wtforms.form import BaseForm

class _Translations(Protocol):
    def gettext(self, string: str, /) -> str: ...
    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...

class DefaultMeta:
    def bind_field(
        self, form: BaseForm, unbound_field: UnboundField, options: dict[str, Any]
    ) -> Field: ...
    def wrap_formdata(self, form: BaseForm, formdata: Any) -> Any: ...
    csrf: bool
    csrf_field_name: str
    locales: bool | list[str]
    cache_translations: bool
    def get_translations(self, form: BaseForm) -> _Translations | None: ...
    def update_values(self, values: dict[str, Any]) -> None: ...
