"""The poller against real servers on 127.0.0.1: conditional GET, caching, backoff, limits."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from feedgen import rss
from pytest_httpserver import HTTPServer

from ticker import __version__, feeds
from ticker.config import PollSettings
from ticker.model import Badge, Source
from ticker.poller import PollBatch, Poller, backoff
from ticker.store import Query, Store


def source(server: HTTPServer, path: str = "/feed", name: str = "Wire") -> Source:
    return Source(name, server.url_for(path))


async def poll(tmp_path: Path, *sources: Source, **kw: object) -> list:
    async with Poller(tmp_path / "t.db", list(sources), **kw) as poller:  # type: ignore[arg-type]
        return await poller.poll_once()


async def test_a_poll_stores_headlines_and_reports_counts(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/feed").respond_with_data(rss(3), content_type="application/rss+xml")
    [outcome] = await poll(tmp_path, source(httpserver))
    assert outcome.ok and outcome.status == 200 and outcome.new == 3
    with Store(tmp_path / "t.db") as store:
        assert [h.title for h in store.headlines()] == [f"Story number {i}" for i in range(3)]
        assert store.headlines()[0].source_name == "Wire"


async def test_requests_name_ticker_and_its_version(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request(
        "/feed",
        headers={
            "User-Agent": f"ticker/{__version__} (terminal news ticker; +https://pypi.org/project/ticker/)"
        },
    ).respond_with_data(rss(1))
    [outcome] = await poll(tmp_path, source(httpserver))
    assert outcome.ok


async def test_conditional_get_sends_validators_and_a_304_costs_no_parse(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    etag, modified = '"v1"', "Sat, 26 Oct 2024 09:50:00 GMT"
    httpserver.expect_ordered_request("/feed").respond_with_data(
        rss(2), headers={"ETag": etag, "Last-Modified": modified}
    )
    httpserver.expect_ordered_request(
        "/feed", headers={"If-None-Match": etag, "If-Modified-Since": modified}
    ).respond_with_data(b"", status=304)
    src = source(httpserver)
    assert (await poll(tmp_path, src))[0].new == 2

    def no_parsing(*args: object, **kw: object) -> None:
        raise AssertionError("a 304 was parsed")

    monkeypatch.setattr(feeds, "headlines", no_parsing)
    [outcome] = await poll(tmp_path, src)
    assert outcome.ok and outcome.status == 304 and outcome.new == 0
    httpserver.check_assertions()
    with Store(tmp_path / "t.db") as store:
        assert store.count() == 2
        assert store.source_states()[src.url].etag == etag  # kept for the next poll


async def test_a_later_poll_with_a_changed_title_updates_in_place(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_ordered_request("/feed").respond_with_data(
        rss([("a", "Bridge closes"), ("b", "Rates hold")])
    )
    httpserver.expect_ordered_request("/feed").respond_with_data(
        rss([("a", "Bridge reopens"), ("b", "Rates hold")])
    )
    src = source(httpserver)
    await poll(tmp_path, src)
    [outcome] = await poll(tmp_path, src)
    assert (outcome.new, outcome.updated) == (0, 1)
    with Store(tmp_path / "t.db") as store:
        items = {h.guid: h for h in store.headlines()}
    assert len(items) == 2
    assert items["a"].title == "Bridge reopens" and Badge.UPDATED in items["a"].badges
    assert Badge.UPDATED not in items["b"].badges


async def test_cache_control_max_age_pushes_the_next_poll_back(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        rss(1), headers={"Cache-Control": "public, max-age=900"}
    )
    src = source(httpserver)
    before = time.time()
    await poll(tmp_path, src, settings=PollSettings(interval=60))
    with Store(tmp_path / "t.db") as store:
        assert store.source_states()[src.url].next_poll >= before + 900


async def test_retry_after_is_honoured_and_failures_back_off(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        "busy", status=503, headers={"Retry-After": "1800"}
    )
    src = source(httpserver)
    before = time.time()
    [outcome] = await poll(tmp_path, src, settings=PollSettings(interval=60))
    assert not outcome.ok and outcome.status == 503
    assert outcome.error == "HTTP 503 SERVICE UNAVAILABLE" or outcome.error.startswith("HTTP 503")
    with Store(tmp_path / "t.db") as store:
        [health] = store.health()
        assert health.failures == 1 and health.last_error.startswith("HTTP 503")
        assert health.next_poll.timestamp() >= before + 1800


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    rng = random.Random(1)
    waits = [backoff(n, 60, 3600, rng=rng) for n in range(1, 9)]
    assert all(
        0.8 * min(3600, 60 * 2 ** (n - 1)) <= w <= min(3600, 60 * 2 ** (n - 1))
        for n, w in enumerate(waits, 1)
    )
    assert max(waits) <= 3600
    assert len({round(w, 6) for w in waits}) == len(waits)  # jittered, not lockstep


async def test_a_failed_source_does_not_stop_the_others(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/good").respond_with_data(rss(2))
    httpserver.expect_request("/bad").respond_with_data(
        "<html><body>Sign in</body></html>", content_type="text/html"
    )
    good, bad = source(httpserver, "/good", "Good"), source(httpserver, "/bad", "Bad")
    outcomes = {o.source.name: o for o in await poll(tmp_path, good, bad)}
    assert outcomes["Good"].ok and outcomes["Good"].new == 2
    assert not outcomes["Bad"].ok and outcomes["Bad"].error == "an HTML page, not a feed"


async def test_redirects_are_followed_a_few_times(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/new"}
    )
    httpserver.expect_request("/new").respond_with_data(rss(1))
    httpserver.expect_request("/loop").respond_with_data(
        "", status=302, headers={"Location": "/loop"}
    )
    ok, loop = await poll(
        tmp_path, source(httpserver, "/old", "Old"), source(httpserver, "/loop", "Loop")
    )
    assert ok.ok and ok.new == 1
    assert not loop.ok and loop.error == "too many redirects"


async def test_a_refused_connection_is_one_readable_line(tmp_path: Path) -> None:
    [outcome] = await poll(tmp_path, Source("Gone", "http://127.0.0.1:9/feed"))
    assert not outcome.ok
    assert outcome.error.startswith("cannot connect")
    assert "\n" not in outcome.error


@pytest.fixture
async def slow_server() -> AsyncIterator[tuple[str, dict[str, int]]]:
    """Feeds that answer after a short wait, counting how many are in flight at once."""
    counts = {"now": 0, "peak": 0}
    gate = asyncio.Event()

    async def feed(request: web.Request) -> web.Response:
        counts["now"] += 1
        counts["peak"] = max(counts["peak"], counts["now"])
        if counts["now"] >= 3:
            gate.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(gate.wait(), 0.2)
        counts["now"] -= 1
        return web.Response(body=rss([(request.match_info["n"], "Story")]))

    app = web.Application()
    app.router.add_get("/feed/{n}", feed)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}", counts
    await runner.cleanup()


async def test_concurrency_is_bounded(
    slow_server: tuple[str, dict[str, int]], tmp_path: Path
) -> None:
    url, counts = slow_server
    sources = [Source(f"S{i}", f"{url}/feed/{i}") for i in range(12)]
    outcomes = await poll(tmp_path, *sources, settings=PollSettings(concurrency=3))
    assert all(o.ok for o in outcomes)
    assert counts["peak"] == 3


async def test_listeners_hear_about_new_rows(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/feed").respond_with_data(rss(4))
    batches: list[PollBatch] = []
    async with Poller(tmp_path / "t.db", [source(httpserver)], listener=batches.append) as poller:
        await poller.poll_once()
    assert sum(len(b.new_rows) for b in batches) == 4
    with Store(tmp_path / "t.db") as store:
        assert sorted(r for b in batches for r in b.new_rows) == sorted(
            h.row for h in store.headlines()
        )


async def test_run_polls_due_sources_and_refresh_polls_again(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_ordered_request("/feed").respond_with_data(rss([("a", "First")]))
    httpserver.expect_ordered_request("/feed").respond_with_data(
        rss([("a", "First"), ("b", "Second")])
    )
    batches: asyncio.Queue[PollBatch] = asyncio.Queue()
    async with Poller(
        tmp_path / "t.db",
        [source(httpserver)],
        PollSettings(interval=3600),
        listener=batches.put_nowait,
    ) as poller:
        runner = asyncio.create_task(poller.run())
        first = await asyncio.wait_for(batches.get(), 10)
        assert len(first.new_rows) == 1
        assert poller.next_poll() is not None and poller.next_poll() > time.time() + 3000
        poller.refresh()
        second = await asyncio.wait_for(batches.get(), 10)
        assert len(second.new_rows) == 1
        runner.cancel()
    with Store(tmp_path / "t.db") as store:
        assert store.count(Query()) == 2


async def test_paused_sources_wait_and_a_source_added_again_is_polled_at_once(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_ordered_request("/feed").respond_with_data(rss([("a", "First")]))
    httpserver.expect_ordered_request("/feed").respond_with_data(
        rss([("a", "First"), ("b", "Second")])
    )
    wire = source(httpserver)
    paused = Source("Paused", httpserver.url_for("/paused"), paused=True)
    batches: asyncio.Queue[PollBatch] = asyncio.Queue()
    async with Poller(
        tmp_path / "t.db", [wire, paused], PollSettings(interval=3600), listener=batches.put_nowait
    ) as poller:
        runner = asyncio.create_task(poller.run())
        first = await asyncio.wait_for(batches.get(), 10)
        assert [o.source.url for o in first.outcomes] == [wire.url]
        await poller.set_sources([paused])  # removed: no poll, though the hour is not up
        await poller.set_sources([paused, wire])  # back: due at once
        second = await asyncio.wait_for(batches.get(), 10)
        assert [o.source.url for o in second.outcomes] == [wire.url]
        assert len(second.new_rows) == 1
        runner.cancel()
    assert not any(request.path == "/paused" for request, _ in httpserver.log)


async def test_parsing_in_a_worker_process_gives_the_same_headlines(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/feed").respond_with_data(rss(5))
    httpserver.expect_request("/html").respond_with_data("<html><body>no</body></html>")
    good, bad = source(httpserver, "/feed", "Good"), source(httpserver, "/html", "Bad")
    async with Poller(tmp_path / "p.db", [good, bad], parse_in_process=True) as poller:
        outcomes = {o.source.name: o for o in await poller.poll_once()}
    assert outcomes["Good"].ok and outcomes["Good"].new == 5
    assert outcomes["Bad"].error == "an HTML page, not a feed"
    with Store(tmp_path / "p.db") as store:
        assert [h.title for h in store.headlines()] == [f"Story number {i}" for i in range(5)]
