"""Feed bytes in, clean headlines out. The parser choice lives behind `parse`.

fastfeedparser (lxml) is the fast path for RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and JSON Feed;
feedparser, slower but forgiving, gets what the fast path rejects (bench/parsers.py has the
numbers). Neither is ever handed a URL, so neither fetches anything.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from ticker import badges as badge_rules
from ticker.errors import FeedError
from ticker.model import Headline, Source
from ticker.sanitize import FIELD_MAX, SUMMARY_MAX, TITLE_MAX, clean_line, clean_url, error_line

_EARLIEST_YEAR = 1990  # before the web: a parser's misreading (an epoch number as a year)
MAX_ENTRIES = 1000  # per feed and poll; a hostile feed cannot flood the store
TOLERANT_MAX = 512 * 1024  # feedparser's loose parser takes seconds beyond this
# XML forbids these; BEL and ESC stay, as sanitize removes their sequences whole.
_ILLEGAL_CONTROLS = bytes([*range(0x07), 0x08, 0x0B, 0x0C, *range(0x0E, 0x1B), *range(0x1C, 0x20)])
# An element inside a title, which fastfeedparser drops with its words. A literal start and no
# IGNORECASE let the regex engine skip ahead: 0.47 ms a feed became a few microseconds.
_TITLE_WITH_ELEMENT = re.compile(rb"<title(?:\s[^>]*)?>[^<]*<(?!/title|!\[CDATA)")
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
    """Parse feed bytes fetched from `url`; FeedError says in one line why it is no feed.

    Routing, from bench/parsers.py: JSON goes to fastfeedparser once its types are checked;
    well-formed XML (expat's check costs ~0.1 ms) goes to fastfeedparser unless it uses
    `xml:base`, XHTML titles or elements inside a title, which only feedparser reads whole;
    ill-formed XML goes to feedparser, since fastfeedparser's recovering parse silently cuts
    titles and loses items on it, unless it is too large for feedparser's pace (~17 us an
    element): then the fast, lossy parse is better than a poll held for a minute.
    """
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise FeedError("empty response, not a feed")
    if head.startswith((b"{", b"[")):
        return _parse_fast(_checked_json_feed(body), url)
    if _HTML_START.match(head):
        raise FeedError("an HTML page, not a feed")
    if not head.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" not in head[:4]:
        # Control bytes XML forbids make a whole feed ill-formed; they carry no text, so they go
        # (but ESC, whose sequence sanitize removes with its payload).
        body = body.translate(None, _ILLEGAL_CONTROLS)
    small = len(body) <= TOLERANT_MAX
    well_formed = _well_formed(body)
    if well_formed and not (small and _needs_tolerant(body)):
        try:
            feed = _parse_fast(body, url)
        except Exception:  # whatever the fast path rejects goes to the fallback
            feed = None
        if feed is not None and feed.entries:
            return feed
    if small:
        return _parse_tolerant(body, url)
    try:
        return _parse_fast(body, url)
    except Exception:  # one line says it all
        size = len(body) / 1024 / 1024
        raise FeedError(f"an ill-formed feed too large to repair ({size:.1f} MB)") from None


def _needs_tolerant(body: bytes) -> bool:
    """Whether the feed uses what fastfeedparser reads wrongly (and feedparser right)."""
    return b"xml:base" in body or b'type="xhtml"' in body or bool(_TITLE_WITH_ELEMENT.search(body))


def _well_formed(body: bytes) -> bool:
    from xml.parsers import expat

    parser = expat.ParserCreate()
    try:
        parser.Parse(body, True)
    except expat.ExpatError:
        return False
    return True


def _checked_json_feed(body: bytes) -> bytes:
    """A JSON Feed with wrong-typed parts dropped, re-encoded for the parser."""
    import json

    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise FeedError("invalid JSON, not a feed") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise FeedError("JSON without a list of items, not a JSON Feed")
    items = []
    for raw in data["items"][:MAX_ENTRIES]:
        if not isinstance(raw, dict):
            continue
        item = {
            key: _no_surrogates(value)
            for key, value in raw.items()
            if key in _JSON_ITEM_TYPES and isinstance(value, _JSON_ITEM_TYPES[key])
        }
        if isinstance(item.get("tags"), list):
            item["tags"] = [_no_surrogates(t) for t in item["tags"] if isinstance(t, str)]
        if isinstance(raw.get("id"), int | float) and not isinstance(raw.get("id"), bool):
            item["id"] = str(raw["id"])  # JSON Feed 1.0 allowed numbers
        items.append(item)
    title = _no_surrogates(data.get("title")) if isinstance(data.get("title"), str) else ""
    clean = {"version": "https://jsonfeed.org/version/1.1", "title": title, "items": items}
    return json.dumps(clean, ensure_ascii=False).encode()


_SURROGATES = re.compile("[\ud800-\udfff]")


def _no_surrogates(value: Any) -> Any:
    """JSON escapes can spell lone surrogates, which no UTF-8 encoder accepts."""
    return _SURROGATES.sub("", value) if isinstance(value, str) else value


_JSON_ITEM_TYPES: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "url": str,
    "external_url": str,
    "title": str,
    "content_html": str,
    "content_text": str,
    "summary": str,
    "date_published": str,
    "date_modified": str,
    "tags": list,
}


def headlines(body: bytes, source: Source, *, now: datetime) -> list[Headline]:
    """The headlines of a feed body, badged, with stable ids and dates no later than `now`.

    A source of kind "html" is a page of headlines, read with its CSS selectors instead.
    """
    if source.kind == "html":
        from ticker import listing

        return listing.headlines(body, source, now=now)
    feed = parse(body, source.url)
    rules = badge_rules.compile_rules(source.rules)
    result = []
    for entry in feed.entries:
        title, found = badge_rules.assign(
            entry.title,
            entry.categories,
            published=entry.published,
            updated=entry.updated,
            rules=rules,
        )
        if not title:
            # An item may be only text: its start is the best title there is.
            title = clean_line(entry.summary, 120, markup=False)
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


def _no_fuzzy_dates() -> None:
    """Keep fastfeedparser from guessing dates with dateparser (installed with htmldate).

    Its last resort reads any string as a date, and it tries the guid of an undated item:
    guid "a" became 2026-01-25, which misorders the item and lets retention delete it. An
    item without a real date gets its first-seen time instead.
    """
    import fastfeedparser.main as internals

    if getattr(internals, "_slow_dateparser", None) is not None:
        internals._slow_dateparser = _no_date


def _no_date(value: str) -> None:
    return None


def _hash_id(source_url: str, title: str) -> str:
    digest = hashlib.sha1(f"{source_url}\n{title}".encode(), usedforsecurity=False)
    return "sha1:" + digest.hexdigest()


def _parse_fast(body: bytes, url: str) -> Feed:
    import fastfeedparser

    _no_fuzzy_dates()
    parsed = fastfeedparser.parse(body, include_media=False, include_enclosures=False)
    info = parsed.get("feed") or {}
    base = urljoin(url, _text(info.get("title_detail", {}).get("base")) or "")
    entries = []
    for raw in (parsed.get("entries") or [])[:MAX_ENTRIES]:
        content = raw.get("content") or [{}]
        entry_base = base
        if own_base := _text(content[0].get("base")):
            entry_base = urljoin(base, own_base)
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
    import io

    import feedparser

    # A BytesIO, never bytes: feedparser tries bytes as a file name first, and reads that file.
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers={"content-location": url, "content-type": "application/xml"},
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    raw_entries = parsed.get("entries") or []
    if not raw_entries and parsed.get("bozo"):
        reason = error_line(parsed.get("bozo_exception") or "unreadable")
        raise FeedError(f"not a feed: {reason.removeprefix('<unknown>:')}")
    if not raw_entries and not parsed.get("version"):
        raise FeedError("no feed found in the response")
    # feedparser guesses RSS title types, wrongly at times; an Atom type="text" title is sure.
    atom = str(parsed.get("version") or "").startswith("atom")
    entries = []
    for raw in raw_entries[:MAX_ENTRIES]:
        content = raw.get("content") or [{}]
        plain_title = atom and (raw.get("title_detail") or {}).get("type") == "text/plain"
        entries.append(
            _entry(
                guid=raw.get("id"),
                title=raw.get("title"),
                title_markup=not plain_title,
                link=raw.get("link"),
                base=url,  # feedparser already resolved xml:base
                summary=raw.get("summary") or content[0].get("value") or "",
                published=_struct_date(raw.get("published_parsed")),
                updated=_struct_date(dict.get(raw, "updated_parsed")),  # no mapping warning
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
    title_markup: bool = True,
) -> Entry:
    href = clean_url(link)
    if href and not href.startswith(("http://", "https://")):
        try:
            href = urljoin(base, href)
        except ValueError:  # a malformed IPv6 host and the like
            href = ""
        if not href.lower().startswith(("http://", "https://")):
            href = ""  # file:, javascript:, data: and friends are never followed or shown
    return Entry(
        guid=clean_line(guid, FIELD_MAX, markup=False),
        title=clean_line(title, TITLE_MAX, markup=title_markup),
        link=href,
        summary=clean_line(summary, SUMMARY_MAX),
        published=published,
        updated=updated,
        categories=tuple(c for c in (clean_line(c, _CATEGORY_MAX) for c in categories if c) if c),
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
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:
        return None
    return parsed if parsed.year >= _EARLIEST_YEAR else None


def _struct_date(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime(*value[:6]).replace(tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None
    return parsed if parsed.year >= _EARLIEST_YEAR else None
