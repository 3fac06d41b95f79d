"""The demo newsroom's HTTP server: live feeds, article pages and static load-test feeds.

Built on aiohttp's low-level server (no router, no middleware, no access log) so that it is never
the bottleneck of a benchmark: every body and its ETag is rendered once and kept until the
content changes, gzip bodies are compressed once per version, and conditional requests are
answered from the cache.

For benchmarks of the clients, two control paths under `/_demo/`: `GET /_demo/requests` counts
the requests for each path served (with the times of the latest ones), and `POST
/_demo/publish?feed=I[&title=T]` puts a new item at the top of load feed I now.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import gzip
import hashlib
import json
import signal
import socket
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from email.utils import formatdate, parsedate_to_datetime
from random import Random
from types import TracebackType
from typing import TypeVar

from aiohttp import web

from ticker.demo import render, words
from ticker.demo.newsroom import (
    DASH,
    LoadItem,
    LoadPool,
    Newsroom,
    Slots,
    Story,
    default_now,
    make_body,
    strip_tags,
)
from ticker.model import Source

T = TypeVar("T")

_METHODS = frozenset({"GET", "HEAD"})
_GZIP_MIN = 256  # bodies smaller than this are always sent as they are
_GZIP_LEVEL = 1  # twice as fast as 6 and only 15% larger on feeds (measured)
_PAGE_CACHE = 512  # article pages kept rendered
_SHUTDOWN_TIMEOUT = 1.0
_TIMES_KEPT = 256  # times of the latest requests kept for each path
_TITLE_MAX = 300  # characters of a title given to /_demo/publish
_CONTROL = "/_demo/"
_JSON_TYPE = "application/json"
# `ticker --demo`: a story every 3 seconds (a revision every third), each polled within as
# long, so new rows, "N new" and an Updated badge all show in the first 20 seconds.
APP_TICK = 3.0


class _Resource:
    """A rendered body with its validators and ready-made response headers."""

    __slots__ = (
        "_gzip",
        "body",
        "etag",
        "etag_gzip",
        "headers",
        "headers_304",
        "last_modified",
        "version",
    )

    def __init__(
        self,
        body: bytes,
        content_type: str,
        last_modified: int,
        cache_control: str,
        version: object,
    ) -> None:
        digest = hashlib.blake2b(body, digest_size=12).hexdigest()
        self.body = body
        self.version = version
        self.last_modified = last_modified
        self.etag = f'"{digest}"'
        self.etag_gzip = f'"{digest}-gz"'
        common = {
            "Last-Modified": formatdate(last_modified, usegmt=True),
            "Cache-Control": cache_control,
            "Vary": "Accept-Encoding",
        }
        self.headers_304 = {"ETag": self.etag, **common}
        self.headers = {"Content-Type": content_type, **self.headers_304}
        self._gzip: tuple[bytes, dict[str, str], dict[str, str]] | None = None

    def gzipped(self) -> tuple[bytes, dict[str, str], dict[str, str]]:
        """The gzip body and its 200 and 304 headers, compressed on first use."""
        if self._gzip is None:
            body = gzip.compress(self.body, compresslevel=_GZIP_LEVEL, mtime=0)
            h304 = {**self.headers_304, "ETag": self.etag_gzip}
            h200 = {**self.headers, "ETag": self.etag_gzip, "Content-Encoding": "gzip"}
            self._gzip = (body, h200, h304)
        return self._gzip

    def matches(self, if_none_match: str) -> bool:
        """Whether an If-None-Match header names this resource (weak comparison)."""
        if if_none_match.strip() == "*":
            return True
        for tag in if_none_match.split(","):
            tag = tag.strip()
            if tag.startswith("W/"):
                tag = tag[2:]
            if tag in (self.etag, self.etag_gzip):
                return True
        return False


class _Hits:
    """The requests for one path: how many, and when the latest ones arrived."""

    __slots__ = ("count", "latest")

    def __init__(self) -> None:
        self.count = 0
        self.latest: deque[float] = deque(maxlen=_TIMES_KEPT)


def _wants_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header accepts gzip."""
    if "gzip" not in accept_encoding:
        return False
    for part in accept_encoding.split(","):
        name, _, params = part.partition(";")
        if name.strip().lower() == "gzip":
            params = params.strip().lower()
            if params.startswith("q="):
                try:
                    return float(params[2:]) > 0
                except ValueError:
                    return False
            return True
    return False


def _modified_since(header: str, last_modified: int) -> bool:
    """Whether a resource last modified at `last_modified` is newer than an If-Modified-Since."""
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return True
    if since.tzinfo is None:
        return True
    return last_modified > since.timestamp()


def _bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (port 0 picks a free one)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        if sys.platform != "win32":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def _url_host(host: str, family: int) -> str:
    """The host part of the server's URL: wildcard addresses become loopback ones."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    if family == socket.AF_INET6 or ":" in host:
        return f"[{host}]"
    return host


class DemoServer:
    """A live, generated news site on 127.0.0.1 for `ticker --demo`, tests and benchmarks."""

    def __init__(
        self,
        seed: int = 1,
        feeds: int = 0,
        items: int = 50,
        latency_ms: float = 0.0,
        tick_seconds: float = 4.0,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        if feeds < 0 or items < 0:
            raise ValueError("feeds and items must not be negative")
        self.seed = seed
        self.feeds = feeds
        self.items = items
        self.latency_ms = latency_ms
        self.tick_seconds = tick_seconds
        self.host = host
        self.port = port
        self._now = now or default_now
        self.newsroom = Newsroom(seed, self._now, beat=tick_seconds)
        self._url: str | None = None
        self._runner: web.ServerRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._cache: dict[str, _Resource] = {}
        self._pages: OrderedDict[str, _Resource] = OrderedDict()
        self._load: list[_Resource | None] = [None] * feeds
        self._pool: LoadPool | None = None
        self._load_times: list[list[datetime]] = []  # by item number, published ones last
        self._load_titles: dict[tuple[int, int], str] = {}  # titles given to published items
        self._requests: dict[str, _Hits] = {}
        self._not_found = render.not_found_page()
        self._live_cc = f"max-age={max(0, round(tick_seconds))}"
        self._desk_feeds = {f.path: f for f in render.DESK_FEEDS}

    # -- public --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL, without trailing slash: 'http://127.0.0.1:PORT'."""
        if self._url is None:
            raise RuntimeError("the demo server is not running")
        return self._url

    def live_feeds(self) -> list[tuple[str, str]]:
        """(name, absolute URL) of the live feeds."""
        return [(f.name, f"{self.url}{f.path}") for f in render.DESK_FEEDS]

    def live_sources(self) -> list[Source]:
        """The live feeds as sources polled at the newsroom's pace: every tick, not every 300 s."""
        interval = self.tick_seconds if self.tick_seconds > 0 else None
        return [Source(name, url, interval=interval) for name, url in self.live_feeds()]

    def load_feeds(self) -> list[tuple[str, str]]:
        """(name, absolute URL) of the static load-test feeds; empty when feeds=0."""
        base = self.url
        return [(f"Load {i}", f"{base}/load/{i}.rss") for i in range(self.feeds)]

    def advance(self, n: int = 1) -> list[Story]:
        """Publish `n` new stories now; safe to call from any thread."""
        return self._in_loop(lambda: self.newsroom.publish(n))

    def update_story(self) -> Story:
        """Give an earlier story a new title (same guid) now; safe to call from any thread."""
        return self._in_loop(lambda: self.newsroom.revise(title=True))

    def publish_load(self, feed: int, title: str | None = None) -> tuple[int, str]:
        """Put a new item at the top of load feed `feed` now (under `title` if given); its
        number (the `j` of its guid and page) and title. Safe to call from any thread."""
        return self._in_loop(lambda: self._publish_load(feed, title))

    def requests(self) -> dict[str, tuple[int, list[float]]]:
        """For each path answered so far: how many requests, and the times (`time.time()`) of
        the latest ones, oldest first. Safe to call from any thread."""
        return self._in_loop(
            lambda: {path: (hits.count, list(hits.latest)) for path, hits in self._requests.items()}
        )

    async def start(self) -> None:
        """Bind and start serving on the running loop."""
        if self._runner is not None:
            raise RuntimeError("the demo server is already running")
        if self.feeds and self._pool is None:
            self._prepare_load()
        sock = _bind(self.host, self.port)
        runner = web.ServerRunner(
            web.Server(self._handle, access_log=None), shutdown_timeout=_SHUTDOWN_TIMEOUT
        )
        try:
            await runner.setup()
            await web.SockSite(runner, sock, backlog=1024).start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._runner = runner
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        port = sock.getsockname()[1]
        self._url = f"http://{_url_host(self.host, sock.family)}:{port}"

    async def stop(self) -> None:
        """Stop serving; open keep-alive connections are closed."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
        self._loop = None
        self._loop_thread = None
        self._url = None
        self._cache.clear()  # bodies hold the URL, which may differ on a restart
        self._pages.clear()
        self._load = [None] * self.feeds

    async def __aenter__(self) -> DemoServer:
        """Start serving; see start()."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop serving; see stop()."""
        await self.stop()

    @contextlib.contextmanager
    def running_in_thread(self) -> Iterator[str]:
        """Serve from a background thread with its own loop; yields the URL once it accepts."""
        ready = threading.Event()
        failure: list[BaseException] = []
        holder: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

        async def main() -> None:
            try:
                await self.start()
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                return
            stop = asyncio.Event()
            holder.append((asyncio.get_running_loop(), stop))
            ready.set()
            try:
                await stop.wait()
            finally:
                await self.stop()

        thread = threading.Thread(
            target=asyncio.run, args=(main(),), name="ticker-demo-server", daemon=True
        )
        thread.start()
        ready.wait()
        if failure:
            thread.join()
            raise failure[0]
        loop, stop = holder[0]
        try:
            yield self.url
        finally:
            loop.call_soon_threadsafe(stop.set)
            thread.join()

    # -- internals -----------------------------------------------------------------------------

    def _in_loop(self, call: Callable[[], T]) -> T:
        """Run `call` on the server's loop (waiting for it) when called from another thread."""
        loop = self._loop
        if loop is None or self._loop_thread == threading.get_ident() or not loop.is_running():
            return call()
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                done.set_result(call())
            except BaseException as exc:
                done.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return done.result()

    def _prepare_load(self) -> None:
        """The text pool and publication times of the load-test feeds (bodies come lazily)."""
        self._pool = LoadPool(self.seed)
        start = self.newsroom.started
        rng = Random(f"{self.seed}/load-times")
        for _ in range(self.feeds):
            gap = rng.randint(5, 240)
            first = start - timedelta(minutes=rng.randint(1, 180))
            self._load_times.append([first - timedelta(minutes=gap * j) for j in range(self.items)])

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        """Answer one request from the cache."""
        arrived = time.time()
        if request.path.startswith(_CONTROL):
            return self._control(request)
        if self.latency_ms > 0:
            await asyncio.sleep(self.latency_ms / 1000)
        if request.method not in _METHODS:
            return web.Response(status=405, headers={"Allow": "GET, HEAD"})
        res = self._lookup(request.path)
        if res is None:
            return self._missing()
        self._count(request.path, arrived)
        headers = request.headers
        if len(res.body) >= _GZIP_MIN and _wants_gzip(headers.get("Accept-Encoding", "")):
            body, h200, h304 = res.gzipped()
        else:
            body, h200, h304 = res.body, res.headers, res.headers_304
        inm = headers.get("If-None-Match")
        if inm is not None:
            fresh = res.matches(inm)
        else:
            ims = headers.get("If-Modified-Since")
            fresh = ims is not None and not _modified_since(ims, res.last_modified)
        if fresh:
            return web.Response(status=304, headers=h304)
        return web.Response(body=body, headers=h200)

    def _missing(self) -> web.Response:
        return web.Response(
            status=404,
            body=self._not_found,
            headers={"Content-Type": render.HTML_TYPE, "Cache-Control": "no-cache"},
        )

    def _count(self, path: str, arrived: float) -> None:
        """Count a request for `path` (one that exists: unknown paths would grow the log)."""
        hits = self._requests.get(path)
        if hits is None:
            hits = self._requests[path] = _Hits()
        hits.count += 1
        hits.latest.append(arrived)

    def _control(self, request: web.BaseRequest) -> web.Response:
        """The benchmark's paths: the request counts, and publishing to a load feed."""
        action = request.path[len(_CONTROL) :]
        if action == "requests":
            if request.method not in _METHODS:
                return web.Response(status=405, headers={"Allow": "GET, HEAD"})
            paths = {
                path: {"count": hits.count, "latest": list(hits.latest)}
                for path, hits in self._requests.items()
            }
            return _json({"now": time.time(), "paths": paths})
        if action == "publish":
            if request.method != "POST":
                return web.Response(status=405, headers={"Allow": "POST"})
            query = request.query
            feed = _index(query.get("feed", ""), self.feeds)
            title = query.get("title")
            if feed is None:
                return _json({"error": f"feed must be a load feed number below {self.feeds}"}, 400)
            if title is not None and not _fit_title(title):
                return _json({"error": "title must be 1-300 printable characters"}, 400)
            number, title = self._publish_load(feed, title)
            guid = f"load-{self.seed}-{feed}-{number}"
            return _json({"feed": feed, "item": number, "guid": guid, "title": title})
        return self._missing()

    def _publish_load(self, feed: int, title: str | None) -> tuple[int, str]:
        """See publish_load()."""
        if not 0 <= feed < self.feeds:
            raise ValueError(f"no load feed {feed}: there are {self.feeds}")
        if title is not None and not _fit_title(title):
            raise ValueError("a title must be 1-300 printable characters")
        if self._pool is None:
            self._prepare_load()
        times = self._load_times[feed]
        number = len(times)
        times.append(self._now().replace(microsecond=0))
        if title is not None:
            self._load_titles[feed, number] = title
        old = self._load[feed]
        # A client's If-Modified-Since from the old version must not match the new one.
        self._load[feed] = self._load_feed(feed, 0 if old is None else old.last_modified + 1)
        return number, self._load_item(feed, number).title

    def _lookup(self, path: str) -> _Resource | None:
        """The resource at `path`, rendered now if it is missing or out of date."""
        if path.startswith("/load/"):
            return self._load_resource(path[6:])
        # The live news moves with the clock, a beat every tick_seconds, published when asked
        # for: a test's clock drives it, and an idle server does no work.
        self.newsroom.catch_up()
        if path.startswith("/articles/") and path.endswith(".html"):
            return self._article(path[10:-5])
        feed = self._desk_feeds.get(path)
        if feed is not None:
            return self._desk_feed(feed)
        if path in ("/", "/index.html"):
            return self._home()
        if path == "/latest.html":  # headlines on a page without a feed (ticker.listing)
            from ticker.demo.listing import latest_page

            latest = self._refresh(
                self._cache.get(path),
                self.newsroom.version,
                lambda: latest_page(self.newsroom),
                render.HTML_TYPE,
                self.newsroom.last_change,
                self._live_cc,
            )
            self._cache[path] = latest
            return latest
        res = self._cache.get(path)
        if res is None:
            res = self._static(path)
            if res is not None:
                self._cache[path] = res
        return res

    def _refresh(
        self,
        old: _Resource | None,
        version: object,
        render_body: Callable[[], bytes],
        content_type: str,
        changed: datetime,
        cache_control: str,
    ) -> _Resource:
        """`old` if still current or unchanged, else a new resource with a later Last-Modified."""
        if old is not None and old.version == version:
            return old
        body = render_body()
        if old is not None and old.body == body:
            old.version = version
            return old
        last_modified = int(changed.timestamp())
        if old is not None:
            last_modified = max(last_modified, old.last_modified + 1)
        return _Resource(body, content_type, last_modified, cache_control, version)

    def _desk_feed(self, feed: render.DeskFeed) -> _Resource:
        """A live feed, re-rendered when its desk has changed."""
        room = self.newsroom
        old = self._cache.get(feed.path)
        res = self._refresh(
            old,
            room.desk_versions[feed.desk],
            lambda: render.RENDERERS[feed.kind](feed, room.feed(feed.desk), self.url, room.started),
            feed.content_type,
            room.last_change,
            self._live_cc,
        )
        self._cache[feed.path] = res
        return res

    def _home(self) -> _Resource:
        """The home page, re-rendered when anything has changed."""
        room = self.newsroom
        res = self._refresh(
            self._cache.get("/"),
            room.version,
            lambda: render.home_page(self.url, room.newest(25), self.feeds),
            render.HTML_TYPE,
            room.last_change,
            self._live_cc,
        )
        self._cache["/"] = res
        return res

    def _cached_page(
        self, key: str, version: object, build: Callable[[], bytes], changed: datetime
    ) -> _Resource:
        """An article page from the bounded page cache."""
        pages = self._pages
        res = self._refresh(
            pages.get(key), version, build, render.HTML_TYPE, changed, self._live_cc
        )
        pages[key] = res
        pages.move_to_end(key)
        if len(pages) > _PAGE_CACHE:
            pages.popitem(last=False)
        return res

    def _article(self, slug: str) -> _Resource | None:
        """The article page of a live story."""
        room = self.newsroom
        story = room.story(slug)
        if story is None:
            return None

        def build() -> bytes:
            related = tuple(
                render.Related(
                    s.title,
                    f"/articles/{s.slug}.html",
                    s.published,
                    s.labels[0] if s.labels else None,
                )
                for s in room.newest(15, exclude=story)
            )
            page = render.Page(
                title=story.title,
                url=render.story_url(self.url, story),
                section=story.desk.capitalize(),
                summary=story.summary,
                tags=story.tags,
                published=story.published,
                updated=story.updated,
                author=story.author,
                city=story.slots["city"],
                labels=story.labels,
                body=room.body(story),
                related=related,
            )
            return render.article_page(page)

        return self._cached_page(slug, room.version, build, room.last_change)

    def _load_resource(self, rest: str) -> _Resource | None:
        """A load-test feed ('<i>.rss') or one of its article pages ('<i>/<j>.html')."""
        if rest.endswith(".rss"):
            index = _index(rest[:-4], self.feeds)
            if index is None:
                return None
            res = self._load[index]
            if res is None:
                res = self._load[index] = self._load_feed(index)
            return res
        feed, _, item = rest.partition("/")
        if not item.endswith(".html"):
            return None
        i = _index(feed, self.feeds)
        if i is None:
            return None
        j = _index(item[:-5], len(self._load_times[i]))
        if j is None:
            return None
        when = self._load_times[i][j]
        version = len(self._load_times[i])  # its related headlines change with a publication
        return self._cached_page(f"load/{i}/{j}", version, lambda: self._load_page(i, j), when)

    def _load_numbers(self, index: int) -> list[int]:
        """The numbers of the items load feed `index` lists: the `items` newest, newest first."""
        total = len(self._load_times[index])
        published = range(total - 1, self.items - 1, -1)
        return [*published, *range(self.items)][: self.items]

    def _load_item(self, index: int, number: int) -> LoadItem:
        """Item `number` of load feed `index`."""
        assert self._pool is not None
        item = self._pool.pick(index, number)
        title = self._load_titles.get((index, number))
        return item if title is None else item.titled(title)

    def _load_feed(self, index: int, modified_after: int = 0) -> _Resource:
        """Render load feed `index` (once, and again after each publication)."""
        numbers = self._load_numbers(index)
        items = [self._load_item(index, j) for j in numbers]
        times = [self._load_times[index][j] for j in numbers]
        body = render.load_feed(index, items, times, self.url, self.seed, numbers)
        changed = times[0] if times else self.newsroom.started
        modified = max(int(changed.timestamp()), modified_after)
        return _Resource(body, render.RSS_TYPE, modified, "no-cache", 0)

    def _load_page(self, i: int, j: int) -> bytes:
        """The article page of item j of load feed i."""
        numbers = self._load_numbers(i)
        times = self._load_times[i]
        item = self._load_item(i, j)
        rng = Random(f"{self.seed}/load/{i}/{j}")
        lead = strip_tags(item.description).partition(DASH)[2]
        body = make_body(rng, Slots(rng, item.slots), lead, item.desk, (item.category,))
        related = tuple(
            render.Related(self._load_item(i, k).title, f"/load/{i}/{k}.html", times[k], None)
            for k in numbers
            if k != j
        )[:15]
        page = render.Page(
            title=item.title,
            url=f"{self.url}/load/{i}/{j}.html",
            section="World",
            summary=lead,
            tags=(item.category,),
            published=times[j],
            updated=times[j],
            author=item.author,
            city=item.slots["city"],
            labels=(),
            body=body,
            related=related,
        )
        return render.article_page(page)

    def _static(self, path: str) -> _Resource | None:
        """The resources that never change: OPML lists and the placeholder photo."""
        started = int(self.newsroom.started.timestamp())
        if path == "/demo.opml":
            feeds = [(f.name, f"{self.url}{f.path}", f.kind) for f in render.DESK_FEEDS]
            body = render.opml(f"{words.SITE_NAME} demo feeds", feeds, f"{self.url}/")
            return _Resource(body, render.OPML_TYPE, started, "no-cache", 0)
        if path == "/load.opml" and self.feeds:
            feeds = [(name, url, "rss") for name, url in self.load_feeds()]
            body = render.opml(f"{words.SITE_NAME} load-test feeds", feeds, f"{self.url}/")
            return _Resource(body, render.OPML_TYPE, started, "no-cache", 0)
        if path == "/static/photo.svg":
            return _Resource(render.PHOTO_SVG, render.SVG_TYPE, started, "max-age=86400", 0)
        return None


def _json(value: object, status: int = 200) -> web.Response:
    body = json.dumps(value).encode()
    headers = {"Content-Type": _JSON_TYPE, "Cache-Control": "no-store"}
    return web.Response(status=status, body=body, headers=headers)


def _fit_title(title: str) -> bool:
    """Whether a title given to /_demo/publish can go into a feed (XML takes no controls)."""
    return len(title.strip()) > 0 and len(title) <= _TITLE_MAX and title.isprintable()


def _index(text: str, limit: int) -> int | None:
    """`text` as an index below `limit`, in canonical form ('7', not '07'), else None."""
    if not text.isdigit() or (len(text) > 1 and text[0] == "0"):
        return None
    value = int(text)
    return value if value < limit else None


def serve_forever(
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    seed: int = 1,
    feeds: int = 0,
    items: int = 50,
    latency_ms: float = 0.0,
    tick_seconds: float = 4.0,
) -> None:
    """Serve the demo newsroom until SIGINT or SIGTERM; print its URLs on one line first."""
    server = DemoServer(
        seed=seed,
        feeds=feeds,
        items=items,
        latency_ms=latency_ms,
        tick_seconds=tick_seconds,
        host=host,
        port=port,
    )

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
        async with server:
            feeds_text = " ".join(url for _, url in server.live_feeds())
            line = f"{words.SITE_NAME} demo newsroom at {server.url}/ feeds: {feeds_text}"
            line += f" opml: {server.url}/demo.opml"
            if server.feeds:
                line += f" load feeds ({server.feeds}): {server.url}/load.opml"
            print(line, flush=True)
            await stop.wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
