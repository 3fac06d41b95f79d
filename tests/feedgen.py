"""Feeds for tests, with dates relative to now (retention drops items older than 30 days)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape


def rss(
    items: list[tuple[str, str]] | int, *, title: str = "Test Wire", base: str = "http://127.0.0.1"
) -> bytes:
    """RSS 2.0 with (guid, title) items, newest first, one minute apart."""
    if isinstance(items, int):
        items = [(f"g{i}", f"Story number {i}") for i in range(items)]
    now = datetime.now(UTC)
    body = "".join(
        f"<item><title>{escape(t)}</title><link>{base}/news/{escape(g)}</link>"
        f'<guid isPermaLink="false">{escape(g)}</guid>'
        f"<pubDate>{format_datetime(now - timedelta(minutes=i + 1))}</pubDate></item>"
        for i, (g, t) in enumerate(items)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>{base}/</link>{body}</channel></rss>"
    ).encode()
