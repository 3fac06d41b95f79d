"""The headline pane's rows, without Textual: headline ids newest first, a day header before
each new day, and the headlines themselves fetched from the store a window at a time.

A row is an int (a headline's row id in the store) or a `date` (a day header). Only ids and
times are held for every headline (100,000 headlines are a few megabytes); titles and the rest
come from the store for the rows on screen, through a small cache.

A live timeline grows by what was stored since it was read (`extended`): the new rows are
merged in where they sort, without reading the rows it holds again.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta, tzinfo

from ticker.model import Headline
from ticker.store import Query, Store

Row = int | date
CACHE_SIZE = 2048


def day_rows(entries: Iterable[tuple[int, int]], tz: tzinfo | None) -> list[Row]:
    """Rows for (id, published) pairs sorted newest first: a date before each day's first."""
    return _keyed_rows(list(entries), tz)[0]


def _day_start(day: date, tz: tzinfo | None) -> int:
    """The timestamp of the first second of `day` in `tz` (None: the local zone)."""
    midnight = datetime.combine(day, datetime.min.time())
    return int((midnight.replace(tzinfo=tz) if tz else midnight.astimezone()).timestamp())


def _day_of(published: int, tz: tzinfo | None) -> date:
    return datetime.fromtimestamp(published, tz).date()


def _header_key(day: date, tz: tzinfo | None) -> int:
    """A day header's sort key: just above its day's last second (see `_keyed_rows`)."""
    return _header_key_before(_day_start(day + timedelta(days=1), tz))


def _header_key_before(next_day: int) -> int:
    """The sort key of the header of the day that ends where `next_day` (a timestamp) begins."""
    return 1 - 2 * next_day


def _keyed_rows(
    entries: Sequence[tuple[int, int]], tz: tzinfo | None
) -> tuple[list[Row], array[int]]:
    """Rows for (id, published) pairs sorted newest first, and each row's sort key.

    A headline's key is -2 * published, a header's -2 * (its day's last second) - 1: keys
    ascend as the rows go down, a header sorts before its day's headlines, and no header's
    key equals a headline's (between equal keys, the row ids decide).
    """
    ids = [row_id for row_id, _ in entries]
    keys = array("q", [-2 * published for _, published in entries])
    rows: list[Row] = []
    day_start = None  # the current day's first second, as a timestamp
    first = 0  # where the current day's headlines begin in `ids`
    heads: list[tuple[int, int]] = []  # (where, key) of each header in `keys`, in order
    # A loop over every row's time; the rows copied a day at a time.
    for at, (_, published) in enumerate(entries):
        if day_start is None or published < day_start:
            rows += ids[first:at]
            first = at
            day = _day_of(published, tz)
            day_start = _day_start(day, tz)
            heads.append((at + len(heads), _header_key(day, tz)))
            rows.append(day)
    rows += ids[first:]
    for where, key in heads:
        keys.insert(where, key)
    return rows, keys


class Timeline:
    """What the pane shows for one query: rows, and headlines by row id on demand."""

    def __init__(self, store: Store, query: Query | None = None, tz: tzinfo | None = None) -> None:
        self.store = store
        self.query = query or Query()
        self.tz = tz
        self.rows: list[Row] = []
        # Each row's sort key (`_keyed_rows`): a position is found by bisection, so rows
        # merged in cost no index of every row.
        self._keys: array[int] = array("q")
        self._published: dict[int, int] = {}  # row id -> published, for every headline
        self._id_sum = 0  # of the headlines' row ids: `extended` checks the rows by it
        self._days: set[date] = set()
        self.newest = 0  # the newest row id in the store when read: later ones are new
        self.complete = False  # False while only the newest rows are loaded
        self._cache: OrderedDict[int, Headline] = OrderedDict()

    def load(self, limit: int | None = None) -> None:
        """Read the matching headlines' ids and times from the store (the newest `limit`)."""
        query = self.query if limit is None else replace(self.query, limit=limit)
        with self.store.reading():
            entries = self.store.ids(query)
            self.newest = self.store.newest_row()
        self.rows, self._keys = _keyed_rows(entries, self.tz)
        self._published = dict(entries)
        self._id_sum = sum(self._published)
        self._days = {r for r in self.rows if isinstance(r, date)}
        self.complete = limit is None or len(self.rows) < limit

    def extended(self, store: Store) -> Timeline | None:
        """This timeline and the headlines stored since it was read, as a new timeline that
        reads from `store`; None when only a full load tells what the rows are now.

        The new rows are the matching ones with ids above `newest`. Deleted rows, and rows
        that marks, an update or a source added back moved into or out of the query, are not
        among them: the count and the id sum of the matching headlines then differ from the
        rows' (a row gone and another back, as many, still change the sum), and None says to
        load them all.
        """
        if not self.complete:
            return None
        with store.reading():
            entries = store.ids_after(self.query, self.newest)
            newest = store.newest_row()
            count, total = store.tally(self.query)
        ids = [row_id for row_id, _ in entries]
        if count != len(self._published) + len(ids) or total != self._id_sum + sum(ids):
            return None
        grown = Timeline(store, self.query, self.tz)
        grown.newest = max(newest, self.newest)
        grown.complete = True
        grown._merge(self, entries)
        return grown

    def _merge(self, older: Timeline, entries: Sequence[tuple[int, int]]) -> None:
        """Rows: the older timeline's with these new (id, published) pairs where they sort."""
        published = dict(older._published)
        days = set(older._days)
        # (key, -id, row) of the rows to insert, a header (key, 0, day) for each day not
        # shown yet: sorted as tuples, keys ascend and equal keys (headlines) put newer first.
        inserts: list[tuple[int, int, Row]] = []
        day, day_start, day_end = None, 0, 0  # the last entry's day, and its bounds
        id_sum = older._id_sum
        for row_id, time in entries:
            if row_id in published:
                continue
            published[row_id] = time
            id_sum += row_id
            inserts.append((-2 * time, -row_id, row_id))
            if not day_start <= time < day_end:  # entries come newest first: few lookups
                day = _day_of(time, self.tz)
                day_start = _day_start(day, self.tz)
                day_end = _day_start(day + timedelta(days=1), self.tz)
                if day not in days:
                    days.add(day)
                    inserts.append((_header_key_before(day_end), 0, day))
        inserts.sort()
        old_rows, old_keys = older.rows, older._keys
        rows: list[Row] = []
        keys: array[int] = array("q")
        start = 0
        for key, minus_id, row in inserts:
            at = bisect_left(old_keys, key, start)
            if minus_id and at < len(old_keys) and old_keys[at] == key:
                # Stored rows of the same second: ids descend among them.
                high = bisect_right(old_keys, key, at)
                at = bisect_left(old_rows, minus_id, at, high, key=_minus)
            if at > start:
                rows += old_rows[start:at]
                keys += old_keys[start:at]
                start = at
            rows.append(row)
            keys.append(key)
        rows += old_rows[start:]
        keys += old_keys[start:]
        self.rows, self._keys = rows, keys
        self._published, self._days, self._id_sum = published, days, id_sum

    def _index(self, key: int, row: Row, low: int = 0) -> int:
        """Where a row with this key is, or would go; not above `low`."""
        low = bisect_left(self._keys, key, low)
        if not isinstance(row, int):
            return low  # a header's key is its own
        high = bisect_right(self._keys, key, low)
        return bisect_left(self.rows, -row, low, high, key=_minus) if high > low else low

    def __len__(self) -> int:
        return len(self.rows)

    def position(self, row_id: int) -> int | None:
        """Where a headline is in the rows, or None."""
        published = self._published.get(row_id)
        if published is None:
            return None
        at = self._index(-2 * published, row_id)
        return at if at < len(self.rows) and self.rows[at] == row_id else None

    def day_position(self, day: date) -> int | None:
        """Where a day's header is in the rows, or None."""
        if day not in self._days:
            return None
        at = self._index(_header_key(day, self.tz), day)
        return at if at < len(self.rows) and self.rows[at] == day else None

    def headlines(self, positions: Sequence[int]) -> dict[int, Headline]:
        """The headlines at these row positions (headers skipped), one query for what is new."""
        wanted = [
            r for p in positions if 0 <= p < len(self.rows) and isinstance(r := self.rows[p], int)
        ]
        missing = [r for r in wanted if r not in self._cache]
        if missing:
            for headline in self.store.headlines_by_row(missing):
                self._remember(headline)
        found = {}
        for row_id in wanted:
            if row_id in self._cache:
                self._cache.move_to_end(row_id)
                found[row_id] = self._cache[row_id]
        return found

    def headline(self, row_id: int) -> Headline | None:
        position = self.position(row_id)
        return None if position is None else self.headlines([position]).get(row_id)

    def adopt(self, older: Timeline, changed: Iterable[int] = ()) -> None:
        """Take over an older timeline's fetched headlines, but for the `changed` rows.

        A live reload then draws what was on screen without asking the store from the event
        loop, where each row read waits its turn for the GIL behind the poller's threads.
        """
        if older.tz != self.tz:
            return
        cache = OrderedDict(older._cache)
        for row_id in changed:
            cache.pop(row_id, None)
        cache.update(self._cache)
        self._cache = cache

    def cached(self, row_id: int) -> Headline | None:
        """The headline as last read, without asking the store (None when not read)."""
        return self._cache.get(row_id)

    def forget(self, row_ids: Iterable[int]) -> None:
        """Drop cached headlines that changed in the store (marks, updates)."""
        for row_id in row_ids:
            self._cache.pop(row_id, None)

    def _remember(self, headline: Headline) -> None:
        assert headline.row is not None
        self._cache[headline.row] = headline
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)


def _minus(row: Row) -> int:
    """A headline row's bisection key among rows of one time (ids descend there)."""
    assert isinstance(row, int)
    return -row
