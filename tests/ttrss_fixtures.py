"""Fixtures for tests against the real Tiny Tiny RSS: one engine per test process."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from ttrss_engine import Engine, running

# Load feeds on the namespace's demo server. A feed a test publishes to is its module's own:
# test_ttrss_engine.py reads 0 and 1 as the demo made them and publishes to 2 and 3,
# test_aggregator_cli.py subscribes to 2-5, test_aggregator_sync.py publishes to 6 of 6 and 7.
DEMO_FEEDS = 8
DEMO_ITEMS = 30

_logins = itertools.count(1)


@dataclass(frozen=True)
class TtrssUser:
    """A tt-rss user of its own for one test, with API access."""

    login: str
    password: str
    id: int


@pytest.fixture(scope="session")
def ttrss_engine() -> Iterator[Engine]:
    """The real engine, started once per test process (about 3 s), torn down at its end."""
    with running(demo_feeds=DEMO_FEEDS, demo_items=DEMO_ITEMS) as engine:
        yield engine


@pytest.fixture
def ttrss_user(ttrss_engine: Engine) -> TtrssUser:
    """A fresh user, so a test's feeds and read marks are its own."""
    login = f"reader{next(_logins)}"
    password = f"secret '{login}' ünïcode"
    return TtrssUser(login, password, ttrss_engine.add_user(login, password))
