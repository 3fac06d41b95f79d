"""One poller per store, any number of viewers.

The first `ticker` process on a store holds its poller lock (`lock`) and polls; every other one
views: it fetches nothing and notices the poller's commits through `watch`. A viewer retries
the lock, so when the poller exits or dies one of them takes over.
"""

from __future__ import annotations

from enum import Enum

WATCH_EVERY = 0.5  # seconds between looks at the store (and tries for the lock) in a viewer


class Role(Enum):
    """What this process does on its store."""

    POLLS = "polls"
    VIEWS = "views"
