"""A news server on 127.0.0.1 whose feeds a test changes, holds and breaks, and that counts.

It runs on the test's own event loop (aiohttp), so a test can hold a feed's answer until it
says so (a slow source without sleeps), change what a feed says between polls, make it fail,
and read every request each feed got, with the validators it carried.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from aiohttp import web
from feedgen import rss


@dataclass
class Desk:
    """One feed: its items, and how it answers."""

    items: list[tuple[str, str]] = field(default_factory=list)
    status: int = 200
    hold: asyncio.Event | None = None  # set: answer; None: answer at once
    version: int = 0  # the ETag; bumped whenever the items change

    def publish(self, guid: str, title: str) -> None:
        self.items.insert(0, (guid, title))
        self.version += 1


@dataclass(frozen=True)
class Request:
    desk: str
    if_none_match: str | None
    answered: int  # the status sent
    version: int = 0  # of the desk's items, when it answered
    at: float = 0.0  # the test's clock when the request arrived


class Newsdesk:
    """Feeds at /feed/<name>; `requests` lists what each got, in order."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.desks: dict[str, Desk] = {}
        self.requests: list[Request] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    def desk(self, name: str) -> Desk:
        return self.desks.setdefault(name, Desk())

    def feed_url(self, name: str) -> str:
        self.desk(name)
        return f"{self.url}/feed/{name}"

    def count(self, name: str) -> int:
        return sum(1 for r in self.requests if r.desk == name)

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        desk = self.desk(name)
        arrived = self.clock()
        if desk.hold is not None:
            await desk.hold.wait()
        etag = f'"{desk.version}"'
        sent = request.headers.get("If-None-Match")
        if desk.status != 200:
            status = desk.status
            response = web.Response(status=status, text="unavailable")
        elif sent == etag:
            status = 304
            response = web.Response(status=304)
        else:
            status = 200
            response = web.Response(
                body=rss(list(desk.items), title=name),
                content_type="application/rss+xml",
                headers={"ETag": etag},
            )
        self.requests.append(Request(name, sent, status, desk.version, arrived))
        return response

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Newsdesk]:
        app = web.Application()
        app.router.add_get("/feed/{name}", self._answer)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        try:
            yield self
        finally:
            for desk in self.desks.values():
                if desk.hold is not None:
                    desk.hold.set()  # nothing waits for ever
            await self._runner.cleanup()
