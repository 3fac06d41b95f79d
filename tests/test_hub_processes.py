"""One poller per store, many viewers: real `ticker` processes on one store (issue 13, 1-2).

Every feed is served by a Newsdesk on 127.0.0.1 that counts the requests each feed gets, so
"fetched once" is counted, not assumed. Waits are bounded loops on a condition.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from newsdesk import Newsdesk

from ticker import config
from ticker.app.app import TickerApp
from ticker.hub.lock import PollerLock
from ticker.model import Headline, Source
from ticker.session import Session
from ticker.store import Store

WAIT = 15.0  # seconds any one condition may take before the test fails


@pytest.fixture
async def desk() -> AsyncIterator[Newsdesk]:
    async with Newsdesk().running() as running:
        yield running


# A shell runs each `ticker` and reports its pid and exit status on stderr: the status as the
# shell saw it, whatever else in the test process reaps children.
SHELL = '"$@" & echo "pid $!" >&2; wait $!; echo "exit $?" >&2'


class Ticker:
    """A `ticker` subprocess on the test's config and data dir, its stderr kept line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process  # the shell
        self.lines: list[str] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def said(self, text: str) -> int:
        return sum(1 for line in self.lines if text in line)

    async def pid(self) -> int:
        await until(lambda: self.said("pid ") > 0, "the ticker started")
        return int(next(line for line in self.lines if line.startswith("pid "))[4:])

    async def signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(await self.pid(), signum)

    async def exit_status(self) -> int:
        await until(lambda: self.said("exit ") > 0, "the ticker exited")
        return int(next(line for line in self.lines if line.startswith("exit "))[5:])

    async def stop(self) -> None:
        if not self.said("exit "):
            await self.signal(signal.SIGKILL)
        await self.process.wait()
        await self._reader


def environment(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TICKER_CONFIG": str(home / "config.toml"),
        "TICKER_DATA_DIR": str(home / "data"),
    }


async def start(home: Path, *args: str, stdout: int | None = None) -> Ticker:
    process = await asyncio.create_subprocess_exec(
        "sh",
        "-c",
        SHELL,
        "sh",
        sys.executable,
        "-m",
        "ticker",
        *args,
        env=environment(home),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=stdout if stdout is not None else asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    return Ticker(process)


def write_config(home: Path, sources: list[tuple[str, str]], interval: int = 300) -> Path:
    path = home / "config.toml"
    tables = "".join(f'[[sources]]\nname = "{name}"\nurl = "{url}"\n\n' for name, url in sources)
    path.write_text(f"[poll]\ninterval = {interval}\ntimeout = 5\n\n{tables}", encoding="utf-8")
    return path


def store_path(home: Path) -> Path:
    return home / "data" / "ticker.db"


def open_requests(home: Path) -> int:
    with Store(store_path(home)) as store:
        return len(store.open_requests())


def stored_titles(home: Path) -> set[str]:
    if not store_path(home).exists():
        return set()
    db = sqlite3.connect(f"file:{store_path(home)}?mode=ro", uri=True)
    try:
        return {row[0] for row in db.execute("SELECT title FROM items")}
    except sqlite3.OperationalError:  # not made yet
        return set()
    finally:
        db.close()


async def until(condition: Callable[[], bool], what: str, within: float = WAIT) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"not within {within:g} s: {what}")
        await asyncio.sleep(0.05)


def news(desk: Newsdesk, *names: str) -> list[tuple[str, str]]:
    """A feed per name, each with one story, as config (name, url) pairs."""
    for name in names:
        desk.desk(name).publish(f"{name}-1", f"{name} story one")
    return [(name, desk.feed_url(name)) for name in names]


def test_one_process_holds_the_poller_lock_until_it_lets_go(tmp_path: Path) -> None:
    first, second = PollerLock(tmp_path / "ticker.db"), PollerLock(tmp_path / "ticker.db")
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


async def test_a_poller_killed_mid_poll_is_taken_over_and_nothing_is_fetched_twice(
    desk: Newsdesk, tmp_path: Path
) -> None:
    sources = news(desk, "alpha", "beta", "slow")
    write_config(tmp_path, sources)
    held = desk.desk("slow").hold = asyncio.Event()  # the slow feed answers when told
    poller = await start(tmp_path, "serve")
    viewer = None
    try:
        await until(lambda: poller.said("polling 3 sources") == 1, "the first process polls")
        viewer = await start(tmp_path, "serve")
        await until(lambda: viewer.said("another ticker polls") == 1, "the second one views")
        wanted = {"alpha story one", "beta story one"}
        await until(lambda: wanted <= stored_titles(tmp_path), "the fast feeds are stored")
        before = stored_titles(tmp_path)
        assert viewer.said("polled") == 0 and desk.count("alpha") == 1

        await poller.signal(signal.SIGKILL)  # mid-poll: the slow feed is in flight
        assert await poller.exit_status() == 128 + signal.SIGKILL
        held.set()  # its answer goes to a dead process
        await until(lambda: viewer.said("polling 3 sources") == 1, "the viewer takes over", 5.0)

        # A source added to the config file (as a viewer's `a` does) reaches the new poller,
        # which polls it at once; the others were fetched in this interval already.
        write_config(tmp_path, [*sources, *news(desk, "gamma")])
        await until(lambda: "gamma story one" in stored_titles(tmp_path), "gamma is polled")
        await until(lambda: viewer.said("polled 1 source") == 1, "its round is logged")
        assert {name: desk.count(name) for name in ("alpha", "beta", "slow", "gamma")} == {
            "alpha": 1,
            "beta": 1,
            "slow": 1,
            "gamma": 1,
        }
        assert before <= stored_titles(tmp_path)  # nothing stored was lost
    finally:
        held.set()
        await poller.stop()
        if viewer is not None:
            await viewer.stop()


async def test_headlines_beside_a_poller_asks_it_for_a_round_and_a_third_process_fetches_nothing(
    desk: Newsdesk, tmp_path: Path
) -> None:
    write_config(tmp_path, news(desk, "alpha", "beta"))
    poller = await start(tmp_path, "serve")
    await until(lambda: poller.said("polling 2 sources") == 1, "the first process polls")
    viewer = await start(tmp_path, "serve")
    try:
        await until(lambda: poller.said("polled 2 sources") == 1, "the first round")
        await until(lambda: viewer.said("another ticker polls") == 1, "the second one views")
        desk.desk("alpha").publish("alpha-2", "alpha story two")

        headlines = await start(tmp_path, "headlines", stdout=asyncio.subprocess.PIPE)
        assert headlines.process.stdout is not None
        out = await asyncio.wait_for(headlines.process.stdout.read(), WAIT)
        assert await headlines.exit_status() == 0, headlines.lines
        assert "alpha story two" in out.decode()  # the round it asked for, then the store
        # The poller fetched each source once more; neither viewer fetched anything.
        assert desk.count("alpha") == 2 and desk.count("beta") == 2
        await until(lambda: poller.said("polled 2 sources") == 2, "the asked round is logged")
        assert viewer.said("polled") == 0
    finally:
        await poller.stop()
        await viewer.stop()


async def test_serve_once_logs_the_round_and_each_failing_source_and_sigterm_stops_serve(
    desk: Newsdesk, tmp_path: Path
) -> None:
    sources = news(desk, "alpha", "broken")
    desk.desk("broken").status = 500
    # A name with a terminal escape (a TOML \u escape) is logged clean.
    write_config(tmp_path, [sources[0], ("broken\\u001b[2J\\u202e", sources[1][1])])
    once = await start(tmp_path, "serve", "--once")
    assert await once.exit_status() == 0, once.lines
    assert once.said("failed: broken (") == 1, once.lines
    assert not [line for line in once.lines if "\x1b" in line or "\u202e" in line]
    assert once.said("polled 2 sources: 1 new, 0 updated, 0 unchanged, 1 failing") == 1

    serving = await start(tmp_path, "serve")
    await until(lambda: serving.said("polling 2 sources") == 1, "serve polls")
    await serving.signal(signal.SIGTERM)
    assert await serving.exit_status() == 143
    await serving.stop()
    assert serving.said("stopped") == 1
    assert not [line for line in serving.lines if "Traceback" in line]


def test_serve_leading_its_session_yields_to_other_sessions(desk: Newsdesk, tmp_path: Path) -> None:
    """As a service manager starts it (a session of its own), `ticker serve` sets its session's
    scheduling group's niceness too: with Linux autogroups a nice value alone counts only
    against the processes of its own session, not against people's terminals."""
    import subprocess

    from ticker.__main__ import SERVE_NICENESS

    write_config(tmp_path, news(desk, "alpha"))
    group = Path("/proc/self/autogroup")
    if not group.exists():
        pytest.fail("this kernel has no autogroups (/proc/self/autogroup): cannot test this")
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    expected = min(mine + SERVE_NICENESS, 19)
    serving = subprocess.Popen(
        [sys.executable, "-m", "ticker", "serve"],
        env=environment(tmp_path),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        seen = ""
        while time.monotonic() < deadline and serving.poll() is None:
            seen = Path(f"/proc/{serving.pid}/autogroup").read_text()
            if seen.endswith(f"nice {expected}\n"):
                break
            time.sleep(0.05)  # polling a process's state, not waiting for an event
        assert seen.endswith(f"nice {expected}\n"), seen
        assert os.getpriority(os.PRIO_PROCESS, serving.pid) == expected
        assert group.read_text() != seen  # this session's group is left alone
    finally:
        serving.terminate()
        serving.wait(10)


def app_session(home: Path) -> Session:
    settings = config.load(home / "config.toml")
    return Session(store_path(home), settings.sources, settings)


def rows(app: TickerApp) -> dict[int, Headline]:
    """The pane's headlines as it would draw them, by row."""
    timeline = app.pane.timeline
    found = timeline.headlines(range(len(timeline))).values()
    return {h.row: h for h in found if h.row is not None}


def pane_titles(app: TickerApp) -> set[str]:
    return {h.title for h in rows(app).values()}


async def test_an_app_viewing_beside_serve_shows_its_polls_asks_for_one_with_r_and_adds_a_source(
    desk: Newsdesk, tmp_path: Path
) -> None:
    write_config(tmp_path, news(desk, "alpha"))
    poller = await start(tmp_path, "serve")
    try:
        await until(lambda: poller.said("polled 1 source") == 1, "serve's first round")
        session = app_session(tmp_path)
        app = TickerApp(session, poll=True)
        async with app.run_test(size=(100, 30)) as pilot:
            await until(lambda: "viewing" in app.status.text(), "the app says it views")
            assert "alpha story one" in pane_titles(app)

            desk.desk("alpha").publish("alpha-2", "alpha story two")
            await pilot.press("r")
            await until(lambda: "alpha story two" in pane_titles(app), "r polls, the app shows")
            assert desk.count("alpha") == 2

            # Added in the viewer: saved to the config file, polled by serve, shown here.
            gamma = news(desk, "gamma")[0]
            await session.add_source(Source(name=gamma[0], url=gamma[1]))
            await until(lambda: "gamma story one" in pane_titles(app), "the added source")
            assert desk.count("gamma") == 1 and desk.count("alpha") == 2

            # A mark set by another process is drawn here too.
            row = next(r for r, h in rows(app).items() if h.title == "alpha story one")
            assert not rows(app)[row].starred
            with Store(store_path(tmp_path)) as store:
                store.set_starred([row])
            await until(lambda: rows(app)[row].starred, "the star from elsewhere is shown")

            # Removed in the viewer: the poller polls it no more.
            await session.remove_source(desk.feed_url("alpha"))
            await pilot.press("r")
            await until(lambda: desk.count("gamma") == 2, "the round r asked for")
            await until(lambda: not open_requests(tmp_path), "the request is answered")
            assert desk.count("alpha") == 2

            await poller.signal(signal.SIGKILL)
            await until(lambda: "polling" in app.status.text(), "the app takes over")
            # Its schedule came from the store: the next poll is an interval away, not now.
            soon = time.time() + 60
            await until(lambda: (app.status.next_poll or 0) > soon, "the stored schedule")
            assert desk.count("gamma") == 2
            await pilot.press("q")
    finally:
        await poller.stop()


async def test_serve_logs_a_failing_alert_command_once_and_keeps_polling(
    desk: Newsdesk, tmp_path: Path
) -> None:
    path = write_config(tmp_path, news(desk, "alpha"))
    path.write_text(
        path.read_text()
        + '[[alerts]]\nname = "Any"\ntitle = ""\nactions = ["command"]\n\n'
        + '[notify]\ncommand = ["false"]\n',
        encoding="utf-8",
    )
    poller = await start(tmp_path, "serve")
    try:
        await until(lambda: poller.said("polled 1 source") == 1, "serve's first round")
        desk.desk("alpha").publish("alpha-2", "alpha story two")
        for round_ in (2, 3):  # the command runs after the round that fired it: logged at the next
            asked = await start(tmp_path, "headlines")
            assert await asked.exit_status() == 0
            await until(lambda r=round_: poller.said("polled 1 source") == r, f"round {round_}")
        await until(lambda: poller.said("alerts: ") == 1, "the command's failure logged")
        line = next(line for line in poller.lines if "alerts: " in line)
        assert "false" in line and "status 1" in line, line
    finally:
        await poller.stop()
