"""One sync with an aggregator: marks made here go up, feeds and new headlines come down.

A sync is a few requests whatever the number of feeds: the marks waiting here (one request per
kind of change), the headlines above the last id seen (pages of 200), the newest page's marks
and one older page's in turn; the feed list every tenth sync, or when a headline names a feed
not seen yet. Marks still waiting to go up win over the server's state, so nothing marked here
comes back unread.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from ticker import badges as badge_rules
from ticker.aggregator.backend import Backend, RemoteFeed, RemoteItem, connect
from ticker.aggregator.settings import AggregatorSettings
from ticker.model import Headline, Source
from ticker.sanitize import clean_line, clean_url
from ticker.store import PollRecord, Store

PAGE = 200  # headlines a request brings (tt-rss's most)
FIRST_PAGES = 10  # a first sync brings the newest 2,000 headlines
CATCH_UP_PAGES = 25  # and a later one at most the newest 5,000 (after days away)
MARK_PAGES = 50  # the pages of older headlines whose marks are read back in turn
FEEDS_EVERY = 10  # syncs between two reads of the feed list (sooner when a new feed shows)
SUMMARY_MAX = 600  # characters of an item's text kept as its summary
NAME_MAX = 120

InStore = Callable[..., Awaitable[Any]]
Ingest = Callable[[list[PollRecord]], Awaitable[None]]


def for_settings(settings: AggregatorSettings | None) -> Aggregator | None:
    """The sync the config asks for, if any."""
    return Aggregator(settings) if settings is not None else None


class Aggregator:
    """The sync of one configured server, run by the poller in place of fetching its feeds."""

    def __init__(
        self,
        settings: AggregatorSettings,
        *,
        connector: Callable[[AggregatorSettings, str], Backend] = connect,
    ) -> None:
        self.settings = settings
        self._connector = connector
        self._backend: Backend | None = None
        # A push of marks and a sync may both connect first: one password asked, one client.
        self._connecting = asyncio.Lock()

    @property
    def source(self) -> Source:
        """The aggregator's own line among the sources: its schedule and health."""
        return Source(
            name=f"{self.settings.user} on {clean_line(self.settings.url, NAME_MAX)}",
            url=self.settings.source_url,
            kind="aggregator",
        )

    @property
    def requests(self) -> int:
        return self._backend.requests if self._backend is not None else 0

    async def aclose(self) -> None:
        if self._backend is not None:
            backend, self._backend = self._backend, None
            await backend.aclose()

    async def _connected(self) -> Backend:
        async with self._connecting:
            if self._backend is None:
                # A password manager may take its time: never on the event loop.
                password = await asyncio.to_thread(self.settings.resolve_password)
                self._backend = self._connector(self.settings, password)
            return self._backend

    async def sync(self, store: Store, in_store: InStore, ingest: Ingest, now: datetime) -> int:
        """Push waiting marks, store new headlines through `ingest`, take the server's marks;
        returns how many headlines came down. Raises TickerError when the server fails."""
        backend = await self._connected()
        await self._push(backend, store, in_store)
        # Kept per server and user: another server's ids say nothing about this one's.
        place = f"{self.settings.source_url} {self.settings.user}"
        turn = int(await in_store(store.remote_state, f"{place} turn") or 0)
        since = int(await in_store(store.remote_state, f"{place} since_id") or 0)
        sources = await in_store(self._known_feeds, store)
        if not since or not sources or turn % FEEDS_EVERY == 0:
            sources = await self._take_feeds(backend, store, in_store)
        newest, came = since, 0
        # The newest headlines only, on a first sync and after a long time away: on a big
        # server every page costs its whole query again (tt-rss pages by OFFSET), and old news
        # is old. A server that orders by more than arrival (filter scores) cannot make one
        # sync walk all of it either.
        async for page in backend.items_since(
            since, pages=CATCH_UP_PAGES if since else FIRST_PAGES
        ):
            if any(item.feed_id not in sources for item in page):  # subscribed elsewhere
                sources = await self._take_feeds(backend, store, in_store)
            records = _records(page, sources, now)
            came += sum(len(record.headlines or ()) for record in records)
            await ingest(records)
            newest = max(newest, *(item.id for item in page))
        if newest != since:
            await in_store(store.set_remote_state, f"{place} since_id", str(newest))
        await self._take_marks(backend, store, in_store, turn)
        await in_store(store.set_remote_state, f"{place} turn", str(turn + 1))
        return came

    async def _take_feeds(
        self, backend: Backend, store: Store, in_store: InStore
    ) -> dict[int, Source]:
        """The server's feeds, as sources in the store; those gone from it are forgotten."""
        sources = {feed.id: self._feed_source(feed) for feed in await backend.feeds()}
        await in_store(store.ensure_sources, list(sources.values()))
        await in_store(self._forget_unsubscribed, store, set(sources))
        return sources

    def _known_feeds(self, store: Store) -> dict[int, Source]:
        """The server's feeds as the last sync stored them."""
        known = {}
        for url, name in store.source_names().items():
            feed = self.settings.feed_id(url)
            if feed is not None:
                known[feed] = Source(name=name, url=url, kind="remote")
        return known

    async def push(self, store: Store, in_store: InStore) -> None:
        """Send the marks waiting here now, between syncs."""
        await self._push(await self._connected(), store, in_store)

    def _feed_source(self, feed: RemoteFeed) -> Source:
        return Source(
            name=clean_line(feed.title, NAME_MAX) or clean_url(feed.url) or f"feed {feed.id}",
            url=self.settings.feed_url(feed.id),
            kind="remote",
            category=clean_line(feed.category, NAME_MAX),
        )

    def _forget_unsubscribed(self, store: Store, kept: set[int]) -> None:
        """Feeds unsubscribed on the server (elsewhere): their headlines go, starred stay."""
        for url in store.source_names():
            feed = self.settings.feed_id(url)
            if feed is not None and feed not in kept:
                store.forget_source(url)

    async def _push(self, backend: Backend, store: Store, in_store: InStore) -> None:
        marks = await in_store(store.pending_marks)
        key = lambda mark: (mark[1], mark[2])  # noqa: E731 - (field, value)
        for (field, value), group in itertools.groupby(sorted(marks, key=key), key=key):
            batch = list(group)
            await backend.set_marks(field, value, [mark[0] for mark in batch])
            await in_store(store.marks_sent, batch)

    async def _take_marks(
        self, backend: Backend, store: Store, in_store: InStore, turn: int
    ) -> None:
        """The server's marks: on the newest page every sync, and on one older page of those
        this store holds in turn, so a change made elsewhere arrives within a few syncs at
        the cost of two requests, however many headlines there are."""
        held = await in_store(store.remote_count)
        pages = max(1, min(MARK_PAGES, -(-held // PAGE)))
        for skip in sorted({0, (turn % pages) * PAGE}):
            items = await backend.page(skip)
            await in_store(store.apply_remote_marks, [(i.id, i.read, i.starred) for i in items])


def _records(
    items: Sequence[RemoteItem], sources: dict[int, Source], now: datetime
) -> list[PollRecord]:
    """The page's items as headlines, a record per feed (items of unknown feeds wait)."""
    by_feed: dict[int, list[Headline]] = {}
    for item in items:
        source = sources.get(item.feed_id)
        if source is None:
            continue
        raw_title = clean_line(item.title)
        tags = tuple(clean_line(tag, NAME_MAX) for tag in item.tags)
        title, found = badge_rules.assign(raw_title, tags, published=item.published)
        by_feed.setdefault(item.feed_id, []).append(
            Headline(
                source=source.url,
                source_name=source.name,
                guid=f"remote:{item.id}",
                title=title or raw_title or "(untitled)",
                url=clean_url(item.link),
                published=min(item.published, now),
                badges=found,
                summary=clean_line(item.summary, SUMMARY_MAX),
                read=item.read,
                starred=item.starred,
                remote_id=item.id,
            )
        )
    attempted = now.timestamp()
    return [
        PollRecord(source=sources[feed], attempted=attempted, headlines=headlines)
        for feed, headlines in by_feed.items()
    ]
