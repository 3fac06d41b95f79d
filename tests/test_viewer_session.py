"""The sessions `ticker ssh` and `ticker web` start: viewers that never poll, and read-only ones.

The app runs for real (Pilot) on a real store; a Newsdesk on 127.0.0.1 counts what is fetched.
"""

from __future__ import annotations

import asyncio
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from newsdesk import Newsdesk

from ticker import config
from ticker.app.app import TickerApp
from ticker.hub.lock import PollerLock
from ticker.hub.serve import poll_once
from ticker.model import Source
from ticker.session import ReadOnlyError, Session
from ticker.store import Store


@pytest.fixture
async def desk() -> AsyncIterator[Newsdesk]:
    async with Newsdesk().running() as running:
        yield running


async def stored_session(home: Path, desk: Newsdesk, **kwargs: bool) -> Session:
    desk.desk("alpha").publish("alpha-1", "alpha story one")
    path = home / "config.toml"
    path.write_text(f'[[sources]]\nname = "alpha"\nurl = "{desk.feed_url("alpha")}"\n')
    settings = config.load(path)
    store = home / "data" / "ticker.db"
    await asyncio.to_thread(poll_once, store, settings.sources, settings)  # the server's poll
    return Session(store, settings.sources, settings, **kwargs)


def notes(app: TickerApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_a_viewer_session_never_polls_even_with_no_poller(
    desk: Newsdesk, tmp_path: Path
) -> None:
    session = await stored_session(tmp_path, desk, polls=False)
    assert desk.count("alpha") == 1
    app = TickerApp(session, poll=True)
    async with app.run_test(size=(100, 30)) as pilot:
        deadline = asyncio.get_running_loop().time() + 10
        while "viewing" not in app.status.text():
            assert asyncio.get_running_loop().time() < deadline, app.status.text()
            await asyncio.sleep(0.02)
        # The poller lock is free, and stays free: this session does not take it.
        for _ in range(3):
            await asyncio.sleep(0.6)  # more than a viewer's look at the lock (0.5 s)
            lock = PollerLock(session.store_path)
            assert lock.acquire()
            lock.release()
        assert "viewing" in app.status.text()
        await pilot.press("q")
    assert desk.count("alpha") == 1


async def test_a_read_only_session_refuses_marks_and_source_edits(
    desk: Newsdesk, tmp_path: Path
) -> None:
    session = await stored_session(tmp_path, desk, polls=False, read_only=True)
    app = TickerApp(session, poll=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("s", "m")
        await pilot.pause()
        assert sum("read-only" in note for note in notes(app)) == 2
        await pilot.press("a")
        await pilot.pause()
        assert len(app.screen_stack) == 1  # no add-source dialog
        await pilot.press("q")
    with Store(session.store_path) as store:
        (headline,) = store.headlines()
    assert not headline.starred and not headline.read
    with pytest.raises(ReadOnlyError):
        session.set_starred([headline.row or 0])
    with pytest.raises(ReadOnlyError):
        await session.add_source(Source("beta", desk.feed_url("beta")))
    with pytest.raises(ReadOnlyError):
        await session.remove_source(desk.feed_url("alpha"))
    assert (tmp_path / "config.toml").read_text().count("[[sources]]") == 1


async def test_a_viewer_sends_no_bytes_for_the_pollers_bookkeeping_only_for_what_changed(
    desk: Newsdesk, tmp_path: Path
) -> None:
    """Every round the poller commits its schedule; a viewer's screen shows nothing of it, so
    its terminal gets nothing (a full repaint of the pane was 14 kB a commit, bench/viewers.py).
    A star set elsewhere is drawn: that is the sync point, and the only bytes."""
    assert shutil.which("tmux"), "tmux is needed (.ci/run installs it: apt-get install tmux)"
    session = await stored_session(tmp_path, desk)
    url = desk.feed_url("alpha")
    written = await asyncio.to_thread(_bytes_of_a_viewer, session, url, tmp_path)
    assert 0 < written < 1500, written  # the star's line and the status line, no more


def _bytes_of_a_viewer(session: Session, url: str, tmp_path: Path) -> int:
    """Bytes a viewer in tmux writes while the poller's bookkeeping commits, then a star."""
    socket, out = tmp_path / "tmux.socket", tmp_path / "bytes"

    def tmux(*args: str) -> str:
        done = subprocess.run(["tmux", "-S", str(socket), *args], capture_output=True, text=True)
        return done.stdout

    def until(condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 20
        while not condition():
            assert time.monotonic() < deadline, f"{what}:\n{tmux('capture-pane', '-p')}"
            time.sleep(0.05)

    config = str(tmp_path / "config.toml")
    data = str(session.store_path.parent)
    command = shlex.join([sys.executable, "-m", "ticker", "--viewer", "--config", config])
    command += " --data-dir " + shlex.quote(data)
    tmux("-f", "/dev/null", "new-session", "-d", "-x", "100", "-y", "30", command)
    try:
        until(lambda: "alpha story one" in tmux("capture-pane", "-p"), "the headline")
        until(lambda: "viewing" in tmux("capture-pane", "-p"), "the status line")
        tmux("pipe-pane", "-o", f"cat >> {shlex.quote(str(out))}")
        with Store(session.store_path) as store:
            for i in range(5):  # what the poller commits each round: claims of next polls
                store.claim({url: time.time() + 300 + 60 * i})  # a new "next poll" time
                time.sleep(0.6)  # one commit per look of the viewer (every 0.5 s)
            (row,) = [h.row for h in store.headlines()]
            store.set_starred([row or 0])
        until(lambda: starred_line(tmux("capture-pane", "-p")), "the star set elsewhere")
        time.sleep(0.6)  # what else the viewer would write after the star
        return out.stat().st_size if out.exists() else 0
    finally:
        tmux("kill-server")


def starred_line(screen: str) -> bool:
    return any("*" in line and "alpha story one" in line for line in screen.splitlines())
