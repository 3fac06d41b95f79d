"""Source edits that go to the aggregator: subscribe, unsubscribe, its feeds for OPML."""

from __future__ import annotations

from ticker.aggregator.backend import Backend, connect
from ticker.aggregator.settings import AggregatorSettings
from ticker.model import Source
from ticker.sanitize import clean_line, clean_url


async def _backend(settings: AggregatorSettings, timeout: float) -> Backend:
    import asyncio

    password = await asyncio.to_thread(settings.resolve_password)
    return connect(settings, password, timeout=timeout)


async def subscribe(settings: AggregatorSettings, url: str, *, timeout: float = 30.0) -> int:
    """Subscribe on the server (it fetches the address itself); the feed's id there."""
    backend = await _backend(settings, timeout)
    try:
        return await backend.subscribe(url)
    finally:
        await backend.aclose()


async def subscribe_many(
    settings: AggregatorSettings, urls: list[str], *, timeout: float = 30.0
) -> tuple[list[str], list[tuple[str, str]]]:
    """Subscribe each address (an OPML import); (subscribed, [(refused, why)])."""
    from ticker.errors import TickerError

    backend = await _backend(settings, timeout)
    done: list[str] = []
    refused: list[tuple[str, str]] = []
    try:
        for url in urls:
            try:
                await backend.subscribe(url)
                done.append(url)
            except TickerError as error:
                refused.append((url, str(error)))
    finally:
        await backend.aclose()
    return done, refused


async def unsubscribe(settings: AggregatorSettings, url: str, *, timeout: float = 30.0) -> None:
    """Unsubscribe the server's feed that `url` names in the store."""
    found = settings.feed_id(url)
    if found is None:
        raise ValueError(f"{url} is not one of the aggregator's feeds")
    backend = await _backend(settings, timeout)
    try:
        await backend.unsubscribe(found)
    finally:
        await backend.aclose()


async def server_sources(settings: AggregatorSettings, *, timeout: float = 30.0) -> list[Source]:
    """The server's feeds as sources at their own addresses, for an OPML export."""
    backend = await _backend(settings, timeout)
    try:
        feeds = await backend.feeds()
    finally:
        await backend.aclose()
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
    backend = await _backend(settings, timeout)
    try:
        return await backend.content(item_id)
    finally:
        await backend.aclose()
