"""Feeds from feedparser's and feed-rs's own test suites: ticker never raises, never drops an item.

The files and their licences are in tests/fixtures/feedparser_suite/ (README.md names the
commits); EXPECTED.toml records what ticker reads from each and why that differs from
feedparser where it does. bench/feedparser_suite.py runs the whole of both suites.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ticker import feeds
from ticker.errors import FeedError
from ticker.model import Source

SUITE = Path(__file__).parent / "fixtures" / "feedparser_suite"
EXPECTED: dict[str, dict[str, object]] = tomllib.loads((SUITE / "EXPECTED.toml").read_text())
LICENCES = {"LICENSE", "LICENSE-MIT"}


def suite_files() -> list[str]:
    return sorted(
        str(path.relative_to(SUITE))
        for corpus in ("feedparser", "feed-rs")
        for path in (SUITE / corpus).rglob("*")
        if path.is_file() and path.name not in LICENCES
    )


def test_every_file_has_an_expectation_and_every_expectation_a_file() -> None:
    assert suite_files() == sorted(EXPECTED)
    bsd = "Redistribution and use in source and binary forms"
    assert bsd in (SUITE / "feedparser" / "LICENSE").read_text()
    assert "MIT License" in (SUITE / "feed-rs" / "LICENSE-MIT").read_text()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_suite_file_gives_its_items_or_a_clean_refusal(name: str) -> None:
    expect = EXPECTED[name]
    body = (SUITE / name).read_bytes()
    url = f"http://127.0.0.1/suite/{name}"

    if "refused" in expect:
        with pytest.raises(FeedError) as refusal:
            feeds.parse(body, url)
        assert "\n" not in str(refusal.value)
        return
    feed = feeds.parse(body, url)
    items = feeds.headlines(body, Source("suite", url), now=datetime(2026, 1, 1, tzinfo=UTC))

    assert len(feed.entries) == len(items) == expect["items"]
    assert all(h.title and h.guid for h in items)
