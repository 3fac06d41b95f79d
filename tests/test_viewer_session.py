"""The sessions `ticker ssh` and `ticker web` start: viewers that never poll, and read-only ones.

The app runs for real (Pilot) on a real store; a Newsdesk on 127.0.0.1 counts what is fetched.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
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
