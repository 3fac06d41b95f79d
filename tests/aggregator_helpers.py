"""What the aggregator tests of every kind (tt-rss, Miniflux) do alike: one sync through the
poller as the app and `ticker serve` run it, and the store's view of what came down."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from ticker.aggregator.settings import AggregatorSettings
from ticker.aggregator.sync import Aggregator
from ticker.config import PollSettings
from ticker.model import PollOutcome
from ticker.poller import Poller
from ticker.store import Store


def sync_once(store: Path, settings: AggregatorSettings) -> tuple[list[PollOutcome], int]:
    """One poll round with the aggregator as the only source; its outcomes and requests."""

    async def run() -> tuple[list[PollOutcome], int]:
        aggregator = Aggregator(settings)
        async with Poller(store, [], PollSettings(), aggregator=aggregator) as poller:
            outcomes = await poller.poll_once()
            return outcomes, aggregator.requests

    return asyncio.run(run())


def stored_items(store: Path) -> list[tuple[int, str, str, int, int]]:
    """(remote id, source name, title, read, starred) of every stored headline, by remote id."""
    with sqlite3.connect(store) as db:
        return db.execute(
            "SELECT remote_id, sources.name, title, read, starred FROM items"
            " JOIN sources ON sources.id = items.source_id ORDER BY remote_id"
        ).fetchall()


def row_of(store: Store, remote_id: int) -> int:
    """The store's row of the headline with this id on the server."""
    return next(h.row or 0 for h in store.headlines() if h.guid == f"remote:{remote_id}")
