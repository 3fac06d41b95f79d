"""A real HTTP server on 127.0.0.1 that answers like a hostile feed, for tests/test_hostile.py.

aiohttp runs on its own event loop in a daemon thread, so one server serves async `Poller`
tests, in-process CLI runs (which start their own loop with `asyncio.run`) and subprocesses.
Each path gets one answer; `serve` (re)binds a path, so one source URL can answer differently
from poll to poll. Every answer that streams is bounded and stops when the client goes away.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import zlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import cache

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

RSS = "application/rss+xml"
JSON_FEED = "application/feed+json"


class HostileServer:
    """Serves whatever handler is bound to a path; `seen` lists the paths asked for."""

    def __init__(self) -> None:
        self._routes: dict[str, Handler] = {}
        self._names = itertools.count(1)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="hostile-server", daemon=True
        )
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.seen: list[str] = []

    def start(self) -> HostileServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        # handler_cancellation: a streaming answer ends as soon as its client disconnects.
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(request.path)
        handler = self._routes.get(request.path)
        if handler is None:
            raise web.HTTPNotFound()
        return await handler(request)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def path(self, stem: str = "feed") -> str:
        """A path no other test in this server uses."""
        return f"/{stem}/{next(self._names)}"

    def serve(self, path: str, handler: Handler) -> str:
        """Answer requests for `path` with `handler` from now on; returns the full URL."""
        self._routes[path] = handler
        return self.url(path)


# -- answers ------------------------------------------------------------------------------


def body(
    data: bytes,
    content_type: str = RSS,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Handler:
    """A complete answer with these bytes."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.Response(body=data, status=status, headers=dict(headers or {}))
        response.headers["Content-Type"] = content_type
        return response

    return handler


def redirect(location: str, status: int = 302) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, headers={"Location": location})

    return handler


def gzip_bomb(decoded_size: int = 1 << 30) -> Handler:
    """A gzip body of `decoded_size` zero bytes, about a thousandth of that on the wire."""
    data = gzip_of_zeros(decoded_size)

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=data, headers={"Content-Type": RSS, "Content-Encoding": "gzip"})

    return handler


@cache
def gzip_of_zeros(size: int) -> bytes:
    """`size` zero bytes gzipped, built in milliseconds: after a full flush the deflate output
    for each further MiB of zeros is the same bytes, so one block is repeated."""
    block = 1 << 20
    assert size % block == 0 and size >= 2 * block
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    zeros = bytes(block)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    last = compressor.compress(zeros) + compressor.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(size // block):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = crc.to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little")
    return header + first + repeated * (size // block - 2) + last + trailer


@dataclass
class Stream:
    """A streamed answer: `head`, then `chunk` every `every` seconds, at most `limit` times.

    `client_left` is set when the handler stopped because the client disconnected.
    """

    head: bytes
    chunk: bytes
    every: float
    limit: int
    content_type: str = RSS
    client_left: threading.Event = field(default_factory=threading.Event)

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": self.content_type})
        try:
            await response.prepare(request)
            await response.write(self.head)
            for _ in range(self.limit):
                await response.write(self.chunk)
                await asyncio.sleep(self.every)
        except (ConnectionError, asyncio.CancelledError):
            self.client_left.set()
            raise
        return response


def never_ending_feed() -> Stream:
    """An RSS body that trickles a few bytes every 50 ms for up to a minute."""
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>'
    return Stream(head, b"more ", every=0.05, limit=1200)


def firehose(total: int = 256 << 20) -> Stream:
    """A chunked RSS body of `total` bytes sent as fast as the client reads."""
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>'
    chunk = b"x" * (1 << 20)
    return Stream(head, chunk, every=0, limit=total // len(chunk))


def cut_off(data: bytes, keep: int, *, chunked: bool = False) -> Handler:
    """Promise all of `data` (by Content-Length, or chunked), send `keep` bytes, hang up."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": RSS})
        if chunked:
            response.enable_chunked_encoding()
        else:
            response.content_length = len(data)
        await response.prepare(request)
        await response.write(data[:keep])
        transport = request.transport
        assert transport is not None
        transport.close()
        return response

    return handler


def raw_reply(data: bytes) -> Handler:
    """Write `data` as the whole answer, status line and headers included, then hang up:
    for bytes aiohttp would refuse to send (controls in a reason phrase or a header)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        transport = request.transport
        assert transport is not None
        transport.write(data)
        transport.close()
        return web.Response()

    return handler
