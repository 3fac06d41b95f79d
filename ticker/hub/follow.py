"""`ticker watch`: headlines printed as they reach the store, for scripts, status bars and pipes.

The watch polls when no other process polls the store and views it otherwise
(`Session.poll_forever`); in both roles it prints what it reads from the store on a connection
of its own after each commit it hears of, so a take-over changes nothing in what is printed.
Sources named on the command line are not the store's poller's: the watch polls them itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import select
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

from ticker import output
from ticker.hub import WATCH_EVERY
from ticker.model import Badge, Headline
from ticker.store import Query, Store

if TYPE_CHECKING:
    from ticker.session import Session

_T = TypeVar("_T")

NEW, UPDATED, BACKLOG = "new", "updated", "backlog"  # the JSON lines' "event"
UPDATED_MARK = "~ "  # leads a plain line of an updated headline


@dataclass(frozen=True, slots=True)
class Arrival:
    """A headline to print, and why: new, updated, or stored before the watch began."""

    event: str
    headline: Headline


class Changes:
    """New and updated headlines since the last look, on a store connection of its own.

    A headline is updated when its title or summary changes: the store then gives it the
    Updated badge, so the updated ones are read through that badge's index and compared with
    what the last look saw. The store keeps no time of change for a viewer to ask about.
    """

    def __init__(
        self, store_path: Path, sources: Sequence[str] = (), *, alerts_only: bool = False
    ) -> None:
        self._store = Store(store_path)
        self._sources = tuple(sources)
        self._alerts_only = alerts_only  # only headlines that fired an alert rule
        self._version = self._store.data_version()
        self._newest = self._store.newest_row()
        self._updated = self._read_updated()

    def backlog(self, count: int) -> list[Arrival]:
        """The `count` newest stored headlines, oldest first."""
        if count <= 0:
            return []
        found = self._store.headlines(Query(sources=self._sources, limit=count))
        # A row stored since the first look is printed by a look, as new.
        return [Arrival(BACKLOG, h) for h in reversed(found) if _row(h) <= self._newest]

    def changed(self) -> bool:
        """Whether another connection committed since the last call (as `StoreWatch`)."""
        version, self._version = self._version, self._store.data_version()
        return version != self._version

    def look(self) -> list[Arrival]:
        """What was stored or updated since the last look, oldest first."""
        rows = self._store.rows_after(self._newest)
        if rows:
            self._newest = rows[-1]
        new = [h for h in self._store.headlines_by_row(rows) if self._wanted(h)]
        before, self._updated = self._updated, self._read_updated()
        fresh = {_row(h) for h in new}
        updated = [
            h
            for row, h in self._updated.items()
            if row not in fresh and _text(before.get(row)) != _text(h)
        ]
        if self._alerts_only:
            # Rules are applied in the transaction that stores the rows: what fired is there.
            fired = self._store.alerted([_row(h) for h in (*new, *updated)])
            new = [h for h in new if _row(h) in fired]
            updated = [h for h in updated if _row(h) in fired]
        return [Arrival(NEW, h) for h in _in_order(new)] + [
            Arrival(UPDATED, h) for h in _in_order(updated)
        ]

    def close(self) -> None:
        self._store.close()

    def _wanted(self, headline: Headline) -> bool:
        return not self._sources or headline.source in self._sources

    def _read_updated(self) -> dict[int, Headline]:
        found = self._store.headlines(Query(sources=self._sources, badge=Badge.UPDATED))
        return {_row(h): h for h in found}


def _row(headline: Headline) -> int:
    return headline.row or 0


def _text(headline: Headline | None) -> tuple[str, str] | None:
    return None if headline is None else (headline.title, headline.summary)


def _in_order(headlines: list[Headline]) -> list[Headline]:
    return sorted(headlines, key=lambda h: (h.published, _row(h)))


class Printer:
    """Arrivals as lines, each written whole and flushed at once; none once `stopped`.

    The lines are `ticker headlines`' own: plain (no day headers, an updated headline's line
    led by `UPDATED_MARK`) or its JSON objects with an "event" field added.
    """

    def __init__(self, fmt: str, tz: tzinfo | None, out: TextIO) -> None:
        self._json = fmt == "json"
        self._tz = tz
        self._out = out
        self.stopped = False

    def line(self, arrival: Arrival) -> str:
        headline = arrival.headline
        if self._json:
            fields = json.loads(next(output.json_lines([headline])))
            fields["event"] = arrival.event
            return json.dumps(fields, ensure_ascii=False)
        # The last line `plain` gives is the headline's; the first is its day's header.
        text = list(output.plain([headline], self._tz, datetime.now(UTC)))[-1]
        return UPDATED_MARK + text if arrival.event == UPDATED else text

    def write(self, arrivals: Sequence[Arrival]) -> None:
        for arrival in arrivals:
            if self.stopped:  # SIGTERM: stop between lines, never inside one
                return
            self._out.write(self.line(arrival) + "\n")
            self._out.flush()

    def reader_gone(self) -> bool:
        """Whether the output is a pipe whose reader left (`| head -1`), found without
        writing: so the watch ends then, not at the next headline, hours later perhaps."""
        try:
            fd = self._out.fileno()
        except (OSError, ValueError):
            return False
        poll = select.poll()
        poll.register(fd, 0)  # errors and hang-ups are always reported
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poll.poll(0))


async def follow(
    session: Session, printer: Printer, *, named: bool, backlog: int = 0, alerts: bool = False
) -> None:
    """Print what reaches the store until cancelled; BrokenPipeError once the reader left.

    `named`: the session's sources were named on the command line, and are polled here
    whatever other process polls the store; only their headlines are printed.
    """
    # One thread for the watch's connection and output: a look and a write never overlap,
    # and the connection is closed after the last of them.
    worker = ThreadPoolExecutor(1, thread_name_prefix="ticker-watch")

    urls = [s.url for s in session.sources] if named else []
    try:
        changes = await _off(worker, lambda: Changes(session.store_path, urls, alerts_only=alerts))
    except BaseException:
        worker.shutdown(wait=False)
        raise
    look = asyncio.Event()

    def heard(*_: object) -> None:
        look.set()

    try:
        await _off(worker, lambda: printer.write(changes.backlog(backlog)))
        async with asyncio.TaskGroup() as group:
            if named:
                # Its own polls are heard; so are other processes' (a poller of the configured
                # sources may have stored a named source's news first, as `headlines` may).
                group.create_task(_poll_named(session, heard))
            else:
                # Told of its role, it looks once: a commit made before its view began counts.
                group.create_task(session.poll_forever(heard, on_role=heard, on_change=heard))
            group.create_task(_print(changes, printer, look, worker, store_commits=named))
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    finally:
        printer.stopped = True
        worker.submit(changes.close)
        worker.shutdown(wait=False)


async def _print(
    changes: Changes,
    printer: Printer,
    look: asyncio.Event,
    worker: ThreadPoolExecutor,
    *,
    store_commits: bool,
) -> None:
    """Print at each look asked for; `store_commits`: also at each commit to the store."""
    while True:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(WATCH_EVERY):
                await look.wait()
        if printer.reader_gone():
            raise BrokenPipeError("the reader of the output left")
        if store_commits and await _off(worker, changes.changed):
            look.set()
        if look.is_set():
            look.clear()  # before the look: a commit made during it is looked at again
            await _off(worker, lambda: printer.write(changes.look()))


def _off(worker: ThreadPoolExecutor, fn: Callable[[], _T]) -> asyncio.Future[_T]:
    return asyncio.get_running_loop().run_in_executor(worker, fn)


async def _poll_named(session: Session, heard: Callable[..., None]) -> None:
    """Poll the session's sources for ever, without the store's poller lock (not its sources)."""
    from ticker.aggregator.sync import for_settings
    from ticker.poller import Poller

    settings = session.settings
    async with Poller(
        session.store_path,
        session.sources,
        settings.poll,
        retention=settings.retention,
        listener=heard,
        tz=session.tz,
        clock=session.clock,
        aggregator=for_settings(settings.aggregator),
    ) as poller:
        await poller.run()
