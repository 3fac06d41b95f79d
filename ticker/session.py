"""The core as the app sees it: one small object, no Textual.

Everything the terminal app does with sources, polling, the store and the reader goes through
`Session`. Methods that touch the store open their own connection, so any thread may call them
(the app calls them from worker threads, never from its event loop's hot path). Polling and the
article reader are imported on first use, after the app has painted.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from ticker.config import Settings
from ticker.model import Badge, Source, SourceHealth
from ticker.store import Query, Store
from ticker.timeline import Timeline

if TYPE_CHECKING:
    from ticker.poller import PollBatch, Poller
    from ticker.reader import Opened


@dataclass(frozen=True, slots=True)
class View:
    """What the pane shows: the filters a person chose."""

    source: str | None = None
    badge: Badge | None = None
    unread: bool = False
    starred: bool = False
    search: str | None = None

    def query(self) -> Query:
        return Query(
            sources=(self.source,) if self.source else (),
            badge=self.badge,
            unread=self.unread,
            starred=self.starred,
            search=self.search or None,
        )

    def describe(self, names: dict[str, str]) -> str:
        parts = []
        if self.source:
            parts.append(names.get(self.source, self.source))
        if self.badge:
            parts.append(self.badge.label)
        if self.unread:
            parts.append("unread")
        if self.starred:
            parts.append("starred")
        if self.search:
            parts.append(f"“{self.search}”")
        return " · ".join(parts)


@dataclass
class Session:
    """A store, its sources and settings; the poller and reader on demand."""

    store_path: Path
    sources: Sequence[Source]
    settings: Settings
    _poller: Poller | None = field(default=None, init=False, repr=False)

    @property
    def tz(self) -> tzinfo | None:
        return self.settings.tz()

    def source_names(self) -> dict[str, str]:
        return {s.url: s.name for s in self.sources}

    def prepare(self) -> None:
        """Create the store and its source rows (first run)."""
        with Store(self.store_path) as store:
            store.ensure_sources(self.sources)

    def timeline(self, view: View | None = None, *, first: int | None = None) -> Timeline:
        """The pane's rows for `view`, loaded (its store connection stays open for reads).

        `first` loads only the newest rows: enough for a first paint, in a few milliseconds
        where all of 100,000 take a hundred.
        """
        timeline = Timeline(Store(self.store_path), (view or View()).query(), self.tz)
        timeline.load(first)
        return timeline

    def set_read(self, rows: Sequence[int], read: bool = True) -> None:
        with Store(self.store_path) as store:
            store.set_read(rows, read)

    def set_starred(self, rows: Sequence[int], starred: bool = True) -> None:
        with Store(self.store_path) as store:
            store.set_starred(rows, starred)

    def health(self) -> list[SourceHealth]:
        with Store(self.store_path) as store:
            return store.health()

    async def poll_forever(self, listener: Callable[[PollBatch], None]) -> None:
        """Poll every source when due, for as long as the task runs."""
        # Import the network stack off the event loop: it takes longer than a frame.
        await asyncio.to_thread(importlib.import_module, "ticker.poller")
        from ticker.poller import Poller

        async with Poller(
            self.store_path,
            self.sources,
            self.settings.poll,
            retention=self.settings.retention,
            listener=listener,
        ) as poller:
            self._poller = poller
            try:
                await poller.run()
            finally:
                self._poller = None

    def refresh(self) -> None:
        """Poll every source now."""
        if self._poller is not None:
            self._poller.refresh()

    def next_poll(self) -> float | None:
        return self._poller.next_poll() if self._poller is not None else None

    async def open_article(self, url: str, *, refresh: bool = False) -> Opened:
        """The article behind a headline (cache, page, else the feed's text)."""
        await asyncio.to_thread(_warm_reader_imports)
        from ticker import reader
        from ticker.fetch import Fetcher, Limits

        async with Fetcher(Limits.for_timeout(self.settings.poll.timeout, 1)) as fetcher:
            return await reader.open_article(url, self.store_path, fetcher=fetcher, refresh=refresh)


def _warm_reader_imports() -> None:
    """The reader's imports, in a thread: trafilatura and the network stack take a while."""
    for name in ("ticker.fetch", "ticker.reader", "ticker.extract", "trafilatura"):
        importlib.import_module(name)
