"""A reload that read the store before the poll's last batch was heard must not be the last
word: the pane comes to show that batch's rows without another poll (the stateful test of
tests/test_session_sequences.py found a pane missing a stored headline for good, under load)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import appdata
from appdata import NOW, SOURCES, wait_for

from ticker.app.app import TickerApp
from ticker.app.messages import HeadlinesChanged
from ticker.model import Headline
from ticker.store import PollRecord, Store


async def test_a_reload_that_read_before_the_last_batch_is_followed_by_another(
    tmp_path: Path,
) -> None:
    made = appdata.session(tmp_path)
    appdata.fill(made.store_path)
    app = TickerApp(made, poll=False, now=NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.pane.timeline.complete)
        stale = made.timeline(app.view)  # a reload's read, before the batch below
        read_at = app._batches_heard
        late = Headline(
            source=SOURCES[0].url,
            guid="late",
            title="Ferry service resumes at dawn",
            url=f"{SOURCES[0].url}/late",
            published=NOW + timedelta(minutes=1),
            source_name=SOURCES[0].name,
        )
        with Store(made.store_path) as writer:
            [row] = writer.save([PollRecord(SOURCES[0], NOW.timestamp(), [late])]).new_rows
        app.post_message(HeadlinesChanged((row,), ()))
        await wait_for(pilot, lambda: app.pane.timeline.position(row) is not None)
        # The earlier reload's rows reach the screen after the batch was heard and shown:
        app._show(app.view, stale, 0, True, batches=read_at)
        assert app.pane.timeline.position(row) is None
        # and another reload follows, with no poll to ask for it.
        await wait_for(pilot, lambda: app.pane.timeline.position(row) is not None)
