from collections.abc import Iterable, Mapping

def add_params_to_uri(
    uri: str, params: Mapping[str, str] | Iterable[tuple[str, str]], fragment: bool = False
) -> str: ...
