"""What every aggregator client does alike over HTTP: its httpx client, answers read with a
cap, and transport failures and server text as one clean line."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

import httpx

from ticker import __version__
from ticker.errors import TickerError

MAX_ANSWER = 64 * 1024 * 1024  # a page of 200 articles with content is a few MB at most


def new_client(timeout: float, server: str) -> httpx.AsyncClient:
    """A client for one server's API; no redirects (a redirected POST or PUT loses its body)."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
        headers={"User-Agent": f"ticker/{__version__} (terminal news ticker; {server} client)"},
        follow_redirects=False,
    )


class ApiClient:
    """What an aggregator's API client is, whatever the server: its API's address, the user,
    an HTTP client made at the first request (or the caller's, left open), the requests
    counted for the benchmarks, and a password that never shows in a repr."""

    server = ""  # the server's name, in the User-Agent
    api_path = ""  # the API's path under the server's address

    def __init__(
        self,
        url: str,
        user: str,
        password: str,
        *,
        client: httpx.AsyncClient | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.api_url = url.rstrip("/") + self.api_path
        self.user = user
        self._password = password
        self._client = client
        self._own_client = client is None
        self._timeout = timeout
        self.requests = 0

    def __repr__(self) -> str:  # never the password
        return f"{type(self).__name__}({self.api_url!r}, user={self.user!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this made it (a session on the server stays valid)."""
        if self._own_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = new_client(self._timeout, self.server)
        return self._client


async def read_capped(response: httpx.Response, too_big: Callable[[], TickerError]) -> bytes:
    """The answer's body; `too_big()` is raised past MAX_ANSWER bytes."""
    data = bytearray()
    async for chunk in response.aiter_bytes():
        data += chunk
        if len(data) > MAX_ANSWER:
            raise too_big()
    return bytes(data)


def why(error: httpx.HTTPError) -> str:
    """One line for a transport failure."""
    if isinstance(error, httpx.TimeoutException):
        return "timed out"
    if isinstance(error, httpx.ConnectError):
        return "cannot connect"
    return one_line(f"{type(error).__name__}: {error}")


def one_line(text: str, limit: int = 200) -> str:
    """A server's words as one clean line (they are hostile like any feed's)."""
    from ticker.sanitize import clean_line

    return clean_line(text, limit, markup=False)


def text(row: object, key: str) -> str:
    """An optional string field: '' when absent or not a string."""
    value = row.get(key) if isinstance(row, dict) else None
    return value if isinstance(value, str) else ""
