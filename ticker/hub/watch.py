"""Cheap change detection on a store that another process writes.

`PRAGMA data_version` on a connection kept open changes when any other connection commits; it
reads no table, so asking twice a second costs microseconds, not a query of the headlines.
"""

from __future__ import annotations

from pathlib import Path

from ticker.store import Store


class StoreWatch:
    """A connection kept open to notice other connections' commits. One thread at a time."""

    def __init__(self, store_path: Path) -> None:
        self.store = Store(store_path)  # also serves the small reads and writes of requests
        self._version = self.store.data_version()
        self._newest = self.store.newest_row()

    def changed(self) -> bool:
        """Whether another connection committed since the last call."""
        version = self.store.data_version()
        if version == self._version:
            return False
        self._version = version
        return True

    def new_rows(self) -> tuple[int, ...]:
        """Headline rows stored since the last call (newer ids than any seen)."""
        rows = self.store.rows_after(self._newest)
        if rows:
            self._newest = rows[-1]
        return tuple(rows)

    def close(self) -> None:
        self.store.close()
