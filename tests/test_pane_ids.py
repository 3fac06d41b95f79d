"""The pane never draws a deleted headline in a new one's place (issue 11, fault 3).

The pane, its drawn-row cache and the reader know a headline by its row id. Without
AUTOINCREMENT SQLite gave a deleted row's id to the next insert: after a source was removed and
another added, the pane drew the removed source's headline where the new one belonged, and Enter
opened it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from appdata import wait_for
from pytest_httpserver import HTTPServer
from test_app_sources import configured, serve_feed, site  # noqa: F401 (a fixture)

from ticker.app.app import TickerApp
from ticker.app.screens.reader import ReaderScreen
from ticker.app.widgets.headline_pane import HeadlinePane
from ticker.model import Source
from ticker.store import Store

pytestmark = pytest.mark.usefixtures("home")

SPORT = ["Ferry league final goes to extra time", "Rowing club names a new captain"]
WORLD = ["Port strike ends after nine days", "Grain convoy reaches the border"]


def drawn(app: TickerApp) -> str:
    pane = app.query_one(HeadlinePane)
    return "\n".join(pane.render_line(y).text for y in range(pane.size.height))


async def test_a_new_headline_is_drawn_and_opened_as_itself_after_a_removal(
    home: Path,
    site: HTTPServer,  # noqa: F811
) -> None:
    sport = Source("Harbour Sport", serve_feed(site, "/sport.rss", "Harbour Sport", SPORT))
    world = Source("Harbour World", serve_feed(site, "/world.rss", "Harbour World", WORLD))
    session = configured(home, sport)
    app = TickerApp(session, poll=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: all(title in drawn(app) for title in SPORT), 20)
        with Store(session.store_path) as store:
            sport_rows = {h.row for h in store.headlines()}

        await session.remove_source(sport.url)
        app.sources_changed(removed=sport.url)
        await wait_for(pilot, lambda: not any(title in drawn(app) for title in SPORT))
        await session.add_source(world)
        app.sources_changed()
        await wait_for(pilot, lambda: all(title in drawn(app) for title in WORLD), 20)

        with Store(session.store_path) as store:
            world_rows = {h.row for h in store.headlines()}
        assert not world_rows & sport_rows  # no id named two headlines
        assert not any(title in drawn(app) for title in SPORT)

        await pilot.press("g", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReaderScreen))
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        assert reader.headline.title in WORLD
