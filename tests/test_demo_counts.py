"""The demo server's control paths for benchmarks: request counts and publishing to load feeds."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ticker.demo import DemoServer

START = datetime(2024, 10, 26, 12, 50, 7, tzinfo=UTC)


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def server(clock: Clock) -> AsyncIterator[DemoServer]:
    async with DemoServer(seed=3, feeds=4, items=5, tick_seconds=0, now=clock) as srv:
        yield srv


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as c:
        yield c


def items(body: bytes) -> list[dict[str, str]]:
    """title, guid, link and pubDate of each item of an RSS body, in order."""
    return [
        {child.tag: child.text or "" for child in item} for item in ET.fromstring(body).iter("item")
    ]


async def test_requests_are_counted_per_path_with_their_times(
    server: DemoServer, client: httpx.AsyncClient
) -> None:
    feeds = [url for _, url in server.load_feeds()]
    before = time.time()
    for _ in range(3):
        await client.get(feeds[0])
    etag = (await client.get(feeds[1])).headers["etag"]
    assert (await client.get(feeds[1], headers={"If-None-Match": etag})).status_code == 304
    await client.head(server.url + "/feeds/world.rss")
    await client.get(server.url + "/nope")
    after = time.time()

    answer = await client.get(server.url + "/_demo/requests")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    paths = answer.json()["paths"]
    assert {path: entry["count"] for path, entry in paths.items()} == {
        "/load/0.rss": 3,
        "/load/1.rss": 2,  # a 304 is a request too
        "/feeds/world.rss": 1,
    }  # unknown paths and the control paths are not counted
    times = paths["/load/0.rss"]["latest"]
    assert times == sorted(times)
    assert before <= times[0] and times[-1] <= after
    assert server.requests()["/load/1.rss"][0] == 2


async def test_only_the_latest_times_are_kept(
    server: DemoServer, client: httpx.AsyncClient
) -> None:
    url = server.load_feeds()[2][1]
    for _ in range(300):
        await client.head(url)
    count, times = server.requests()["/load/2.rss"]
    assert count == 300
    assert len(times) == 256


async def test_a_published_item_tops_its_load_feed(
    server: DemoServer, client: httpx.AsyncClient, clock: Clock
) -> None:
    url = server.load_feeds()[1][1]
    first = await client.get(url)
    old = items(first.content)
    clock.now = START + timedelta(minutes=3)

    answer = await client.post(
        server.url + "/_demo/publish", params={"feed": "1", "title": "Marker <7> & co"}
    )
    assert answer.status_code == 200
    assert answer.json() == {
        "feed": 1,
        "item": 5,
        "guid": "load-3-1-5",
        "title": "Marker <7> & co",
    }
    assert (
        await client.get(url, headers={"If-None-Match": first.headers["etag"]})
    ).status_code == 200
    since = first.headers["last-modified"]
    again = await client.get(url, headers={"If-Modified-Since": since})
    assert again.status_code == 200
    now = items(again.content)
    assert len(now) == 5  # the feed keeps its size: the oldest item left it
    assert now[0]["title"] == "Marker <7> & co"
    assert now[0]["guid"] == "load-3-1-5"
    assert now[0]["pubDate"] == "Sat, 26 Oct 2024 12:53:07 GMT"
    assert now[1:] == old[:4]
    page = await client.get(now[0]["link"])
    assert page.status_code == 200
    assert "Marker &lt;7&gt; &amp; co" in page.text
    assert (await client.get(server.url + "/load/1/6.html")).status_code == 404
    # The other feeds did not move.
    other = server.load_feeds()[0][1]
    assert all(i["title"] != "Marker <7> & co" for i in items((await client.get(other)).content))


async def test_published_items_without_a_title_come_from_the_pool(
    server: DemoServer, client: httpx.AsyncClient
) -> None:
    number, title = server.publish_load(3)
    number2, title2 = server.publish_load(3)
    assert (number, number2) == (5, 6)
    assert title != title2
    listed = items((await client.get(server.load_feeds()[3][1])).content)
    assert [i["title"] for i in listed[:2]] == [title2, title]
    assert [i["guid"] for i in listed[:2]] == ["load-3-3-6", "load-3-3-5"]


async def test_publishing_refuses_bad_requests(
    server: DemoServer, client: httpx.AsyncClient
) -> None:
    publish = server.url + "/_demo/publish"
    assert (await client.get(publish, params={"feed": "0"})).status_code == 405
    for params in ({}, {"feed": "4"}, {"feed": "01"}, {"feed": "-1"}, {"feed": "x"}):
        assert (await client.post(publish, params=params)).status_code == 400
    for title in ("", "   ", "bell\x07", "x" * 301):
        r = await client.post(publish, params={"feed": "0", "title": title})
        assert r.status_code == 400
        assert "title" in r.json()["error"]
    assert (await client.post(server.url + "/_demo/nothing")).status_code == 404
    assert (await client.post(server.url + "/_demo/requests")).status_code == 405
    with pytest.raises(ValueError, match="no load feed 9"):
        server.publish_load(9)
    listed = items((await client.get(server.load_feeds()[0][1])).content)
    assert [i["guid"] for i in listed] == [f"load-3-0-{j}" for j in range(5)]


def test_publishing_from_another_thread_while_serving() -> None:
    server = DemoServer(seed=3, feeds=2, items=3, tick_seconds=0)
    with server.running_in_thread() as base:
        number, _ = server.publish_load(0, "From a thread")
        listed = items(httpx.get(f"{base}/load/0.rss").content)
        assert (number, listed[0]["title"]) == (3, "From a thread")
        assert server.requests()["/load/0.rss"][0] == 1
