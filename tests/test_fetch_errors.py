"""Transport failures read as one sentence that says what happened."""

from __future__ import annotations

import socket

import aiohttp
import httpx
import pytest

from ticker.errors import FetchError
from ticker.fetch import Fetcher, Limits, _describe


def test_a_failed_name_lookup_is_said_as_such_not_as_a_timeout() -> None:
    # The exception the aiohttp transport raises when the resolver fails (no network): built
    # here, since a test must not ask a real resolver. httpx-aiohttp reports it as a
    # ConnectTimeout with this cause.
    key = aiohttp.client_reqrep.ConnectionKey("news.example", 443, True, None, None, None, None)
    # aiohttp 3.11 raises its subclass ClientConnectorDNSError; both carry the gaierror.
    cause = aiohttp.ClientConnectorError(key, socket.gaierror(-3, "Temporary failure"))
    error = httpx.ConnectTimeout("")
    error.__cause__ = cause
    assert _describe(error) == "cannot resolve the host name (no network, or no such host)"


async def test_a_refused_connection_is_said_as_such() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with Fetcher(Limits.for_timeout(5, 1)) as fetcher:
        refused = r"^cannot connect: connect call failed \(.127\.0\.0\.1., \d+\)$"
        with pytest.raises(FetchError, match=refused):
            await fetcher.get(f"http://127.0.0.1:{port}/feed")
