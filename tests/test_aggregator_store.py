"""The store's side of an aggregator: marks waiting to reach the server, and the server's
marks taken in without overwriting them (real SQLite files)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ticker.model import Headline, Source
from ticker.store import PollRecord, Store

REMOTE = Source(name="Harbour Gazette", url="https://rss.example/#feed=7", kind="remote")
LOCAL = Source(name="Local Wire", url="http://127.0.0.1/feed.xml")
WHEN = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)


def _filled(path: Path) -> Store:
    store = Store(path)
    remote = [
        Headline(
            source=REMOTE.url,
            guid=f"remote:{n}",
            title=f"Ferry timetable change {n}",
            url=f"https://news.example/{n}",
            published=WHEN,
            read=n == 3,
            starred=n == 2,
            remote_id=n,
        )
        for n in (1, 2, 3)
    ]
    local = [Headline(LOCAL.url, "l1", "Council budget", "http://127.0.0.1/a", WHEN)]
    store.save([PollRecord(REMOTE, 0.0, remote), PollRecord(LOCAL, 0.0, local)])
    return store


def _rows(store: Store) -> dict[str, int]:
    return {h.guid: h.row or 0 for h in store.headlines()}


def test_marks_on_the_server_s_headlines_wait_to_go_up_and_local_ones_do_not(
    tmp_path: Path,
) -> None:
    with _filled(tmp_path / "t.db") as store:
        rows = _rows(store)
        assert {h.guid: (h.read, h.starred) for h in store.headlines()}["remote:3"] == (True, False)
        store.set_read([rows["remote:1"], rows["l1"]])
        store.set_starred([rows["remote:1"]])
        store.set_read([rows["remote:1"]], read=False)  # the newest mark is what waits
        assert sorted(m[:3] for m in store.pending_marks()) == [
            (1, "read", False),
            (1, "starred", True),
        ]


def test_the_server_s_marks_never_overwrite_a_mark_still_waiting(tmp_path: Path) -> None:
    with _filled(tmp_path / "t.db") as store:
        rows = _rows(store)
        store.set_read([rows["remote:1"]])
        changed = store.apply_remote_marks([(1, False, True), (2, True, False), (99, True, True)])
        marks = {h.guid: (h.read, h.starred) for h in store.headlines()}
        assert marks["remote:1"] == (True, True)  # read here wins; the star is the server's
        assert marks["remote:2"] == (True, False)
        assert sorted(changed) == [rows["remote:1"], rows["remote:2"]]


def test_a_mark_changed_again_while_it_was_sent_still_waits(tmp_path: Path) -> None:
    with _filled(tmp_path / "t.db") as store:
        rows = _rows(store)
        store.set_read([rows["remote:2"]])
        sent = store.pending_marks()
        store.set_read([rows["remote:2"]], read=False)  # during the request
        store.marks_sent(sent)
        assert [m[:3] for m in store.pending_marks()] == [(2, "read", False)]
        store.marks_sent(store.pending_marks())
        assert store.pending_marks() == []


def test_the_sync_s_place_is_kept_in_the_store(tmp_path: Path) -> None:
    with _filled(tmp_path / "t.db") as store:
        assert store.remote_state("since_id") is None
        store.set_remote_state("since_id", "41")
        store.set_remote_state("since_id", "42")
    with Store(tmp_path / "t.db") as store:
        assert store.remote_state("since_id") == "42"
        assert store.remote_count() == 3


async def test_a_push_and_a_sync_connecting_at_once_ask_one_password_and_make_one_client() -> None:
    import asyncio

    from ticker.aggregator.backend import Backend, connect
    from ticker.aggregator.settings import AggregatorSettings
    from ticker.aggregator.sync import Aggregator

    made: list[Backend] = []

    def connector(settings: AggregatorSettings, password: str) -> Backend:
        made.append(connect(settings, password))
        return made[-1]

    slow = ("sh", "-c", "sleep 0.3; echo secret")  # a password manager that takes its time
    settings = AggregatorSettings("ttrss", "http://127.0.0.1:9", "ana", password_command=slow)
    aggregator = Aggregator(settings, connector=connector)
    first, second = await asyncio.gather(aggregator._connected(), aggregator._connected())
    assert first is second and len(made) == 1
    await aggregator.aclose()
