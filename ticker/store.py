"""The SQLite store: the single source of truth for headlines, marks and source health.

One file in WAL mode. A poll's results are written in one transaction, so a process killed in
the middle leaves the previous state intact; read and starred marks are committed on their own
the moment they are set. `PRAGMA user_version` is the schema version and `_MIGRATIONS` the way
from each version to the next.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING

from ticker.errors import StoreError
from ticker.model import Article, Badge, Headline, Source, SourceHealth

if TYPE_CHECKING:  # alerts are imported where they fire or are read: `ticker read` needs none
    from ticker.alerts.events import AlertEvent
    from ticker.alerts.rules import AlertRule

_BADGE_INDEXES = "\n".join(
    f"CREATE INDEX items_badge_{b.name.lower()} ON items(published, id) WHERE badges & {b.value};"
    for b in Badge.all()
    if b.name
)

_MIGRATIONS: tuple[str, ...] = (
    # 1: sources, items, marks, full-text search, the indexes the app's views need
    f"""
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        last_success REAL,
        last_attempt REAL,
        last_error TEXT,
        next_poll REAL,
        failures INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        guid TEXT NOT NULL,
        title TEXT NOT NULL,
        url TEXT NOT NULL,
        summary TEXT NOT NULL DEFAULT '',
        published INTEGER NOT NULL,
        first_seen REAL NOT NULL,
        badges INTEGER NOT NULL DEFAULT 0,
        read INTEGER NOT NULL DEFAULT 0,
        starred INTEGER NOT NULL DEFAULT 0,
        UNIQUE (source_id, guid)
    );
    CREATE INDEX items_newest ON items(published, id);
    CREATE INDEX items_by_source ON items(source_id, published, id);
    CREATE INDEX items_unread ON items(published, id) WHERE read = 0;
    CREATE INDEX items_starred ON items(published, id) WHERE starred = 1;
    {_BADGE_INDEXES}
    CREATE VIRTUAL TABLE items_fts USING fts5(
        title, summary, content='items', content_rowid='id', tokenize='unicode61'
    );
    CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
        INSERT INTO items_fts(items_fts, rowid, title, summary)
        VALUES ('delete', old.id, old.title, old.summary);
    END;
    CREATE TRIGGER items_fts_update AFTER UPDATE OF title, summary ON items BEGIN
        INSERT INTO items_fts(items_fts, rowid, title, summary)
        VALUES ('delete', old.id, old.title, old.summary);
        INSERT INTO items_fts(rowid, title, summary) VALUES (new.id, new.title, new.summary);
    END;
    """,
    # 2: extracted articles, so a second open is instant and works offline
    """
    CREATE TABLE articles (
        url TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        byline TEXT,
        published INTEGER,
        tags TEXT NOT NULL DEFAULT '[]',
        lang TEXT,
        etag TEXT,
        last_modified TEXT,
        fetched REAL NOT NULL
    );
    CREATE INDEX items_url ON items(url);
    """,
    # 3: where a derived title came from ("" when the item had a title of its own)
    """
    ALTER TABLE items ADD COLUMN title_from TEXT NOT NULL DEFAULT '';
    """,
    # 4: row ids are never reused. The pane, its drawn-row cache and the reader know a headline
    # by its row id; without AUTOINCREMENT a deleted row's id went to the next insert, and the
    # pane drew (and Enter opened) the deleted headline in the new one's place.
    f"""
    CREATE TABLE items_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        guid TEXT NOT NULL,
        title TEXT NOT NULL,
        url TEXT NOT NULL,
        summary TEXT NOT NULL DEFAULT '',
        published INTEGER NOT NULL,
        first_seen REAL NOT NULL,
        badges INTEGER NOT NULL DEFAULT 0,
        read INTEGER NOT NULL DEFAULT 0,
        starred INTEGER NOT NULL DEFAULT 0,
        title_from TEXT NOT NULL DEFAULT '',
        UNIQUE (source_id, guid)
    );
    INSERT INTO items_new(id, source_id, guid, title, url, summary, published, first_seen,
        badges, read, starred, title_from)
        SELECT id, source_id, guid, title, url, summary, published, first_seen, badges, read,
        starred, title_from FROM items;
    DROP TABLE items;
    ALTER TABLE items_new RENAME TO items;
    CREATE INDEX items_newest ON items(published, id);
    CREATE INDEX items_by_source ON items(source_id, published, id);
    CREATE INDEX items_unread ON items(published, id) WHERE read = 0;
    CREATE INDEX items_starred ON items(published, id) WHERE starred = 1;
    CREATE INDEX items_url ON items(url);
    {_BADGE_INDEXES}
    CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
        INSERT INTO items_fts(items_fts, rowid, title, summary)
        VALUES ('delete', old.id, old.title, old.summary);
    END;
    CREATE TRIGGER items_fts_update AFTER UPDATE OF title, summary ON items BEGIN
        INSERT INTO items_fts(items_fts, rowid, title, summary)
        VALUES ('delete', old.id, old.title, old.summary);
        INSERT INTO items_fts(rowid, title, summary) VALUES (new.id, new.title, new.summary);
    END;
    """,
    # 5: a removed source's row stays (for its starred headlines) marked removed, so a poll
    # that was running when it was removed cannot bring its headlines back.
    """
    ALTER TABLE sources ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
    """,
    # 6: a viewer (another ticker on this store) asks the process that polls for a round now;
    # the poller notices the row through `PRAGMA data_version` and answers it after the round.
    """
    CREATE TABLE poll_requests (
        id INTEGER PRIMARY KEY,
        asked REAL NOT NULL,
        answered REAL
    );
    """,
    # 7: alerts. An item's revision counts its updates (new title or summary); `alerts` holds
    # every firing, once per (rule, headline) or per revision, and is what viewers read after
    # an id; `alert_rules` holds the newest row when a rule was first seen, so headlines stored
    # before a rule existed never fire it; `alert_problems` the notify command's last failure.
    """
    ALTER TABLE items ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        rule TEXT NOT NULL,
        item_id INTEGER NOT NULL,
        source TEXT NOT NULL,
        source_name TEXT NOT NULL,
        guid TEXT NOT NULL,
        title TEXT NOT NULL,
        url TEXT NOT NULL,
        badges INTEGER NOT NULL,
        revision INTEGER NOT NULL,
        actions INTEGER NOT NULL,
        fired REAL NOT NULL,
        UNIQUE (rule, source, guid, revision)
    );
    CREATE INDEX alerts_by_item ON alerts(item_id);
    CREATE TABLE alert_rules (
        key TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        since INTEGER NOT NULL,
        seen REAL NOT NULL
    );
    CREATE TABLE alert_problems (
        what TEXT PRIMARY KEY,
        at REAL NOT NULL,
        error TEXT NOT NULL
    );
    """,
    # 8: an aggregator's headlines (tt-rss...): each item knows its id on the server, marks made
    # here wait in `remote_marks` until the server has them (newest mark per item and field, so
    # it wins over the server's older state), and `remote_state` holds the sync's place.
    """
    ALTER TABLE items ADD COLUMN remote_id INTEGER;
    CREATE INDEX items_remote ON items(remote_id) WHERE remote_id IS NOT NULL;
    CREATE TABLE remote_marks (
        remote_id INTEGER NOT NULL,
        field TEXT NOT NULL,
        value INTEGER NOT NULL,
        changed REAL NOT NULL,
        PRIMARY KEY (remote_id, field)
    );
    CREATE TABLE remote_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(_MIGRATIONS)

_ITEM_COLUMNS = (
    "items.id, sources.url, sources.name, items.guid, items.title, items.url, items.summary,"
    " items.published, items.badges, items.read, items.starred, items.title_from"
)


@dataclass(frozen=True, slots=True)
class SourceState:
    """What the poller needs to remember about a source between polls."""

    etag: str | None = None
    last_modified: str | None = None
    next_poll: float | None = None
    failures: int = 0


@dataclass(frozen=True, slots=True)
class PollRecord:
    """One source's poll, ready to store. `headlines` is None for a 304 or a failure."""

    source: Source
    attempted: float
    headlines: Sequence[Headline] | None = None
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    next_poll: float | None = None
    failures: int = 0


@dataclass(slots=True)
class SaveReport:
    """What a save changed: per source counts, and the rows that are new or updated."""

    new_rows: list[int] = field(default_factory=list)
    updated_rows: list[int] = field(default_factory=list)
    per_source: dict[str, tuple[int, int]] = field(default_factory=dict)
    alerts: list[AlertEvent] = field(default_factory=list)  # what fired, oldest first
    alert_error: str | None = None  # why rules could not be applied; the headlines are saved


@dataclass(frozen=True, slots=True)
class Retention:
    """How much the store keeps. Starred items are always kept, and so is each source's newest
    `keep_newest`, whatever their age: a quiet blog still shows its last posts."""

    max_age_days: float = 30.0
    max_items_per_source: int = 2000
    keep_newest: int = 20


@dataclass(frozen=True, slots=True)
class CachedArticle:
    article: Article
    etag: str | None
    last_modified: str | None
    fetched: float


@dataclass(frozen=True, slots=True)
class Query:
    """Which headlines to list, newest first."""

    sources: tuple[str, ...] = ()  # source URLs; empty means every source
    badge: Badge | None = None
    unread: bool = False
    starred: bool = False
    search: str | None = None
    limit: int | None = None
    before: tuple[int, int] | None = None  # (published, id) to page on from


REQUESTS_KEPT = 3600.0  # seconds an answered poll request is kept
ALERTS_MAX = 1000  # alerts an alerts_after call returns at most
BUSY_TIMEOUT = 10.0  # seconds a write waits for another connection's lock before it fails


class Store:
    """A connection to the store file. Use from one thread at a time."""

    def __init__(self, path: Path | str, *, readonly: bool = False) -> None:
        self.path = Path(path)
        try:
            if not readonly:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            uri = f"file:{self.path}?mode={'ro' if readonly else 'rwc'}"
            self._db = sqlite3.connect(
                uri, uri=True, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT
            )
            self._db.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute("PRAGMA synchronous = NORMAL")
                self._migrate()
        except sqlite3.DatabaseError as error:
            raise StoreError(f"cannot open the store {self.path}: {error}") from None
        except OSError as error:
            raise StoreError(f"cannot create the store at {self.path}: {error.strerror}") from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; a store that cannot be written (held lock, full disk,
        read-only file) is a StoreError of one line, and nothing of the transaction stays."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:  # some errors (a full disk) roll back already
                    self._db.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as error:
            raise StoreError(f"cannot write the store ({error})") from None

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the store {self.path} was written by a newer ticker (schema {version}); "
                "upgrade ticker to open it"
            )
        for number in range(version, SCHEMA_VERSION):
            with self._transaction() as db:
                for statement in _statements(_MIGRATIONS[number]):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number + 1}")

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    # -- sources -------------------------------------------------------------------------

    def ensure_sources(self, sources: Iterable[Source]) -> None:
        """Make sure every source has a row; names follow the config; a removed one is back."""
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO sources(url, name) VALUES (?, ?)"
                " ON CONFLICT(url) DO UPDATE SET name = excluded.name, removed = 0"
                " WHERE name != excluded.name OR removed != 0",
                [(s.url, s.name) for s in sources],
            )

    def forget_source(self, url: str) -> tuple[int, int]:
        """A removed source's headlines go, starred ones stay: returns (deleted, kept).

        Its row stays, marked removed and without validators or schedule: a poll that was
        running meanwhile stores nothing, and a source added again is fetched whole.
        """
        with self._transaction() as db:
            found = db.execute("SELECT id FROM sources WHERE url = ?", (url,)).fetchone()
            if found is None:
                return 0, 0
            deleted = db.execute(
                "DELETE FROM items WHERE source_id = ? AND starred = 0", found
            ).rowcount
            kept = int(
                db.execute("SELECT count(*) FROM items WHERE source_id = ?", found).fetchone()[0]
            )
            db.execute(
                "UPDATE sources SET removed = 1, etag = NULL, last_modified = NULL,"
                " next_poll = NULL, failures = 0, last_error = NULL WHERE id = ?",
                found,
            )
        return int(deleted), kept

    def source_names(self) -> dict[str, str]:
        """URL -> name of every source not removed (health() without its item counts)."""
        rows = self._db.execute("SELECT url, name FROM sources WHERE removed = 0")
        return {str(url): str(name) for url, name in rows}

    def source_states(self) -> dict[str, SourceState]:
        rows = self._db.execute(
            "SELECT url, etag, last_modified, next_poll, failures FROM sources WHERE removed = 0"
        ).fetchall()
        return {url: SourceState(etag, lm, nxt, fails) for url, etag, lm, nxt, fails in rows}

    def claim(self, claims: Mapping[str, float]) -> None:
        """Note when sources will be polled again before fetching them (URL -> next poll).

        A poller killed mid-poll leaves the claim behind, and the one that takes over does not
        fetch those sources again within their interval.
        """
        with self._transaction() as db:
            db.executemany(
                "UPDATE sources SET next_poll = ? WHERE url = ? AND removed = 0",
                [(until, url) for url, until in claims.items()],
            )

    def release(self, claims: Mapping[str, float | None], since: Mapping[str, float]) -> None:
        """Put back the schedule of claimed sources that were not polled after all."""
        with self._transaction() as db:
            db.executemany(
                "UPDATE sources SET next_poll = ? WHERE url = ? AND next_poll = ?",
                [(before, url, since[url]) for url, before in claims.items() if url in since],
            )

    # -- noticing other processes' writes ------------------------------------------------

    def data_version(self) -> int:
        """A number that changes whenever another connection commits (reads no table)."""
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def rows_after(self, row: int) -> list[int]:
        """Headline rows with ids above `row`, oldest first."""
        found = self._db.execute("SELECT id FROM items WHERE id > ? ORDER BY id", (row,))
        return [int(r[0]) for r in found.fetchall()]

    def newest_row(self) -> int:
        return int(self._db.execute("SELECT coalesce(max(id), 0) FROM items").fetchone()[0])

    # -- poll requests from viewers ------------------------------------------------------

    def ask_poll(self, now: float) -> int:
        """Ask the process that polls this store for a round now; the request's id."""
        with self._transaction() as db:
            cursor = db.execute("INSERT INTO poll_requests(asked) VALUES (?)", (now,))
            return int(cursor.lastrowid or 0)

    def open_requests(self) -> list[int]:
        rows = self._db.execute("SELECT id FROM poll_requests WHERE answered IS NULL").fetchall()
        return [int(row[0]) for row in rows]

    def answer_requests(self, ids: Sequence[int], now: float) -> None:
        """The round the requests asked for is stored; old answered ones are deleted."""
        with self._transaction() as db:
            db.executemany(
                "UPDATE poll_requests SET answered = ? WHERE id = ?", [(now, i) for i in ids]
            )
            db.execute("DELETE FROM poll_requests WHERE answered < ?", (now - REQUESTS_KEPT,))

    def answered(self, request: int) -> bool:
        row = self._db.execute(
            "SELECT answered FROM poll_requests WHERE id = ?", (request,)
        ).fetchone()
        return row is not None and row[0] is not None

    def health(self) -> list[SourceHealth]:
        """Every source's health record, by name."""
        rows = self._db.execute(
            "SELECT url, name, last_success, last_attempt, last_error, next_poll, failures,"
            " (SELECT count(*) FROM items WHERE items.source_id = sources.id)"
            " FROM sources WHERE removed = 0 ORDER BY name COLLATE NOCASE"
        ).fetchall()
        return [
            SourceHealth(
                url=url,
                name=name,
                last_success=_dt(success),
                last_attempt=_dt(attempt),
                last_error=error,
                next_poll=_dt(next_poll),
                failures=failures,
                item_count=count,
            )
            for url, name, success, attempt, error, next_poll, failures, count in rows
        ]

    # -- polls ---------------------------------------------------------------------------

    def save(
        self,
        records: Sequence[PollRecord],
        *,
        retention: Retention | None = None,
        alerts: Sequence[AlertRule] = (),
    ) -> SaveReport:
        """Store a batch of polls in one transaction; returns what was new or updated.

        The `alerts` rules are applied to the new and updated rows in the same transaction,
        so a headline is stored and its alerts recorded together or not at all.
        """
        report = SaveReport()
        with self._transaction() as db:
            first_new = db.execute("SELECT coalesce(max(id), 0) FROM items").fetchone()[0]
            for record in records:
                source_id = self._source_id(db, record.source)
                if source_id is None:
                    continue  # removed while it was being polled: nothing of it comes back
                if record.headlines is not None:
                    new, updated = self._upsert(db, source_id, record.headlines, retention)
                    report.new_rows += new
                    report.updated_rows += updated
                    report.per_source[record.source.url] = (len(new), len(updated))
                _record_health(db, source_id, record)
            if report.new_rows:
                # One statement for the batch: FTS5 indexes rows in bulk about five times
                # faster than a trigger does row by row.
                db.execute(
                    "INSERT INTO items_fts(rowid, title, summary)"
                    " SELECT id, title, summary FROM items WHERE id > ?",
                    (first_new,),
                )
            changed = report.new_rows + report.updated_rows
            if alerts and changed:
                sources = {record.source.url: record.source for record in records}
                # A savepoint: rules that cannot be applied lose their alerts, never the poll.
                db.execute("SAVEPOINT alerts")
                try:
                    report.alerts, report.alert_error = _fire(
                        db, alerts, sources, changed, first_new, time.time()
                    )
                except sqlite3.Error as error:
                    db.execute("ROLLBACK TO alerts")
                    report.alerts, report.alert_error = [], f"alerts not recorded: {error}"
                db.execute("RELEASE alerts")
        return report

    def save_health(self, records: Sequence[PollRecord]) -> None:
        """Store only how the polls went (their headlines could not be stored)."""
        with self._transaction() as db:
            for record in records:
                source_id = self._source_id(db, record.source)
                if source_id is not None:
                    _record_health(db, source_id, record)

    def _source_id(self, db: sqlite3.Connection, source: Source) -> int | None:
        """The source's row (made if it has none); None when the source was removed."""
        row = db.execute("SELECT id, removed FROM sources WHERE url = ?", (source.url,)).fetchone()
        if row is not None:
            return None if row[1] else int(row[0])
        cursor = db.execute(
            "INSERT INTO sources(url, name) VALUES (?, ?)", (source.url, source.name)
        )
        return int(cursor.lastrowid or 0)

    def _upsert(
        self,
        db: sqlite3.Connection,
        source_id: int,
        headlines: Sequence[Headline],
        retention: Retention | None,
    ) -> tuple[list[int], list[int]]:
        unique: dict[str, Headline] = {}
        for headline in headlines:
            unique.setdefault(headline.guid, headline)
        if retention is not None:
            unique = _kept(unique, retention)
        if not unique:
            return [], []
        existing: dict[str, tuple[int, str, str, int]] = {}
        guids = list(unique)
        for start in range(0, len(guids), 500):
            chunk = guids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in db.execute(
                f"SELECT guid, id, title, summary, badges FROM items"
                f" WHERE source_id = ? AND guid IN ({marks})",
                (source_id, *chunk),
            ):
                existing[row[0]] = (row[1], row[2], row[3], row[4])

        now = time.time()
        inserts = []
        updates = []
        updated_rows = []
        for guid, h in unique.items():
            old = existing.get(guid)
            if old is None:
                inserts.append(
                    (
                        source_id,
                        guid,
                        h.title,
                        h.url,
                        h.summary,
                        int(h.published.timestamp()),
                        now,
                        int(h.badges),
                        h.title_from,
                        int(h.read),
                        int(h.starred),
                        h.remote_id,
                    )
                )
                continue
            row, title, summary, badges = old
            changed = title != h.title or summary != h.summary
            new_badges = badges | int(h.badges) | (int(Badge.UPDATED) if changed else 0)
            if changed or new_badges != badges:
                updates.append(
                    (h.title, h.url, h.summary, new_badges, h.title_from, int(changed), row)
                )
                updated_rows.append(row)
        new_rows: list[int] = []
        if inserts:
            cursor = db.executemany(
                "INSERT INTO items(source_id, guid, title, url, summary, published, first_seen,"
                " badges, title_from, read, starred, remote_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                inserts,
            )
            # One writer in one transaction, and ids only ever grow: the new rows are the last
            # ones inserted, consecutive up to the last row id.
            last = db.execute("SELECT last_insert_rowid()").fetchone()[0]
            new_rows = list(range(last - cursor.rowcount + 1, last + 1))
        if updates:
            db.executemany(
                "UPDATE items SET title = ?, url = ?, summary = ?, badges = ?, title_from = ?,"
                " revision = revision + ? WHERE id = ?",
                updates,
            )
        return new_rows, updated_rows

    def prune(self, retention: Retention, *, now: float | None = None) -> int:
        """Delete what retention does not keep (never starred items); returns the count."""
        cutoff = int((now or time.time()) - retention.max_age_days * 86_400)
        # Past a source's newest `keep_newest`, age decides; past its newest
        # `max_items_per_source`, the count does. Both walk items_by_source newest first.
        too_old = (
            "DELETE FROM items WHERE id IN (SELECT id FROM items WHERE source_id = ?"
            " AND starred = 0 AND published < ?"
            " AND (published, id) < (SELECT published, id FROM items WHERE source_id = ?"
            " ORDER BY published DESC, id DESC LIMIT 1 OFFSET ?))"
        )
        too_many = (
            "DELETE FROM items WHERE id IN (SELECT id FROM items WHERE source_id = ?"
            " AND starred = 0 ORDER BY published DESC, id DESC LIMIT -1 OFFSET ?)"
        )
        deleted = 0
        with self._transaction() as db:
            if retention.keep_newest <= 0:
                deleted += db.execute(
                    "DELETE FROM items WHERE starred = 0 AND published < ?", (cutoff,)
                ).rowcount
            for (source_id,) in db.execute("SELECT id FROM sources").fetchall():
                if retention.keep_newest > 0:
                    deleted += db.execute(
                        too_old, (source_id, cutoff, source_id, retention.keep_newest - 1)
                    ).rowcount
                deleted += db.execute(
                    too_many, (source_id, retention.max_items_per_source)
                ).rowcount
            # An alert goes when it is old and its headline is gone: while the headline is
            # stored, its alert is what keeps it from firing again.
            db.execute(
                "DELETE FROM alerts WHERE fired < ? AND NOT EXISTS"
                " (SELECT 1 FROM items WHERE items.id = alerts.item_id)",
                (cutoff,),
            )
        return int(deleted)

    # -- marks ---------------------------------------------------------------------------

    def set_read(self, rows: Iterable[int], read: bool = True) -> None:
        self._mark("read", rows, read)

    def set_starred(self, rows: Iterable[int], starred: bool = True) -> None:
        self._mark("starred", rows, starred)

    def _mark(self, field: str, rows: Iterable[int], value: bool) -> None:
        """Set a mark; on an aggregator's headline it also waits to reach the server, in the
        same transaction (a mark is never made here and lost there)."""
        now = time.time()
        changes = [(int(value), row) for row in rows]
        with self._transaction() as db:
            db.executemany(f"UPDATE items SET {field} = ? WHERE id = ?", changes)
            db.executemany(
                "INSERT INTO remote_marks(remote_id, field, value, changed)"
                " SELECT remote_id, ?, ?, ? FROM items WHERE id = ? AND remote_id IS NOT NULL"
                " ON CONFLICT(remote_id, field) DO UPDATE"
                " SET value = excluded.value, changed = excluded.changed",
                [(field, marked, now, row) for marked, row in changes],
            )

    # -- an aggregator's side ------------------------------------------------------------

    def pending_marks(self) -> list[tuple[int, str, bool, float]]:
        """Marks made here that the aggregator has not taken yet: (remote id, "read" or
        "starred", value, when)."""
        rows = self._db.execute(
            "SELECT remote_id, field, value, changed FROM remote_marks ORDER BY changed"
        ).fetchall()
        return [(int(r), str(f), bool(v), float(c)) for r, f, v, c in rows]

    def marks_sent(self, marks: Iterable[tuple[int, str, bool, float]]) -> None:
        """The aggregator took these marks; one changed again meanwhile still waits."""
        with self._transaction() as db:
            db.executemany(
                "DELETE FROM remote_marks WHERE remote_id = ? AND field = ? AND changed = ?",
                [(remote, field, changed) for remote, field, _, changed in marks],
            )

    def apply_remote_marks(self, states: Iterable[tuple[int, bool, bool]]) -> list[int]:
        """The server's (remote id, read, starred) for headlines stored here; a mark that
        still waits to reach the server wins. Returns the rows that changed."""
        changed: list[int] = []
        with self._transaction() as db:
            waiting = set(db.execute("SELECT remote_id, field FROM remote_marks"))
            for remote, read, starred in states:
                row = db.execute(
                    "SELECT id, read, starred FROM items WHERE remote_id = ?", (remote,)
                ).fetchone()
                if row is None:
                    continue
                new_read = row[1] if (remote, "read") in waiting else int(read)
                new_starred = row[2] if (remote, "starred") in waiting else int(starred)
                if (new_read, new_starred) != (row[1], row[2]):
                    db.execute(
                        "UPDATE items SET read = ?, starred = ? WHERE id = ?",
                        (new_read, new_starred, row[0]),
                    )
                    changed.append(int(row[0]))
        return changed

    def remote_count(self) -> int:
        """How many of the aggregator's headlines are stored here."""
        query = "SELECT count(*) FROM items WHERE remote_id IS NOT NULL"
        return int(self._db.execute(query).fetchone()[0])

    def remote_state(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM remote_state WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_remote_state(self, key: str, value: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO remote_state(key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- reading -------------------------------------------------------------------------

    def headlines(self, query: Query | None = None) -> list[Headline]:
        """Headlines matching `query`, newest first."""
        sql, params = _select(query or Query(), _ITEM_COLUMNS)
        return [_headline(row) for row in self._db.execute(sql, params)]

    def ids(self, query: Query | None = None) -> list[tuple[int, int]]:
        """(row id, published) of every matching headline, newest first: the pane's index."""
        sql, params = _select(query or Query(), "items.id, items.published", join=False)
        return self._db.execute(sql, params).fetchall()

    def ids_after(self, query: Query, row: int) -> list[tuple[int, int]]:
        """(row id, published) of the headlines matching `query` with ids above `row`, newest
        first: what was stored since a read whose newest row was `row`."""
        sql, params = _select(
            replace(query, limit=None, before=None),
            "items.id, items.published",
            ordered=False,
            join=False,
        )
        # Sorted here: an ORDER BY makes SQLite walk the newest-first index over every row,
        # where the id bound alone walks the newest rows only.
        found = self._db.execute(f"SELECT id, published FROM ({sql}) WHERE id > ?", [*params, row])
        return sorted(found.fetchall(), key=itemgetter(1, 0), reverse=True)

    def tally(self, query: Query) -> tuple[int, int]:
        """How many headlines match `query` (limit and position aside) and the sum of their
        row ids: two sets of rows that differ but are as many still differ here (one index
        walked)."""
        sql, params = _select(
            replace(query, limit=None, before=None),
            "count(*), coalesce(sum(items.id), 0)",
            ordered=False,
            join=False,
        )
        count, total = self._db.execute(sql, params).fetchone()
        return int(count), int(total)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """One read transaction: the queries inside see the store as of one moment."""
        self._db.execute("BEGIN")
        try:
            yield
        finally:
            self._db.execute("COMMIT")

    def headlines_by_row(self, rows: Sequence[int]) -> list[Headline]:
        """The headlines with these row ids (any order; missing ones are skipped)."""
        found: list[Headline] = []
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found += [
                _headline(row)
                for row in self._db.execute(
                    f"SELECT {_ITEM_COLUMNS} FROM items JOIN sources"
                    f" ON sources.id = items.source_id WHERE items.id IN ({marks})",
                    list(chunk),
                )
            ]
        return found

    def count(self, query: Query | None = None) -> int:
        sql, params = _select(query or Query(), "count(*)", ordered=False)
        return int(self._db.execute(sql, params).fetchone()[0])

    def headline(self, row: int) -> Headline | None:
        found = self._db.execute(
            f"SELECT {_ITEM_COLUMNS} FROM items JOIN sources ON sources.id = items.source_id"
            " WHERE items.id = ?",
            (row,),
        ).fetchone()
        return _headline(found) if found else None

    def headline_for_url(self, url: str) -> Headline | None:
        """The newest stored headline that links to `url`."""
        found = self._db.execute(
            f"SELECT {_ITEM_COLUMNS} FROM items JOIN sources ON sources.id = items.source_id"
            " WHERE items.url = ? ORDER BY items.published DESC LIMIT 1",
            (url,),
        ).fetchone()
        return _headline(found) if found else None

    # -- alerts --------------------------------------------------------------------------

    def note_alert_rules(self, rules: Iterable[AlertRule], *, now: float | None = None) -> None:
        """Remember when these rules were first seen: headlines stored before never fire."""
        with self._transaction() as db:
            _note_rules(db, rules, _newest(db), now or time.time())

    def alerts_after(self, event: int, limit: int = ALERTS_MAX) -> list[AlertEvent]:
        """Alerts with ids above `event`, oldest first (at most `limit`, the oldest ones)."""
        found = self._db.execute(
            f"SELECT {_ALERT_COLUMNS} FROM alerts WHERE id > ? ORDER BY id LIMIT ?",
            (event, limit),
        )
        return [_alert(row) for row in found]

    def recent_alerts(self, limit: int = 100) -> list[AlertEvent]:
        """The newest alerts, newest first: an alerts screen's list."""
        found = self._db.execute(
            f"SELECT {_ALERT_COLUMNS} FROM alerts ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [_alert(row) for row in found]

    def last_alert_id(self) -> int:
        """The newest alert's id (0 when none fired): a viewer shows only alerts after it."""
        return int(self._db.execute("SELECT coalesce(max(id), 0) FROM alerts").fetchone()[0])

    def alerted(self, rows: Sequence[int]) -> dict[int, tuple[str, ...]]:
        """For the rows among `rows` that fired alerts: the rules' names, oldest first."""
        found: dict[int, tuple[str, ...]] = {}
        for start in range(0, len(rows), 500):
            chunk = list(rows[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for row, rule in self._db.execute(
                f"SELECT item_id, rule FROM alerts WHERE item_id IN ({marks}) ORDER BY id",
                chunk,
            ):
                names = found.get(row, ())
                if rule not in names:
                    found[row] = (*names, rule)
        return found

    def note_alert_problem(self, what: str, error: str | None, *, now: float | None = None) -> None:
        """Record the last failure of `what` ("command"), or clear it with None."""
        with self._transaction() as db:
            if error is None:
                db.execute("DELETE FROM alert_problems WHERE what = ?", (what,))
            else:
                db.execute(
                    "INSERT OR REPLACE INTO alert_problems(what, at, error) VALUES (?, ?, ?)",
                    (what, now or time.time(), error),
                )

    def alert_problems(self) -> dict[str, tuple[datetime, str]]:
        """What failed last in alerting ("command" -> when, one line), for the sources screen."""
        rows = self._db.execute("SELECT what, at, error FROM alert_problems ORDER BY what")
        return {what: (datetime.fromtimestamp(at, UTC), error) for what, at, error in rows}

    # -- articles ------------------------------------------------------------------------

    def article(self, url: str) -> CachedArticle | None:
        """The cached article for `url`, with the validators to revalidate it."""
        row = self._db.execute(
            "SELECT title, body, byline, published, tags, lang, etag, last_modified, fetched"
            " FROM articles WHERE url = ?",
            (url,),
        ).fetchone()
        if row is None:
            return None
        title, body, byline, published, tags, lang, etag, last_modified, fetched = row
        article = Article(
            url=url,
            title=title,
            body=body,
            byline=byline,
            published=_dt(published),
            tags=tuple(json.loads(tags)),
            lang=lang,
        )
        return CachedArticle(article, etag, last_modified, fetched)

    def save_article(
        self, article: Article, *, etag: str | None = None, last_modified: str | None = None
    ) -> None:
        """Cache an extracted article (pages only: feed text is in the items already)."""
        published = int(article.published.timestamp()) if article.published else None
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO articles(url, title, body, byline, published, tags, lang,"
                " etag, last_modified, fetched) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    article.url,
                    article.title,
                    article.body,
                    article.byline,
                    published,
                    json.dumps(list(article.tags), ensure_ascii=False),
                    article.lang,
                    etag,
                    last_modified,
                    time.time(),
                ),
            )

    def explain(self, query: Query) -> str:
        """SQLite's query plan for `query`, for tests that check the indexes are used."""
        sql, params = _select(query, _ITEM_COLUMNS)
        return "\n".join(r[-1] for r in self._db.execute("EXPLAIN QUERY PLAN " + sql, params))

    def integrity(self) -> str:
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])


def _select(
    query: Query, columns: str, *, ordered: bool = True, join: bool = True
) -> tuple[str, list[object]]:
    where: list[str] = []
    params: list[object] = []
    if len(query.sources) == 1:
        where.append("items.source_id = (SELECT id FROM sources WHERE url = ?)")
        params.append(query.sources[0])
    elif query.sources:
        marks = ",".join("?" * len(query.sources))
        where.append(f"items.source_id IN (SELECT id FROM sources WHERE url IN ({marks}))")
        params += list(query.sources)
    if query.badge:
        # The literal bit matches a partial index's WHERE clause, so the index is used.
        where.append(f"items.badges & {int(query.badge)}")
    if query.unread:
        where.append("items.read = 0")
    if query.starred:
        where.append("items.starred = 1")
    if query.search:
        where.append("items.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
        params.append(fts_query(query.search))
    if query.before is not None:
        where.append("(items.published, items.id) < (?, ?)")
        params += list(query.before)
    # Without the join (every filter reads items alone) the newest-first index covers the query.
    sql = f"SELECT {columns} FROM items"
    if join:
        sql += " JOIN sources ON sources.id = items.source_id"
    if where:
        sql += " WHERE " + " AND ".join(where)
    if ordered:
        sql += " ORDER BY items.published DESC, items.id DESC"
        if query.limit is not None:
            sql += " LIMIT ?"
            params.append(query.limit)
    return sql, params


def fts_query(text: str) -> str:
    """A person's search words as an FTS5 query: every word must match, as a prefix."""
    words = [w.replace('"', '""') for w in _NOT_SEARCHABLE.sub(" ", text).split()]
    return " ".join(f'"{w}"*' for w in words if w) or '""'


_NOT_SEARCHABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # FTS5 strings cannot hold a NUL


def _record_health(db: sqlite3.Connection, source_id: int, record: PollRecord) -> None:
    """A poll's outcome on its source's row: validators and schedule, or the failure."""
    if record.error is None:
        db.execute(
            "UPDATE sources SET etag = ?, last_modified = ?, last_success = ?, last_attempt = ?,"
            " last_error = NULL, next_poll = ?, failures = 0 WHERE id = ?",
            (
                record.etag,
                record.last_modified,
                record.attempted,
                record.attempted,
                record.next_poll,
                source_id,
            ),
        )
    else:
        db.execute(
            "UPDATE sources SET last_attempt = ?, last_error = ?, next_poll = ?, failures = ?"
            " WHERE id = ?",
            (record.attempted, record.error, record.next_poll, record.failures, source_id),
        )


_ALERT_COLUMNS = (
    "id, rule, item_id, source, source_name, guid, title, url, badges, revision, actions, fired"
)


def _newest(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT coalesce(max(id), 0) FROM items").fetchone()[0])


def _note_rules(
    db: sqlite3.Connection, rules: Iterable[AlertRule], newest: int, now: float
) -> dict[str, int]:
    """Each rule's first-seen row (noted now when it is new): rows up to it never fire it."""
    rules = list(rules)
    db.executemany(
        "INSERT OR IGNORE INTO alert_rules(key, name, since, seen) VALUES (?, ?, ?, ?)",
        [(rule.key, rule.name, newest, now) for rule in rules],
    )
    since: dict[str, int] = {}
    for rule in rules:
        row = db.execute("SELECT since FROM alert_rules WHERE key = ?", (rule.key,)).fetchone()
        since[rule.key] = int(row[0])
    return since


def _fire(
    db: sqlite3.Connection,
    rules: Sequence[AlertRule],
    sources: Mapping[str, Source],
    rows: Sequence[int],
    before: int,
    now: float,
) -> tuple[list[AlertEvent], str | None]:
    """Record the alerts `rows` fire: once per (rule, headline), or per revision with
    `updates`. Returns the new alerts and the first rule failure, as one line."""
    from ticker.alerts.events import AlertEvent

    since = _note_rules(db, rules, before, now)
    problem: str | None = None
    events: list[AlertEvent] = []
    for start in range(0, len(rows), 500):
        chunk = list(rows[start : start + 500])
        marks = ",".join("?" * len(chunk))
        found = db.execute(
            f"SELECT {_ITEM_COLUMNS}, items.revision FROM items JOIN sources"
            f" ON sources.id = items.source_id WHERE items.id IN ({marks}) ORDER BY items.id",
            chunk,
        ).fetchall()
        for row in found:
            headline, revision = _headline(row[:-1]), int(row[-1])
            assert headline.row is not None
            for rule in rules:
                if headline.row <= since[rule.key]:
                    continue
                try:
                    hit = rule.matches(headline, sources.get(headline.source))
                except Exception as error:  # a rule's bug costs its own alerts only
                    problem = problem or f"rule {rule.name!r} failed: {type(error).__name__}"
                    continue
                if not hit:
                    continue
                same = "AND revision = ?" if rule.updates else ""
                params: tuple[object, ...] = (rule.name, headline.source, headline.guid)
                if rule.updates:
                    params += (revision,)
                if db.execute(
                    f"SELECT 1 FROM alerts WHERE rule = ? AND source = ? AND guid = ? {same}",
                    params,
                ).fetchone():
                    continue
                cursor = db.execute(
                    "INSERT INTO alerts(rule, item_id, source, source_name, guid, title, url,"
                    " badges, revision, actions, fired) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        rule.name,
                        headline.row,
                        headline.source,
                        headline.source_name,
                        headline.guid,
                        headline.title,
                        headline.url,
                        int(headline.badges),
                        revision,
                        int(rule.actions),
                        now,
                    ),
                )
                events.append(
                    AlertEvent(
                        id=int(cursor.lastrowid or 0),
                        rule=rule.name,
                        row=headline.row,
                        source=headline.source,
                        source_name=headline.source_name,
                        guid=headline.guid,
                        title=headline.title,
                        url=headline.url,
                        badges=headline.badges,
                        revision=revision,
                        actions=rule.actions,
                        fired=datetime.fromtimestamp(now, UTC),
                    )
                )
    return events, problem


def _alert(row: tuple[object, ...]) -> AlertEvent:
    from ticker.alerts.events import AlertEvent
    from ticker.alerts.rules import Action

    (event, rule, item, source, name, guid, title, url, badges, revision, actions, fired) = row
    return AlertEvent(
        id=int(event),  # type: ignore[call-overload]
        rule=str(rule),
        row=int(item),  # type: ignore[call-overload]
        source=str(source),
        source_name=str(name),
        guid=str(guid),
        title=str(title),
        url=str(url),
        badges=Badge(int(badges)),  # type: ignore[call-overload]
        revision=int(revision),  # type: ignore[call-overload]
        actions=Action(int(actions)),  # type: ignore[call-overload]
        fired=datetime.fromtimestamp(float(fired), UTC),  # type: ignore[arg-type]
    )


def _kept(unique: dict[str, Headline], retention: Retention) -> dict[str, Headline]:
    """What of a poll retention keeps: the feed's newest `keep_newest`, then what is young.

    Items retention would delete at once are not stored at all.
    """
    cutoff = time.time() - retention.max_age_days * 86_400
    newest = sorted(unique.values(), key=lambda h: h.published, reverse=True)
    kept = {h.guid for h in newest[: retention.keep_newest]}
    return {
        guid: h for guid, h in unique.items() if guid in kept or h.published.timestamp() >= cutoff
    }


def _headline(row: tuple[object, ...]) -> Headline:
    (
        rowid,
        source,
        name,
        guid,
        title,
        url,
        summary,
        published,
        badges,
        read,
        starred,
        title_from,
    ) = row
    return Headline(
        row=int(rowid),  # type: ignore[call-overload]
        source=str(source),
        source_name=str(name),
        guid=str(guid),
        title=str(title),
        url=str(url),
        summary=str(summary),
        published=datetime.fromtimestamp(int(published), UTC),  # type: ignore[call-overload]
        badges=Badge(int(badges)),  # type: ignore[call-overload]
        read=bool(read),
        starred=bool(starred),
        title_from=str(title_from),
    )


def _dt(stamp: float | None) -> datetime | None:
    return None if stamp is None else datetime.fromtimestamp(stamp, UTC)


def _statements(script: str) -> Iterator[str]:
    """Split a migration script into statements (triggers keep their inner semicolons)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                yield buffer.strip()
            buffer = ""
    if buffer.strip():
        yield buffer.strip()
