"""The answer of a raw request: the parts of ``requests.Response`` / ``httpx.Response``
that code written for mstr-rest-requests reads."""

from __future__ import annotations

import json as _json
from collections.abc import Iterator, Mapping
from typing import Any, Optional

from . import _core
from .exceptions import MSTRDecodeError

_REASONS = {
    200: "OK", 201: "Created", 202: "Accepted", 204: "No Content",
    301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
    307: "Temporary Redirect", 308: "Permanent Redirect",
}


class Headers(Mapping):
    """Response headers: a read-only mapping with case-insensitive names. A header sent
    more than once reads as its values joined by ``", "``; ``get_list`` gives each."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs
        joined: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            key = name.lower()
            if key in joined:
                joined[key] = (joined[key][0], joined[key][1] + ", " + value)
            else:
                joined[key] = (name, value)
        self._joined = joined

    def __getitem__(self, name: str) -> str:
        return self._joined[name.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._joined.values())

    def __len__(self) -> int:
        return len(self._joined)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._joined

    def get_list(self, name: str) -> list[str]:
        key = name.lower()
        return [v for n, v in self._pairs if n.lower() == key]

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


class Response:
    """An answer, read whole (bounded by the session's body limit).

    Error answers (400 and more) never get here: they raise the exception of their error
    code, so ``raise_for_status()`` is kept for code that calls it and never raises.
    """

    __slots__ = ("_core", "_headers", "_content")

    def __init__(self, core: _core.Response) -> None:
        self._core = core
        self._headers: Optional[Headers] = None
        self._content: Optional[bytes] = None

    @property
    def status_code(self) -> int:
        return self._core.status_code

    @property
    def ok(self) -> bool:
        return self._core.status_code < 400

    @property
    def reason(self) -> str:
        return _REASONS.get(self.status_code, "")

    @property
    def url(self) -> str:
        return self._core.url

    @property
    def headers(self) -> Headers:
        if self._headers is None:
            self._headers = Headers(self._core.headers)
        return self._headers

    @property
    def content(self) -> bytes:
        if self._content is None:
            self._content = self._core.content
        return self._content

    @property
    def encoding(self) -> str:
        kind = self.headers.get("content-type", "")
        for part in kind.split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.lower() == "charset" and value:
                return value.strip('"')
        return "utf-8"

    @property
    def text(self) -> str:
        return self.content.decode(self.encoding, errors="replace")

    def json(self, **kwargs: Any) -> Any:
        """The body as JSON; an empty or non-JSON body raises ``MSTRDecodeError`` (a ``ValueError``)
        naming the status and content type (the seed raised a bare ``JSONDecodeError``)."""
        try:
            return _json.loads(self.content, **kwargs)
        except ValueError as e:
            raise MSTRDecodeError(
                f"N/A: the {self.status_code} answer from {self.url} is not JSON "
                f"(Content-Type {self.headers.get('content-type', 'none')!r}): {e}",
                status_code=self.status_code,
            ) from e

    def raise_for_status(self) -> "Response":
        return self

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}]>"
