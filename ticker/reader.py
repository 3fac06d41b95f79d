"""Open an article: the cache, else fetch -> decode -> extract -> cache, else the feed's text.

Used by `ticker read` and by the app's reader screen. Extraction runs in a worker thread (the
app) or a child process (`ticker read`: ticker/extract_child.py), so the event loop that fetches
(and draws the app) never waits for it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ticker.errors import FetchError, TickerError
from ticker.model import Article
from ticker.store import Store

if TYPE_CHECKING:
    from ticker.fetch import Fetcher

PAGE_MAX = 8 * 1024 * 1024
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")

# The article of a page's body: (body, Content-Type, final URL) -> Article; TickerError if none.
Extractor = Callable[[bytes, str | None, str], Awaitable[Article]]


@dataclass(frozen=True, slots=True)
class Opened:
    """An article and, when it is not the page's own text, one line saying why."""

    article: Article
    notice: str | None = None
    cached: bool = False


async def open_article(
    url: str,
    store_path: Path,
    *,
    fetcher: Fetcher,
    refresh: bool = False,
    extractor: Extractor | None = None,
) -> Opened:
    """The article at `url`; TickerError when neither the page nor a feed has its text.
    `extractor`: where the page's article is extracted (by default a worker thread)."""
    import asyncio  # here, as ticker.fetch below: `ticker read` forks its child before either

    if not url.lower().startswith(("http://", "https://")):
        raise FetchError("only http and https addresses can be read")
    cached = await asyncio.to_thread(_cached, store_path, url)
    if cached is not None and not refresh:
        return Opened(cached, cached=True)
    try:
        article, etag, last_modified = await _from_page(url, fetcher, extractor or _in_thread)
    except TickerError as error:
        if cached is not None:
            return Opened(cached, notice=f"showing the saved copy: {error}", cached=True)
        feed = await asyncio.to_thread(_from_feed, store_path, url)
        if feed is None:
            raise
        return Opened(feed, notice=f"{error}; showing the feed's text")
    await asyncio.to_thread(_save, store_path, article, etag, last_modified)
    return Opened(article)


def saved_copy(store_path: Path, url: str) -> Opened | None:
    """The article as the store has it, if it does; no event loop, no network."""
    cached = _cached(store_path, url)
    return None if cached is None else Opened(cached, cached=True)


async def _from_page(
    url: str, fetcher: Fetcher, extractor: Extractor
) -> tuple[Article, str | None, str | None]:
    from ticker.fetch import PAGE_ACCEPT

    response = await fetcher.get(url, accept=PAGE_ACCEPT, max_bytes=PAGE_MAX)
    kind = (response.content_type or "").split(";", 1)[0].strip().lower()
    if kind and not kind.startswith(_HTML_TYPES):
        raise TickerError(f"not an HTML page ({_describe_type(kind)})")
    if not kind and not _looks_like_html(response.body):
        raise TickerError("not an HTML page")
    article = await extractor(response.body, response.content_type, response.url)
    if response.url != url:
        article = replace(article, url=url)
    return article, response.etag, response.last_modified


async def _in_thread(body: bytes, content_type: str | None, url: str) -> Article:
    import asyncio

    return await asyncio.to_thread(extract_page, body, content_type, url)


def extract_page(body: bytes, content_type: str | None, url: str) -> Article:
    """The article of a page's body, decoded as its Content-Type and markup say."""
    from ticker import extract

    return extract.extract(extract.decode(body, content_type), url)


def _looks_like_html(body: bytes) -> bool:
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--"))


def _describe_type(kind: str) -> str:
    from ticker.sanitize import clean_line

    names = {"application/pdf": "a PDF", "application/json": "JSON"}
    if kind.startswith("image/"):
        return f"an image, {clean_line(kind, 40)}"
    return names.get(kind, clean_line(kind, 60))


def _cached(store_path: Path, url: str) -> Article | None:
    with Store(store_path) as store:
        found = store.article(url)
    return found.article if found else None


def _save(store_path: Path, article: Article, etag: str | None, last_modified: str | None) -> None:
    with Store(store_path) as store:
        store.save_article(article, etag=etag, last_modified=last_modified)


def _from_feed(store_path: Path, url: str) -> Article | None:
    with Store(store_path) as store:
        headline = store.headline_for_url(url)
    if headline is None:
        return None
    return Article(
        url=url,
        title=headline.title,
        body=headline.summary,
        published=headline.published,
        origin="feed",
    )
