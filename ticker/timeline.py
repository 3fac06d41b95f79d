"""The headline pane's rows, without Textual: headline ids newest first, a day header before
each new day, and the headlines themselves fetched from the store a window at a time.

A row is an int (a headline's row id in the store) or a `date` (a day header). Only ids and
times are held for every headline (100,000 headlines are a few megabytes); titles and the rest
come from the store for the rows on screen, through a small cache.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, tzinfo

from ticker.model import Headline
from ticker.store import Query, Store

Row = int | date
CACHE_SIZE = 2048


def day_rows(entries: Iterable[tuple[int, int]], tz: tzinfo | None) -> list[Row]:
    """Rows for (id, published) pairs sorted newest first: a date before each day's first."""
    rows: list[Row] = []
    day_start = None  # the current day's first second, as a timestamp
    for row_id, published in entries:
        if day_start is None or published < day_start:
            day = datetime.fromtimestamp(published, tz).date()
            midnight = datetime.combine(day, datetime.min.time())
            day_start = int(
                (midnight.replace(tzinfo=tz) if tz else midnight.astimezone()).timestamp()
            )
            rows.append(day)
        rows.append(row_id)
    return rows


class Timeline:
    """What the pane shows for one query: rows, and headlines by row id on demand."""

    def __init__(self, store: Store, query: Query | None = None, tz: tzinfo | None = None) -> None:
        self.store = store
        self.query = query or Query()
        self.tz = tz
        self.rows: list[Row] = []
        self._positions: dict[int, int] = {}
        self.complete = False  # False while only the newest rows are loaded
        self._cache: OrderedDict[int, Headline] = OrderedDict()

    def load(self, limit: int | None = None) -> None:
        """Read the matching headlines' ids and times from the store (the newest `limit`)."""
        query = self.query if limit is None else replace(self.query, limit=limit)
        self.rows = day_rows(self.store.ids(query), self.tz)
        self._positions = {}
        self.complete = limit is None or len(self.rows) < limit

    def __len__(self) -> int:
        return len(self.rows)

    def position(self, row_id: int) -> int | None:
        """Where a headline is in the rows, or None."""
        if not self._positions and self.rows:
            # Built on first use, not at load: first paint does not need it.
            self._positions = {r: i for i, r in enumerate(self.rows) if isinstance(r, int)}
        return self._positions.get(row_id)

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
