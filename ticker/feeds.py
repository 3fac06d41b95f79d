"""Feed bytes in, clean headlines out. The parser choice lives behind `parse`.

fastfeedparser (lxml) is the fast path for RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and JSON Feed;
feedparser, slower but forgiving, gets what the fast path rejects (bench/parsers.py has the
numbers). Neither is ever handed a URL, so neither fetches anything.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from ticker import badges as badge_rules
from ticker.errors import FeedError
from ticker.model import BadgeRule, Headline, Source
from ticker.sanitize import FIELD_MAX, SUMMARY_MAX, TITLE_MAX, clean_line, clean_url

MAX_ENTRIES = 1000  # per feed and poll; a hostile feed cannot flood the store
_CATEGORY_MAX = 80
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.I | re.S)


@dataclass(frozen=True, slots=True)
class Entry:
    """One feed item as the parser saw it, cleaned but not yet badged."""

    guid: str
    title: str
    link: str
    summary: str
    published: datetime | None
    updated: datetime | None
    categories: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Feed:
    title: str
    entries: list[Entry]


def parse(body: bytes, url: str) -> Feed:
    """Parse feed bytes fetched from `url`; FeedError says in one line why it is no feed."""
    if not body.strip():
        raise FeedError("empty response, not a feed")
    try:
        return _parse_fast(body, url)
    except Exception as fast_error:  # noqa: BLE001 - any rejection goes to the fallback
        try:
            feed = _parse_tolerant(body, url)
        except FeedError:
            if _HTML_START.match(body[:4096]):
                raise FeedError("an HTML page, not a feed") from None
            raise FeedError(f"not a feed: {_one_line(fast_error)}") from None
        if feed.entries or not _HTML_START.match(body[:4096]):
            return feed
        raise FeedError("an HTML page, not a feed") from None


def headlines(
    body: bytes,
    source: Source,
    *,
    now: datetime,
    rules: Sequence[tuple[re.Pattern[str], BadgeRule]] = (),
) -> list[Headline]:
    """The headlines of a feed body, badged, with stable ids and dates no later than `now`."""
    feed = parse(body, source.url)
    result = []
    for entry in feed.entries:
        title, found = badge_rules.assign(
            entry.title,
            entry.categories,
            published=entry.published,
            updated=entry.updated,
            rules=rules,
        )
        if not title and not entry.link:
            continue
        published = entry.published or entry.updated or now
        guid = entry.guid or entry.link or _hash_id(source.url, title)
        result.append(
            Headline(
                source=source.url,
                source_name=source.name,
                guid=guid,
                title=title or entry.link,
                url=entry.link,
                published=min(published, now),
                badges=found,
                summary=entry.summary,
            )
        )
    return result


def _hash_id(source_url: str, title: str) -> str:
    digest = hashlib.sha1(f"{source_url}\n{title}".encode(), usedforsecurity=False)
    return "sha1:" + digest.hexdigest()


def _one_line(error: BaseException) -> str:
    text = clean_line(str(error) or type(error).__name__, 160, markup=False)
    return text or type(error).__name__


def _parse_fast(body: bytes, url: str) -> Feed:
    import fastfeedparser

    parsed = fastfeedparser.parse(body, include_media=False, include_enclosures=False)
    info = parsed.get("feed") or {}
    base = urljoin(url, _text(info.get("title_detail", {}).get("base")) or "")
    entries = []
    for raw in (parsed.get("entries") or [])[:MAX_ENTRIES]:
        content = raw.get("content") or [{}]
        entry_base = urljoin(base, _text(content[0].get("base")) or "")
        summary = raw.get("description") or content[0].get("value") or ""
        entries.append(
            _entry(
                guid=raw.get("id"),
                title=raw.get("title"),
                link=raw.get("link"),
                base=entry_base,
                summary=summary,
                published=_iso_date(raw.get("published")),
                updated=_iso_date(raw.get("updated")),
                categories=[t.get("term") or t.get("label") for t in raw.get("tags") or ()],
            )
        )
    return Feed(clean_line(info.get("title")), entries)


def _parse_tolerant(body: bytes, url: str) -> Feed:
    import feedparser

    parsed = feedparser.parse(
        body,
        response_headers={"content-location": url},
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    raw_entries = parsed.get("entries") or []
    if not raw_entries and parsed.get("bozo"):
        raise FeedError(_one_line(parsed.get("bozo_exception") or "unreadable feed"))
    if not raw_entries and not parsed.get("version"):
        raise FeedError("no feed found in the response")
    entries = []
    for raw in raw_entries[:MAX_ENTRIES]:
        content = raw.get("content") or [{}]
        entries.append(
            _entry(
                guid=raw.get("id"),
                title=raw.get("title"),
                link=raw.get("link"),
                base=url,  # feedparser already resolved xml:base
                summary=raw.get("summary") or content[0].get("value") or "",
                published=_struct_date(raw.get("published_parsed")),
                updated=_struct_date(raw.get("updated_parsed")),
                categories=[t.get("term") or t.get("label") for t in raw.get("tags") or ()],
            )
        )
    return Feed(clean_line(parsed.get("feed", {}).get("title")), entries)


def _entry(
    *,
    guid: Any,
    title: Any,
    link: Any,
    base: str,
    summary: Any,
    published: datetime | None,
    updated: datetime | None,
    categories: list[Any],
) -> Entry:
    href = clean_url(link)
    if href:
        try:
            href = urljoin(base, href)
        except ValueError:  # a malformed IPv6 host and the like
            href = ""
    if href and not href.lower().startswith(("http://", "https://")):
        href = ""  # file:, javascript:, data: and friends are never followed or shown
    return Entry(
        guid=clean_line(guid, FIELD_MAX, markup=False),
        title=clean_line(title, TITLE_MAX),
        link=href,
        summary=clean_line(summary, SUMMARY_MAX),
        published=published,
        updated=updated,
        categories=tuple(
            c for c in (clean_line(c, _CATEGORY_MAX) for c in categories if c) if c
        ),
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _iso_date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _struct_date(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None
