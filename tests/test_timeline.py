"""The pane's rows without Textual: day headers, partial loads, headlines a window at a time."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ticker.model import Headline, Source
from ticker.store import PollRecord, Query, Store
from ticker.timeline import Timeline, day_rows

KYIV = ZoneInfo("Europe/Kyiv")
WIRE = Source("Wire", "http://127.0.0.1/wire.rss")


def test_a_day_header_comes_before_each_day_in_the_display_zone() -> None:
    def at(text: str) -> int:
        return int(datetime.fromisoformat(text).timestamp())

    entries = [
        (5, at("2024-10-26T12:50:00+03:00")),
        (4, at("2024-10-26T00:10:00+03:00")),
        (3, at("2024-10-25T23:50:00+03:00")),  # same UTC day as the one above, not in Kyiv
        (2, at("2024-10-25T22:10:00+03:00")),
    ]
    assert day_rows(entries, KYIV) == [date(2024, 10, 26), 5, 4, date(2024, 10, 25), 3, 2]
    assert day_rows(entries, UTC) == [date(2024, 10, 26), 5, date(2024, 10, 25), 4, 3, 2]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    now = datetime.now(UTC)
    with Store(tmp_path / "t.db") as s:
        items = [
            Headline(
                WIRE.url, f"g{i}", f"Story {i}", f"http://127.0.0.1/{i}", now - timedelta(hours=i)
            )
            for i in range(60)
        ]
        s.save([PollRecord(WIRE, time.time(), items)])
        yield s


def test_a_partial_load_has_the_newest_rows_and_says_it_is_partial(store: Store) -> None:
    timeline = Timeline(store)
    timeline.load(limit=10)
    assert not timeline.complete
    assert sum(isinstance(r, int) for r in timeline.rows) == 10
    timeline.load()
    assert timeline.complete and sum(isinstance(r, int) for r in timeline.rows) == 60


def test_headlines_come_a_window_at_a_time_and_forget_refetches(store: Store) -> None:
    timeline = Timeline(store, Query(), UTC)
    timeline.load()
    window = timeline.headlines(range(0, 20))
    assert len(window) == sum(isinstance(r, int) for r in timeline.rows[:20])
    first = next(r for r in timeline.rows if isinstance(r, int))
    assert timeline.headline(first) is not None and not timeline.headline(first).read
    store.set_read([first])
    assert not timeline.headline(first).read  # cached
    timeline.forget([first])
    assert timeline.headline(first).read
    assert timeline.position(first) == timeline.rows.index(first)


def test_a_reloaded_timeline_adopts_drawn_headlines_but_not_changed_ones(store: Store) -> None:
    old = Timeline(store, Query(), UTC)
    old.load()
    first, second = list(old.headlines(range(0, 20)))[:2]
    store.set_read([first, second])  # the store moves on; the pane still shows them unread
    new = Timeline(store, Query(), UTC)
    new.load()
    new.adopt(old, changed=[second])
    assert not new.headline(first).read  # adopted as drawn: not read from the store again
    assert new.headline(second).read  # changed: read again
