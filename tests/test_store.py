"""The store, on real SQLite files: upserts, updates, marks, search, retention, indexes."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ticker.errors import StoreError
from ticker.model import NO_BADGES, Badge, Headline, Source
from ticker.store import SCHEMA_VERSION, PollRecord, Query, Retention, Store

WIRE = Source("Wire", "http://127.0.0.1/wire.rss")
DESK = Source("Desk", "http://127.0.0.1/desk.rss")
NOW = datetime.now(UTC).replace(microsecond=0)


def headline(
    guid: str,
    title: str = "",
    *,
    source: Source = WIRE,
    minutes_ago: int = 0,
    badges: Badge = NO_BADGES,
    summary: str = "",
) -> Headline:
    return Headline(
        source=source.url,
        guid=guid,
        title=title or f"Story {guid}",
        url=f"http://127.0.0.1/{guid}",
        published=NOW - timedelta(minutes=minutes_ago),
        badges=badges,
        summary=summary,
    )


def save(store: Store, source: Source, *items: Headline) -> tuple[list[int], list[int]]:
    report = store.save([PollRecord(source, time.time(), list(items))])
    return report.new_rows, report.updated_rows


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "ticker.db") as s:
        yield s


def test_a_new_store_is_at_the_current_schema_in_wal_mode(tmp_path: Path) -> None:
    with Store(tmp_path / "deep" / "dir" / "ticker.db") as store:
        assert store.schema_version == SCHEMA_VERSION
    db = sqlite3.connect(tmp_path / "deep" / "dir" / "ticker.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_store_from_a_newer_ticker_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "ticker.db"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer ticker"):
        Store(path)


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "ticker.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open the store"):
        Store(path)


def test_upserts_are_idempotent(store: Store) -> None:
    items = [headline(str(i), minutes_ago=i) for i in range(5)]
    new, updated = save(store, WIRE, *items)
    assert len(new) == 5 and updated == []
    assert save(store, WIRE, *items) == ([], [])
    assert store.count() == 5


def test_same_guid_in_two_sources_is_two_items(store: Store) -> None:
    save(store, WIRE, headline("1"))
    save(store, DESK, headline("1", source=DESK))
    assert store.count() == 2


def test_a_changed_title_marks_the_item_updated_in_place(store: Store) -> None:
    [row], _ = save(store, WIRE, headline("1", "Dam holds after storm", minutes_ago=30))
    store.set_read([row])
    new, updated = save(store, WIRE, headline("1", "Dam breached after storm"))
    assert (new, updated) == ([], [row])
    [item] = store.headlines()
    assert item.row == row
    assert item.title == "Dam breached after storm"
    assert Badge.UPDATED in item.badges
    assert item.read  # the person's mark survives the update
    # the story keeps its place in time: the first published time stays
    assert item.published == NOW - timedelta(minutes=30)


def test_a_changed_summary_also_counts_as_an_update(store: Store) -> None:
    save(store, WIRE, headline("1", summary="Three injured."))
    _, updated = save(store, WIRE, headline("1", summary="Five injured."))
    assert len(updated) == 1
    assert store.headlines()[0].badges == Badge.UPDATED


def test_duplicate_guids_within_one_poll_store_once(store: Store) -> None:
    new, _ = save(store, WIRE, headline("1", "First"), headline("1", "Second"))
    assert len(new) == 1
    assert store.headlines()[0].title == "First"


def test_newest_first_with_filters(store: Store) -> None:
    save(
        store,
        WIRE,
        headline("old", minutes_ago=60, badges=Badge.OPINION),
        headline("new", minutes_ago=1, badges=Badge.EXCLUSIVE | Badge.VIDEO),
        headline("mid", minutes_ago=30),
    )
    save(store, DESK, headline("desk", source=DESK, minutes_ago=10))
    assert [h.guid for h in store.headlines()] == ["new", "desk", "mid", "old"]
    assert [h.guid for h in store.headlines(Query(sources=(DESK.url,)))] == ["desk"]
    assert [h.guid for h in store.headlines(Query(badge=Badge.VIDEO))] == ["new"]
    assert [h.guid for h in store.headlines(Query(limit=2))] == ["new", "desk"]
    first_two = store.headlines(Query(limit=2))
    last = first_two[-1]
    page = store.headlines(Query(before=(int(last.published.timestamp()), last.row or 0)))
    assert [h.guid for h in page] == ["mid", "old"]


def test_read_and_starred_marks(store: Store) -> None:
    rows, _ = save(store, WIRE, headline("a"), headline("b"), headline("c"))
    store.set_read(rows[:2])
    store.set_starred([rows[2]])
    assert store.count(Query(unread=True)) == 1
    assert [h.row for h in store.headlines(Query(starred=True))] == [rows[2]]
    store.set_read(rows[:1], read=False)
    assert store.count(Query(unread=True)) == 2


def test_full_text_search_over_title_and_summary(store: Store) -> None:
    save(
        store,
        WIRE,
        headline("1", "Ceasefire holds in the north"),
        headline("2", "Markets rally", summary="Investors cheer the ceasefire news"),
        headline("3", "Harvest festival opens"),
    )
    assert {h.guid for h in store.headlines(Query(search="ceasefire"))} == {"1", "2"}
    assert {h.guid for h in store.headlines(Query(search="cease"))} == {"1", "2"}  # prefixes
    assert [h.guid for h in store.headlines(Query(search="harvest opens"))] == ["3"]
    # what people type is never FTS syntax: quotes, operators and brackets are just words
    assert store.headlines(Query(search='"NEAR( OR *')) == []
    # an update re-indexes
    save(store, WIRE, headline("3", "Harvest festival cancelled"))
    assert [h.guid for h in store.headlines(Query(search="cancelled"))] == ["3"]
    assert store.headlines(Query(search="opens")) == []


def test_retention_keeps_starred_items(store: Store) -> None:
    rows, _ = save(store, WIRE, *(headline(str(i), minutes_ago=i) for i in range(10)))
    store.set_starred([rows[9]])  # the oldest
    deleted = store.prune(Retention(max_age_days=30, max_items_per_source=3))
    assert deleted == 6
    assert [h.guid for h in store.headlines()] == ["0", "1", "2", "9"]


def test_forgetting_a_source_keeps_its_starred_headlines_and_others_sources(store: Store) -> None:
    rows, _ = save(store, WIRE, *(headline(str(i), minutes_ago=i) for i in range(4)))
    save(store, DESK, headline("d", source=DESK))
    store.set_starred([rows[2]])
    assert store.forget_source(WIRE.url) == (3, 1)
    assert sorted(h.guid for h in store.headlines()) == ["2", "d"]
    assert sorted(h.guid for h in store.headlines(Query(search="Story"))) == ["2", "d"]
    store.set_starred([rows[2]], False)
    assert store.forget_source(WIRE.url) == (1, 0)
    assert [h.url for h in store.health()] == [DESK.url]  # no items left: the row goes too
    assert store.forget_source("http://127.0.0.1/never.rss") == (0, 0)


def test_retention_by_age(store: Store) -> None:
    save(store, WIRE, headline("fresh"), headline("stale", minutes_ago=3 * 24 * 60))
    store.prune(Retention(max_age_days=1, keep_newest=1))
    assert [h.guid for h in store.headlines()] == ["fresh"]


def test_items_older_than_retention_are_not_stored_past_the_newest_kept(store: Store) -> None:
    stale = [headline(f"s{i}", minutes_ago=40 * 24 * 60 + i) for i in range(5)]
    retention = Retention(keep_newest=2)
    report = store.save([PollRecord(WIRE, time.time(), stale)], retention=retention)
    assert len(report.new_rows) == 2
    assert [h.guid for h in store.headlines()] == ["s0", "s1"]
    assert store.prune(retention) == 0  # what was stored is what retention keeps


def test_a_quiet_source_keeps_its_newest_items_whatever_their_age(store: Store) -> None:
    """A blog whose last post is two months old still shows its last posts."""
    day = 24 * 60
    quiet = [headline(f"q{i}", minutes_ago=(60 + i) * day) for i in range(25)]
    report = store.save([PollRecord(WIRE, time.time(), quiet)], retention=Retention())
    assert len(report.new_rows) == 20
    busy = [headline(f"b{i}", source=DESK, minutes_ago=i * day) for i in range(40)]
    store.save([PollRecord(DESK, time.time(), busy)], retention=Retention())
    store.prune(Retention())
    assert [h.guid for h in store.headlines(Query(sources=(WIRE.url,)))] == [
        f"q{i}" for i in range(20)
    ]
    # the busy source keeps its young items and, of the old, only what its newest 20 include
    assert [h.guid for h in store.headlines(Query(sources=(DESK.url,)))] == [
        f"b{i}" for i in range(30)
    ]
    # a newer post pushes the oldest kept one out
    store.save([PollRecord(WIRE, time.time(), [headline("fresh")])], retention=Retention())
    store.prune(Retention())
    kept = [h.guid for h in store.headlines(Query(sources=(WIRE.url,)))]
    assert kept == ["fresh"] + [f"q{i}" for i in range(19)]


def test_starred_items_survive_beside_the_newest_kept(store: Store) -> None:
    day = 24 * 60
    rows, _ = save(store, WIRE, *(headline(f"q{i}", minutes_ago=(60 + i) * day) for i in range(5)))
    store.set_starred([rows[4]])
    assert store.prune(Retention(keep_newest=2)) == 2
    assert [h.guid for h in store.headlines()] == ["q0", "q1", "q4"]
    assert store.prune(Retention(keep_newest=0)) == 2
    assert [h.guid for h in store.headlines()] == ["q4"]


def test_a_derived_title_says_where_it_came_from(store: Store) -> None:
    derived = replace(headline("d", "A status with no title of its own"), title_from="summary")
    save(store, WIRE, derived, headline("own"))
    found = {h.guid: h.title_from for h in store.headlines()}
    assert found == {"d": "summary", "own": ""}
    # the item gets a title of its own later: it is an update, and no longer derived
    _, updated = save(store, WIRE, headline("d", "Now titled"))
    assert updated and store.headline(updated[0]).title_from == ""


def test_a_store_of_schema_2_gains_title_from_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    from ticker.store import _MIGRATIONS, _statements

    for number in range(2):
        for statement in _statements(_MIGRATIONS[number]):
            db.execute(statement)
    db.execute("INSERT INTO sources(url, name) VALUES (?, ?)", (WIRE.url, WIRE.name))
    db.execute(
        "INSERT INTO items(source_id, guid, title, url, published, first_seen)"
        " VALUES (1, 'g', 'Kept', 'http://127.0.0.1/g', ?, ?)",
        (int(time.time()), time.time()),
    )
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO items_fts(rowid, title, summary) SELECT id, title, summary FROM items")
    db.commit()
    db.close()
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        [kept] = store.headlines()
        assert (kept.title, kept.title_from) == ("Kept", "")
        assert [h.guid for h in store.headlines(Query(search="kept"))] == ["g"]  # index intact
        assert store.integrity() == "ok"
        # the rebuilt table never reuses the old rows' ids either
        store.forget_source(WIRE.url)
        rows, _ = save(store, DESK, headline("new", source=DESK))
        assert rows[0] > kept.row


def test_a_deleted_rows_id_is_never_given_to_a_new_headline(store: Store) -> None:
    """The pane and the reader know a headline by its row id (issue 11, fault 3)."""
    rows, _ = save(store, WIRE, headline("a"), headline("b"))
    store.forget_source(WIRE.url)
    again, _ = save(store, DESK, headline("c", source=DESK))
    assert again[0] > max(rows)
    assert store.headline(rows[-1]) is None


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (Query(limit=50), "items_newest"),
        (Query(sources=(WIRE.url,), limit=50), "items_by_source"),
        (Query(badge=Badge.EXCLUSIVE, limit=50), "items_badge_exclusive"),
        (Query(unread=True, limit=50), "items_unread"),
    ],
)
def test_the_app_s_queries_use_their_indexes(store: Store, query: Query, index: str) -> None:
    plan = store.explain(query)
    assert index in plan
    assert "TEMP B-TREE" not in plan  # no sort of the whole table


def test_source_health_is_recorded(store: Store) -> None:
    store.ensure_sources([WIRE, DESK])
    now = time.time()
    store.save(
        [
            PollRecord(WIRE, now, [headline("1")], etag='"v1"', next_poll=now + 300),
            PollRecord(
                DESK,
                now,
                None,
                error="HTTP 503 Service Unavailable",
                failures=2,
                next_poll=now + 120,
            ),
        ]
    )
    health = {h.name: h for h in store.health()}
    assert health["Wire"].ok and health["Wire"].item_count == 1
    assert health["Desk"].last_error == "HTTP 503 Service Unavailable"
    assert health["Desk"].failures == 2 and health["Desk"].last_success is None
    assert store.source_states()[WIRE.url].etag == '"v1"'


def test_search_text_with_control_characters_is_just_words(store: Store) -> None:
    save(store, WIRE, headline("1", "Ceasefire holds"))
    assert [h.guid for h in store.headlines(Query(search="cease\x00fire\x1b[31m"))] == []
    assert [h.guid for h in store.headlines(Query(search="\x00cease"))] == ["1"]


def test_a_poll_stored_after_its_source_was_removed_brings_nothing_back(store: Store) -> None:
    """Issue 11, faults 2 and 7: a late poll, and a source added again."""
    store.ensure_sources([WIRE, DESK])
    store.save([PollRecord(WIRE, time.time(), [headline("a")], etag='"v1"', last_modified="Mon")])
    [starred] = [h.row for h in store.headlines() if h.row is not None]
    store.set_starred([starred])
    assert store.forget_source(WIRE.url) == (0, 1)
    late = store.save([PollRecord(WIRE, time.time(), [headline("b"), headline("c")])])
    assert late.new_rows == [] and late.per_source == {}
    assert [h.guid for h in store.headlines()] == ["a"]  # the starred one, and nothing else
    assert [h.url for h in store.health()] == [DESK.url]  # the sources screen does not list it
    assert WIRE.url not in store.source_states()
    # added again: a source of its own once more, with no validators that would get a 304
    store.ensure_sources([WIRE])
    assert store.source_states()[WIRE.url].etag is None
    again = store.save([PollRecord(WIRE, time.time(), [headline("b")])])
    assert len(again.new_rows) == 1
    assert [h.url for h in store.health()] == [DESK.url, WIRE.url]
