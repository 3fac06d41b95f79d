"""What every aggregator client does alike over HTTP: its httpx client, answers read with a
cap, and transport failures and server text as one clean line."""

from __future__ import annotations

from collections.abc import Callable

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
