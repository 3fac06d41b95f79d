"""Source edits that go to the aggregator: subscribe, unsubscribe, its feeds for OPML."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ticker.aggregator.backend import Backend, connect
from ticker.aggregator.settings import AggregatorSettings
from ticker.model import Source
from ticker.sanitize import clean_line, clean_url


@asynccontextmanager
async def _backend(settings: AggregatorSettings, timeout: float) -> AsyncIterator[Backend]:
    """A back end for one edit, closed after it (its password asked off the event loop)."""
    import asyncio

    password = await asyncio.to_thread(settings.resolve_password)
    backend = connect(settings, password, timeout=timeout)
    try:
        yield backend
    finally:
        await backend.aclose()


async def subscribe(settings: AggregatorSettings, url: str, *, timeout: float = 30.0) -> int:
    """Subscribe on the server (it fetches the address itself); the feed's id there."""
    async with _backend(settings, timeout) as backend:
        return await backend.subscribe(url)


async def subscribe_many(
    settings: AggregatorSettings, urls: list[str], *, timeout: float = 30.0
) -> tuple[list[str], list[tuple[str, str]]]:
    """Subscribe each address (an OPML import); (subscribed, [(refused, why)])."""
    from ticker.errors import TickerError

    done: list[str] = []
    refused: list[tuple[str, str]] = []
    async with _backend(settings, timeout) as backend:
        for url in urls:
            try:
                await backend.subscribe(url)
                done.append(url)
            except TickerError as error:
                refused.append((url, str(error)))
    return done, refused


async def unsubscribe(settings: AggregatorSettings, url: str, *, timeout: float = 30.0) -> None:
    """Unsubscribe the server's feed that `url` names in the store."""
    found = settings.feed_id(url)
    if found is None:
        raise ValueError(f"{url} is not one of the aggregator's feeds")
    async with _backend(settings, timeout) as backend:
        await backend.unsubscribe(found)


async def server_sources(settings: AggregatorSettings, *, timeout: float = 30.0) -> list[Source]:
    """The server's feeds as sources at their own addresses, for an OPML export."""
    async with _backend(settings, timeout) as backend:
        feeds = await backend.feeds()
    return [
        Source(
            name=clean_line(feed.title, 200) or clean_url(feed.url),
            url=clean_url(feed.url),
            category=clean_line(feed.category, 200),
        )
        for feed in feeds
        if clean_url(feed.url)
    ]


async def server_copy(
    settings: AggregatorSettings, item_id: int, *, timeout: float = 30.0
) -> str | None:
    """The server's text of one of its items (HTML, raw), or None when it has none."""
    async with _backend(settings, timeout) as backend:
        return await backend.content(item_id)
