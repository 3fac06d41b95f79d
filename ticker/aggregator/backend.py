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

    def items_since(self, since_id: int) -> AsyncIterator[list[RemoteItem]]:
        """Every item with an id above `since_id`, a page at a time."""
        ...

    async def recent(self, count: int) -> list[RemoteItem]:
        """The newest `count` items (their marks as the server has them now)."""
        ...

    async def unread_count(self) -> int: ...

    async def ids(self, which: Mark) -> set[int]:
        """Every id that is unread (`which` "read") or starred (`which` "starred")."""
        ...

    async def set_marks(self, which: Mark, value: bool, ids: Iterable[int]) -> None: ...

    async def subscribe(self, url: str) -> int: ...

    async def unsubscribe(self, feed_id: int) -> None: ...

    async def aclose(self) -> None: ...


def connect(settings: AggregatorSettings, password: str, *, timeout: float = 30.0) -> Backend:
    """A back end for the configured server (nothing is sent until it is used)."""
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

    async def items_since(self, since_id: int) -> AsyncIterator[list[RemoteItem]]:
        async for page in self._client.headline_pages(since_id=since_id, show_content=True):
            yield [_item(h) for h in page]

    async def recent(self, count: int) -> list[RemoteItem]:
        found: list[RemoteItem] = []
        while len(found) < count:
            page = await self._client.headlines(limit=count - len(found), skip=len(found))
            found.extend(_item(h) for h in page)
            if not page:
                break
        return found

    async def unread_count(self) -> int:
        content = await self._client.call("getUnread")
        unread = content.get("unread") if isinstance(content, dict) else None
        return int(unread) if isinstance(unread, (int, str)) and str(unread).isdigit() else -1

    async def ids(self, which: Mark) -> set[int]:
        found: set[int] = set()
        pages = self._client.headline_pages(view_mode="unread" if which == "read" else "marked")
        async for page in pages:
            found.update(h.id for h in page)
        return found

    async def set_marks(self, which: Mark, value: bool, ids: Iterable[int]) -> None:
        ids = list(ids)
        if which == "read":
            await (self._client.mark_read(ids) if value else self._client.mark_unread(ids))
        else:
            await (self._client.star(ids) if value else self._client.unstar(ids))

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
