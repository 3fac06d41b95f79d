"""The app as a client of a real Tiny Tiny RSS: the pane fills from a sync, a mark made in
the app reaches the server, the sources screen lists the server's feeds as its own, and
removing one there unsubscribes it on the server. The real app under Pilot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from appdata import wait_for
from textual.widgets import DataTable
from ttrss_engine import Engine
from ttrss_fixtures import TtrssUser

from ticker.aggregator.settings import AggregatorSettings
from ticker.app.app import TickerApp
from ticker.app.screens.confirm import ConfirmRemove
from ticker.app.screens.sources import SourcesScreen
from ticker.app.widgets.headline_pane import HeadlinePane
from ticker.config import Settings
from ticker.session import Session

pytestmark = pytest.mark.usefixtures("home")


def _server(engine: Engine, user: TtrssUser, op: str, **params: Any) -> Any:
    return engine.call(op, sid=engine.login(user.login, user.password), **params)["content"]


def _shown(pane: HeadlinePane) -> int:
    return sum(isinstance(row, int) for row in pane.timeline.rows)


@pytest.fixture
def session(ttrss_engine: Engine, ttrss_user: TtrssUser, tmp_path: Path) -> Session:
    feeds = [
        ttrss_engine.subscribe(
            ttrss_engine.feed_url(i), user=ttrss_user.login, password=ttrss_user.password
        )
        for i in (0, 1)
    ]
    ttrss_engine.update_feeds(feeds)
    server = AggregatorSettings(
        kind="ttrss", url=ttrss_engine.url, user=ttrss_user.login, password=ttrss_user.password
    )
    return Session(tmp_path / "ticker.db", (), Settings(sources=(), aggregator=server))


async def test_the_pane_fills_from_the_server_and_a_mark_goes_back_to_it(
    session: Session, ttrss_engine: Engine, ttrss_user: TtrssUser
) -> None:
    app = TickerApp(session)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(HeadlinePane)
        await wait_for(pilot, lambda: _shown(pane) >= 2 * ttrss_engine.demo_items, 30)
        first = pane.selected
        assert first is not None and first.guid.startswith("remote:")
        await pilot.press("m")  # read: it goes up at once, not at the next sync
        remote = int(first.guid.removeprefix("remote:"))

        def read_on_server() -> bool:
            rows = _server(ttrss_engine, ttrss_user, "getArticle", article_id=remote)
            return bool(rows) and rows[0]["unread"] is False

        await wait_for(pilot, read_on_server, 10)


async def test_the_sources_screen_lists_the_server_s_feeds_and_removing_one_unsubscribes(
    session: Session, ttrss_engine: Engine, ttrss_user: TtrssUser
) -> None:
    app = TickerApp(session)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(HeadlinePane)
        await wait_for(pilot, lambda: _shown(pane) >= 2 * ttrss_engine.demo_items, 30)
        await pilot.press("S")
        screen = app.screen
        assert isinstance(screen, SourcesScreen)
        table = screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 3, 10)  # the sync's line, two feeds
        names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert names[0].endswith(" sync")
        assert all(name.endswith(" tt-rss") for name in names[1:]), names
        await pilot.press("j", "d")
        assert isinstance(app.screen, ConfirmRemove)
        await pilot.press("y")
        feeds_left = lambda: _server(ttrss_engine, ttrss_user, "getFeeds", cat_id=-3)  # noqa: E731
        await wait_for(pilot, lambda: len(feeds_left()) == 1, 30)
        await wait_for(pilot, lambda: table.row_count == 2, 10)
