"""The aggregator back end against a real Tiny Tiny RSS (tests/ttrss_engine.py starts it).

Each test has a tt-rss user of its own and a store of its own; ticker syncs through the
poller exactly as the app and `ticker serve` do (`Poller(..., aggregator=...)`).
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aggregator_helpers import row_of, stored_items, sync_once
from ttrss_engine import Engine
from ttrss_fixtures import TtrssUser

from ticker.aggregator.settings import AggregatorSettings
from ticker.aggregator.sync import FEEDS_EVERY, FIRST_PAGES
from ticker.model import Badge, Headline, Source
from ticker.sanitize import html_to_text
from ticker.store import PollRecord, Store

OWN_FEEDS = (6, 7)  # demo load feeds no other module touches (ttrss_fixtures.DEMO_FEEDS)


def _settings(engine: Engine, user: TtrssUser, url: str | None = None) -> AggregatorSettings:
    return AggregatorSettings(
        kind="ttrss", url=url or engine.url, user=user.login, password=user.password
    )


def _server(engine: Engine, user: TtrssUser, **params: Any) -> dict[int, dict[str, Any]]:
    """The user's articles as tt-rss holds them, by id (the test's own API calls)."""
    sid = engine.login(user.login, user.password)
    reply = engine.call("getHeadlines", sid=sid, feed_id=-4, limit=200, **params)
    return {row["id"]: row for row in reply["content"]}


@pytest.fixture
def subscribed(ttrss_engine: Engine, ttrss_user: TtrssUser) -> list[int]:
    """The user follows two of the demo's feeds, updated once by tt-rss's own updater (this
    module's own feeds: its tests publish to them, ttrss_fixtures.DEMO_FEEDS)."""
    feeds = [
        ttrss_engine.subscribe(
            ttrss_engine.feed_url(i), user=ttrss_user.login, password=ttrss_user.password
        )
        for i in OWN_FEEDS
    ]
    ttrss_engine.update_feeds(feeds)
    return feeds


def test_a_sync_stores_every_headline_under_its_feed_in_a_few_requests(
    ttrss_engine: Engine, ttrss_user: TtrssUser, subscribed: list[int], tmp_path: Path
) -> None:
    store = tmp_path / "ticker.db"
    outcomes, requests = sync_once(store, _settings(ttrss_engine, ttrss_user))
    server = _server(ttrss_engine, ttrss_user)
    items = stored_items(store)
    assert [o.error for o in outcomes] == [None]
    assert len(server) == 2 * ttrss_engine.demo_items
    assert [i[0] for i in items] == sorted(server)
    assert {name for _, name, *_ in items} == {row["feed_title"] for row in server.values()}
    assert all(title for _, _, title, *_ in items)
    # login, categories, feeds, two pages of headlines, the newest marks, the unread count;
    # never a request per feed
    assert requests <= 8, requests


def test_the_next_sync_fetches_only_what_is_new(
    ttrss_engine: Engine, ttrss_user: TtrssUser, subscribed: list[int], tmp_path: Path
) -> None:
    store = tmp_path / "ticker.db"
    settings = _settings(ttrss_engine, ttrss_user)
    sync_once(store, settings)
    before = {i[0] for i in stored_items(store)}
    ttrss_engine.publish(OWN_FEEDS[0], "EXCLUSIVE: Harbour cranes return to work after the strike")
    ttrss_engine.update_feeds(subscribed)
    _, requests = sync_once(store, settings)
    after = stored_items(store)
    new = [i for i in after if i[0] not in before]
    # Badged by the same rules as a local feed's headline: the prefix becomes the badge.
    assert [i[2] for i in new] == ["Harbour cranes return to work after the strike"]
    with Store(store) as opened:
        [headline] = [h for h in opened.headlines() if h.guid == f"remote:{new[0][0]}"]
        assert headline.badges == Badge.EXCLUSIVE
    assert len(after) == len(before) + 1
    assert requests <= 7, requests


def test_marks_made_here_reach_the_server_and_marks_made_there_come_back(
    ttrss_engine: Engine, ttrss_user: TtrssUser, subscribed: list[int], tmp_path: Path
) -> None:
    store_path = tmp_path / "ticker.db"
    settings = _settings(ttrss_engine, ttrss_user)
    sync_once(store_path, settings)
    first, second, third = [i[0] for i in stored_items(store_path)][:3]
    with Store(store_path) as store:
        rows = {h.guid: h.row for h in store.headlines()}
        store.set_read([rows[f"remote:{first}"]])
        store.set_starred([rows[f"remote:{second}"]])
    # Elsewhere (a phone app): the third is starred on the server.
    sid = ttrss_engine.login(ttrss_user.login, ttrss_user.password)
    ttrss_engine.call("updateArticle", sid=sid, article_ids=str(third), field=0, mode=1)
    sync_once(store_path, settings)
    server = _server(ttrss_engine, ttrss_user)
    assert server[first]["unread"] is False and server[second]["marked"] is True
    marks = {i[0]: (i[3], i[4]) for i in stored_items(store_path)}
    assert marks[first] == (1, 0) and marks[second] == (0, 1) and marks[third] == (0, 1)
    with Store(store_path) as store:
        assert store.pending_marks() == []


def test_marks_wait_while_the_server_is_down_and_win_over_its_older_state(
    ttrss_engine: Engine, ttrss_user: TtrssUser, subscribed: list[int], tmp_path: Path
) -> None:
    store_path = tmp_path / "ticker.db"
    settings = _settings(ttrss_engine, ttrss_user)
    sync_once(store_path, settings)
    target = stored_items(store_path)[0][0]
    with Store(store_path) as store:
        row = row_of(store, target)
        store.set_read([row])
    down = _settings(ttrss_engine, ttrss_user, url="http://127.0.0.1:9")  # nothing listens
    outcomes, _ = sync_once(store_path, down)
    assert outcomes[0].error  # said, not raised
    with Store(store_path) as store:
        assert [m[:3] for m in store.pending_marks()] == [(target, "read", True)]
        assert store.headline(row).read  # and nothing stored was lost
    # The server still says unread (its state is older than the mark made here).
    assert _server(ttrss_engine, ttrss_user)[target]["unread"] is True
    sync_once(store_path, settings)
    assert _server(ttrss_engine, ttrss_user)[target]["unread"] is False
    assert {i[0]: i[3] for i in stored_items(store_path)}[target] == 1


def test_a_feed_unsubscribed_elsewhere_goes_within_ten_syncs_and_its_starred_ones_stay(
    ttrss_engine: Engine, ttrss_user: TtrssUser, subscribed: list[int], tmp_path: Path
) -> None:
    store_path = tmp_path / "ticker.db"
    settings = _settings(ttrss_engine, ttrss_user)
    sync_once(store_path, settings)
    gone = subscribed[1]
    server = _server(ttrss_engine, ttrss_user)
    keep = next(i for i, row in server.items() if row["feed_id"] == gone)
    with Store(store_path) as store:
        store.set_starred([row_of(store, keep)])
    sync_once(store_path, settings)  # the star reaches the server first
    sid = ttrss_engine.login(ttrss_user.login, ttrss_user.password)
    ttrss_engine.call("unsubscribeFeed", sid=sid, feed_id=gone)
    # The feed list is read every FEEDS_EVERY syncs: the feed goes within that many.
    for _ in range(FEEDS_EVERY):
        sync_once(store_path, settings)
    left = {i[0] for i in stored_items(store_path)}
    feed_ids = {i: row["feed_id"] for i, row in server.items()}
    assert keep in left
    assert not [i for i in left if feed_ids[i] == gone and i != keep]


def test_a_first_sync_takes_the_newest_headlines_and_older_marks_arrive_in_turn(
    ttrss_engine: Engine, ttrss_user: TtrssUser, tmp_path: Path
) -> None:
    # 12 feeds x 200: more than a first sync takes (FIRST_PAGES pages of 200).
    ttrss_engine.bulk_feeds(
        12, 200, user=ttrss_user.login, prefix=f"http://{ttrss_user.login}.invalid/"
    )
    store_path = tmp_path / "ticker.db"
    settings = _settings(ttrss_engine, ttrss_user)
    outcomes, requests = sync_once(store_path, settings)
    assert [o.error for o in outcomes] == [None]
    stored = {i[0] for i in stored_items(store_path)}
    newest = _server_ids(ttrss_engine, ttrss_user)  # the server's order: newest first
    assert len(stored) == FIRST_PAGES * 200 and stored == set(newest[: len(stored)])
    assert requests <= FIRST_PAGES + 6, requests
    _, requests = sync_once(store_path, settings)  # what the first left is older: nothing comes
    assert {i[0] for i in stored_items(store_path)} == stored and requests <= 5
    # Elsewhere, an old headline (past the newest page) is read: it arrives within the syncs
    # it takes to go round the pages this store holds, two pages a sync.
    old = newest[len(stored) - 1]  # the oldest stored: on the last page
    sid = ttrss_engine.login(ttrss_user.login, ttrss_user.password)
    ttrss_engine.call("updateArticle", sid=sid, article_ids=str(old), field=2, mode=0)
    for _ in range(FIRST_PAGES):
        _, requests = sync_once(store_path, settings)
        if {i[0]: i[3] for i in stored_items(store_path)}[old]:
            break
    assert {i[0]: i[3] for i in stored_items(store_path)}[old] == 1
    assert requests <= 5, requests  # login, headlines since, two pages of marks


def _server_ids(engine: Engine, user: TtrssUser) -> list[int]:
    sid = engine.login(user.login, user.password)
    ids: list[int] = []
    while True:
        reply = engine.call("getHeadlines", sid=sid, feed_id=-4, limit=200, skip=len(ids))
        ids += [row["id"] for row in reply["content"]]
        if len(reply["content"]) < 200:
            return ids


async def test_when_the_page_fails_the_reader_shows_the_server_s_copy(
    ttrss_engine: Engine, ttrss_user: TtrssUser, subscribed: list[int], tmp_path: Path
) -> None:
    from ticker.config import Settings
    from ticker.session import Session

    store_path = tmp_path / "ticker.db"
    settings = _settings(ttrss_engine, ttrss_user)
    await asyncio.to_thread(sync_once, store_path, settings)
    remote = stored_items(store_path)[0][0]
    gone = "http://127.0.0.1:9/story-that-moved"  # nothing listens: the page cannot be read
    with sqlite3.connect(store_path) as db:
        db.execute("UPDATE items SET url = ? WHERE remote_id = ?", (gone, remote))
    sid = ttrss_engine.login(ttrss_user.login, ttrss_user.password)
    [article] = ttrss_engine.call("getArticle", sid=sid, article_id=remote)["content"]
    session = Session(store_path, (), Settings(sources=(), aggregator=settings))
    opened = await session.open_article(gone)
    assert opened.article.origin == "server"
    assert opened.notice is not None and f"showing {ttrss_engine.url}'s copy" in opened.notice
    words = " ".join(html_to_text(article["content"]).split())
    assert words and " ".join(opened.article.body.split()) == words
    # A local feed's item whose guid looks like the server's gets no copy from the server.
    local = Source(name="Local Wire", url="http://127.0.0.1:9/feed.xml")
    spoof = "http://127.0.0.1:9/spoof"
    when = datetime.now(UTC)
    with Store(store_path) as writer:
        writer.save(
            [
                PollRecord(
                    local,
                    when.timestamp(),
                    [Headline(local.url, f"remote:{remote}", "Spoof", spoof, when, summary="s")],
                )
            ]
        )
    assert (await session.open_article(spoof)).article.origin == "feed"
    # The server away too: the summary the store holds, as for a local feed.
    away = Session(
        store_path,
        (),
        Settings(sources=(), aggregator=_settings(ttrss_engine, ttrss_user, "http://127.0.0.1:9")),
    )
    assert (await away.open_article(gone)).article.origin == "feed"


def test_a_store_moved_to_another_account_takes_all_of_its_headlines(
    ttrss_engine: Engine, tmp_path: Path
) -> None:
    # The sync's place (the last id seen) belongs to one server and user: another account's
    # ids, lower than the first one's, still come.
    earlier = TtrssUser("earlier", "pw-earlier", ttrss_engine.add_user("earlier", "pw-earlier"))
    later = TtrssUser("later", "pw-later", ttrss_engine.add_user("later", "pw-later"))
    for user, feed in ((earlier, 4), (later, 5)):
        subscribed = ttrss_engine.subscribe(
            ttrss_engine.feed_url(feed), user=user.login, password=user.password
        )
        ttrss_engine.update_feeds([subscribed])
    store_path = tmp_path / "ticker.db"
    sync_once(store_path, _settings(ttrss_engine, later))
    moved = {i[0] for i in stored_items(store_path)}
    sync_once(store_path, _settings(ttrss_engine, earlier))
    theirs = set(_server(ttrss_engine, earlier))
    assert max(theirs) < min(moved)
    assert theirs <= {i[0] for i in stored_items(store_path)}
