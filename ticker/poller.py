"""The poller: fetch -> parse -> store, for many sources at once, on the caller's event loop.

Network work is async on the loop; parsing runs in a worker thread so that a UI on the same loop
never waits for it; the store is written by one dedicated thread in batches (whatever finished
while the previous batch was being written goes into the next transaction). Listeners hear
about each stored batch on the loop.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import ParamSpec, TypeVar

from ticker import badges as badge_rules
from ticker import feeds
from ticker.config import PollSettings
from ticker.errors import TickerError
from ticker.fetch import Fetcher, HTTPStatusError, Limits
from ticker.model import BadgeRule, PollOutcome, Source
from ticker.store import PollRecord, Retention, SourceState, Store

P = ParamSpec("P")
T = TypeVar("T")

MIN_RETRY = 60.0  # the first retry after a failure waits at least this long (seconds)
PRUNE_EVERY = 3600.0


@dataclass(frozen=True, slots=True)
class PollBatch:
    """Polls that were stored together: what each did and which rows changed."""

    outcomes: tuple[PollOutcome, ...]
    new_rows: tuple[int, ...]
    updated_rows: tuple[int, ...]


Listener = Callable[[PollBatch], None]


def backoff(failures: int, interval: float, cap: float, *, rng: random.Random) -> float:
    """Seconds to wait after `failures` failures in a row: doubling, capped, with jitter."""
    base = max(interval, MIN_RETRY) * 2 ** max(failures - 1, 0)
    return min(cap, base) * rng.uniform(0.8, 1.0)


class Poller:
    """Polls sources into the store at `store_path`. Use as `async with Poller(...) as p`."""

    def __init__(
        self,
        store_path: Path,
        sources: Sequence[Source],
        settings: PollSettings | None = None,
        *,
        retention: Retention | None = None,
        listener: Listener | None = None,
        clock: Callable[[], float] = time.time,
        limits: Limits | None = None,
        seed: int | None = None,
    ) -> None:
        self.settings = settings or PollSettings()
        self.sources = list(sources)
        self.retention = retention or Retention()
        self._store_path = store_path
        self._listeners: list[Listener] = [listener] if listener else []
        self._clock = clock
        self._limits = limits or Limits(
            read_timeout=self.settings.timeout,
            connect_timeout=min(10.0, self.settings.timeout),
            deadline=self.settings.timeout * 2,
            concurrency=self.settings.concurrency,
        )
        self._rng = random.Random(seed)
        self._rules: dict[str, tuple[tuple[re.Pattern[str], BadgeRule], ...]] = {}
        self._states: dict[str, SourceState] = {}
        self._in_flight: set[str] = set()
        self._wake = asyncio.Event()
        # Waiting for a turn is not part of a fetch's deadline, so the bound is here.
        self._turns = asyncio.Semaphore(self._limits.concurrency)
        self._fetcher: Fetcher | None = None
        self._store: Store | None = None
        self._store_thread = ThreadPoolExecutor(1, thread_name_prefix="ticker-store")
        self._parse_thread = ThreadPoolExecutor(1, thread_name_prefix="ticker-parse")
        self._pending: list[tuple[PollRecord, PollOutcome, asyncio.Future[PollOutcome]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._last_prune = 0.0

    # -- lifecycle -----------------------------------------------------------------------

    async def __aenter__(self) -> Poller:
        self._store = await self._in_store(Store, self._store_path)
        await self._in_store(self._store.ensure_sources, self.sources)
        self._states = await self._in_store(self._store.source_states)
        self._fetcher = await Fetcher(self._limits).__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._drain()
        if self._fetcher is not None:
            await self._fetcher.__aexit__(None, None, None)
        if self._store is not None:
            await self._in_store(self._store.close)
        self._store_thread.shutdown(wait=True)
        self._parse_thread.shutdown(wait=True)

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def _in_store(self, fn: Callable[P, T], *args: P.args, **kw: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._store_thread, partial(fn, *args, **kw))

    # -- polling -------------------------------------------------------------------------

    async def poll_once(self, sources: Sequence[Source] | None = None) -> list[PollOutcome]:
        """Poll every source now (ignoring schedules), store everything, return the outcomes."""
        targets = list(self.sources if sources is None else sources)
        outcomes = await asyncio.gather(*(self._poll(source) for source in targets))
        await self._drain()
        return list(outcomes)

    async def run(self) -> None:
        """Poll each source when it is due, for ever; `refresh()` polls everything now."""
        tasks: set[asyncio.Task[PollOutcome]] = set()
        try:
            while True:
                now = self._clock()
                if now - self._last_prune >= PRUNE_EVERY:
                    await self.prune()
                for source in self.sources:
                    due = self._states.get(source.url, SourceState()).next_poll
                    if source.url not in self._in_flight and (due is None or due <= now):
                        task = asyncio.create_task(self._poll(source))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self._sleep_for())
                except TimeoutError:
                    pass
        finally:
            for task in tasks:
                task.cancel()

    def refresh(self) -> None:
        """Make every source due now."""
        for url, state in self._states.items():
            self._states[url] = SourceState(state.etag, state.last_modified, None, state.failures)
        for source in self.sources:
            self._states.setdefault(source.url, SourceState())
        self._wake.set()

    def next_poll(self) -> float | None:
        """When the next source is due (epoch seconds), or None if nothing is scheduled."""
        dues = [s.next_poll for s in self._states.values() if s.next_poll is not None]
        return min(dues) if dues else None

    def _sleep_for(self) -> float:
        upcoming = self.next_poll()
        if upcoming is None:
            return self.settings.interval
        return min(max(upcoming - self._clock(), 0.5), self.settings.interval)

    async def _poll(self, source: Source) -> PollOutcome:
        assert self._fetcher is not None
        self._in_flight.add(source.url)
        state = self._states.get(source.url, SourceState())
        attempted = self._clock()
        interval = source.interval or self.settings.interval
        try:
            async with self._turns:
                response = await self._fetcher.get(
                    source.url, etag=state.etag, last_modified=state.last_modified
                )
            headlines = None
            if not response.not_modified:
                loop = asyncio.get_running_loop()
                parse = partial(
                    feeds.headlines,
                    response.body,
                    source,
                    now=_utc(attempted),
                    rules=self._compiled(source),
                )
                headlines = await loop.run_in_executor(self._parse_thread, parse)
            wait = max(interval, response.max_age or 0.0)
            record = PollRecord(
                source=source,
                attempted=attempted,
                headlines=headlines,
                etag=response.etag or (state.etag if response.not_modified else None),
                last_modified=response.last_modified
                or (state.last_modified if response.not_modified else None),
                next_poll=attempted + wait,
            )
            outcome = PollOutcome(source, ok=True, status=response.status)
        except TickerError as error:
            failures = state.failures + 1
            wait = backoff(failures, interval, self.settings.max_backoff, rng=self._rng)
            status = None
            if isinstance(error, HTTPStatusError):
                status = error.status
                if error.retry_after is not None:
                    wait = max(wait, error.retry_after)
            record = PollRecord(
                source=source,
                attempted=attempted,
                error=str(error),
                etag=state.etag,
                last_modified=state.last_modified,
                next_poll=attempted + wait,
                failures=failures,
            )
            outcome = PollOutcome(source, ok=False, status=status, error=str(error))
        self._states[source.url] = SourceState(
            record.etag, record.last_modified, record.next_poll, record.failures
        )
        return await self._store_later(record, outcome)

    def _compiled(self, source: Source) -> tuple[tuple[re.Pattern[str], BadgeRule], ...]:
        if source.url not in self._rules:
            self._rules[source.url] = badge_rules.compile_rules(source.rules)
        return self._rules[source.url]

    # -- storing -------------------------------------------------------------------------

    async def _store_later(self, record: PollRecord, outcome: PollOutcome) -> PollOutcome:
        """Queue a poll for the writer; returns its outcome, with counts, once stored."""
        done: asyncio.Future[PollOutcome] = asyncio.get_running_loop().create_future()
        self._pending.append((record, outcome, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        try:
            return await done
        finally:
            self._in_flight.discard(record.source.url)

    async def _write(self) -> None:
        assert self._store is not None
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                report = await self._in_store(
                    self._store.save, [r for r, _, _ in batch], retention=self.retention
                )
            except Exception as error:  # noqa: BLE001 - a store failure is reported, not raised
                message = f"cannot store: {error}"
                for _, outcome, done in batch:
                    done.set_result(replace(outcome, ok=False, error=message))
                continue
            outcomes = []
            for record, outcome, done in batch:
                new, updated = report.per_source.get(record.source.url, (0, 0))
                outcomes.append(replace(outcome, new=new, updated=updated))
                done.set_result(outcomes[-1])
            event = PollBatch(tuple(outcomes), tuple(report.new_rows), tuple(report.updated_rows))
            for listener in self._listeners:
                try:
                    listener(event)
                except Exception as error:  # noqa: BLE001 - one bad listener stops no poll
                    asyncio.get_running_loop().call_exception_handler(
                        {"message": "poll listener failed", "exception": error}
                    )

    async def _drain(self) -> None:
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def prune(self) -> int:
        """Apply retention now; returns how many headlines were deleted."""
        assert self._store is not None
        await self._drain()
        self._last_prune = self._clock()
        return await self._in_store(self._store.prune, self.retention, now=self._last_prune)


def _utc(stamp: float) -> datetime:
    return datetime.fromtimestamp(stamp, UTC)
