"""A store that cannot be written is said on the status line, and polling goes on after it."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import appdata
import pytest
from appdata import wait_for
from newsdesk import Newsdesk

from ticker import store as store_module
from ticker.app.app import TickerApp
from ticker.app.widgets.headline_pane import HeadlinePane
from ticker.app.widgets.status_line import StatusLine
from ticker.model import Source

pytestmark = pytest.mark.usefixtures("home")


@pytest.fixture
async def desk() -> AsyncIterator[Newsdesk]:
    async with Newsdesk().running() as running:
        yield running


async def test_a_locked_store_is_on_the_status_line_until_it_can_be_written(
    desk: Newsdesk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Fail in 0.5 s, not 10 s. Not much less: the app's own writers (a poll's rows, the health
    # lines) wait for each other too, and on a loaded machine 50 ms was once too short for that
    # after the lock went (the `.ci/lower-bounds` run of 2026-12-06: the status stayed "!").
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT", 0.5)
    desk.desk("wire").publish("a", "Tugboat crews vote to end the strike")
    source = Source("Wire", desk.feed_url("wire"))
    session = appdata.session(tmp_path, [source])
    lock = sqlite3.connect(session.store_path, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # a backup, or another writer, holds the store
    app = TickerApp(session, poll=True)
    try:
        async with app.run_test(size=(120, 20)) as pilot:
            status = app.query_one(StatusLine)
            await wait_for(pilot, lambda: status.text().startswith("! cannot write the store"))
            assert "database is locked" in status.text()
            assert desk.count("wire") == 1  # backed off: not fetched again and again

            lock.execute("COMMIT")
            await pilot.press("r")
            pane = app.query_one(HeadlinePane)
            await wait_for(pilot, lambda: len(pane.timeline) == 2)  # a day header, a row
            await wait_for(pilot, lambda: not status.text().startswith("!"))
            assert "1 source ok" in status.text()
    finally:
        lock.close()
