"""The aggregator back end against a real Miniflux (tests/miniflux_engine.py starts it).

Each test has a Miniflux user of its own and a store of its own; ticker syncs through the
poller exactly as the app and `ticker serve` do (`Poller(..., aggregator=...)`), and edits
sources through `ticker add` and `ticker remove` as real processes.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aggregator_helpers import row_of, stored_items, sync_once
from miniflux_engine import Engine
from miniflux_fixtures import MinifluxUser

from ticker.aggregator.backend import connect
from ticker.aggregator.manage import subscribe
from ticker.aggregator.miniflux import MinifluxBackend, MinifluxError
from ticker.aggregator.settings import AggregatorSettings
from ticker.aggregator.sync import FEEDS_EVERY
from ticker.store import Store


def _settings(
    engine: Engine, user: MinifluxUser, url: str | None = None, password: str | None = None
) -> AggregatorSettings:
    return AggregatorSettings(
        kind="miniflux",
        url=url or engine.url,
        user=user.login,
        password=password if password is not None else user.password,
    )


def _server(engine: Engine, user: MinifluxUser) -> dict[int, dict[str, Any]]:
    """The user's entries as Miniflux holds them, by id (the test's own API calls)."""
    return engine.entries(user=user.login, password=user.password)


@pytest.fixture
def subscribed(miniflux_engine: Engine, miniflux_user: MinifluxUser) -> list[int]:
    """The user follows two of the demo's feeds (Miniflux fetches each as it subscribes)."""
    return [
        miniflux_engine.subscribe(
            miniflux_engine.feed_url(i), user=miniflux_user.login, password=miniflux_user.password
        )
        for i in (0, 1)
    ]


def test_connect_gives_the_miniflux_back_end(
    miniflux_engine: Engine, miniflux_user: MinifluxUser
) -> None:
    backend = connect(_settings(miniflux_engine, miniflux_user), miniflux_user.password)
    assert isinstance(backend, MinifluxBackend) and backend.kind == "miniflux"


def test_a_sync_stores_every_headline_under_its_feed_in_a_few_requests(
    miniflux_engine: Engine, miniflux_user: MinifluxUser, subscribed: list[int], tmp_path: Path
) -> None:
    store = tmp_path / "ticker.db"
    outcomes, requests = sync_once(store, _settings(miniflux_engine, miniflux_user))
    server = _server(miniflux_engine, miniflux_user)
    items = stored_items(store)
    assert [o.error for o in outcomes] == [None]
    assert len(server) == 2 * miniflux_engine.demo_items
    assert [i[0] for i in items] == sorted(server)
    assert {(i[0], i[1]) for i in items} == {
        (entry_id, row["feed"]["title"]) for entry_id, row in server.items()
    }
    assert all(title for _, _, title, *_ in items)
    # feeds, one page of entries, the newest marks; never a request per feed
    assert requests <= 4, requests


def test_the_next_sync_fetches_only_what_is_new(
    miniflux_engine: Engine, miniflux_user: MinifluxUser, subscribed: list[int], tmp_path: Path
) -> None:
    store = tmp_path / "ticker.db"
    settings = _settings(miniflux_engine, miniflux_user)
    sync_once(store, settings)
    before = {i[0] for i in stored_items(store)}
    miniflux_engine.publish(0, "Harbour cranes return to work after the strike")
    miniflux_engine.refresh(
        subscribed[0], user=miniflux_user.login, password=miniflux_user.password
    )
    logged = len(miniflux_engine.requests_of(miniflux_user.login))
    _, requests = sync_once(store, settings)
    after = stored_items(store)
    new = [i for i in after if i[0] not in before]
    assert [i[2] for i in new] == ["Harbour cranes return to work after the strike"]
    assert len(after) == len(before) + 1
    # As Miniflux logged them: the entries above the newest id held here, then the newest
    # page's marks (the feed list is known).
    asked = miniflux_engine.requests_of(miniflux_user.login)[logged:]
    assert len(asked) == requests == 2, asked
    assert f"after_entry_id={max(before)}" in asked[0]
    assert "after_entry_id" not in asked[1]


def test_marks_made_here_reach_the_server_and_marks_made_there_come_back(
    miniflux_engine: Engine, miniflux_user: MinifluxUser, subscribed: list[int], tmp_path: Path
) -> None:
    store_path = tmp_path / "ticker.db"
    settings = _settings(miniflux_engine, miniflux_user)
    sync_once(store_path, settings)
    first, second, third, fourth = [i[0] for i in stored_items(store_path)][:4]
    # Elsewhere (a phone app): the third is starred and the fourth read on the server.
    user = {"user": miniflux_user.login, "password": miniflux_user.password}
    miniflux_engine.api("PUT", f"entries/{third}/bookmark", **user)
    miniflux_engine.api("PUT", "entries", {"entry_ids": [fourth], "status": "read"}, **user)
    with Store(store_path) as store:
        store.set_read([row_of(store, first)])
        store.set_starred([row_of(store, second)])
    sync_once(store_path, settings)
    server = _server(miniflux_engine, miniflux_user)
    assert server[first]["status"] == "read" and server[second]["starred"] is True
    marks = {i[0]: (i[3], i[4]) for i in stored_items(store_path)}
    assert marks[first] == (1, 0) and marks[second] == (0, 1)
    assert marks[third] == (0, 1) and marks[fourth] == (1, 0)
    with Store(store_path) as store:
        assert store.pending_marks() == []
        store.set_read([row_of(store, first)], False)
        store.set_starred([row_of(store, second)], False)
    sync_once(store_path, settings)
    server = _server(miniflux_engine, miniflux_user)
    assert server[first]["status"] == "unread" and server[second]["starred"] is False


@pytest.mark.parametrize("bulk", [True, False], ids=["one-request", "toggles"])
def test_a_star_sent_twice_stays_a_star(
    miniflux_engine: Engine,
    miniflux_user: MinifluxUser,
    subscribed: list[int],
    bulk: bool,
) -> None:
    """Miniflux's per-entry call toggles; a star already there must not be undone (the
    "toggles" case is how ticker talks to a Miniflux older than 2.3.3)."""
    ids = sorted(_server(miniflux_engine, miniflux_user))[:3]

    async def star(value: bool, chosen: list[int]) -> int:
        backend = MinifluxBackend(
            _settings(miniflux_engine, miniflux_user), miniflux_user.password, timeout=30
        )
        backend._client.bulk_starred = None if bulk else False
        try:
            await backend.set_marks("starred", value, chosen)
            return backend.requests
        finally:
            await backend.aclose()

    asyncio.run(star(True, ids[:1]))
    requests = asyncio.run(star(True, ids))  # the first is starred already
    starred = {i for i, row in _server(miniflux_engine, miniflux_user).items() if row["starred"]}
    assert starred == set(ids)
    # One request (Miniflux 2.3.3 on); or the states read in one request and a toggle for
    # each of the two that differ (an older Miniflux refuses the first request: one more).
    version = tuple(int(part) for part in miniflux_engine.version.split(".")[:3] if part.isdigit())
    if bulk:
        assert requests == (1 if version >= (2, 3, 3) else 4), requests
    else:
        assert requests == 3, requests
    asyncio.run(star(False, ids[1:]))
    asyncio.run(star(False, ids[1:]))
    starred = {i for i, row in _server(miniflux_engine, miniflux_user).items() if row["starred"]}
    assert starred == {ids[0]}


def test_marks_wait_while_the_server_is_down_and_win_over_its_older_state(
    miniflux_engine: Engine, miniflux_user: MinifluxUser, subscribed: list[int], tmp_path: Path
) -> None:
    store_path = tmp_path / "ticker.db"
    settings = _settings(miniflux_engine, miniflux_user)
    sync_once(store_path, settings)
    target = stored_items(store_path)[0][0]
    with Store(store_path) as store:
        row = row_of(store, target)
        store.set_read([row])
    down = _settings(miniflux_engine, miniflux_user, url="http://127.0.0.1:9")  # nothing listens
    outcomes, _ = sync_once(store_path, down)
    assert "cannot reach Miniflux" in (outcomes[0].error or "")  # said, not raised
    with Store(store_path) as store:
        assert [m[:3] for m in store.pending_marks()] == [(target, "read", True)]
        assert store.headline(row).read  # and nothing stored was lost
    # The server still says unread (its state is older than the mark made here).
    assert _server(miniflux_engine, miniflux_user)[target]["status"] == "unread"
    sync_once(store_path, settings)
    assert _server(miniflux_engine, miniflux_user)[target]["status"] == "read"
    assert {i[0]: i[3] for i in stored_items(store_path)}[target] == 1


def test_a_wrong_password_is_one_readable_line(
    miniflux_engine: Engine, miniflux_user: MinifluxUser, subscribed: list[int], tmp_path: Path
) -> None:
    wrong = _settings(miniflux_engine, miniflux_user, password="not it")
    outcomes, requests = sync_once(tmp_path / "ticker.db", wrong)
    assert outcomes[0].error is not None
    assert "Miniflux refused the login" in outcomes[0].error
    assert requests == 2  # the password, then the same as an API key; nothing after


def test_an_api_key_in_place_of_the_password_works(
    miniflux_engine: Engine, miniflux_user: MinifluxUser, subscribed: list[int], tmp_path: Path
) -> None:
    key = miniflux_engine.api(
        "POST",
        "api-keys",
        {"description": "ticker"},
        user=miniflux_user.login,
        password=miniflux_user.password,
    )["token"]
    store = tmp_path / "ticker.db"
    outcomes, _ = sync_once(store, _settings(miniflux_engine, miniflux_user, password=key))
    assert [o.error for o in outcomes] == [None]
    assert len(stored_items(store)) == 2 * miniflux_engine.demo_items


def test_a_feed_unsubscribed_elsewhere_goes_within_ten_syncs_and_its_starred_ones_stay(
    miniflux_engine: Engine, miniflux_user: MinifluxUser, subscribed: list[int], tmp_path: Path
) -> None:
    store_path = tmp_path / "ticker.db"
    settings = _settings(miniflux_engine, miniflux_user)
    sync_once(store_path, settings)
    gone = subscribed[1]
    server = _server(miniflux_engine, miniflux_user)
    keep = next(i for i, row in server.items() if row["feed_id"] == gone)
    with Store(store_path) as store:
        store.set_starred([row_of(store, keep)])
    sync_once(store_path, settings)  # the star reaches the server first
    miniflux_engine.api(
        "DELETE", f"feeds/{gone}", user=miniflux_user.login, password=miniflux_user.password
    )
    # The feed list is read every FEEDS_EVERY syncs: the feed goes within that many.
    for _ in range(FEEDS_EVERY):
        sync_once(store_path, settings)
    left = {i[0] for i in stored_items(store_path)}
    feed_ids = {i: row["feed_id"] for i, row in server.items()}
    assert keep in left
    assert not [i for i in left if feed_ids[i] == gone and i != keep]
    assert [i for i in left if feed_ids[i] == subscribed[0]]


# -- sources edited through the server: `ticker add` and `ticker remove` as real processes --


@pytest.fixture
def home(tmp_path: Path, miniflux_engine: Engine, miniflux_user: MinifluxUser) -> Path:
    """A config that syncs from the engine, the password from a command; no sources here."""
    secret = tmp_path / "password"
    secret.write_text(miniflux_user.password + "\n")
    (tmp_path / "config.toml").write_text(
        "sources = []\n\n[aggregator]\n"
        f'kind = "miniflux"\nurl = "{miniflux_engine.url}"\nuser = "{miniflux_user.login}"\n'
        f'password_command = ["cat", "{secret}"]\n'
    )
    return tmp_path


def _ticker(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    files = ["--config", str(home / "config.toml"), "--data-dir", str(home / "data")]
    return subprocess.run(
        [sys.executable, "-m", "ticker", args[0], *files, *args[1:]],
        capture_output=True,
        text=True,
        timeout=300,
    )


def _feeds(engine: Engine, user: MinifluxUser) -> dict[str, dict[str, Any]]:
    feeds = engine.api("GET", "feeds", user=user.login, password=user.password)
    return {feed["feed_url"]: feed for feed in feeds}


def test_add_subscribes_on_the_server_and_remove_unsubscribes(
    home: Path, miniflux_engine: Engine, miniflux_user: MinifluxUser
) -> None:
    url = miniflux_engine.feed_url(2)
    added = _ticker(home, "add", url, "--yes")
    assert added.returncode == 0, added.stderr
    assert f"on {miniflux_engine.url}" in added.stdout
    assert url in _feeds(miniflux_engine, miniflux_user)
    assert "[[sources]]" not in (home / "config.toml").read_text()  # the server polls it
    again = _ticker(home, "add", url, "--yes")  # already there: the same feed, no error
    assert again.returncode == 0, again.stderr
    assert len(_feeds(miniflux_engine, miniflux_user)) == 1
    shown = _ticker(home, "headlines", "--format", "json")
    assert shown.returncode == 0, shown.stderr
    assert len(shown.stdout.splitlines()) == miniflux_engine.demo_items
    assert all(json.loads(line)["title"] for line in shown.stdout.splitlines())
    title = _feeds(miniflux_engine, miniflux_user)[url]["title"]
    removed = _ticker(home, "remove", title)
    assert removed.returncode == 0, removed.stderr
    assert f"unsubscribed {title}" in removed.stdout
    assert url not in _feeds(miniflux_engine, miniflux_user)
    shown = _ticker(home, "headlines", "--offline", "--format", "json")
    assert shown.stdout == ""


def test_a_subscription_miniflux_refuses_says_why_in_one_line(
    miniflux_engine: Engine, miniflux_user: MinifluxUser
) -> None:
    settings = _settings(miniflux_engine, miniflux_user)
    with pytest.raises(MinifluxError) as refused:
        asyncio.run(subscribe(settings, f"{miniflux_engine.feed_base}/no-such-feed.rss"))
    # Miniflux's reason, in its words (2.3: "fetcher: resource not found (404 status code)")
    assert str(refused.value).startswith("Miniflux could not subscribe: ")
    assert "404" in str(refused.value)
    assert "\n" not in str(refused.value)
    assert _feeds(miniflux_engine, miniflux_user) == {}


async def test_the_reader_falls_back_on_the_server_s_copy(
    miniflux_engine: Engine, miniflux_user: MinifluxUser, subscribed: list[int], tmp_path: Path
) -> None:
    import sqlite3

    from ticker.config import Settings
    from ticker.sanitize import html_to_text
    from ticker.session import Session

    store_path = tmp_path / "ticker.db"
    settings = _settings(miniflux_engine, miniflux_user)
    await asyncio.to_thread(sync_once, store_path, settings)
    remote = stored_items(store_path)[-1][0]
    gone = "http://127.0.0.1:9/story-that-moved"  # nothing listens: the page cannot be read
    with sqlite3.connect(store_path) as db:
        db.execute("UPDATE items SET url = ? WHERE remote_id = ?", (gone, remote))
    content = _server(miniflux_engine, miniflux_user)[remote]["content"]
    session = Session(store_path, (), Settings(sources=(), aggregator=settings))
    opened = await session.open_article(gone)
    assert opened.article.origin == "server"
    assert " ".join(opened.article.body.split()) == " ".join(html_to_text(content).split())
