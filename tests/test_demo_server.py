"""The demo newsroom, exercised through its real HTTP server on 127.0.0.1 (no mocks)."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from urllib.parse import urljoin

import fastfeedparser
import httpx
import pytest

from ticker.demo import DemoServer
from ticker.demo.newsroom import BADGE_PREFIXES, BADGE_SPELLINGS, CATCH_UP_MAX, Story

NOW = datetime(2024, 10, 26, 12, 50, 7, tzinfo=UTC)
START = NOW.replace(microsecond=0)  # the newsroom's start, its beats counted from it
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
FEED_TYPES = {
    "world.rss": "application/rss+xml",
    "europe.atom": "application/atom+xml",
    "business.json": "application/feed+json",
    "science.rdf": "application/rdf+xml",
}


def fixed_clock() -> datetime:
    """The frozen time of these tests."""
    return NOW


def make_server(**kwargs: object) -> DemoServer:
    """A server with a fixed clock and no automatic ticking, unless told otherwise."""
    options: dict[object, object] = {"seed": 7, "tick_seconds": 0, "now": fixed_clock}
    options.update(kwargs)
    return DemoServer(**options)  # type: ignore[arg-type]


@pytest.fixture
async def server() -> AsyncIterator[DemoServer]:
    """A running demo server on the test's loop."""
    async with make_server() as srv:
        yield srv


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client."""
    async with httpx.AsyncClient(timeout=10) as c:
        yield c


def entry_links(body: bytes, url: str) -> list[str]:
    """The absolute article links of a feed, resolving Atom's xml:base and relative links."""
    parsed = fastfeedparser.parse(body)
    root = ET.fromstring(body) if body.lstrip().startswith(b"<") else None
    base = root.get(XML_BASE, url) if root is not None else url
    return [urljoin(base, e["link"]) for e in parsed.entries]


def feed_url(srv: DemoServer, desk: str) -> str:
    """The URL of the live feed of `desk`."""
    return next(u for _, u in srv.live_feeds() if f"/feeds/{desk}." in u)


def entry_id(entry: dict[str, object], story: Story, srv: DemoServer) -> bool:
    """Whether a parsed entry is `story` (RSS 1.0 items are identified by their link)."""
    return entry.get("id") in (story.guid, f"{srv.url}/articles/{story.slug}.html")


# -- feeds ------------------------------------------------------------------------------------


async def test_live_feeds_parse_as_their_formats(
    server: DemoServer, client: httpx.AsyncClient
) -> None:
    feeds = server.live_feeds()
    assert [u.rsplit("/", 1)[1] for _, u in feeds] == list(FEED_TYPES)
    total = 0
    for name, url in feeds:
        assert name
        r = await client.get(url)
        assert r.status_code == 200
        kind = FEED_TYPES[url.rsplit("/", 1)[1]]
        assert r.headers["content-type"] == f"{kind}; charset=utf-8"
        assert r.headers["cache-control"] == "max-age=0"
        desk = url.rsplit("/", 1)[1].split(".")[0]
        expected = server.newsroom.feed(desk)
        parsed = fastfeedparser.parse(r.content)
        assert len(parsed.entries) == len(expected) > 0
        total += len(expected)
        assert [e["title"] for e in parsed.entries] == [s.title for s in expected]
        links = entry_links(r.content, url)
        for link, story in zip(links, expected, strict=True):
            assert link == f"{server.url}/articles/{story.slug}.html"
        page = await client.get(links[-1])
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert total == 40  # the backlog


async def test_feed_formats_carry_their_specific_fields(
    server: DemoServer, client: httpx.AsyncClient
) -> None:
    rss = (await client.get(feed_url(server, "world"))).text
    assert '<guid isPermaLink="false">' in rss
    assert re.search(r"<pubDate>\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT</pubDate>", rss)
    assert "<category>World</category>" in rss

    atom = (await client.get(feed_url(server, "europe"))).content
    root = ET.fromstring(atom)
    assert root.get(XML_BASE) == f"{server.url}/feeds/"
    ns = "{http://www.w3.org/2005/Atom}"
    entry = root.find(f"{ns}entry")
    assert entry is not None
    assert entry.findtext(f"{ns}published") and entry.findtext(f"{ns}updated")
    hrefs = [link.get("href", "") for link in root.iter(f"{ns}link")]
    assert any(h.startswith("../articles/") for h in hrefs)  # relative, to resolve

    doc = json.loads((await client.get(feed_url(server, "business"))).content)
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert all(item["id"] and item["date_published"] for item in doc["items"])

    rdf = (await client.get(feed_url(server, "science"))).text
    assert "<rdf:RDF" in rdf and "<dc:date>" in rdf


async def test_home_page_links_every_feed(server: DemoServer, client: httpx.AsyncClient) -> None:
    r = await client.get(server.url + "/")
    assert r.status_code == 200
    head = r.text.split("</head>")[0]
    alternates = re.findall(r'<link rel="alternate" type="([^"]+)"[^>]* href="([^"]+)"', head)
    assert {urljoin(server.url, href) for _, href in alternates} == {
        u for _, u in server.live_feeds()
    }
    assert {t for t, _ in alternates} == {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
    }
    for _, url in server.live_feeds():
        assert url.removeprefix(server.url) in r.text.split("</head>")[1]


# -- conditional requests and encodings ------------------------------------------------------


async def test_etag_and_last_modified_give_304(
    server: DemoServer, client: httpx.AsyncClient
) -> None:
    for _, url in server.live_feeds():
        first = await client.get(url)
        etag = first.headers["etag"]
        assert etag.startswith('"') and not etag.startswith("W/")
        again = await client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag
        since = await client.get(url, headers={"If-Modified-Since": first.headers["last-modified"]})
        assert since.status_code == 304
        stale = await client.get(url, headers={"If-None-Match": '"nope"'})
        assert stale.status_code == 200
        assert stale.content == first.content


async def test_change_gives_new_etag_and_later_last_modified(
    server: DemoServer, client: httpx.AsyncClient
) -> None:
    (story,) = server.advance()
    url = feed_url(server, story.desk)
    first = await client.get(url)
    while server.advance()[0].desk != story.desk:
        pass
    second = await client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert second.status_code == 200
    assert second.headers["etag"] != first.headers["etag"]
    old = datetime.strptime(first.headers["last-modified"], "%a, %d %b %Y %H:%M:%S GMT")
    new = datetime.strptime(second.headers["last-modified"], "%a, %d %b %Y %H:%M:%S GMT")
    assert new > old
    ims = await client.get(url, headers={"If-Modified-Since": first.headers["last-modified"]})
    assert ims.status_code == 200


async def test_gzip_is_served_when_asked(server: DemoServer, client: httpx.AsyncClient) -> None:
    url = feed_url(server, "world")
    plain = await client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"
    async with httpx.AsyncClient() as raw:
        req = raw.build_request("GET", url, headers={"Accept-Encoding": "gzip"})
        resp = await raw.send(req, stream=True)
        compressed = b"".join([chunk async for chunk in resp.aiter_raw()])
        await resp.aclose()
    assert resp.headers["content-encoding"] == "gzip"
    assert len(compressed) < len(plain.content)
    assert gzip.decompress(compressed) == plain.content
    assert resp.headers["etag"] != plain.headers["etag"]
    both = await client.get(url, headers={"If-None-Match": plain.headers["etag"]})
    assert both.status_code == 304


async def test_if_none_match_forms_and_gzip_refusal(
    server: DemoServer, client: httpx.AsyncClient
) -> None:
    url = feed_url(server, "science")
    etag = (await client.get(url)).headers["etag"]
    for header in (f"W/{etag}", f'"other", {etag}', "*"):
        r = await client.get(url, headers={"If-None-Match": header})
        assert r.status_code == 304, header
    for encoding in ("gzip;q=0", "deflate", "br"):
        r = await client.get(url, headers={"Accept-Encoding": encoding})
        assert "content-encoding" not in r.headers, encoding
    r = await client.get(url, headers={"Accept-Encoding": "deflate, gzip;q=0.5"})
    assert r.headers["content-encoding"] == "gzip"
    bad = await client.get(url, headers={"If-Modified-Since": "yesterday"})
    assert bad.status_code == 200


async def test_head_has_headers_and_no_body(server: DemoServer, client: httpx.AsyncClient) -> None:
    url = feed_url(server, "world")
    get = await client.get(url, headers={"Accept-Encoding": "identity"})
    head = await client.head(url, headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-length"] == str(len(get.content))


# -- the live newsroom ------------------------------------------------------------------------


async def test_advance_adds_a_newest_item(server: DemoServer, client: httpx.AsyncClient) -> None:
    before = server.newsroom.version
    stories = server.advance(3)
    assert len(stories) == 3 and server.newsroom.version > before
    for story in stories:
        assert story.published == NOW.replace(microsecond=0)
    story = stories[-1]
    r = await client.get(feed_url(server, story.desk))
    top = fastfeedparser.parse(r.content).entries[0]
    assert top["title"] == story.title
    assert entry_id(top, story, server)
    page = await client.get(f"{server.url}/articles/{story.slug}.html")
    assert page.status_code == 200


async def test_update_story_keeps_guid_and_changes_title(
    server: DemoServer, client: httpx.AsyncClient
) -> None:
    feeds = {}
    for _, url in server.live_feeds():
        feeds[url] = fastfeedparser.parse((await client.get(url)).content).entries
    titles = {s.guid: s.title for s in server.newsroom.stories.values()}
    for _ in range(3):
        story = server.update_story()
        assert story.title != titles[story.guid]
        url = feed_url(server, story.desk)
        entries = fastfeedparser.parse((await client.get(url)).content).entries
        (entry,) = [e for e in entries if entry_id(e, story, server)]
        assert entry["title"] == story.title
        old = [e for e in feeds[url] if entry_id(e, story, server)]
        assert old and old[0]["title"] != entry["title"]
        assert len(entries) == len(feeds[url])
        assert story.updated > story.published
        titles[story.guid] = story.title
    atom = (await client.get(feed_url(server, "europe"))).text
    assert atom.count("<entry>") == len(server.newsroom.feed("europe"))


async def test_badges_appear_as_categories_and_title_prefixes() -> None:
    srv = make_server(seed=3)
    stories = srv.newsroom.publish(400)
    badged = [s for s in stories if s.badges]
    assert 0.25 < len(badged) / len(stories) < 0.6
    prefixes = tuple(BADGE_PREFIXES.values())
    assert any(s.title.startswith(prefixes) for s in stories)
    assert any(re.match(r"UPDATE \d-", s.title) for s in stories)
    spellings = {w for words in BADGE_SPELLINGS.values() for w in words}
    assert any(spellings & set(s.categories) for s in stories)
    exclusive = sum("Exclusive" in s.badges for s in stories) / len(stories)
    assert 0.08 < exclusive < 0.22


def test_backlog_spreads_over_the_previous_day_and_a_half() -> None:
    srv = make_server()
    stories = list(srv.newsroom.stories.values())
    assert len(stories) == 40
    assert all(NOW - timedelta(hours=36) <= s.published < NOW for s in stories)
    assert len({s.published.date() for s in stories}) >= 2
    assert [s.published for s in stories] == sorted(s.published for s in stories)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


async def entries_of(client: httpx.AsyncClient, srv: DemoServer, desk: str) -> list[dict]:
    return fastfeedparser.parse((await client.get(feed_url(srv, desk))).content).entries


async def test_the_clock_drives_the_live_news(client: httpx.AsyncClient) -> None:
    clock = Clock()
    async with make_server(tick_seconds=4, now=clock) as srv:
        room = srv.newsroom
        await client.get(srv.url + "/")
        assert len(room.stories) == 40  # no beat is due yet, and nothing ticks on its own

        clock.advance(4.5)
        await client.get(srv.url + "/")
        (first,) = room.newest(1)
        assert first.id == 41 and first.published == START + timedelta(seconds=4)
        assert first.guid in {e["id"] for e in await entries_of(client, srv, first.desk)}
        assert not [s for s in room.stories.values() if s.revision > 1]

        front = room.newest(8)  # the newest but one to the eighth are what the beat revises
        clock.advance(4)  # the second beat: a new story, and a revision near the top
        entries = await entries_of(client, srv, room.newest(1)[0].desk)
        assert room.newest(1)[0].id == 42 and entries[0]["title"] == room.newest(1)[0].title
        (revised,) = [s for s in room.stories.values() if s.revision > 1]
        assert revised in front[1:] and revised.updated > revised.published
        entry = [
            e for e in await entries_of(client, srv, revised.desk) if entry_id(e, revised, srv)
        ]
        assert entry and entry[0]["title"] == revised.title

        clock.advance(3600)  # an hour unasked: the newest beats, not 900 stories at once
        await client.get(srv.url + "/latest.html")
        assert len(room.stories) - 42 == CATCH_UP_MAX
        assert room.newest(1)[0].published == START + timedelta(seconds=3608)


async def test_live_ticking_follows_the_real_clock(client: httpx.AsyncClient) -> None:
    async with DemoServer(seed=7, tick_seconds=0.02) as srv:
        deadline = time.monotonic() + 5
        while len(srv.newsroom.stories) == 40 and time.monotonic() < deadline:
            await client.get(srv.url + "/")
            await asyncio.sleep(0.02)  # real time passing is what is tested
        newest = srv.newsroom.newest(1)[0]
        assert newest.id > 40
        r = await client.get(feed_url(srv, newest.desk))
        assert newest.guid in r.text or newest.slug in r.text


def test_every_third_beat_revises_an_unrevised_story_near_the_top() -> None:
    srv = make_server()
    room = srv.newsroom
    revisions = []
    for beat in range(1, 61):
        front = room.newest(8)
        out = room.tick()
        assert out[0].published == START and out[0].id == 40 + beat
        if beat % 3 == 2:
            (_, revised) = out
            assert revised in front[:7]  # on a reader's first screen, not the story just out
            revisions.append(revised)
        else:
            assert len(out) == 1
    assert len(revisions) == 20
    assert len({s.guid for s in revisions}) == 20  # one not yet revised, while there is one


# -- determinism ------------------------------------------------------------------------------


async def _bodies(srv: DemoServer, client: httpx.AsyncClient) -> list[bytes]:
    """The bodies of the live feeds, the home page and the newest article, base URL removed."""
    urls = [u for _, u in srv.live_feeds()] + [srv.url + "/"]
    newest = srv.newsroom.newest(1)[0]
    urls.append(f"{srv.url}/articles/{newest.slug}.html")
    out = []
    for url in urls:
        r = await client.get(url)
        out.append(r.content.replace(srv.url.encode(), b"BASE"))
    return out


async def test_same_seed_and_clock_serve_identical_bodies(client: httpx.AsyncClient) -> None:
    async with make_server(seed=11) as one, make_server(seed=11) as two:
        assert await _bodies(one, client) == await _bodies(two, client)
        for srv in (one, two):
            srv.advance(5)
            srv.update_story()
        assert await _bodies(one, client) == await _bodies(two, client)
        async with make_server(seed=12) as other:
            assert await _bodies(other, client) != await _bodies(one, client)


# -- load-test feeds --------------------------------------------------------------------------


async def test_load_feeds(client: httpx.AsyncClient) -> None:
    async with make_server(feeds=12, items=50) as srv:
        feeds = srv.load_feeds()
        assert len(feeds) == 12
        guids: set[str] = set()
        etags = {}
        for _, url in feeds:
            r = await client.get(url)
            assert r.status_code == 200
            assert r.headers["content-type"] == "application/rss+xml; charset=utf-8"
            etags[url] = r.headers["etag"]
            entries = fastfeedparser.parse(r.content).entries
            assert len(entries) == 50
            for e in entries:
                assert 60 <= len(e["title"]) <= 90
                assert e["link"].startswith(srv.url + "/load/")
            guids.update(e["id"] for e in entries)
        assert len(guids) == 12 * 50
        for url, etag in etags.items():
            again = await client.get(url, headers={"If-None-Match": etag})
            assert again.status_code == 304
        page = await client.get(entries[0]["link"])
        assert page.status_code == 200
        assert escape(entries[0]["title"], quote=False) in page.text
        opml = ET.fromstring((await client.get(srv.url + "/load.opml")).content)
        urls = [o.get("xmlUrl") for o in opml.iter("outline")]
        assert urls == [u for _, u in feeds]
        missing = [f"{srv.url}/load/12.rss", f"{srv.url}/load/01.rss", f"{srv.url}/load/0/50.html"]
        for url in missing:
            assert (await client.get(url)).status_code == 404


async def test_load_item_descriptions_have_realistic_sizes(client: httpx.AsyncClient) -> None:
    async with make_server(feeds=3, items=40) as srv:
        r = await client.get(srv.load_feeds()[2][1])
        root = ET.fromstring(r.content)
        descriptions = [d.text or "" for d in root.iter("description")][1:]
        assert len(descriptions) == 40
        assert all(200 <= len(d) <= 400 and "<p>" in d for d in descriptions)


async def test_demo_opml_lists_the_live_feeds(
    server: DemoServer, client: httpx.AsyncClient
) -> None:
    r = await client.get(server.url + "/demo.opml")
    assert r.status_code == 200
    root = ET.fromstring(r.content)
    assert root.get("version") == "2.0"
    assert [o.get("xmlUrl") for o in root.iter("outline")] == [u for _, u in server.live_feeds()]
    assert server.load_feeds() == []
    assert (await client.get(server.url + "/load.opml")).status_code == 404
    assert (await client.get(server.url + "/load/0.rss")).status_code == 404


# -- pages and errors -------------------------------------------------------------------------


async def test_article_page(server: DemoServer, client: httpx.AsyncClient) -> None:
    story = server.newsroom.newest(5)[3]
    r = await client.get(f"{server.url}/articles/{story.slug}.html")
    assert r.status_code == 200
    html = r.text
    assert f'<h1 class="article__title">{escape(story.title)}</h1>' in html
    body = server.newsroom.body(story)
    assert 5 <= len(body.paragraphs) <= 12
    for paragraph in body.paragraphs:
        assert f"<p>{escape(paragraph)}</p>" in html
    assert "client/title.list_title" in html
    assert "Read also" in html
    assert len(re.findall(r"<li><time>\d\d:\d\d</time>", html.split("Read also")[1])) == 15
    assert re.search(r'<span class="year">\d{4}, [A-Z][a-z]+day</span>', html)
    assert re.search(r'<span class="day">\d{1,2} [A-Z][a-z]+</span>', html)
    when = story.published
    dateline = f"{when.day} {when:%B}, {when.year} {when:%A}"
    assert dateline in html and f">{when:%H:%M}</time>" in html
    for clutter in ("Tags:", "Share", "Facebook", "Telegram", "cookie", "newsletter", "<footer"):
        assert clutter in html
    assert story.author in html


async def test_article_pages_follow_updates(server: DemoServer, client: httpx.AsyncClient) -> None:
    story = server.update_story()
    r = await client.get(f"{server.url}/articles/{story.slug}.html")
    assert escape(story.title) in r.text
    etag = r.headers["etag"]
    assert (await client.get(r.url, headers={"If-None-Match": etag})).status_code == 304


async def test_unknown_paths_give_404(server: DemoServer, client: httpx.AsyncClient) -> None:
    for path in ("/nope", "/articles/nope.html", "/feeds/world.xml", "/articles/.html", "/load/x"):
        r = await client.get(server.url + path)
        assert r.status_code == 404
        assert r.headers["content-type"] == "text/html; charset=utf-8"
    r = await client.post(server.url + "/feeds/world.rss")
    assert r.status_code == 405


async def test_latency_is_applied(client: httpx.AsyncClient) -> None:
    async with make_server(latency_ms=120) as srv:
        url = feed_url(srv, "world")
        for _ in range(2):
            start = time.perf_counter()
            r = await client.get(url)
            assert r.status_code == 200
            assert time.perf_counter() - start >= 0.12


async def test_cache_control_follows_the_tick() -> None:
    async with make_server(tick_seconds=4.4) as srv, httpx.AsyncClient() as c:
        r = await c.get(feed_url(srv, "business"))
        assert r.headers["cache-control"] == "max-age=4"


# -- ways of running --------------------------------------------------------------------------


def test_running_in_thread() -> None:
    srv = make_server()
    with srv.running_in_thread() as url, httpx.Client() as c:
        assert url == srv.url and url.startswith("http://127.0.0.1:")
        assert c.get(url + "/").status_code == 200
        (story,) = srv.advance()  # from this thread: runs on the server's loop
        r = c.get(feed_url(srv, story.desk))
        assert fastfeedparser.parse(r.content).entries[0]["title"] == story.title
        updated = srv.update_story()
        assert updated.revision == 2
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/")
    with pytest.raises(RuntimeError):
        _ = srv.url


def test_running_in_thread_reports_bind_errors() -> None:
    first = make_server()
    with first.running_in_thread() as url:
        port = int(url.rsplit(":", 1)[1])
        second = make_server(port=port)
        with pytest.raises(OSError), second.running_in_thread():
            pass  # pragma: no cover


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_forever_prints_urls_and_stops_on_signals(sig: signal.Signals) -> None:
    code = "from ticker.demo import serve_forever; serve_forever(port=0, feeds=2, tick_seconds=0.5)"
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        urls = re.findall(r"http://127\.0\.0\.1:\d+\S*", line)
        assert any(u.endswith("/feeds/world.rss") for u in urls)
        assert any(u.endswith("/load.opml") for u in urls)
        assert httpx.get(urls[0]).status_code == 200
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    assert err == ""
    assert out == ""
