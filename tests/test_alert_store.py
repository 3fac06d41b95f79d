"""Alerts in the store: once per rule and headline, shared by every connection and process."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ticker.alerts.rules import Action, AlertRule
from ticker.model import Badge, Headline, Source
from ticker.store import SCHEMA_VERSION, PollRecord, Retention, Store

WIRE = Source("Wire", "http://127.0.0.1/wire.rss")
BREAKING = AlertRule("Breaking", badges=Badge.BREAKING)
QUAKE = AlertRule("Quake", title="quake", updates=True, actions=Action.TOAST | Action.COMMAND)
RULES = (BREAKING, QUAKE)


def headline(guid: str, title: str, badges: Badge = Badge.BREAKING) -> Headline:
    return Headline(
        source=WIRE.url,
        guid=guid,
        title=title,
        url=f"http://127.0.0.1/{guid}",
        published=datetime.now(UTC),
        badges=badges,
    )


def save(path: Path, *items: Headline, rules: tuple[AlertRule, ...] = RULES) -> list[str]:
    """Save a poll through a connection of its own; what fired, as "rule:guid:revision"."""
    with Store(path) as store:
        report = store.save([PollRecord(WIRE, time.time(), list(items))], alerts=rules)
        assert report.alert_error is None
        return [f"{e.rule}:{e.guid}:{e.revision}" for e in report.alerts]


def test_an_alert_fires_once_per_rule_and_headline_and_again_only_for_updates(
    tmp_path: Path,
) -> None:
    db = tmp_path / "t.db"
    assert save(db, headline("a", "Quake hits"), headline("b", "Calm day", Badge(0))) == [
        "Breaking:a:0",
        "Quake:a:0",
    ]
    assert save(db, headline("a", "Quake hits")) == []  # the same again: nothing
    # Updated: the rule that asks for updates fires for the new revision, the other does not.
    assert save(db, headline("a", "Quake hits, 40 dead")) == ["Quake:a:1"]
    assert save(db, headline("a", "Quake hits, 40 dead")) == []
    # A headline that matches only after an update fires its rule then, once.
    assert save(db, headline("b", "Calm day, then a quake", Badge(0))) == ["Quake:b:1"]


def test_every_connection_reads_the_same_alerts_after_an_id(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    with Store(db) as viewer:
        seen = viewer.last_alert_id()
        assert seen == 0 and viewer.alerts_after(seen) == []
        save(db, headline("a", "Quake hits"))
        first = viewer.alerts_after(seen)
        assert [(e.rule, e.title, e.source) for e in first] == [
            ("Breaking", "Quake hits", WIRE.url),
            ("Quake", "Quake hits", WIRE.url),
        ]
        assert first[1].actions == Action.TOAST | Action.COMMAND
        save(db, headline("b", "Second"))
        assert [e.guid for e in viewer.alerts_after(first[-1].id)] == ["b"]
        assert viewer.last_alert_id() == viewer.alerts_after(0)[-1].id
        assert viewer.alerted([first[0].row]) == {first[0].row: ("Breaking", "Quake")}


def _save_in_process(path: str, title: str, start: multiprocessing.synchronize.Event) -> None:
    start.wait()
    save(Path(path), headline("a", title))


def test_two_processes_storing_the_same_update_fire_it_once(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    save(db, headline("a", "Quake hits"))
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    workers = [
        context.Process(target=_save_in_process, args=(str(db), "Quake hits again", start))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    with Store(db) as store:
        fired = [f"{e.rule}:{e.revision}" for e in store.alerts_after(0)]
    assert fired == ["Breaking:0", "Quake:0", "Quake:1"]


def test_headlines_stored_before_a_rule_was_added_never_fire_it(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    save(db, headline("old", "Quake hits"), rules=())
    later = AlertRule("Later", title="quake", updates=True)
    with Store(db) as store:
        store.note_alert_rules([later])  # when the rule is added
    assert save(db, headline("old", "Quake hits, update"), rules=(later,)) == []
    assert save(db, headline("new", "Another quake"), rules=(later,)) == ["Later:new:0"]


def test_a_rule_first_seen_with_a_batch_fires_for_that_batch_only(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    save(db, headline("old", "Quake hits"), rules=())
    fired = save(db, headline("old", "Quake hits, update"), headline("new", "Quake two"))
    assert fired == ["Breaking:new:0", "Quake:new:0"]


def test_an_edited_rule_is_a_new_rule_for_what_was_stored(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    save(db, headline("a", "Storm and quake", Badge(0)), rules=(AlertRule("W", title="storm"),))
    # The rule now matches the stored headline too; its update must not fire the new rule.
    edited = AlertRule("W", title="quake", updates=True)
    assert save(db, headline("a", "Storm and quake, update", Badge(0)), rules=(edited,)) == []


@dataclass(frozen=True)
class BrokenRule(AlertRule):
    """A rule whose matching fails: it must cost its own alerts only, never the poll."""

    def matches(self, headline: Headline, source: Source | None = None) -> bool:
        raise RuntimeError("broken")


def test_a_broken_rule_costs_its_alerts_only(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    with Store(db) as store:
        report = store.save(
            [PollRecord(WIRE, time.time(), [headline("a", "Quake hits")])],
            alerts=(BrokenRule("Broken", title="x"), BREAKING),
        )
        assert report.new_rows and [e.rule for e in report.alerts] == ["Breaking"]
        assert report.alert_error == "rule 'Broken' failed: RuntimeError"
        assert store.count() == 1


def test_an_alert_stays_while_its_headline_is_stored(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    save(db, headline("a", "Quake hits"))
    with Store(db) as store:
        store.prune(Retention(max_age_days=1), now=time.time() + 86_400 * 10)
        assert store.count() == 1  # the source's newest are kept
        assert len(store.alerts_after(0)) == 2
        store.prune(Retention(max_age_days=1, keep_newest=0), now=time.time() + 86_400 * 10)
        assert store.count() == 0 and store.alerts_after(0) == []


def test_a_problem_of_the_notify_command_is_noted_and_cleared(tmp_path: Path) -> None:
    with Store(tmp_path / "t.db") as store:
        store.note_alert_problem("command", "notify-send exited with status 1", now=100.0)
        assert store.alert_problems() == {
            "command": (datetime.fromtimestamp(100.0, UTC), "notify-send exited with status 1")
        }
        store.note_alert_problem("command", None)
        assert store.alert_problems() == {}


def test_a_store_of_schema_6_gains_alerts_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    from ticker.store import _MIGRATIONS, _statements

    db = sqlite3.connect(path)
    for number in range(6):
        for statement in _statements(_MIGRATIONS[number]):
            db.execute(statement)
    db.execute("INSERT INTO sources(url, name) VALUES (?, ?)", (WIRE.url, WIRE.name))
    db.execute(
        "INSERT INTO items(source_id, guid, title, url, published, first_seen, badges)"
        " VALUES (1, 'a', 'Quake hits', 'http://127.0.0.1/a', ?, ?, ?)",
        (int(time.time()), time.time(), int(Badge.BREAKING)),
    )
    db.execute("INSERT INTO items_fts(rowid, title, summary) SELECT id, title, summary FROM items")
    db.execute("PRAGMA user_version = 6")
    db.commit()
    db.close()
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION >= 7
        [kept] = store.headlines()
        assert kept.title == "Quake hits" and store.integrity() == "ok"
        assert store.alerts_after(0) == [] and store.last_alert_id() == 0
    # The old headline was stored before any rule: its update fires none; a new one does.
    assert save(path, headline("a", "Quake hits, update")) == []
    assert save(path, headline("b", "Quake two")) == ["Breaking:b:0", "Quake:b:0"]
    assert save(path, headline("b", "Quake two, update")) == ["Quake:b:1"]
