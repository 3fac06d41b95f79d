"""ticker's tt-rss client against the real Tiny Tiny RSS (tests/ttrss_engine.py starts it).

Feeds are `ticker demo-server`'s load feeds on port 80 inside a network namespace, fetched by
tt-rss's own updater. Each test has a user of its own, and takes demo feeds no other test
publishes to, so the tests are independent of their order.
"""

from __future__ import annotations

import pytest
from ttrss_engine import ADMIN, ADMIN_PASSWORD, Engine
from ttrss_fixtures import DEMO_ITEMS, TtrssUser

from ticker.aggregator.ttrss import Headline, TtrssClient, TtrssError

# The demo's load feeds, by use: read-only ones any test may subscribe; feeds published to.
SHARED = (0, 1)
PUBLISHED_BY_SINCE_ID_TEST = 2
PUBLISHED_DURING_A_WALK = 3


def _client(engine: Engine, user: TtrssUser) -> TtrssClient:
    return TtrssClient(engine.url, user.login, user.password)


async def _subscribed(engine: Engine, tt: TtrssClient, *feeds: int) -> list[int]:
    """Subscribe to demo load feeds through the API and let tt-rss's updater fetch them."""
    ids = [(await tt.subscribe(engine.feed_url(i))).feed_id for i in feeds]
    engine.update_feeds(ids)
    return ids


async def test_login_gives_a_session_and_api_level_15(ttrss_engine: Engine) -> None:
    async with TtrssClient(ttrss_engine.url, ADMIN, ADMIN_PASSWORD) as tt:
        sid = await tt.login()
        assert sid and tt.api_level == 15
        assert await tt.is_logged_in()
        assert await tt.get_api_level() == 15
        await tt.logout()
        assert not await tt.is_logged_in()


async def test_a_user_without_api_access_gets_a_clear_error(
    ttrss_engine: Engine, ttrss_user: TtrssUser
) -> None:
    ttrss_engine.set_api_access(ttrss_user.login, False)
    async with _client(ttrss_engine, ttrss_user) as tt:
        with pytest.raises(TtrssError, match="API is disabled for this user") as caught:
            await tt.feeds()
    assert caught.value.code == "API_DISABLED"


async def test_a_wrong_password_is_a_login_error(
    ttrss_engine: Engine, ttrss_user: TtrssUser
) -> None:
    async with TtrssClient(ttrss_engine.url, ttrss_user.login, "not the password") as tt:
        with pytest.raises(TtrssError, match="wrong user name or password") as caught:
            await tt.categories()
    assert caught.value.code == "LOGIN_ERROR"
    assert "not the password" not in str(caught.value) and "not the password" not in repr(tt)


async def test_headlines_of_two_feeds_come_in_pages_not_per_feed(
    ttrss_engine: Engine, ttrss_user: TtrssUser
) -> None:
    async with _client(ttrss_engine, ttrss_user) as tt:
        ids = await _subscribed(ttrss_engine, tt, *SHARED)
        feeds = await tt.feeds()
        assert sorted((f.id, f.title, f.feed_url) for f in feeds) == [
            (ids[0], "Load desk 0", ttrss_engine.feed_url(0)),
            (ids[1], "Load desk 1", ttrss_engine.feed_url(1)),
        ]
        assert all(f.unread == DEMO_ITEMS and f.last_updated > 0 for f in feeds)

        before = tt.requests
        pages = [page async for page in tt.headline_pages(page_size=25)]
        assert [len(page) for page in pages] == [25, 25, 10]
        assert tt.requests - before == 3

    headlines = [h for page in pages for h in page]
    assert len({h.id for h in headlines}) == 2 * DEMO_ITEMS
    assert {h.feed_id for h in headlines} == set(ids)
    by_feed = {i: sorted(h.link for h in headlines if h.feed_id == ids[i]) for i in (0, 1)}
    for i in (0, 1):
        assert by_feed[i] == sorted(
            f"{ttrss_engine.feed_base}/load/{i}/{j}.html" for j in range(DEMO_ITEMS)
        )
    newest_first = [h.updated for h in headlines if h.feed_id == ids[0]]
    assert newest_first == sorted(newest_first, reverse=True) and newest_first[-1] > 0
    assert all(h.unread and not h.marked and h.content is None for h in headlines)


async def test_content_comes_with_the_headlines_when_asked(
    ttrss_engine: Engine, ttrss_user: TtrssUser
) -> None:
    async with _client(ttrss_engine, ttrss_user) as tt:
        (feed,) = await _subscribed(ttrss_engine, tt, SHARED[0])
        (first, *_) = await tt.headlines(feed, limit=1, show_content=True)
        (article,) = await tt.articles([first.id])
    assert first.content and "<p>" in first.content
    assert article.id == first.id and article.content == first.content
    assert (article.title, article.link, article.feed_id) == (first.title, first.link, feed)


async def test_since_id_gives_only_what_the_updater_found_after(
    ttrss_engine: Engine, ttrss_user: TtrssUser
) -> None:
    async with _client(ttrss_engine, ttrss_user) as tt:
        (feed,) = await _subscribed(ttrss_engine, tt, PUBLISHED_BY_SINCE_ID_TEST)
        first = await tt.all_headlines()
        newest = max(h.id for h in first)
        assert await tt.all_headlines(since_id=newest) == []

        ttrss_engine.publish(PUBLISHED_BY_SINCE_ID_TEST, title="Harbour reopens after the storm")
        ttrss_engine.update_feeds([feed])
        before = tt.requests
        fresh = await tt.all_headlines(since_id=newest)
        assert tt.requests - before == 1
    assert [(h.title, h.feed_id, h.unread) for h in fresh] == [
        ("Harbour reopens after the storm", feed, True)
    ]
    assert fresh[0].id > newest and fresh[0].id not in {h.id for h in first}


async def test_a_headline_arriving_during_the_walk_gives_no_duplicate(
    ttrss_engine: Engine, ttrss_user: TtrssUser
) -> None:
    async with _client(ttrss_engine, ttrss_user) as tt:
        (feed,) = await _subscribed(ttrss_engine, tt, PUBLISHED_DURING_A_WALK)
        walk = tt.headline_pages(page_size=10)
        given = await anext(walk)
        # Newest first: the arrival takes the top, and pushes the rest down a place.
        ttrss_engine.publish(PUBLISHED_DURING_A_WALK, title="Late edition")
        ttrss_engine.update_feeds([feed])
        given += [h for page in [page async for page in walk] for h in page]
        ids = [h.id for h in given]
        assert len(ids) == len(set(ids)) == DEMO_ITEMS
        assert "Late edition" not in {h.title for h in given}

        # The next sync, from the newest id seen, has it.
        later = await tt.all_headlines(since_id=max(ids))
    assert [h.title for h in later] == ["Late edition"]


async def _one(tt: TtrssClient, feed: int, article: int) -> Headline:
    return next(h for h in await tt.headlines(feed, limit=5) if h.id == article)


async def test_read_unread_and_star_round_trip(ttrss_engine: Engine, ttrss_user: TtrssUser) -> None:
    async with _client(ttrss_engine, ttrss_user) as tt:
        (feed,) = await _subscribed(ttrss_engine, tt, SHARED[1])
        a, b, *_ = await tt.headlines(feed, limit=5)

        assert await tt.mark_read([a.id, b.id]) == 2
        assert [h.id for h in await tt.headlines(feed, view_mode="unread")].count(a.id) == 0
        assert not (await _one(tt, feed, a.id)).unread and not (await _one(tt, feed, b.id)).unread
        assert await tt.mark_unread([b.id]) == 1
        assert (await _one(tt, feed, b.id)).unread

        assert await tt.star([a.id]) == 1
        assert (await _one(tt, feed, a.id)).marked
        assert [h.id for h in await tt.headlines(view_mode="marked")] == [a.id]
        assert await tt.unstar([a.id]) == 1
        assert not (await _one(tt, feed, a.id)).marked
        (feed_row,) = await tt.feeds()
        assert feed_row.unread == DEMO_ITEMS - 1

        await tt.catchup_feed(feed)
        assert await tt.headlines(view_mode="unread") == []


async def test_unsubscribe_removes_the_feed_and_its_headlines(
    ttrss_engine: Engine, ttrss_user: TtrssUser
) -> None:
    async with _client(ttrss_engine, ttrss_user) as tt:
        (feed,) = await _subscribed(ttrss_engine, tt, SHARED[0])
        again = await tt.subscribe(ttrss_engine.feed_url(SHARED[0]))
        assert (again.feed_id, again.added) == (feed, False)

        await tt.unsubscribe(feed)
        assert await tt.feeds() == [] and await tt.all_headlines() == []
        with pytest.raises(TtrssError, match="no such feed") as caught:
            await tt.unsubscribe(feed)
    assert caught.value.code == "FEED_NOT_FOUND"


async def test_a_feed_tt_rss_cannot_fetch_is_refused_with_its_reason(
    ttrss_engine: Engine, ttrss_user: TtrssUser
) -> None:
    async with _client(ttrss_engine, ttrss_user) as tt:
        with pytest.raises(
            TtrssError, match="could not download the address: Requested URL failed"
        ) as caught:
            await tt.subscribe("http://127.0.0.1/feed.xml")
        assert await tt.feeds() == []
    assert caught.value.code == "SUBSCRIBE_5"


async def test_a_forgotten_session_logs_in_again_once(
    ttrss_engine: Engine, ttrss_user: TtrssUser
) -> None:
    async with _client(ttrss_engine, ttrss_user) as tt:
        await tt.login()
        tt.sid = "forgotten-by-the-server"
        before = tt.requests
        assert any(c.id == 0 for c in await tt.categories())  # "Uncategorized"
        # The refused call, the login, the call again.
        assert tt.requests - before == 3
        assert tt.sid != "forgotten-by-the-server"


async def test_feeds_made_in_the_database_are_synced_in_few_requests(
    ttrss_engine: Engine, ttrss_user: TtrssUser
) -> None:
    ttrss_engine.bulk_feeds(60, 10, user=ttrss_user.login, category="Wire")
    async with _client(ttrss_engine, ttrss_user) as tt:
        before = tt.requests
        feeds = await tt.feeds()
        headlines = await tt.all_headlines()
        # The login, the feeds, 600 headlines by 200 and the empty page that ends them.
        assert tt.requests - before == 1 + 1 + 4
        categories = {c.title: c for c in await tt.categories()}
    assert len(feeds) == 60 and {f.cat_id for f in feeds} == {categories["Wire"].id}
    assert len({h.id for h in headlines}) == 600 and all(h.unread for h in headlines)
    assert categories["Wire"].unread == 600
