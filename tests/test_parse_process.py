"""Parsing in child processes: same headlines as in process, errors as values, death survived."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from feedgen import rss
from pytest_httpserver import HTTPServer

from ticker import feeds
from ticker.config import PollSettings
from ticker.errors import FeedError
from ticker.model import Source
from ticker.parse_process import ParseProcess, WorkerGone
from ticker.poller import PollBatch, Poller
from ticker.store import Store

SOURCE = Source("Wire", "http://127.0.0.1/wire.rss")
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


async def test_a_child_parses_exactly_as_this_process_does() -> None:
    body = rss([("a", "EXCLUSIVE: Port reopens"), ("b", "Rates hold")])
    async with ParseProcess(2) as children:
        remote = await children.parse(body, SOURCE, NOW)
    assert remote == feeds.headlines(body, SOURCE, now=NOW)


async def test_a_feed_error_comes_back_as_the_same_error() -> None:
    async with ParseProcess() as children:
        with pytest.raises(FeedError, match="an HTML page, not a feed"):
            await children.parse(b"<html><body>hi</body></html>", SOURCE, NOW)
        # and the child is still there for the next feed
        assert len(await children.parse(rss(2), SOURCE, NOW)) == 2


async def test_a_dead_child_is_reported_not_waited_for() -> None:
    async with ParseProcess() as children:
        [worker] = children._workers
        worker.process.kill()
        await worker.process.wait()
        with pytest.raises(WorkerGone):
            await children.parse(rss(1), SOURCE, NOW)


async def test_the_poller_parses_in_this_process_when_the_children_die(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/feed").respond_with_data(rss(3))
    source = Source("Wire", httpserver.url_for("/feed"))
    async with Poller(tmp_path / "t.db", [source], parse_in_process=True) as poller:
        assert poller._parse_process is None  # starting beside the first fetches
        process = await poller._parser()
        assert process is not None
        for worker in process._workers:
            worker.process.kill()
            await worker.process.wait()
        [outcome] = await poller.poll_once()
    assert outcome.ok and outcome.new == 3
    with Store(tmp_path / "t.db") as store:
        assert store.count() == 3


async def test_the_child_never_runs_code_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python -m` would put the working directory first on sys.path (issue 11, fault 8)."""
    planted = tmp_path / "ticker"
    planted.mkdir()
    marker = tmp_path / "ran"
    (planted / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    (planted / "parse_process.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    monkeypatch.chdir(tmp_path)
    async with ParseProcess() as children:
        assert len(await children.parse(rss(2), SOURCE, NOW)) == 2
    assert not marker.exists()


async def test_the_children_stop_while_nothing_is_due_and_start_again_for_a_poll(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_ordered_request("/feed").respond_with_data(rss(3))
    httpserver.expect_ordered_request("/feed").respond_with_data(rss(4))
    source = Source("Wire", httpserver.url_for("/feed"))
    batches: asyncio.Queue[PollBatch] = asyncio.Queue()
    async with Poller(
        tmp_path / "t.db",
        [source],
        PollSettings(interval=3600),
        parse_in_process=True,
        listener=batches.put_nowait,
    ) as poller:
        runner = asyncio.create_task(poller.run())
        await asyncio.wait_for(batches.get(), 10)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while poller._parse_process is not None and loop.time() < deadline:
            await asyncio.sleep(0.01)  # waiting on a condition, bounded
        assert poller._parse_process is None

        def not_here(*args: object, **kwargs: object) -> None:
            raise AssertionError("parsed in the parent")

        # Parsing in this process now fails, so a stored item shows a new child parsed it.
        monkeypatch.setattr(feeds, "headlines", not_here)
        poller.refresh()
        second = await asyncio.wait_for(batches.get(), 10)
        assert second.outcomes[0].ok and len(second.new_rows) == 1
        runner.cancel()
