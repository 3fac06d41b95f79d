"""`ticker --demo` is seen to be live: new rows on top, "N new" further down, an Updated badge.

The demo's newsroom runs on the test's clock, which the test moves a beat at a time; `r` polls
at once instead of the demo's every few seconds. The server is the real one on 127.0.0.1, the
store a real SQLite file in tmp_path, the app the real one under Pilot.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import appdata
import pytest
from appdata import wait_for
from textual.pilot import Pilot

from ticker.app.app import TickerApp
from ticker.app.widgets.headline_pane import HeadlinePane
from ticker.app.widgets.status_line import StatusLine
from ticker.demo import APP_TICK, DemoServer
from ticker.demo.newsroom import Story
from ticker.store import Store

pytestmark = pytest.mark.usefixtures("home")  # no config and no data, in tmp_path

SIZE = (100, 30)


class Clock:
    """The newsroom's clock, moved by the test; an hour behind, so no story is in the future."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) - timedelta(hours=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, beats: int = 1) -> None:
        self.now += timedelta(seconds=beats * APP_TICK)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def newsroom(clock: Clock) -> AsyncIterator[DemoServer]:
    """The demo's newsroom at the demo's pace, on the test's clock and loop."""
    async with DemoServer(seed=1, tick_seconds=APP_TICK, now=clock) as server:
        yield server


def demo_app(directory: Path, server: DemoServer) -> TickerApp:
    """The app on the demo's sources, as `ticker --demo` builds them."""
    return TickerApp(appdata.session(directory, server.live_sources()), poll=True)


def headline_rows(pane: HeadlinePane) -> list[int]:
    return [r for r in pane.timeline.rows if isinstance(r, int)]


def row_of(app: TickerApp, story: Story) -> int | None:
    """The store's row of `story` (RSS 1.0 items are known by their link, not a guid)."""
    link = f"/articles/{story.slug}.html"
    with Store(app.session.store_path) as store:
        for headline in store.headlines():
            if headline.guid == story.guid or headline.guid.endswith(link):
                return headline.row
    return None


def drawn(pane: HeadlinePane, row: int) -> str:
    """The drawn line of headline `row`, which must be on screen."""
    position = pane.timeline.position(row)
    assert position is not None, f"row {row} is not in the pane"
    y = position - pane.scroll_offset.y
    assert 0 <= y < pane.scrollable_content_region.height, f"row {row} is off screen"
    return pane.render_line(y).text


def screen_text(app: TickerApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def started(pilot: Pilot, app: TickerApp) -> HeadlinePane:
    """The pane once the first poll has filled it with the newsroom's backlog."""
    pane = app.query_one(HeadlinePane)
    await wait_for(pilot, lambda: len(headline_rows(pane)) == 40, 20)
    await wait_for(pilot, lambda: app.session.next_poll() is not None, 20)
    return pane


async def beat(pilot: Pilot, server: DemoServer, clock: Clock, beats: int = 1) -> list[Story]:
    """Move the clock `beats` beats, poll now (`r`); the stories the newsroom published."""
    before = server.newsroom.next_id
    clock.advance(beats)
    await pilot.press("r")
    await wait_for(pilot, lambda: server.newsroom.next_id == before + beats, 20)
    return [s for s in server.newsroom.stories.values() if s.id >= before]


async def test_the_demo_polls_its_newsroom_every_beat_not_every_300_seconds(
    tmp_path: Path, newsroom: DemoServer
) -> None:
    sources = newsroom.live_sources()
    assert {s.interval for s in sources} == {APP_TICK}
    app = demo_app(tmp_path, newsroom)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, app)
        next_poll = app.session.next_poll()
        assert next_poll is not None and next_poll - time.time() <= APP_TICK


async def test_a_new_story_arrives_at_the_top(
    tmp_path: Path, newsroom: DemoServer, clock: Clock
) -> None:
    app = demo_app(tmp_path, newsroom)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot, app)
        (story,) = await beat(pilot, newsroom, clock)

        def on_top() -> bool:
            rows = headline_rows(pane)
            return len(rows) == 41 and rows[0] == row_of(app, story)

        await wait_for(pilot, on_top, 20)
        assert pane.scroll_offset.y == 0
        assert story.headline[:30] in drawn(pane, headline_rows(pane)[0])
        assert "new (N)" not in screen_text(app)  # at the top, new rows simply appear


async def test_scrolled_down_the_status_line_counts_the_new_and_the_selection_stays(
    tmp_path: Path, newsroom: DemoServer, clock: Clock
) -> None:
    app = demo_app(tmp_path, newsroom)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot, app)
        await pilot.press("pagedown", "j", "j")
        assert pane.scroll_offset.y > 0
        selected = pane.selected
        assert selected is not None
        on_screen = pane.cursor - pane.scroll_offset.y
        line = drawn(pane, selected.row)  # type: ignore[arg-type]

        await beat(pilot, newsroom, clock)
        status = app.query_one(StatusLine)
        await wait_for(pilot, lambda: "1 new (N)" in status._shown, 20)

        assert "1 new (N)" in screen_text(app)
        assert len(headline_rows(pane)) == 41
        assert pane.selected is not None and pane.selected.row == selected.row
        assert pane.cursor - pane.scroll_offset.y == on_screen
        assert drawn(pane, selected.row) == line  # type: ignore[arg-type]


async def test_a_revised_story_gets_an_updated_badge_where_it_stands(
    tmp_path: Path, newsroom: DemoServer, clock: Clock
) -> None:
    app = demo_app(tmp_path, newsroom)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot, app)
        await beat(pilot, newsroom, clock)
        await wait_for(pilot, lambda: len(headline_rows(pane)) == 41, 20)
        before = {row: drawn(pane, row) for row in headline_rows(pane)[:8]}

        await beat(pilot, newsroom, clock)  # the second beat revises a story near the top
        (revised,) = [s for s in newsroom.newsroom.stories.values() if s.revision > 1]
        row = row_of(app, revised)
        assert row in before and "UPD" not in before[row]  # a row on screen already
        index = headline_rows(pane).index(row)

        await wait_for(pilot, lambda: len(headline_rows(pane)) == 42, 20)
        await wait_for(pilot, lambda: "UPD" in drawn(pane, row), 20)
        assert revised.headline[:30] in drawn(pane, row)
        assert headline_rows(pane).index(row) == index + 1  # the new story above it, no more
