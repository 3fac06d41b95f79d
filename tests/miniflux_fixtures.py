"""Fixtures for tests against the real Miniflux: one engine per test process."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from miniflux_engine import Engine, running

DEMO_FEEDS = 6  # load feeds on the demo server: tests take distinct ones
DEMO_ITEMS = 30

_logins = itertools.count(1)


@dataclass(frozen=True)
class MinifluxUser:
    """A Miniflux user of its own for one test."""

    login: str
    password: str
    id: int


@pytest.fixture(scope="session")
def miniflux_engine() -> Iterator[Engine]:
    """The real engine, started once per test process (about 3 s), torn down at its end."""
    with running(demo_feeds=DEMO_FEEDS, demo_items=DEMO_ITEMS) as engine:
        yield engine


@pytest.fixture
def miniflux_user(miniflux_engine: Engine) -> MinifluxUser:
    """A fresh user, so a test's feeds and marks are its own."""
    login = f"reader{next(_logins)}"
    password = f"secret '{login}' ünïcode"
    return MinifluxUser(login, password, miniflux_engine.add_user(login, password))
