"""The poller when sources come and go and writes fail (issue 11): real servers, real SQLite.

Each test reproduces one fault the review found and fails without its fix.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from newsdesk import Newsdesk

from ticker.config import PollSettings
from ticker.model import Source
from ticker.poller import MIN_RETRY, PRUNE_EVERY, REMOVED_MEANWHILE, PollBatch, Poller
from ticker.store import Store

INTERVAL = 3600.0  # nothing is due again by itself while a test runs


class Clock:
    """The poller's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def desk() -> AsyncIterator[Newsdesk]:
    async with Newsdesk().running() as running:
        yield running


async def next_batch(batches: asyncio.Queue[PollBatch]) -> PollBatch:
    return await asyncio.wait_for(batches.get(), 10)


@pytest.fixture
def held_lock(tmp_path: Path) -> sqlite3.Connection:
    """Another connection that will hold the store's write lock (a second writer, a backup)."""
    Store(tmp_path / "t.db").close()
    other = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    yield other
    other.close()


@contextlib.asynccontextmanager
async def polling(
    path: Path, source: Source, clock: Clock, *, before_run: sqlite3.Connection | None = None
) -> AsyncIterator[tuple[Poller, asyncio.Queue[PollBatch]]]:
    """A poller of `source` running its loop, and the batches it stores, as they come.

    With `before_run`, its store gives up on a held lock in 50 ms (not 10 s), and that
    connection takes the write lock before the loop starts.
    """
    batches: asyncio.Queue[PollBatch] = asyncio.Queue()
    async with Poller(
        path, [source], PollSettings(interval=INTERVAL), listener=batches.put_nowait, clock=clock
    ) as poller:
        if before_run is not None:
            assert poller._store is not None
            poller._store._db.execute("PRAGMA busy_timeout = 50")
            before_run.execute("BEGIN IMMEDIATE")
        runner = asyncio.create_task(poller.run())
        try:
            yield poller, batches
        finally:
            runner.cancel()
            with pytest.raises(asyncio.CancelledError):
                await runner


async def test_a_store_that_cannot_be_written_backs_off_and_polling_goes_on(
    desk: Newsdesk, tmp_path: Path, held_lock: sqlite3.Connection
) -> None:
    """Fault 1: a failed write re-fetched the source at once, thousands of times."""
    desk.desk("wire").publish("a", "First story")
    clock = Clock()
    source = Source("Wire", desk.feed_url("wire"))
    async with polling(tmp_path / "t.db", source, clock, before_run=held_lock) as (poller, batches):
        [failed] = (await next_batch(batches)).outcomes
        assert not failed.ok
        assert failed.error == "cannot write the store (database is locked)"
        assert poller.store_error == failed.error
        # the source waits out a backoff, as after a failed fetch
        due = poller.next_poll()
        assert due is not None and due - clock.now >= 0.8 * MIN_RETRY
        assert desk.count("wire") == 1
        # the lock goes; the person asks for a poll: it is fetched and stored
        held_lock.execute("COMMIT")
        poller.refresh()
        [stored] = (await next_batch(batches)).outcomes
        assert stored.ok and stored.new == 1
        assert poller.store_error is None
        assert desk.count("wire") == 2


async def test_a_failing_retention_pass_does_not_stop_polling(
    desk: Newsdesk, tmp_path: Path, held_lock: sqlite3.Connection
) -> None:
    """Fault 1: a prune() that raised escaped run() and polling stopped for the session."""
    desk.desk("wire").publish("a", "First story")
    clock = Clock()
    source = Source("Wire", desk.feed_url("wire"))
    # The run loop's first retention pass meets the held lock. Were it to end the loop, the
    # helper's final await would raise that error instead of the cancellation.
    async with polling(tmp_path / "t.db", source, clock, before_run=held_lock) as (poller, batches):
        for _ in range(200):
            if poller.store_error is not None:
                break
            await asyncio.sleep(0.01)  # waiting on a condition, bounded
        assert poller.store_error == "retention: cannot write the store (database is locked)"
        held_lock.execute("COMMIT")
        [stored] = (await next_batch(batches)).outcomes
        assert stored.ok and stored.new == 1
        # and retention is tried again a retry later, not an hour later
        assert poller._last_prune + PRUNE_EVERY - clock.now <= MIN_RETRY


async def test_paused_and_removed_sources_do_not_wake_the_poller(
    desk: Newsdesk, tmp_path: Path
) -> None:
    """Fault 9: next_poll() counted paused and removed sources: a past time, a busy loop."""
    quick = Source("Quick", desk.feed_url("quick"), interval=10)
    gone = Source("Gone", desk.feed_url("gone"), interval=10)
    slow = Source("Slow", desk.feed_url("slow"))
    clock = Clock()
    start = clock.now
    async with Poller(
        tmp_path / "t.db", [quick, gone, slow], PollSettings(interval=INTERVAL), clock=clock
    ) as poller:
        await poller.poll_once()
        await poller.set_sources([replace(quick, paused=True), slow])
        clock.now += 60  # quick and gone were due 50 s ago
        assert poller.next_poll() == start + INTERVAL  # slow's, the only one that will poll
        assert poller._sleep_for() == INTERVAL - 60


async def test_a_source_removed_and_added_again_is_fetched_whole(
    desk: Newsdesk, tmp_path: Path
) -> None:
    """Fault 7: it kept its ETag, got a 304 and showed nothing."""
    desk.desk("wire").publish("a", "First story")
    wire = Source("Wire", desk.feed_url("wire"))
    async with Poller(tmp_path / "t.db", [wire], PollSettings(interval=INTERVAL)) as poller:
        await poller.poll_once()
        await poller.set_sources([])
        assert poller._store is not None
        poller._store.forget_source(wire.url)
        await poller.set_sources([wire])
        [outcome] = await poller.poll_once()
    assert outcome.ok and outcome.status == 200 and outcome.new == 1
    assert [r.if_none_match for r in desk.requests] == [None, None]


async def test_a_poll_that_ends_after_its_source_was_removed_stores_nothing(
    desk: Newsdesk, tmp_path: Path
) -> None:
    """Fault 2: the late poll re-created the source's row and its headlines came back."""
    slow = desk.desk("slow")
    slow.publish("a", "A story that arrives late")
    slow.hold = asyncio.Event()
    source = Source("Slow", desk.feed_url("slow"))
    async with Poller(tmp_path / "t.db", [source], PollSettings(interval=INTERVAL)) as poller:
        polling = asyncio.create_task(poller.poll_once())
        for _ in range(500):
            if poller._in_flight:
                break
            await asyncio.sleep(0.01)  # waiting on a condition, bounded
        await poller.set_sources([])
        with Store(tmp_path / "t.db") as store:
            store.forget_source(source.url)
        slow.hold.set()
        [outcome] = await polling
    assert (outcome.ok, outcome.error) == (False, REMOVED_MEANWHILE)
    with Store(tmp_path / "t.db") as store:
        assert store.count() == 0
        assert store.health() == []


async def test_a_poll_from_before_a_removal_does_not_speak_for_the_source_added_again(
    desk: Newsdesk, tmp_path: Path
) -> None:
    """Found by the stateful test: a poll held across remove and add answered 304 with the
    old validators, installed them on the new source, and it stayed empty for good."""
    feed = desk.desk("wire")
    feed.publish("a", "First story")
    source = Source("Wire", desk.feed_url("wire"))
    async with polling(tmp_path / "t.db", source, Clock()) as (poller, batches):
        [first] = (await next_batch(batches)).outcomes
        assert first.ok and first.new == 1
        feed.hold = asyncio.Event()
        poller.refresh()  # a poll now, held by the server, with If-None-Match
        for _ in range(500):
            if poller._in_flight:
                break
            await asyncio.sleep(0.01)  # waiting on a condition, bounded
        await poller.set_sources([])
        assert poller._store is not None
        poller._store.forget_source(source.url)
        await poller.set_sources([source])
        feed.hold.set()
        feed.hold = None
        [again] = (await next_batch(batches)).outcomes
        assert again.ok and again.status == 200 and again.new == 1
    assert [r.if_none_match for r in desk.requests] == [None, '"1"', None]
    assert [r.answered for r in desk.requests] == [200, 304, 200]
