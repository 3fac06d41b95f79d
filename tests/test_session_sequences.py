"""Sequences, not cases: a stateful test of the app, its session, poller and store (issue 11).

Hypothesis drives the real app (Pilot), whose real Session polls a real server on 127.0.0.1
into a real SQLite file, through sequences of what a long-running dashboard meets: sources
added, removed, added again, paused and resumed; polls asked for; time passing; feeds that
publish, revise, fail and hang; a store that another connection holds locked; marks; polling
cancelled and started again. After every step it checks what a person relies on:

- no removed source's headlines come back (its starred ones stay);
- no source is fetched more often than its interval and backoff allow (failures included),
  unless the person asked (poll now, added, resumed);
- the screen comes to show exactly the store: every row drawn is a row in the store, with
  that title;
- read and starred marks survive;
- and at the end, with every fault gone and time passed, every source's news is stored:
  polling went on after every failure.

The poller's clock is the test's, moved by a rule; the server holds a hanging feed's answer
until a rule releases it. CI runs a bounded number of examples (TICKER_SEQUENCES, default 12);
a failure prints the steps and the blob to reproduce it.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sqlite3
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from newsdesk import Newsdesk
from textual.pilot import Pilot

from ticker import store as store_module
from ticker.app.app import TickerApp
from ticker.app.widgets.headline_pane import HeadlinePane
from ticker.config import PollSettings, Settings
from ticker.errors import TickerError
from ticker.model import Source
from ticker.poller import MIN_RETRY
from ticker.session import Session
from ticker.store import Query, Store

INTERVAL = 120.0
# No two fetches of a source closer than this without the person asking: the interval, or the
# first backoff after a failure (at least MIN_RETRY, less its jitter).
SPACING = 0.8 * min(INTERVAL, MIN_RETRY)
NAMES = ("alpha", "bravo", "charlie")
SETTLE = 15.0  # seconds of real time a step may take to settle, at most


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class Dashboard(RuleBasedStateMachine):
    """The app on a store, three feeds it may poll, and a model of what must hold."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.folder = tempfile.TemporaryDirectory(prefix="ticker-sequences-")
        self.path = Path(self.folder.name) / "ticker.db"
        self.clock = Clock()
        self.desk = Newsdesk(self.clock)
        self._desk_running = self.desk.running()
        self.run(self._desk_running.__aenter__())
        self.saved_timeout = store_module.BUSY_TIMEOUT
        store_module.BUSY_TIMEOUT = 0.05  # a held lock fails a write at once, not in 10 s
        settings_ = Settings(
            sources=(), poll=PollSettings(interval=INTERVAL, timeout=60.0, max_backoff=1800)
        )
        self.session = Session(self.path, (), settings_, clock=self.clock)
        self.session.prepare()
        self.app = TickerApp(self.session, poll=True)
        # The app lives in one task from start to exit (Textual's context is that task's);
        # the rules run as other tasks on the same loop beside it.
        self._started: asyncio.Future[Pilot] = self.loop.create_future()
        self._quit = asyncio.Event()
        self._app_task = self.loop.create_task(self._host_app())
        self.pilot: Pilot = self.run(self._started)
        self.lock: sqlite3.Connection | None = None
        self.published = dict.fromkeys(NAMES, 0)
        self.present: set[str] = set()
        self.ever: set[str] = set()
        self.paused: set[str] = set()
        self.held: set[str] = set()
        self.broken: set[str] = set()
        # (name, fake time): the person asked for a fetch then (poll now, added, resumed)
        self.asked: list[tuple[str, float]] = []
        self.read: set[tuple[str, str]] = set()  # (url, guid)
        self.starred: set[tuple[str, str]] = set()

    async def _host_app(self) -> None:
        async with self.app.run_test(size=(160, 40)) as pilot:
            self._started.set_result(pilot)
            await self._quit.wait()

    def run(self, coroutine):  # type: ignore[no-untyped-def]
        return self.loop.run_until_complete(coroutine)

    def in_app(self, call) -> None:  # type: ignore[no-untyped-def]
        """Call one of the app's methods on its own loop, as its screens do."""

        async def called() -> None:
            call()
            await self.pilot.pause()

        self.run(called())

    # -- the world ---------------------------------------------------------------------------

    def url(self, name: str) -> str:
        return self.desk.feed_url(name)

    def source(self, name: str) -> Source:
        return Source(name.capitalize(), self.url(name), interval=INTERVAL)

    def asked_all(self) -> None:
        self.asked += [(name, self.clock.now) for name in self.present - self.paused]

    @initialize()
    def first_source(self) -> None:
        self.run(self._add("alpha"))

    async def _add(self, name: str) -> None:
        if not self.desk.desk(name).items:
            self._publish(name)
        await self.session.add_source(self.source(name))
        self.app.sources_changed()
        self.present.add(name)
        self.ever.add(name)
        self.asked.append((name, self.clock.now))

    def _publish(self, name: str) -> None:
        number = self.published[name]
        self.published[name] += 1
        self.desk.desk(name).publish(f"{name}-{number}", f"{name.capitalize()} story {number}")

    # -- rules ---------------------------------------------------------------------------

    @rule(name=st.sampled_from(NAMES))
    def add(self, name: str) -> None:
        if name in self.present:
            return
        self.run(self._add(name))

    @precondition(lambda self: self.present)
    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        # Half the time a source whose answer is on its way, when there is one: the race
        # between a running poll and the removal is what must never bring rows back.
        busy = sorted(self.present & self.held)
        pool = busy if busy and data.draw(st.booleans()) else sorted(self.present)
        name = data.draw(st.sampled_from(pool))
        url = self.url(name)
        try:
            self.run(self.session.remove_source(url))
        except TickerError:
            assert self.lock is not None, "removal failed with the store writable"
            assert self.session.source_for(url) is not None  # nothing changed
            return
        self.in_app(lambda: self.app.sources_changed(removed=url))
        self.present.discard(name)
        self.paused.discard(name)
        self.read = {(u, g) for u, g in self.read if u != url or (u, g) in self.starred}

    @precondition(lambda self: self.present - self.paused)
    @rule(data=st.data())
    def pause(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.present - self.paused)))
        self.run(self.session.set_paused(self.url(name), True))
        self.in_app(self.app.sources_changed)
        self.paused.add(name)

    @precondition(lambda self: self.paused)
    @rule(data=st.data())
    def resume(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.paused)))
        self.run(self.session.set_paused(self.url(name), False))
        self.in_app(self.app.sources_changed)
        self.paused.discard(name)
        self.asked.append((name, self.clock.now))

    @rule()
    def poll_now(self) -> None:
        self.run(self.pilot.press("r"))
        self.asked_all()

    @rule(seconds=st.sampled_from([5.0, 30.0, 70.0, 130.0, 400.0]))
    def time_passes(self, seconds: float) -> None:
        self.clock.now += seconds
        self.session.wake()

    @rule(
        name=st.sampled_from(NAMES),
        change=st.sampled_from(["publish", "revise", "fail", "recover", "hang", "answer"]),
    )
    def feed(self, name: str, change: str) -> None:
        """A feed publishes, revises its newest story, fails (503), recovers, hangs (its
        answers wait until it answers again) or answers what it held."""
        desk = self.desk.desk(name)
        if change == "publish":
            self._publish(name)
        elif change == "revise" and desk.items:
            guid, title = desk.items[0]
            desk.items[0] = (guid, f"{title}, revised")
            desk.version += 1
        elif change == "fail":
            desk.status = 503
            self.broken.add(name)
        elif change == "recover":
            desk.status = 200
            self.broken.discard(name)
        elif change == "hang" and desk.hold is None:
            desk.hold = asyncio.Event()
            self.held.add(name)
        elif change == "answer" and desk.hold is not None:
            desk.hold.set()
            desk.hold = None
            self.held.discard(name)

    @precondition(lambda self: self.lock is None)
    @rule()
    def store_locked(self) -> None:
        self.lock = sqlite3.connect(self.path, isolation_level=None)
        self.lock.execute("BEGIN IMMEDIATE")

    @precondition(lambda self: self.lock is not None)
    @rule()
    def store_unlocked(self) -> None:
        assert self.lock is not None
        self.lock.execute("COMMIT")
        self.lock.close()
        self.lock = None

    @precondition(lambda self: self.lock is None)
    @rule(data=st.data(), starred=st.booleans())
    def mark(self, data: st.DataObject, starred: bool) -> None:
        with Store(self.path) as store:
            rows = store.headlines()
        if not rows:
            return
        chosen = data.draw(st.sampled_from(rows))
        assert chosen.row is not None
        if starred:
            self.session.set_starred([chosen.row])
            self.starred.add((chosen.source, chosen.guid))
        else:
            self.session.set_read([chosen.row])
            self.read.add((chosen.source, chosen.guid))

    @rule()
    def polling_restarts(self) -> None:
        """The poller is cancelled wherever it is and started again (exclusive worker)."""
        self.in_app(self.app.poll_forever)
        self.asked_all()  # a new poller starts from the store's schedule, due sources at once

    # -- settling and checking -------------------------------------------------------------

    def caught_up(self) -> bool:
        poller = self.session._poller
        if poller is None:
            return False
        if [s.url for s in poller.sources] != [s.url for s in self.session.sources]:
            return False
        if poller._pending or (poller._writer is not None and not poller._writer.done()):
            return False
        held = {self.url(name) for name in self.held}
        if not poller._in_flight <= held:
            return False
        for source in self.session.sources:
            if source.paused or source.url in poller._in_flight:
                continue
            state = poller._states.get(source.url)
            if state is None or state.next_poll is None or state.next_poll <= self.clock.now:
                return False
        return True

    async def settle(self) -> None:
        deadline = time.monotonic() + SETTLE
        while not self.caught_up():
            assert time.monotonic() < deadline, "the poller never caught up with its schedule"
            await self.pilot.pause(0.01)

    @invariant()
    def removed_sources_stay_gone(self) -> None:
        self.run(self.settle())
        with Store(self.path) as store:
            for name in self.ever - self.present:
                url = self.url(name)
                left = {(h.source, h.guid) for h in store.headlines(Query(sources=(url,)))}
                assert left <= self.starred, f"{name}'s headlines came back after its removal"
                assert url not in {h.url for h in self.session.health()}

    @invariant()
    def no_source_is_fetched_too_often(self) -> None:
        for name in NAMES:
            times = [r.at for r in self.desk.requests if r.desk == name]
            for before, after in itertools.pairwise(times):
                if after - before >= SPACING:
                    continue
                asked = any(n == name and before <= at <= after for n, at in self.asked)
                assert asked, f"{name} fetched at {before} and again {after - before:g} s later"

    @invariant()
    def marks_survive(self) -> None:
        if self.lock is not None:
            return
        with Store(self.path) as store:
            shown = {(h.source, h.guid): h for h in store.headlines()}
        for key in self.starred:
            assert key in shown and shown[key].starred, f"starred {key} lost"
        for key in self.read:
            if key in shown:
                assert shown[key].read, f"read mark of {key} lost"

    @invariant()
    def the_screen_shows_the_store(self) -> None:
        async def converge() -> None:
            deadline = time.monotonic() + SETTLE
            while True:
                drawn, stored = self.drawn_and_stored()
                if drawn == stored:
                    return
                assert time.monotonic() < deadline, f"screen {drawn} != store {stored}"
                await self.pilot.pause(0.05)

        self.run(converge())

    def drawn_and_stored(self) -> tuple[list[str], list[str]]:
        """The titles the pane draws on screen, and the store's for the same rows."""
        pane = self.app.query_one(HeadlinePane)
        lines = [pane.render_line(y).text for y in range(pane.size.height)]
        with Store(self.path) as store:
            titles = [h.title for h in store.headlines(self.app.view.query())]
        visible = titles[: pane.size.height]
        drawn = [t for t in visible if any(t in line for line in lines)]
        return drawn, visible

    def teardown(self) -> None:
        try:
            if self.lock is not None:
                self.store_unlocked()
            for name in NAMES:
                self.feed(name, "answer")
                self.feed(name, "recover")
            if self.paused:
                self.resume_all()
            # Long enough for the longest backoff: every source is polled again and stored.
            self.clock.now += 2000
            self.session.wake()
            self.run(self.settle())
            with Store(self.path) as store:
                for name in self.present:
                    url = self.url(name)
                    stored = {h.title for h in store.headlines(Query(sources=(url,)))}
                    published = {title for _, title in self.desk.desk(name).items}
                    assert stored == published, f"{name}: stored {stored}, published {published}"
                assert store.integrity() == "ok"
        finally:
            store_module.BUSY_TIMEOUT = self.saved_timeout
            try:
                self._quit.set()
                self.run(self._app_task)
            finally:
                self.run(self._desk_running.__aexit__(None, None, None))
                left = asyncio.all_tasks(self.loop)
                for task in left:
                    task.cancel()

                async def ended() -> None:
                    await asyncio.gather(*left, return_exceptions=True)

                self.run(ended())
                self.run(self.loop.shutdown_asyncgens())
                self.loop.close()
                self.folder.cleanup()

    def resume_all(self) -> None:
        for name in sorted(self.paused):
            self.run(self.session.set_paused(self.url(name), False))
        self.paused.clear()
        self.in_app(self.app.sources_changed)


Dashboard.TestCase.settings = settings(
    max_examples=int(os.environ.get("TICKER_SEQUENCES", "12")),
    stateful_step_count=20,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestDashboardSequences = Dashboard.TestCase
