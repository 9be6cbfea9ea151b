import ssl
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from typing import BinaryIO
from urllib.request import OpenerDirector

class URLFetcher(OpenerDirector):
    def __init__(
        self,
        timeout: float = 10,
        ssl_context: ssl.SSLContext | None = None,
        http_headers: Mapping[str, str] | None = None,
        allowed_protocols: Sequence[str] | None = None,
        allow_redirects: bool = True,
        fail_on_errors: bool = False,
    ) -> None: ...
    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse: ...

class URLFetcherResponse:
    url: str
    status: int
    headers: EmailMessage
    def __init__(
        self,
        url: str,
        body: str | bytes | BinaryIO | None = None,
        headers: Mapping[str, str] | EmailMessage | None = None,
        status: int = 200,
    ) -> None: ...
    def read(self, size: int = -1, /) -> bytes: ...
    def close(self) -> None: ...
