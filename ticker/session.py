"""The core as the app sees it: one small object, no Textual.

Everything the terminal app does with sources, polling, the store and the reader goes through
`Session`. Methods that touch the store open their own connection, so any thread may call them
(the app calls them from worker threads, never from its event loop's hot path). Polling and the
article reader are imported on first use, after the app has painted.

One process per store polls (`ticker.hub`): `poll_forever` polls while this process holds the
store's poller lock, and otherwise views, hearing of the poller's commits and taking the lock
when it is free. A viewer's `ask_poll` asks the poller for a round through the store.

Finding and editing sources (`find_feeds`, `add_source`, `set_paused`, `remove_source`) are
coroutines for the app's event loop, the one the poller runs on: the config file and the store
are written in threads, and the running poller takes the new sources at once. Every failure is a
`TickerError` whose message is one line for a person.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ticker.config import Settings
from ticker.errors import FetchError, TickerError
from ticker.model import Badge, Headline, Source, SourceHealth
from ticker.store import Query, Store
from ticker.timeline import Timeline

if TYPE_CHECKING:
    from ticker.aggregator.settings import AggregatorSettings
    from ticker.alerts.events import AlertEvent
    from ticker.alerts.rules import AlertRule, AlertSettings
    from ticker.discover import Candidate, Discovery
    from ticker.hub import Role
    from ticker.hub.lock import PollerLock
    from ticker.hub.watch import StoreWatch
    from ticker.listing import Proposal
    from ticker.poller import PollBatch, Poller
    from ticker.reader import Opened

_T = TypeVar("_T")


class ReadOnlyError(TickerError):
    """A read-only session was asked to change marks or sources."""


MESSAGE_MAX = 300  # characters of an error message shown to a person


@dataclass(frozen=True, slots=True)
class View:
    """What the pane shows: the filters a person chose."""

    source: str | None = None
    badge: Badge | None = None
    unread: bool = False
    starred: bool = False
    search: str | None = None

    def query(self) -> Query:
        return Query(
            sources=(self.source,) if self.source else (),
            badge=self.badge,
            unread=self.unread,
            starred=self.starred,
            search=self.search or None,
        )

    def describe(self, names: dict[str, str]) -> str:
        parts = []
        if self.source:
            parts.append(names.get(self.source, self.source))
        if self.badge:
            parts.append(self.badge.label)
        if self.unread:
            parts.append("unread")
        if self.starred:
            parts.append("starred")
        if self.search:
            parts.append(f"“{self.search}”")
        return " · ".join(parts)


@dataclass
class Session:
    """A store, its sources and settings; the poller and reader on demand.

    `config_path` is the file that source edits are saved to. It defaults to the settings' own
    file when `sources` are the configured ones; with other sources (named on the command line,
    the demo's) it is None and edits last for this run only.

    `polls` False: this process only views, never taking the poller's role (the sessions of
    `ticker ssh` and `ticker web`, whose server polls). `read_only`: no read or starred marks
    and no source edits from here (`ReadOnlyError`).
    """

    store_path: Path
    sources: Sequence[Source]
    settings: Settings
    config_path: Path | None = None
    clock: Callable[[], float] = time.time  # the poller's: tests move it instead of waiting
    polls: bool = True
    read_only: bool = False
    _poller: Poller | None = field(default=None, init=False, repr=False)
    role: Role | None = field(default=None, init=False)  # None until polling starts
    _config_seen: int | None = field(default=None, init=False, repr=False)  # its mtime_ns
    _editing: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.sources = tuple(self.sources)
        configured = self.sources == tuple(self.settings.sources)
        if self.config_path is None and configured and self.settings.path is not None:
            self.config_path = self.settings.path

    @property
    def tz(self) -> tzinfo | None:
        return self.settings.tz()

    @property
    def saves_sources(self) -> bool:
        """Whether source edits are saved to a config file, or last for this run only."""
        return self.config_path is not None

    def source_names(self) -> dict[str, str]:
        return {s.url: s.name for s in self.sources}

    def source_for(self, url: str) -> Source | None:
        """The session's source at `url` (any spelling of it), or None."""
        from ticker.sources_file import url_key

        key = url_key(url)
        return next((s for s in self.sources if url_key(s.url) == key), None)

    def prepare(self) -> None:
        """Create the store and its source rows (first run)."""
        with Store(self.store_path) as store:
            store.ensure_sources(self.sources)

    def timeline(self, view: View | None = None, *, first: int | None = None) -> Timeline:
        """The pane's rows for `view`, loaded (its store connection stays open for reads).

        `first` loads only the newest rows: enough for a first paint, in a few milliseconds
        where all of 100,000 take a hundred.
        """
        timeline = Timeline(Store(self.store_path), (view or View()).query(), self.tz)
        timeline.load(first)
        return timeline

    def set_read(self, rows: Sequence[int], read: bool = True) -> None:
        self._writable("marks")
        with Store(self.store_path) as store:
            store.set_read(rows, read)

    def set_starred(self, rows: Sequence[int], starred: bool = True) -> None:
        self._writable("marks")
        with Store(self.store_path) as store:
            store.set_starred(rows, starred)

    def health(self) -> list[SourceHealth]:
        """The health of the session's sources and the aggregator's feeds (a removed source's
        row may linger in the store for its starred headlines; it is not reported)."""
        urls = {s.url for s in self.sources}
        aggregator = self.settings.aggregator
        with Store(self.store_path) as store:
            return [
                record
                for record in store.health()
                if record.url in urls or (aggregator is not None and aggregator.owns(record.url))
            ]

    def remote_sources(self, health: Sequence[SourceHealth]) -> list[Source]:
        """The aggregator's feeds (and its sync's own line) among `health`, as sources."""
        aggregator = self.settings.aggregator
        if aggregator is None:
            return []
        return [
            Source(
                name=record.name,
                url=record.url,
                kind="aggregator" if record.url == aggregator.source_url else "remote",
            )
            for record in health
            if aggregator.owns(record.url)
        ]

    async def poll_forever(
        self,
        listener: Callable[[PollBatch], None],
        *,
        on_role: Callable[[Role], None] | None = None,
        on_change: Callable[[tuple[int, ...]], None] | None = None,
        on_round: Callable[[], None] | None = None,
    ) -> None:
        """Poll every source when due, for as long as the task runs, if this process holds
        the store's poller lock; else view until the lock is free, then poll.

        A viewer hears of the poller's commits through `on_change` (the new rows), within
        `WATCH_EVERY`; `on_role` hears which role this process has; `on_round` hears of each
        finished round of polls (the poller role only).
        """
        # Import the network stack off the event loop: it takes longer than a frame.
        await asyncio.to_thread(importlib.import_module, "ticker.poller")
        from ticker.hub import Role
        from ticker.hub.lock import PollerLock
        from ticker.hub.watch import StoreWatch

        lock = PollerLock(self.store_path)
        watch = await asyncio.to_thread(StoreWatch, self.store_path)
        self._config_seen = await asyncio.to_thread(self._config_mtime)
        try:
            if not self.polls or not lock.acquire():
                self._set_role(Role.VIEWS, on_role)
                await self._view(lock, watch, on_change)
            await self._poll(listener, watch, on_role, on_change, on_round)
        finally:
            self.role = None
            lock.release()
            await asyncio.to_thread(watch.close)

    def _set_role(self, role: Role, on_role: Callable[[Role], None] | None) -> None:
        self.role = role
        if on_role is not None:
            on_role(role)

    async def _view(
        self,
        lock: PollerLock,
        watch: StoreWatch,
        on_change: Callable[[tuple[int, ...]], None] | None,
    ) -> None:
        """Hear of other processes' commits and source edits until the poller lock is free
        (for ever, when this session never polls)."""
        from ticker.hub import WATCH_EVERY

        # What the poller committed between this process's first read of the store and the
        # watch's start is not a change the watch can see: read the store again once.
        if on_change is not None:
            on_change(())
        while not (self.polls and lock.acquire()):
            await asyncio.sleep(WATCH_EVERY)
            changed, rows, edited = await asyncio.to_thread(self._look, watch)
            if edited is not None and await self._take_sources(*edited):
                changed = True
            if changed and on_change is not None:
                on_change(rows)

    def _look(
        self, watch: StoreWatch
    ) -> tuple[bool, tuple[int, ...], tuple[int | None, Settings | None] | None]:
        """In a thread: whether the store changed, its new rows, the config file if edited."""
        changed = watch.changed()
        rows = watch.new_rows() if changed else ()
        return changed, rows, self._sources_edited()

    def _config_mtime(self) -> int | None:
        if self.config_path is None:
            return None
        try:
            return self.config_path.stat().st_mtime_ns
        except OSError:
            return None

    def _sources_edited(self) -> tuple[int | None, Settings | None] | None:
        """When the config file changed since last seen: its mtime and settings (None when it
        cannot be read, as while it is being edited by hand); else None."""
        from ticker import config

        seen = self._config_mtime()
        if self.config_path is None or seen == self._config_seen:
            return None
        try:
            return seen, config.load(self.config_path, create=False)
        except (TickerError, OSError):
            return seen, None  # the next save is read again

    async def _take_sources(self, mtime: int | None, edited: Settings | None) -> bool:
        """Another process's edit of the sources (and alert rules), taken; whether the
        sources changed."""
        async with self._editing:
            if mtime == self._config_seen:
                return False  # this process's own edit, taken already
            self._config_seen = mtime
            if edited is None:
                return False
            if edited.alerts != self.settings.alerts:
                self._set_alerts(edited.alerts)
            sources = tuple(edited.sources)
            if sources == self.sources:
                return False
            self.sources = sources
            if self._poller is not None:
                await self._poller.set_sources(self.sources)
            return True

    def _set_alerts(self, alerts: AlertSettings) -> None:
        self.settings = replace(self.settings, alerts=alerts)
        if self._poller is not None:
            self._poller.set_alerts(alerts)

    async def _poll(
        self,
        listener: Callable[[PollBatch], None],
        watch: StoreWatch,
        on_role: Callable[[Role], None] | None,
        on_change: Callable[[tuple[int, ...]], None] | None,
        on_round: Callable[[], None] | None,
    ) -> None:
        """Poll while the task runs; answer viewers' requests and take their source edits."""
        from ticker.aggregator.sync import for_settings
        from ticker.hub import WATCH_EVERY, Role
        from ticker.poller import Poller

        async with Poller(
            self.store_path,
            self.sources,
            self.settings.poll,
            retention=self.settings.retention,
            listener=listener,
            tz=self.tz,
            clock=self.clock,
            claims=True,  # the store is shared: a poller that takes over fetches nothing twice
            alerts=self.settings.alerts,
            aggregator=for_settings(self.settings.aggregator),
        ) as poller:
            self._poller = poller
            self._set_role(Role.POLLS, on_role)  # with the schedule loaded from the store
            tasks: set[asyncio.Task[None]] = set()
            asked: set[int] = set()
            run = asyncio.create_task(poller.run())
            if on_round is not None:
                tasks.add(asyncio.create_task(_each_round(poller, on_round)))
            try:
                if list(self.sources) != poller.sources:  # edited while the poller was starting
                    await poller.set_sources(self.sources)
                changed = True  # requests made while no process polled are answered now
                while not run.done():
                    if changed:
                        requests = await asyncio.to_thread(watch.store.open_requests)
                        if fresh := [r for r in requests if r not in asked]:
                            asked.update(fresh)
                            task = asyncio.create_task(self._answer(poller, fresh))
                            tasks.add(task)
                            task.add_done_callback(tasks.discard)
                    await asyncio.wait({run}, timeout=WATCH_EVERY)
                    if run.done():
                        break
                    changed, _, edited = await asyncio.to_thread(self._look, watch)
                    if changed and self.settings.aggregator is not None:
                        poller.push_marks()  # marks made here or in a viewer, at once
                    took = edited is not None and await self._take_sources(*edited)
                    if took and on_change is not None:
                        on_change(())
                run.result()  # the run loop's failure, raised here
            finally:
                self._poller = None
                for task in (run, *tasks):
                    task.cancel()
                await asyncio.gather(run, *tasks, return_exceptions=True)

    async def _answer(self, poller: Poller, requests: list[int]) -> None:
        """A round for viewers that asked for one; marked answered once it is stored."""
        await poller.poll_now()
        await asyncio.to_thread(self._mark_answered, requests)

    def _mark_answered(self, requests: list[int]) -> None:
        with Store(self.store_path) as store:
            store.answer_requests(requests, time.time())

    def ask_poll(self) -> int:
        """Ask the process that polls this store for a round now (blocks: call in a thread)."""
        with Store(self.store_path) as store:
            return store.ask_poll(time.time())

    @property
    def views(self) -> bool:
        """Whether another process polls the store and this one only shows what it stores."""
        from ticker.hub import Role

        return self.role is Role.VIEWS

    def refresh(self) -> None:
        """Poll every source now (when this process polls; a viewer uses `ask_poll`)."""
        if self._poller is not None:
            self._poller.refresh()

    def next_poll(self) -> float | None:
        return self._poller.next_poll() if self._poller is not None else None

    def wake(self) -> None:
        """Have the poller look at its schedule now (after the clock moved)."""
        if self._poller is not None:
            self._poller.wake()

    @property
    def alert_error(self) -> str | None:
        """Alerting's failure (a rule, the notify command) as one line; None while it works."""
        return self._poller.alert_error if self._poller is not None else None

    @property
    def store_error(self) -> str | None:
        """The poller's last failure to write the store, as one line; None while it works."""
        return self._poller.store_error if self._poller is not None else None

    # -- finding and editing sources ---------------------------------------------------------

    async def find_feeds(self, url: str) -> Discovery:
        """The feeds at `url` (a page or a feed); TickerError when it cannot be fetched."""
        await asyncio.to_thread(_warm_imports, "ticker.fetch", "ticker.discover")
        from ticker import manage

        try:
            return await manage.find_feeds(url, self.settings)
        except TickerError as error:
            raise _one_line(error, url) from None

    async def find_listing(self, url: str) -> tuple[str, list[Proposal]]:
        """The page at `url` and the headline lists proposed for it, best first."""
        await asyncio.to_thread(_warm_imports, "ticker.fetch", "ticker.listing")
        from ticker import manage

        try:
            return await manage.find_listing(url, self.settings)
        except TickerError as error:
            raise _one_line(error, url) from None

    def feed_source(self, candidate: Candidate) -> Source:
        """The source a found feed becomes: named by its title, else its host."""
        from ticker import manage

        return manage.feed_source(candidate)

    def listing_source(self, page: str, proposal: Proposal) -> Source:
        """The source a page's headline list becomes: kind "html", named by its host."""
        from ticker import manage

        return manage.listing_source(page, proposal)

    def describe_listing(self, page: str, proposal: Proposal) -> str:
        """The selectors a listing uses and its first headlines, in the display zone."""
        from ticker import manage

        return manage.describe_listing(page, proposal, self.tz)

    async def add_source(self, source: Source) -> Source:
        """Save `source` (when there is a config file) and poll it from now on."""
        from ticker import sources_file

        self._writable("sources")
        if self.settings.aggregator is not None:
            return await self._subscribe(source, self.settings.aggregator)
        async with self._editing:
            same = self.source_for(source.url)
            if same is not None:
                raise sources_file.DuplicateSourceError(
                    f"{_clean(same.name)} ({_clean(same.url)}) is a source already", same
                )
            if self.config_path is not None:
                await _in_thread(sources_file.add, self.config_path, source)
            self.sources = (*self.sources, source)
            await self._sources_changed()
        return source

    async def _subscribe(self, source: Source, aggregator: AggregatorSettings) -> Source:
        """With an aggregator, a new source is a subscription on the server; the next sync,
        started now, brings its headlines."""
        from ticker.aggregator import manage

        feed = await manage.subscribe(aggregator, source.url, timeout=self.settings.poll.timeout)
        self.refresh()
        return replace(source, url=aggregator.feed_url(feed), kind="remote")

    async def set_paused(self, url: str, paused: bool) -> Source:
        """Pause the source at `url` (kept, not polled) or resume it; the source as now."""
        from ticker import sources_file

        self._writable("sources")
        async with self._editing:
            found = self.source_for(url)
            if found is None:
                raise sources_file.NoSuchSourceError(f"no source has the url {_clean(url)}")
            if self.config_path is not None:
                await _in_thread(sources_file.set_paused, self.config_path, found.url, paused)
            changed = replace(found, paused=paused)
            self.sources = tuple(changed if s is found else s for s in self.sources)
            await self._sources_changed()
        return changed

    async def remove_source(self, url: str) -> int:
        """Remove the source at `url` from the config file, the poller and the store.

        Its headlines are deleted except the starred ones; returns how many starred ones stay.
        """
        from ticker import sources_file

        self._writable("sources")
        aggregator = self.settings.aggregator
        if aggregator is not None and aggregator.feed_id(url) is not None:
            from ticker.aggregator import manage

            # The server first: while it refuses, the feed stays here as it is there.
            await manage.unsubscribe(aggregator, url, timeout=self.settings.poll.timeout)
            return await _in_thread(self._forget, [url])
        async with self._editing:
            found = self.source_for(url)
            if found is None:
                raise sources_file.NoSuchSourceError(f"no source has the url {_clean(url)}")
            url_key = sources_file.url_key
            gone = [s.url for s in self.sources if url_key(s.url) == url_key(found.url)]
            # The store first: when it cannot be written (a full disk, a held lock) nothing
            # has changed and the person hears why. Marked removed there, the source's rows
            # never come back, even from a poll of it that is running now.
            kept = await _in_thread(self._forget, gone)
            if self.config_path is not None:
                # Gone from the file already (edited by hand): it leaves the session too.
                with contextlib.suppress(sources_file.NoSuchSourceError):
                    await _in_thread(sources_file.remove, self.config_path, found.url)
            self.sources = tuple(s for s in self.sources if s.url not in gone)
            await self._sources_changed()
            return kept

    # -- alerts --------------------------------------------------------------------------------

    def last_alert_id(self) -> int:
        """The newest alert in the store: a viewer shows the ones after it (blocks: a thread)."""
        with Store(self.store_path) as store:
            return store.last_alert_id()

    def alerts_after(self, event: int) -> list[AlertEvent]:
        """Alerts fired since `event`, oldest first (blocks: call in a thread)."""
        with Store(self.store_path) as store:
            return store.alerts_after(event)

    def recent_alerts(self, limit: int = 100) -> list[AlertEvent]:
        with Store(self.store_path) as store:
            return store.recent_alerts(limit)

    def alert_problems(self) -> dict[str, tuple[datetime, str]]:
        """What failed last in alerting (the notify command...), for the sources screen."""
        with Store(self.store_path) as store:
            return store.alert_problems()

    async def add_alert_rule(self, rule: AlertRule) -> AlertRule:
        """Save `rule` (when there is a config file) and fire it from now on: headlines stored
        already never fire it."""
        from ticker.alerts import rules_file

        self._writable("alert rules")
        async with self._editing:
            named = rule.name.casefold()
            if any(r.name.casefold() == named for r in self.settings.alerts.rules):
                raise rules_file.DuplicateRuleError(f"{_clean(rule.name)}: an alert has that name")
            if self.config_path is not None:
                await _in_thread(rules_file.add_rule, self.config_path, rule)
            await _in_thread(self._note_rules, [rule])
            rules = (*self.settings.alerts.rules, rule)
            self._set_alerts(replace(self.settings.alerts, rules=rules))
            await self._config_saved()
        return rule

    async def remove_alert_rule(self, name: str) -> None:
        from ticker.alerts import rules_file

        self._writable("alert rules")
        async with self._editing:
            kept = tuple(r for r in self.settings.alerts.rules if r.name != name)
            if len(kept) == len(self.settings.alerts.rules):
                raise rules_file.NoSuchRuleError(f"no alert is named {_clean(name)}")
            if self.config_path is not None:
                await _in_thread(rules_file.remove_rule, self.config_path, name)
            self._set_alerts(replace(self.settings.alerts, rules=kept))
            await self._config_saved()

    def _note_rules(self, rules: Sequence[AlertRule]) -> None:
        with Store(self.store_path) as store:
            store.note_alert_rules(rules)

    async def _config_saved(self) -> None:
        if self.role is not None:  # the config file as this process saved it: no news
            self._config_seen = await asyncio.to_thread(self._config_mtime)

    def _writable(self, what: str) -> None:
        if self.read_only:
            raise ReadOnlyError(f"this session is read-only: its {what} cannot be changed")

    def _forget(self, urls: Sequence[str]) -> int:
        """Delete the sources' headlines but the starred ones; how many starred ones stay."""
        with Store(self.store_path) as store:
            return sum(store.forget_source(url)[1] for url in urls)

    async def _sources_changed(self) -> None:
        """The poller polls the new sources (a new one at once); each has its store row."""
        if self.role is not None:  # the config file as this process saved it: no news
            self._config_seen = await asyncio.to_thread(self._config_mtime)
        if self._poller is not None:
            await self._poller.set_sources(self.sources)
        else:
            await _in_thread(self.prepare)

    async def open_article(self, url: str, *, refresh: bool = False) -> Opened:
        """The article behind a headline (cache, page, else the feed's text)."""
        await asyncio.to_thread(_warm_reader_imports)
        from ticker import reader
        from ticker.fetch import Fetcher, Limits

        async with Fetcher(Limits.for_timeout(self.settings.poll.timeout, 1)) as fetcher:
            opened = await reader.open_article(
                url, self.store_path, fetcher=fetcher, refresh=refresh
            )
        aggregator = self.settings.aggregator
        if opened.article.origin == "feed" and aggregator is not None:
            # The page failed: the aggregator's whole copy beats the feed's summary.
            return await self._server_copy(opened, aggregator)
        return opened

    async def _server_copy(self, opened: Opened, aggregator: AggregatorSettings) -> Opened:
        from ticker import extract
        from ticker.aggregator import manage

        headline = await asyncio.to_thread(self._headline_for, opened.article.url)
        if headline is None or aggregator.feed_id(headline.source) is None:
            return opened  # a local source's headline (its guid says nothing of the server)
        remote = headline.guid.removeprefix("remote:")
        if not remote.isdigit():
            return opened
        try:
            content = await manage.server_copy(
                aggregator, int(remote), timeout=self.settings.poll.timeout
            )
        except TickerError:
            return opened  # the server is away too: the summary the store holds
        body = await asyncio.to_thread(extract.fragment_markdown, content or "")
        if not body:
            return opened
        why = (opened.notice or "").removesuffix("; showing the feed's text")
        return replace(
            opened,
            article=replace(opened.article, body=body, origin="server"),
            notice=f"{why}; showing {aggregator.url}'s copy",
        )

    def _headline_for(self, url: str) -> Headline | None:
        with Store(self.store_path) as store:
            return store.headline_for_url(url)


async def _in_thread(fn: Callable[..., _T], *args: object) -> _T:
    """`fn(*args)` in a thread; an OSError becomes a TickerError of one line."""
    try:
        return await asyncio.to_thread(fn, *args)
    except TickerError as error:
        raise _one_line(error) from None
    except OSError as error:
        raise TickerError(_clean(error.strerror or str(error))) from None


async def _each_round(poller: Poller, on_round: Callable[[], None]) -> None:
    while True:
        await poller.round_over()
        on_round()


def _one_line(error: TickerError, url: str | None = None) -> TickerError:
    """`error` with its message as one clean line; a fetch error says which address it was."""
    text = _clean(str(error) or type(error).__name__)
    if url is not None and isinstance(error, FetchError):
        text = f"{_clean(url)}: {text}"
    error.args = (text,)
    return error


def _clean(text: str) -> str:
    from ticker.sanitize import clean_line

    return clean_line(text, MESSAGE_MAX, markup=False)


def _warm_imports(*names: str) -> None:
    for name in names:
        importlib.import_module(name)


def _warm_reader_imports() -> None:
    """The reader's imports, in a thread: trafilatura and the network stack take a while."""
    for name in ("ticker.fetch", "ticker.reader", "ticker.extract", "trafilatura"):
        importlib.import_module(name)
