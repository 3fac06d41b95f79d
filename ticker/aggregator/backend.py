"""The one interface ticker syncs through, whatever the server; tt-rss is its first kind.

Everything a back end returns is raw text from the server (hostile, like any feed): the sync
cleans it on the way into the store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol

from ticker.aggregator.settings import AggregatorSettings

Mark = Literal["read", "starred"]


@dataclass(frozen=True, slots=True)
class RemoteFeed:
    id: int
    title: str
    url: str
    category: str


@dataclass(frozen=True, slots=True)
class RemoteItem:
    id: int
    feed_id: int
    title: str
    link: str
    published: datetime
    read: bool
    starred: bool
    summary: str  # HTML or text, as the server holds it
    tags: tuple[str, ...] = ()


class Backend(Protocol):
    """A self-hosted aggregator as ticker uses it: a few requests a sync, never one per feed."""

    kind: str

    @property
    def requests(self) -> int:
        """HTTP requests made so far, for the benchmarks."""
        ...

    async def feeds(self) -> list[RemoteFeed]: ...

    def items_since(
        self, since_id: int, *, pages: int | None = None
    ) -> AsyncIterator[list[RemoteItem]]:
        """Items with an id above `since_id`, newest first, a page at a time (at most
        `pages` pages)."""
        ...

    async def page(self, skip: int) -> list[RemoteItem]:
        """A page of items, newest first, after the newest `skip` (their marks as now)."""
        ...

    async def set_marks(self, which: Mark, value: bool, ids: Iterable[int]) -> None: ...

    async def content(self, item_id: int) -> str | None:
        """The item's whole text as the server holds it (HTML), or None."""
        ...

    async def subscribe(self, url: str) -> int: ...

    async def unsubscribe(self, feed_id: int) -> None: ...

    async def aclose(self) -> None: ...


def connect(settings: AggregatorSettings, password: str, *, timeout: float = 30.0) -> Backend:
    """A back end for the configured server (nothing is sent until it is used)."""
    if settings.kind == "miniflux":
        from ticker.aggregator.miniflux import MinifluxBackend

        return MinifluxBackend(settings, password, timeout=timeout)
    return TtrssBackend(settings, password, timeout=timeout)


class TtrssBackend:
    """Tiny Tiny RSS through its JSON API (api level 15 and later)."""

    kind = "tt-rss"

    def __init__(self, settings: AggregatorSettings, password: str, *, timeout: float) -> None:
        from ticker.aggregator.ttrss import TtrssClient

        self._client = TtrssClient(settings.url, settings.user, password, timeout=timeout)
        self._categories: dict[int, str] | None = None

    @property
    def requests(self) -> int:
        return self._client.requests

    async def feeds(self) -> list[RemoteFeed]:
        categories = {c.id: c.title for c in await self._client.categories()}
        return [
            RemoteFeed(f.id, f.title, f.feed_url, categories.get(f.cat_id, "") if f.cat_id else "")
            for f in await self._client.feeds()
        ]

    async def items_since(
        self, since_id: int, *, pages: int | None = None
    ) -> AsyncIterator[list[RemoteItem]]:
        taken = 0
        async for page in self._client.headline_pages(since_id=since_id, show_content=True):
            yield [_item(h) for h in page]
            taken += 1
            if pages is not None and taken >= pages:
                return

    async def page(self, skip: int) -> list[RemoteItem]:
        return [_item(h) for h in await self._client.headlines(skip=skip)]

    async def set_marks(self, which: Mark, value: bool, ids: Iterable[int]) -> None:
        ids = list(ids)
        if which == "read":
            await (self._client.mark_read(ids) if value else self._client.mark_unread(ids))
        else:
            await (self._client.star(ids) if value else self._client.unstar(ids))

    async def content(self, item_id: int) -> str | None:
        found = await self._client.articles([item_id])
        return found[0].content if found else None

    async def subscribe(self, url: str) -> int:
        return (await self._client.subscribe(url)).feed_id

    async def unsubscribe(self, feed_id: int) -> None:
        await self._client.unsubscribe(feed_id)

    async def aclose(self) -> None:
        await self._client.aclose()


def _item(headline: object) -> RemoteItem:
    from ticker.aggregator.ttrss import Headline

    assert isinstance(headline, Headline)
    return RemoteItem(
        id=headline.id,
        feed_id=headline.feed_id,
        title=headline.title,
        link=headline.link,
        published=datetime.fromtimestamp(max(headline.updated, 0), UTC),
        read=not headline.unread,
        starred=headline.marked,
        summary=headline.excerpt or headline.content or "",
        tags=headline.tags,
    )
