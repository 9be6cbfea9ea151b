from collections.abc import Mapping
from typing import Any

# The claims of an ID token from the authorization code flow: a dict of them (through
# IDToken, JWTClaims and BaseClaims) that validate() checks against options and params.
class CodeIDToken(dict[str, Any]):
    header: Mapping[str, Any]
    options: dict[str, Any]
    params: dict[str, Any]
    def __init__(
        self,
        claims: Mapping[str, Any],
        header: Mapping[str, Any],
        options: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> None: ...
    def validate(self, now: int | None = None, leeway: int = 0) -> None: ...
