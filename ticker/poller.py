"""The poller: fetch -> parse -> store, for many sources at once, on the caller's event loop.

Network work is async on the loop. Parsing and storing happen in one ingest thread, so a UI on
the same loop never waits for them; with many sources, parsing moves to child processes on the
other core (`parse_process`). Polls are stored in batches, one transaction each: whatever
finished while the previous batch was written goes into the next. Listeners hear about each
stored batch on the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from ticker import feeds
from ticker.alerts.events import AlertEvent, Notification, burst
from ticker.alerts.rules import Action, AlertRule, AlertSettings
from ticker.config import PollSettings
from ticker.errors import StoreError, TickerError
from ticker.fetch import FEED_ACCEPT, PAGE_ACCEPT, Fetcher, HTTPStatusError, Limits
from ticker.model import PollOutcome, Source
from ticker.parse_process import ParseProcess, WorkerGone
from ticker.sanitize import clean_line, error_line
from ticker.store import PollRecord, Retention, SaveReport, SourceState, Store

if TYPE_CHECKING:
    from ticker.aggregator.sync import Aggregator

P = ParamSpec("P")
T = TypeVar("T")

REMOVED_MEANWHILE = "removed while it was being polled"
MIN_RETRY = 60.0  # the first retry after a failure waits at least this long (seconds)
PRUNE_EVERY = 3600.0
# From this many sources on, feeds are parsed in a worker process, on the other core: for a
# handful of feeds the process would cost more (start-up, memory) than it saves.
PROCESS_PARSE_FROM = 50
PARSE_WORKERS = 2
# A transaction costs about 1.3 ms beyond its rows (commit, FTS segment, WAL checkpoint):
# 1000 feeds stored one per transaction took 2.3 s, twenty per transaction 0.97 s.
BATCH_SIZE = 32  # polls worth waiting for before a transaction
BATCH_WAIT = 0.05  # seconds a finished poll may wait for others to share its transaction
BATCH_MAX = 100  # polls in one transaction, at most
PARSER_IDLE_STOP = 30.0  # seconds with nothing due before the parse children are stopped
START_BURST = 32  # polls started in one turn of the event loop
COMMANDS_MAX = 4  # notify commands running at once; an alert beyond is dropped and noted
STDERR_KEPT = 2000  # bytes of a failed notify command's stderr kept for its problem line


@dataclass(frozen=True, slots=True)
class PollBatch:
    """Polls that were stored together: what each did and which rows changed."""

    outcomes: tuple[PollOutcome, ...]
    new_rows: tuple[int, ...]
    updated_rows: tuple[int, ...]
    alerts: tuple[AlertEvent, ...] = ()  # what the batch fired, recorded in the store


Listener = Callable[[PollBatch], None]


@dataclass(frozen=True, slots=True)
class _Job:
    """A fetched poll on its way to the ingest thread."""

    record: PollRecord  # what to store if the body parses (or the fetch's failure)
    failed: PollRecord  # what to store if the body turns out to be no feed
    body: bytes | None  # None: nothing to parse (304 or a failed fetch)
    status: int | None
    epoch: int = 0  # how often its source had been removed when the poll began


def backoff(failures: int, interval: float, cap: float, *, rng: random.Random) -> float:
    """Seconds to wait after `failures` failures in a row: doubling, capped, with jitter."""
    base = max(interval, MIN_RETRY) * 2.0 ** max(failures - 1, 0)
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
        parse_in_process: bool | None = None,
        tz: tzinfo | None = None,
        claims: bool = False,
        alerts: AlertSettings | None = None,
        aggregator: Aggregator | None = None,
    ) -> None:
        self.settings = settings or PollSettings()
        # The rules each stored batch is judged by, and what the notify command runs.
        self.alerts = alerts or AlertSettings()
        # A server that polls for us: synced like a source (its schedule, backoff and health
        # are the source's), its feeds are never fetched here.
        self._aggregator = aggregator
        self._pushing: asyncio.Task[None] | None = None  # marks on their way to it
        self.sources = self._with_aggregator(sources)
        self.retention = retention or Retention()
        self._store_path = store_path
        self._tz = tz  # the display zone: an html source's bare times are read in it
        self._listeners: list[Listener] = [listener] if listener else []
        self._clock = clock
        self._limits = limits or Limits.for_timeout(
            self.settings.timeout, self.settings.concurrency
        )
        self._rng = random.Random(seed)
        self._states: dict[str, SourceState] = {}
        self._in_flight: set[str] = set()
        self._wake = asyncio.Event()
        # Waiting for a turn is not part of a fetch's deadline, so the bound is here.
        self._turns = asyncio.Semaphore(self._limits.concurrency)
        self._fetcher: Fetcher | None = None
        self._store: Store | None = None
        self._store_thread = ThreadPoolExecutor(1, thread_name_prefix="ticker-ingest")
        if parse_in_process is None:
            many = len(self.sources) >= PROCESS_PARSE_FROM
            parse_in_process = many and (os.cpu_count() or 1) > 1
        self._parse_in_process = parse_in_process
        self._parse_process: ParseProcess | None = None
        self._parse_start: asyncio.Future[ParseProcess] | None = None
        self._parse_stop: asyncio.Future[None] | None = None
        self._pending: list[tuple[_Job, asyncio.Future[PollOutcome]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._batch_grew = asyncio.Event()
        self._last_prune = 0.0
        # The store's last failure (a full disk, a held lock) as one line; None once it works.
        self.store_error: str | None = None
        self._rows_unsure = False  # the sources' rows could not be written when they changed
        self._epochs: dict[str, int] = {}  # per source URL: how often it was removed
        # With `claims`, a source's next poll is written to the store before it is fetched
        # (the store is shared: a poller that takes over must not fetch it again). URL ->
        # (the schedule before, the claim), until its poll is stored.
        self._claims_on = claims
        self._claimed: dict[str, tuple[float | None, float]] = {}
        self._round_over = asyncio.Event()  # set whenever the run loop has nothing in flight
        self._commands: set[asyncio.Task[None]] = set()  # notify commands running
        # The last problem of alerting noted in the store, per kind ("rules", "command"), so
        # a working command writes nothing; absent: not noted by this poller yet.
        self._noted: dict[str, str | None] = {}
        self._note_writes: set[asyncio.Future[None]] = set()

    # -- lifecycle -----------------------------------------------------------------------

    async def __aenter__(self) -> Poller:
        self._store = await self._in_store(Store, self._store_path)
        try:
            await self._in_store(self._store.ensure_sources, self.sources)
        except StoreError as error:  # a held lock at start: poll, and make the rows later
            self.store_error = error_line(error)
            self._rows_unsure = True
        self._states = await self._in_store(self._store.source_states)
        self._fetcher = await Fetcher(self._limits).__aenter__()
        return self

    def _warm_parser(self) -> None:
        """Start the parse children beside a round's first fetches, not on its first body.

        They import the parsers while the first answers are on their way: started on the
        first body, a cold poll of 1000 feeds took 0.2 s longer.
        """
        if self._parse_in_process and self._parse_process is None and self._parse_start is None:
            self._parse_start = asyncio.ensure_future(self._start_children())

    async def _start_children(self) -> ParseProcess:
        return await ParseProcess(min(PARSE_WORKERS, os.cpu_count() or 1)).__aenter__()

    async def _parser(self) -> ParseProcess | None:
        """The parse children, started on first need; None: parse in the ingest thread.

        Starting and stopping are tasks of their own, shielded: a poll cancelled meanwhile
        leaves no child half started or half stopped.
        """
        if self._parse_process is None and self._parse_in_process:
            if self._parse_start is None:
                self._parse_start = asyncio.ensure_future(self._start_children())
            start = self._parse_start
            try:
                self._parse_process = await asyncio.shield(start)
            except OSError:
                self._parse_in_process = False  # parse in the ingest thread instead
            finally:
                if start.done() and self._parse_start is start:
                    self._parse_start = None
        return self._parse_process

    async def _stop_parser(self) -> None:
        """Between polls a dashboard keeps no idle children (two of them held 46 MB)."""
        if self._parse_start is not None:
            with contextlib.suppress(Exception):
                self._parse_process = await asyncio.shield(self._parse_start)
            self._parse_start = None
        process, self._parse_process = self._parse_process, None
        if process is not None:
            self._parse_stop = asyncio.ensure_future(process.__aexit__(None, None, None))
        if self._parse_stop is not None:
            await asyncio.shield(self._parse_stop)
            self._parse_stop = None

    async def __aexit__(self, *exc: object) -> None:
        """Close everything, even when the drain is cancelled (Ctrl-C mid-poll)."""
        try:
            await self._drain()
        finally:
            # A notify command still running is killed: nothing outlives the poller.
            for task in self._commands:
                task.cancel()
            await asyncio.gather(*self._commands, *self._note_writes, return_exceptions=True)
            if self._claimed and self._store is not None:
                # Stopped mid-poll on purpose: the sources are due again for the next poller.
                claimed, self._claimed = self._claimed, {}
                with contextlib.suppress(Exception):
                    await self._in_store(
                        self._store.release,
                        {url: before for url, (before, _) in claimed.items()},
                        {url: claim for url, (_, claim) in claimed.items()},
                    )
            try:
                if self._pushing is not None:
                    self._pushing.cancel()
                    await asyncio.gather(self._pushing, return_exceptions=True)
                if self._aggregator is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.shield(self._aggregator.aclose())
                if self._fetcher is not None:
                    fetcher, self._fetcher = self._fetcher, None
                    await asyncio.shield(fetcher.__aexit__(None, None, None))
            finally:
                try:
                    await asyncio.shield(self._stop_parser())
                finally:
                    if self._store is not None:
                        store, self._store = self._store, None
                        # The last store call may still be running in the thread: closing
                        # waits for it there, then the thread ends.
                        self._store_thread.submit(store.close)
                    self._store_thread.shutdown(wait=True)

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def set_alerts(self, alerts: AlertSettings) -> None:
        """Judge the batches stored from now on by these rules (a new rule's `since` row is
        written with the first batch that sees it, unless noted when it was added)."""
        self.alerts = alerts

    async def commands_done(self) -> None:
        """Wait until every notify command started so far has ended (or been killed) and
        its outcome is noted in the store."""
        while self._commands or self._note_writes:
            await asyncio.gather(*self._commands, *self._note_writes, return_exceptions=True)

    async def _in_store(self, fn: Callable[P, T], *args: P.args, **kw: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._store_thread, partial(fn, *args, **kw))

    # -- polling -------------------------------------------------------------------------

    async def set_sources(self, sources: Sequence[Source]) -> None:
        """Poll these sources from now on: new ones at once, removed ones no more."""
        kept = {source.url for source in sources}
        for url in [url for url in self._states if url not in kept]:
            # Removed: forgotten whole. Added again later it is due at once and fetched
            # without validators (its rows were deleted: a 304 would leave it empty).
            del self._states[url]
        for source in self.sources:
            if source.url not in kept:
                # A poll of it that is running now belongs to the source as it was: its
                # answer (and its validators) must not land on the source added again.
                self._epochs[source.url] = self._epochs.get(source.url, 0) + 1
        self.sources = self._with_aggregator(sources)
        try:
            await self._in_store(self._store_required().ensure_sources, self.sources)
        except StoreError as error:
            # Polled all the same; the rows are made (or a removed one's brought back) in
            # the ingest thread before the next save.
            self.store_error = error_line(error)
            self._rows_unsure = True
        self._wake.set()

    def _with_aggregator(self, sources: Sequence[Source]) -> list[Source]:
        if self._aggregator is None:
            return list(sources)
        own = self._aggregator.source
        return [source for source in sources if source.url != own.url] + [own]

    def _store_required(self) -> Store:
        assert self._store is not None, "Poller used outside 'async with'"
        return self._store

    async def poll_once(self, sources: Sequence[Source] | None = None) -> list[PollOutcome]:
        """Poll every source now (ignoring schedules and pauses), store it all, return outcomes."""
        targets = list(self.sources if sources is None else sources)
        self._warm_parser()
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
                    await self._prune_or_report()
                started = 0
                # Cleared before looking: a wake while polls start (a refresh) is not lost.
                self._wake.clear()
                due_now = [
                    source
                    for source in self.sources
                    if not source.paused
                    and source.url not in self._in_flight
                    and _due(self._states.get(source.url), now)
                ]
                if due_now and self._claims_on:
                    await self._claim(due_now, now)
                    current = {source.url for source in self.sources}  # edited meanwhile?
                    due_now = [source for source in due_now if source.url in current]
                for source in due_now:
                    if source.url not in self._in_flight:
                        self._warm_parser()
                        task = asyncio.create_task(self._poll(source))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                        task.add_done_callback(partial(self._wake_when_done, tasks))
                        started += 1
                        if started % START_BURST == 0:
                            # A thousand first steps in one turn of the loop kept a UI on the
                            # same loop from reading its keys for a tenth of a second.
                            await asyncio.sleep(0)
                sleep = self._sleep_for()
                if not tasks and sleep >= PARSER_IDLE_STOP:
                    await self._stop_parser()
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
                # cancellation that arrives as the wait ends, and the poller would go on.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(sleep):
                        await self._wake.wait()
        finally:
            for task in tasks:
                task.cancel()

    def _wake_when_done(self, tasks: set[asyncio.Task[PollOutcome]], _: object) -> None:
        if not tasks:
            self._wake.set()  # the round is over: the run loop may stop the parse children
            self._round_over.set()

    async def _claim(self, sources: Sequence[Source], now: float) -> None:
        """Write the sources' next polls before fetching them (see `claims`)."""
        claims = {s.url: now + (s.interval or self.settings.interval) for s in sources}
        try:
            await self._in_store(self._store_required().claim, claims)
        except StoreError:
            return  # polled all the same: the claim only spares a successor a fetch
        for url, claim in claims.items():
            self._claimed[url] = (self._states.get(url, SourceState()).next_poll, claim)

    async def round_over(self) -> None:
        """Wait until the run loop's current polls are stored and none is in flight."""
        self._round_over.clear()
        await self._round_over.wait()

    async def poll_now(self) -> None:
        """Make every source due now, and return once each has been polled and stored."""
        self.refresh()
        while any(
            not source.paused
            and (source.url in self._in_flight or not _due_later(self._states.get(source.url)))
            for source in self.sources
        ):
            await self.round_over()

    def wake(self) -> None:
        """Look at the schedule again now (the clock moved, or the store changed)."""
        self._wake.set()

    def refresh(self) -> None:
        """Make every source due now."""
        for url, state in self._states.items():
            self._states[url] = SourceState(state.etag, state.last_modified, None, state.failures)
        for source in self.sources:
            self._states.setdefault(source.url, SourceState())
        self._wake.set()

    def next_poll(self) -> float | None:
        """When the next source is due (epoch seconds), or None if nothing is scheduled.

        Only sources that will be polled count: a paused one's past due time would wake the
        loop twice a second and show a next poll in the past.
        """
        dues = []
        for source in self.sources:
            state = self._states.get(source.url)
            if source.paused or source.url in self._in_flight:
                continue
            if state is None or state.next_poll is None:
                return self._clock()  # due now
            dues.append(state.next_poll)
        return min(dues) if dues else None

    def _sleep_for(self) -> float:
        upcoming = self.next_poll()
        if upcoming is None:
            return self.settings.interval
        return min(max(upcoming - self._clock(), 0.5), self.settings.interval)

    def _begin(self, source: Source) -> tuple[int, SourceState, float, float, PollRecord]:
        """A poll of `source` begins (in flight until its caller ends it): how often the
        source had been removed, its state, when, its interval, and the record it leaves if it
        fails (its validators kept, its next poll backed off)."""
        self._in_flight.add(source.url)
        state = self._states.get(source.url, SourceState())
        attempted = self._clock()
        interval = source.interval or self.settings.interval
        failures = state.failures + 1
        failed = PollRecord(
            source=source,
            attempted=attempted,
            etag=state.etag,
            last_modified=state.last_modified,
            next_poll=attempted
            + backoff(failures, interval, self.settings.max_backoff, rng=self._rng),
            failures=failures,
        )
        return self._epochs.get(source.url, 0), state, attempted, interval, failed

    async def _poll(self, source: Source) -> PollOutcome:
        if source.kind == "aggregator" and self._aggregator is not None:
            return await self._sync(source, self._aggregator)
        assert self._fetcher is not None
        epoch, state, attempted, interval, failed = self._begin(source)
        body = None
        status = None
        try:
            # The turn is held through a parse in the child, so fetched bodies cannot pile up
            # in memory faster than they are parsed.
            async with self._turns:
                response = await self._fetcher.get(
                    source.url,
                    etag=state.etag,
                    last_modified=state.last_modified,
                    accept=PAGE_ACCEPT if source.kind == "html" else FEED_ACCEPT,
                )
                status = response.status
                keep = response.not_modified
                record = PollRecord(
                    source=source,
                    attempted=attempted,
                    etag=response.etag or (state.etag if keep else None),
                    last_modified=response.last_modified or (state.last_modified if keep else None),
                    next_poll=attempted + max(interval, response.max_age or 0.0),
                )
                body = None if keep else response.body
                parser = await self._parser() if body is not None else None
                if body is not None and parser is not None:
                    record, body = await self._parse_elsewhere(parser, record, failed, body)
        except TickerError as error:
            if isinstance(error, HTTPStatusError):
                status = error.status
                if error.retry_after is not None:
                    wait = max(failed.next_poll - attempted, error.retry_after)  # type: ignore[operator]
                    failed = replace(failed, next_poll=attempted + wait)
            record = replace(failed, error=str(error))
        try:
            if self._epochs.get(source.url, 0) != epoch:
                self._wake.set()  # added again meanwhile: its own poll may start now
                return PollOutcome(source, False, status, error=REMOVED_MEANWHILE)
            return await self._ingest_later(_Job(record, failed, body, status, epoch))
        finally:
            self._in_flight.discard(source.url)

    def push_marks(self) -> None:
        """Send the marks made here to the aggregator now, not at its next sync (a mark
        that cannot go now waits for that sync)."""
        if self._aggregator is None or (self._pushing is not None and not self._pushing.done()):
            return
        self._pushing = asyncio.create_task(self._push_marks(self._aggregator))

    async def _push_marks(self, aggregator: Aggregator) -> None:
        with contextlib.suppress(Exception):
            await aggregator.push(self._store_required(), self._in_store)

    async def _sync(self, source: Source, aggregator: Aggregator) -> PollOutcome:
        """A sync with the aggregator in place of a fetch: its headlines are stored as they
        come, a record per feed, then the sync's own record (its schedule or its backoff)."""
        epoch, _, attempted, interval, failed = self._begin(source)
        record = PollRecord(source=source, attempted=attempted, next_poll=attempted + interval)

        async def ingest(records: list[PollRecord]) -> None:
            jobs = (self._ingest_later(_Job(r, r, None, 200)) for r in records)
            await asyncio.gather(*jobs)

        try:
            await aggregator.sync(self._store_required(), self._in_store, ingest, _utc(attempted))
        except TickerError as error:
            record = replace(failed, error=str(error))
        except Exception as error:  # a server's odd answer fails the sync, never the poller
            record = replace(failed, error=f"the sync failed ({type(error).__name__}: {error})")
        try:
            return await self._ingest_later(_Job(record, failed, None, None, epoch))
        finally:
            self._in_flight.discard(source.url)

    # -- parsing and storing -------------------------------------------------------------

    async def _parse_elsewhere(
        self, parser: ParseProcess, record: PollRecord, failed: PollRecord, body: bytes
    ) -> tuple[PollRecord, bytes | None]:
        """Parse in the child process; the body comes back only if that process is gone."""
        try:
            found = await parser.parse(body, record.source, _utc(record.attempted), self._tz)
        except WorkerGone:
            self._parse_in_process = False  # parse in the ingest thread from now on
            if self._parse_process is parser:
                await self._stop_parser()  # what is left of the children is closed
            return record, body
        except TickerError as error:
            return replace(failed, error=str(error)), None
        return replace(record, headlines=found), None

    async def _ingest_later(self, job: _Job) -> PollOutcome:
        """Queue a fetched poll for the ingest thread; returns its outcome once stored."""
        done: asyncio.Future[PollOutcome] = asyncio.get_running_loop().create_future()
        self._pending.append((job, done))
        self._batch_grew.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await done

    async def _write(self) -> None:
        while self._pending:
            await self._gather_batch()
            # A bounded batch keeps storing in step with parsing, so little is left at the end.
            batch, self._pending = self._pending[:BATCH_MAX], self._pending[BATCH_MAX:]
            jobs = [job for job, _ in batch]
            try:
                rules = self.alerts.rules  # as the batch began: an edit applies to the next
                records, report = await self._in_store(self._ingest, jobs, rules)
                self.store_error = None
            except Exception as error:  # a store failure is reported and backed off, not raised
                self.store_error = _store_problem(error)
                # Each source waits out its backoff as after a failed fetch: a full disk must
                # not turn into a source fetched again at once, hundreds of times a second.
                records = [replace(job.failed, error=self.store_error) for job in jobs]
                report = SaveReport()
                with contextlib.suppress(Exception):  # the health lines, if anything is written
                    await self._in_store(self._store_required().save_health, records)
            outcomes = []
            polled = {source.url for source in self.sources}
            for record in records:
                self._claimed.pop(record.source.url, None)
            for record, (job, done) in zip(records, batch, strict=True):
                if record.source.url in polled and job.epoch == self._epochs.get(
                    record.source.url, 0
                ):  # a source removed meanwhile stays forgotten, even if it is back
                    self._states[record.source.url] = SourceState(
                        record.etag, record.last_modified, record.next_poll, record.failures
                    )
                new, updated = report.per_source.get(record.source.url, (0, 0))
                outcome = PollOutcome(
                    record.source, record.error is None, job.status, new, updated, record.error
                )
                outcomes.append(outcome)
                if not done.done():  # its poll may have been cancelled meanwhile (Ctrl-C)
                    done.set_result(outcome)
            event = PollBatch(
                tuple(outcomes),
                tuple(report.new_rows),
                tuple(report.updated_rows),
                tuple(report.alerts),
            )
            if report.alert_error is not None or "rules" in self._noted:
                self._note("rules", report.alert_error)
            if report.alerts:
                self._run_commands(report.alerts)
            for listener in self._listeners:
                try:
                    listener(event)
                except Exception as error:  # one bad listener stops no poll
                    asyncio.get_running_loop().call_exception_handler(
                        {"message": "poll listener failed", "exception": error}
                    )

    async def _gather_batch(self) -> None:
        """Let a batch grow while more polls are on their way, up to a size or a short wait."""
        deadline = asyncio.get_running_loop().time() + BATCH_WAIT
        while (
            len(self._pending) < BATCH_SIZE
            and len(self._in_flight) > len(self._pending)
            and asyncio.get_running_loop().time() < deadline
        ):
            self._batch_grew.clear()
            try:
                async with asyncio.timeout_at(deadline):
                    await self._batch_grew.wait()
            except TimeoutError:
                break

    def _ingest(
        self, jobs: list[_Job], rules: Sequence[AlertRule] = ()
    ) -> tuple[list[PollRecord], SaveReport]:
        """In the ingest thread: parse what was fetched, then store it all in one transaction.

        Parsing and writing share one thread on purpose: SQLite releases the GIL on every row,
        and a parse thread beside the writer turned each release into a wait of up to the
        interpreter's 5 ms switch interval (bench/poll.py: 7.4 s cold became ...).
        """
        assert self._store is not None
        if self._rows_unsure:
            self._store.ensure_sources(self.sources)
            self._rows_unsure = False
        records = []
        for job in jobs:
            record = job.record
            if job.body is not None:
                try:
                    found = feeds.headlines(
                        job.body, record.source, now=_utc(record.attempted), tz=self._tz
                    )
                    record = replace(record, headlines=found)
                except TickerError as error:
                    record = replace(job.failed, error=str(error))
                except Exception as error:  # a parser's bug fails one feed only
                    message = f"the feed could not be parsed ({type(error).__name__})"
                    record = replace(job.failed, error=message)
            records.append(record)
        return records, self._store.save(records, retention=self.retention, alerts=rules)

    async def _drain(self) -> None:
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def _prune_or_report(self) -> None:
        """Retention in the run loop: a failure is remembered and retried later, never raised."""
        try:
            await self.prune()
        except Exception as error:
            self.store_error = f"retention: {_store_problem(error)}"
            self._last_prune = self._clock() - PRUNE_EVERY + MIN_RETRY

    async def prune(self) -> int:
        """Apply retention now; returns how many headlines were deleted."""
        assert self._store is not None
        await self._drain()
        self._last_prune = self._clock()
        return await self._in_store(self._store.prune, self.retention, now=self._last_prune)

    # -- alerts: the notify command ----------------------------------------------------------

    def _run_commands(self, events: Sequence[AlertEvent]) -> None:
        """Start the notify command for what fired: one run per notification, in the
        background, at most COMMANDS_MAX at once; never in the quiet hours."""
        command = self.alerts.command
        chosen = [e for e in events if Action.COMMAND in e.actions]
        if command is None or not chosen or self.alerts.quiet(_utc(self._clock()), self._tz):
            return
        dropped = 0
        for notification in burst(chosen):
            if len(self._commands) >= COMMANDS_MAX:
                dropped += notification.count
                continue
            task = asyncio.create_task(self._command(command, notification))
            self._commands.add(task)
            task.add_done_callback(self._commands.discard)
        if dropped:
            self._note(
                "command",
                f"{dropped} alert(s) not passed to the command: "
                f"{COMMANDS_MAX} runs of it had not ended",
            )

    async def _command(self, command: Sequence[str], notification: Notification) -> None:
        """Run the notify command once; a failure is noted in the store, never raised."""
        timeout = self.alerts.command_timeout
        program = clean_line(os.path.basename(command[0]), 60, markup=False)
        try:
            process = await asyncio.create_subprocess_exec(
                *command_args(command, notification),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,  # its own process group: a timeout kills its children
            )
        except OSError as error:
            self._note("command", f"cannot run {program}: {error.strerror or error}")
            return
        problem: str | None = None
        try:
            async with asyncio.timeout(timeout):
                said = await _capped(process.stderr)
                status = await process.wait()
            if status != 0:
                reason = said.decode("utf-8", "replace").strip().splitlines()
                detail = f": {reason[-1]}" if reason else ""
                problem = f"{program} exited with status {status}{detail}"
        except TimeoutError:
            problem = f"{program} did not end within {timeout:g} s and was killed"
        finally:
            if process.returncode is None:
                _kill_group(process.pid)
                await asyncio.shield(process.wait())
        self._note("command", problem)

    def _note(self, what: str, problem: str | None) -> None:
        """Note alerting's problem (None: it works again) in the store, for every viewer's
        sources screen; only a change is written, in the ingest thread, in the background."""
        if problem is not None:
            problem = clean_line(problem, 300, markup=False)
        if self._noted.get(what, "") == problem:
            return
        self._noted[what] = problem
        if self._store is None:
            return
        store = self._store

        async def write() -> None:
            with contextlib.suppress(Exception):  # a held lock: noted with the next change
                await self._in_store(store.note_alert_problem, what, problem, now=self._clock())

        task = asyncio.ensure_future(write())
        self._note_writes.add(task)
        task.add_done_callback(self._note_writes.discard)

    @property
    def alert_error(self) -> str | None:
        """Alerting's current problem as one line (a rule, the command); None when it works."""
        return next((problem for problem in self._noted.values() if problem), None)


def command_args(command: Sequence[str], notification: Notification) -> list[str]:
    """The notify command's argv: {title}, {url}, {source}, {rule}, {count}, {badges} and
    {text} replaced by the alert's fields; a command naming none gets rule, title and url
    appended. Never a shell: each field is one argument, whatever it holds."""
    single = notification.count == 1
    event = notification.events[-1]
    fields = {
        "rule": notification.title,
        "title": event.title if single else notification.body,
        "url": event.url if single else "",
        "source": event.source_name if single else "",
        "count": str(notification.count),
        "badges": " ".join(event.badges.names()) if single else "",
        "text": notification.text,
    }
    fields = {key: clean_line(value, 1000, markup=False) for key, value in fields.items()}
    used = False

    def field(match: re.Match[str]) -> str:
        nonlocal used
        if match.group(1) in fields:
            used = True
            return fields[match.group(1)]
        return match.group(0)

    args = [command[0], *(_PLACEHOLDER.sub(field, arg) for arg in command[1:])]
    if not used:
        args += [fields["rule"], fields["title"], fields["url"]]
    return args


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


async def _capped(stream: asyncio.StreamReader | None) -> bytes:
    """What `stream` says up to STDERR_KEPT bytes; the rest is read and dropped."""
    kept = b""
    if stream is None:
        return kept
    while chunk := await stream.read(65536):
        if len(kept) < STDERR_KEPT:
            kept += chunk[: STDERR_KEPT - len(kept)]
    return kept


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _store_problem(error: Exception) -> str:
    """A failed write as one line: the store's own words, or the unexpected error's."""
    if isinstance(error, StoreError):
        return error_line(error)
    return f"cannot store: {error_line(error)}"


def _due(state: SourceState | None, now: float) -> bool:
    return state is None or state.next_poll is None or state.next_poll <= now


def _due_later(state: SourceState | None) -> bool:
    """Whether a poll of the source has been stored since its schedule was cleared."""
    return state is not None and state.next_poll is not None


def _utc(stamp: float) -> datetime:
    return datetime.fromtimestamp(stamp, UTC)
