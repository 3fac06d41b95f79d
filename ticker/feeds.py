"""Feed bytes in, clean headlines out. The parser choice lives behind `parse`.

fastfeedparser (lxml) is the fast path for RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and JSON Feed;
feedparser, slower but forgiving, gets what the fast path rejects (bench/parsers.py has the
numbers). Neither is ever handed a URL, so neither fetches anything.

An item without a title keeps its place: it is titled the way other readers title it (its
dc:, itunes: or media:title, the first sentence of its text, its link), and `title_from` says
which. What the two parsers do not report alike (a title from another namespace taken for the
item's own, HTML written raw inside a description) is read from the items themselves.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from ticker import badges as badge_rules
from ticker.errors import FeedError
from ticker.model import Headline, Source
from ticker.sanitize import (
    FIELD_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    clean_line,
    clean_url,
    error_line,
    web_host,
)

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
    title_from: str = ""  # "" for the item's own title; else where it was derived from


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
        json_body, items = _checked_json_feed(body)
        return _parse_fast(json_body, url, items)
    if _HTML_START.match(head):
        raise FeedError("an HTML page, not a feed")
    if not head.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" not in head[:4]:
        # Control bytes XML forbids make a whole feed ill-formed; they carry no text, so they go
        # (but ESC, whose sequence sanitize removes with its payload).
        body = body.translate(None, _ILLEGAL_CONTROLS)
        body = _without_declared_entities(body)
    small = len(body) <= TOLERANT_MAX
    try:
        well_formed = _well_formed(body)
    except (ValueError, LookupError):
        # expat reads no multi-byte encoding but UTF-8 and UTF-16 (not Big5, EUC-KR, GB2312,
        # Shift_JIS) and no name it does not know ("utf16", "bogus"): such a feed is read as
        # UTF-8 instead, with its declaration to match.
        body = _as_utf8(body)
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


_INTERNAL_SUBSET = re.compile(rb"<!DOCTYPE[^\[>]*\[(.*?)\]\s*>", re.S)
_ENTITY_NAME = re.compile(rb"<!ENTITY\s+([^\s%]+)")


def _without_declared_entities(body: bytes) -> bytes:
    """The feed without its DOCTYPE's internal subset, nor references to the entities it
    declares. No parser here expands them (a billion laughs) or reads them (a file, a URL),
    and left in place they showed as "&lol9;" in a title: they go, their neighbours stay."""
    start = body.find(b"<!DOCTYPE", 0, 4096)
    if start < 0:
        return body
    subset = _INTERNAL_SUBSET.match(body, start)
    if subset is None:
        return body
    names = _ENTITY_NAME.findall(subset[1])
    rest = body[subset.end() :]
    if names:
        references = re.compile(rb"&(?:" + b"|".join(map(re.escape, names)) + rb");")
        rest = references.sub(b"", rest)
    return body[:start] + rest


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


# The XML declaration's encoding, in a head decoded as Latin-1 or UTF-16/32 (ASCII either way).
_DECLARED_ENCODING = re.compile(r"""^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([^"']{1,40})["']""")
# XML's own detection of UTF-16 and UTF-32 from the first bytes, BOM or not (XML 1.0, F.1).
_WIDE_STARTS = (
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16"),
    (b"\xff\xfe", "utf-16"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)


def _as_utf8(body: bytes) -> bytes:
    """A document in an encoding expat cannot read, as UTF-8 declared as such."""
    import codecs

    wide = next((name for start, name in _WIDE_STARTS if body.startswith(start)), None)
    head = body[:512].decode(wide or "latin-1", "replace")
    declared = _DECLARED_ENCODING.match(head)
    encoding = wide or (declared.group(1) if declared else "utf-8")
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "utf-8"  # an unknown name: UTF-8 is the likeliest truth
    text = body.decode(encoding, "replace").lstrip("\ufeff")
    if declared is not None and (redeclared := _DECLARED_ENCODING.match(text)):
        text = text[: redeclared.start(1)] + "utf-8" + text[redeclared.end(1) :]
    return text.encode("utf-8", "replace")


def _checked_json_feed(body: bytes) -> tuple[bytes, list[_Found]]:
    """A JSON Feed with wrong-typed parts dropped, re-encoded for the parser, and its items
    (none when every item has a title)."""
    import json

    try:
        # Bad bytes become U+FFFD and raw controls inside strings are read (sanitize removes
        # them with their escape sequences): one broken title must not cost the whole feed.
        data = json.loads(body.decode(json.detect_encoding(body), "replace"), strict=False)
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
        if isinstance(item.get("attachments"), list):
            item["attachments"] = [
                {"url": _no_surrogates(a["url"])}
                for a in item["attachments"]
                if isinstance(a, dict) and isinstance(a.get("url"), str)
            ]
        if isinstance(raw.get("id"), int | float) and not isinstance(raw.get("id"), bool):
            item["id"] = str(raw["id"])  # JSON Feed 1.0 allowed numbers
        items.append(item)
    title = _no_surrogates(data.get("title")) if isinstance(data.get("title"), str) else ""
    clean = {"version": "https://jsonfeed.org/version/1.1", "title": title, "items": items}
    found = []
    if not all(item.get("title") for item in items):
        # Which of summary and content an item has matters only to an item without a title.
        found = [
            _Found(
                title=item.get("title"),
                summary=item.get("summary") or "",
                content=item.get("content_html") or item.get("content_text") or "",
            )
            for item in items
        ]
    return json.dumps(clean, ensure_ascii=False).encode(), found


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
    "attachments": list,
}


def headlines(
    body: bytes, source: Source, *, now: datetime, tz: tzinfo | None = None
) -> list[Headline]:
    """The headlines of a feed body, badged, with stable ids and dates no later than `now`.

    A source of kind "html" is a page of headlines, read with its CSS selectors instead; its
    bare times are in its listing's zone, else in `tz`, the display zone (None: the system's).
    """
    if source.kind == "html":
        from ticker import listing

        return listing.headlines(body, source, now=now, tz=tz)
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
        title_from = entry.title_from
        if not title:
            # A rule took the whole title ("LIVE:"): the item's text titles it instead.
            title, title_from = _derived_title((), entry.summary, "", entry.link)
        published = entry.published or entry.updated or now
        if not title_from:
            identity = title
        else:
            # Many items may be "(untitled)": what each has tells them apart.
            stamp = published.isoformat() if entry.published or entry.updated else ""
            identity = "\n".join((title_from, title, entry.summary, stamp, *entry.categories))
        result.append(
            Headline(
                source=source.url,
                source_name=source.name,
                guid=entry.guid or entry.link or _hash_id(source.url, identity),
                title=title,
                url=entry.link,
                published=min(published, now),
                badges=found,
                summary=entry.summary,
                title_from=title_from,
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


def _parse_fast(body: bytes, url: str, found: list[_Found] | None = None) -> Feed:
    """fastfeedparser's reading; `found` is what the items hold, if known ([]: nothing more)."""
    import fastfeedparser

    _no_fuzzy_dates()
    parsed = fastfeedparser.parse(body, include_media=False, include_enclosures=True)
    info = parsed.get("feed") or {}
    base = urljoin(url, _text(info.get("title_detail", {}).get("base")) or "")
    raw_entries = parsed.get("entries") or []
    if found is None and (wanted := _reading_wanted(body, raw_entries, raw_markup=True)):
        # A podcast whose episodes have an itunes:title beside their own needs only titles.
        found = _items_read(body, len(raw_entries), texts=wanted == "texts")
    entries = []
    for index, raw in enumerate(raw_entries[:MAX_ENTRIES]):
        content = raw.get("content") or [{}]
        entry_base = base
        if own_base := _text(content[0].get("base")):
            entry_base = urljoin(base, own_base)
        item = found[index] if found else None
        entries.append(
            _entry(
                guid=raw.get("id"),
                # fastfeedparser takes any element named title, dc:title and itunes:title too
                title=raw.get("title") if item is None else item.title,
                link=raw.get("link"),
                enclosure=None if raw.get("link") else _first_enclosure(raw, "url"),
                base=entry_base,
                summary=raw.get("description")
                if item is None or item.summary is None
                else item.summary,
                content=content[0].get("value")
                if item is None or item.content is None
                else item.content,
                alt_titles=item.alt_titles if item is not None else (),
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
    found = None
    if _reading_wanted(body, raw_entries, raw_markup=False):
        found = _items_read(body, len(raw_entries))
    entries = []
    for index, raw in enumerate(raw_entries[:MAX_ENTRIES]):
        content = raw.get("content") or [{}]
        plain_title = atom and (raw.get("title_detail") or {}).get("type") == "text/plain"
        item = found[index] if found else None
        title = raw.get("title")
        alt_titles: tuple[tuple[str, Any], ...] = (("itunes:title", raw.get("itunes_title")),)
        summary, content_value = raw.get("summary"), content[0].get("value")
        if item is not None:
            # feedparser files dc:title and media:title under title, first come first served
            title, alt_titles = _own_title(title, item), item.alt_titles
            if not item.summary:
                summary = ""  # feedparser copies the content into the summary
        elif summary == content_value:
            summary = ""
        link = raw.get("link")
        if atom and raw.get("guidislink") and link == raw.get("id"):
            link = None  # an Atom id is no link (fastfeedparser agrees)
        entries.append(
            _entry(
                guid=raw.get("id"),
                title=title,
                title_markup=not plain_title,
                link=link,
                enclosure=None if link else _first_enclosure(raw, "href"),
                base=url,  # feedparser already resolved xml:base
                summary=summary,
                content=content_value,
                alt_titles=alt_titles,
                published=_struct_date(raw.get("published_parsed")),
                updated=_struct_date(dict.get(raw, "updated_parsed")),  # no mapping warning
                categories=[t.get("term") or t.get("label") for t in raw.get("tags") or ()],
            )
        )
    return Feed(clean_line(parsed.get("feed", {}).get("title")), entries)


def _first_enclosure(raw: Any, key: str) -> Any:
    """The URL of an entry's first enclosure: an RSS <enclosure> or an Atom rel="enclosure"."""
    for enclosure in raw.get("enclosures") or ():
        if isinstance(enclosure, dict) and enclosure.get(key):
            return enclosure[key]
    for link in raw.get("links") or ():
        if isinstance(link, dict) and link.get("rel") == "enclosure" and link.get("href"):
            return link["href"]
    return None


def _own_title(reported: Any, item: _Found) -> Any:
    """feedparser's title, unless it is another namespace's title the item does not own."""
    if item.title is None:
        return None
    if item.alt_titles and reported != item.title:
        reported_text = clean_line(reported)
        if reported_text != clean_line(item.title) and any(
            reported_text == clean_line(raw) for _, raw in item.alt_titles
        ):
            return item.title
    return reported


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
    content: Any = None,
    enclosure: Any = None,
    alt_titles: tuple[tuple[str, Any], ...] = (),
    title_markup: bool = True,
) -> Entry:
    # An enclosure is the link of an item that has none (a podcast episode, a photo post).
    href = _absolute(link, base) or _absolute(enclosure, base)
    shown_title = clean_line(title, TITLE_MAX, markup=title_markup)
    title_from = ""
    if not shown_title:
        shown_title, title_from = _derived_title(alt_titles, summary, content, href)
    return Entry(
        guid=clean_line(guid, FIELD_MAX, markup=False),
        title=shown_title,
        link=href,
        summary=(summary and clean_line(summary, SUMMARY_MAX)) or clean_line(content, SUMMARY_MAX),
        published=published,
        updated=updated,
        categories=tuple(c for c in (clean_line(c, _CATEGORY_MAX) for c in categories if c) if c),
        title_from=title_from,
    )


def _absolute(link: Any, base: str) -> str:
    """An http(s) URL made absolute against `base`; '' for anything else."""
    href = clean_url(link)
    if href and not href.startswith(("http://", "https://")):
        try:
            href = urljoin(base, href)
        except ValueError:  # a malformed IPv6 host and the like
            href = ""
    # file:, javascript:, data: and friends are never followed or shown, nor an address urllib
    # cannot read (a bad port, an unclosed IPv6 bracket): opening it would only fail.
    return href if href and web_host(href) is not None else ""


# ------------------------------------------------------------------------------------------------
# Titles for items without one

UNTITLED = "(untitled)"
LEAD_MAX = 120  # a title made from an item's text: about a headline's length
_LEAD_MIN = 20  # a sentence ends no sooner: "Dr." and "U.S." are no sentences
_ALT_TITLE_ORDER = ("dc:title", "itunes:title", "media:title")
# Where the first block of an item's text ends: a paragraph, a heading, a line break.
_BLOCK_BOUNDARY = re.compile(
    r"</?(?:p|div|h[1-6]|li|ul|ol|blockquote|pre|figure|figcaption|table|tr|dl|dd|dt)\b[^>]*>"
    r"|<br\b[^>]*>|<hr\b[^>]*>|\n\s*\n",
    re.IGNORECASE,
)
# A sentence ends at . ! ? or an ellipsis before a word that is not lower case ("the U.S.
# economy" goes on), or at the ideographic full stop and marks, which no abbreviation uses.
_FULL_STOPS = "\u3002\uff01\uff1f"
_SENTENCE_END = re.compile(
    f"[.!?\u2026][\"'\u2019\u201d)\\]]*(?=\\s+[^a-z\\s]|\\s*$)|[{_FULL_STOPS}]"
)
_TRAILING_PUNCTUATION = " ,;:-\u2013\u2014"


def _derived_title(
    alt_titles: tuple[tuple[str, Any], ...], summary: Any, content: Any, link: str
) -> tuple[str, str]:
    """A title for an item without one, and where it came from (Headline.title_from)."""
    for label, raw in alt_titles:
        if title := clean_line(raw, TITLE_MAX):
            return title, label
    for label, raw in (("summary", summary), ("content", content)):
        if isinstance(raw, str) and (title := _lead_sentence(raw)):
            return title, label
    if link and (title := _link_title(link)):
        return title, "link"
    return UNTITLED, "none"


def _lead_sentence(markup: str) -> str:
    """The first sentence of an item's text, as plain text, cut at a word to about LEAD_MAX."""
    for block in _BLOCK_BOUNDARY.split(markup[: SUMMARY_MAX * 8], maxsplit=16):
        if text := clean_line(block, SUMMARY_MAX):
            break
    else:
        return ""
    for end in _SENTENCE_END.finditer(text):
        if end.end() > LEAD_MAX:
            break
        if end.start() >= _LEAD_MIN or end.group() in _FULL_STOPS:
            return text[: end.end()]
    if len(text) <= LEAD_MAX:
        return text
    cut = text[: LEAD_MAX - 1]
    space = cut.rfind(" ")
    if space > LEAD_MAX // 2:
        cut = cut[:space]
    return cut.rstrip(_TRAILING_PUNCTUATION) + "\u2026"


def _link_title(link: str) -> str:
    """A link's path ("episodes/41.mp3"), or its host when the path is empty."""
    parts = urlsplit(link)
    path = unquote(parts.path).strip("/")
    return clean_line(path or parts.hostname or "", TITLE_MAX, markup=False)


# ------------------------------------------------------------------------------------------------
# What the parsers do not report alike, read from the items themselves


@dataclass(frozen=True, slots=True)
class _Found:
    """What one item holds, as markup: its own title (None when it has none) and the rest."""

    title: str | None
    alt_titles: tuple[tuple[str, str], ...] = ()  # in _ALT_TITLE_ORDER
    summary: str | None = ""  # None: not read
    content: str | None = ""


# HTML written raw inside a description (invalid, common): fastfeedparser keeps only the text
# before its first element.
_RAW_MARKUP = re.compile(rb"<(?:description|summary|content(?::encoded)?)(?:\s[^>]*)?>[^<]*<[^/!]")
_ATOM_NAMESPACES = ("http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#")
_OWN_NAMESPACES = frozenset(
    {
        "",
        "http://purl.org/rss/1.0/",
        "http://my.netscape.com/rdf/simple/0.9/",
        "http://backend.userland.com/rss2",
        *_ATOM_NAMESPACES,
    }
)
_ALT_TITLE_NAMESPACES = {
    "http://purl.org/dc/elements/1.1/": "dc:title",
    "http://purl.org/dc/terms/": "dc:title",
    "http://www.itunes.com/dtds/podcast-1.0.dtd": "itunes:title",
    "http://search.yahoo.com/mrss/": "media:title",
    "http://search.yahoo.com/mrss": "media:title",
    # prefixes never declared, which a recovering parse keeps as written
    "dc": "dc:title",
    "itunes": "itunes:title",
    "media": "media:title",
}
_ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
_CONTENT_MODULE = "http://purl.org/rss/1.0/modules/content/"
_MARKUP_MAX = SUMMARY_MAX * 8  # clean_line reads no further
_MEDIA_TITLES = ("{http://search.yahoo.com/mrss/}title", "{http://search.yahoo.com/mrss}title")


def _reading_wanted(body: bytes, raw_entries: list[Any], *, raw_markup: bool) -> str | None:
    """What `_items_read` should read for a parser's entries: "texts" (and titles) for an item
    without a title or, with `raw_markup` (fastfeedparser), HTML written raw in a description;
    "titles" when a title from another namespace may have been taken for an item's own; None.

    The two scans cost ~0.08 ms on bench/parsers.py's 40 KB feeds, 4% of their parse.
    """
    if not all(raw.get("title") for raw in raw_entries):
        return "texts"
    if raw_markup and _RAW_MARKUP.search(body) is not None:
        return "texts"
    return "titles" if b":title>" in body else None


def _items_read(body: bytes, expected: int, *, texts: bool = True) -> list[_Found] | None:
    """Every item's titles, and its text if `texts`, in document order; None unless they are
    `expected` many.

    lxml, recovering, with no entities, DTDs or network: the same bytes the parser had, so the
    items pair up by position; a different count means the two read the document differently.
    """
    from lxml import etree

    parser = etree.XMLParser(
        recover=True,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(body, parser)
    except etree.LxmlError:
        return None
    if root is None:
        return None
    media = b"search.yahoo.com/mrss" in body
    found: list[_Found] = []
    count = 0
    for element in root.iter("{*}item", "{*}entry"):
        if _split_tag(element.tag)[0] not in _OWN_NAMESPACES:
            continue
        count += 1
        if count > expected:
            return None
        if count <= MAX_ENTRIES:
            found.append(_read_item(element, texts=texts, media=media))
    return found if count == expected else None


# The children _read_item looks at, picked out by lxml: a prefix never declared stays in the name.
_TITLE_TAGS = ("{*}title", "dc:title", "itunes:title", "media:title")
_TEXT_TAGS = ("{*}description", "{*}summary", "{*}encoded", "{*}content", "itunes:summary")


def _read_item(item: Any, *, texts: bool, media: bool) -> _Found:
    own: str | None = None
    alts: dict[str, str] = {}
    for child in item.iterchildren(*_TITLE_TAGS):
        namespace = _split_tag(child.tag)[0]
        if namespace in _OWN_NAMESPACES:
            if not (own or "").strip():
                own = _markup(child)
        elif (label := _ALT_TITLE_NAMESPACES.get(namespace.lower())) and label not in alts:
            alts[label] = _markup(child)
    if media and "media:title" not in alts:
        # in a media:group or a media:content, as much the item's title as a sibling one
        for element in item.iter(*_MEDIA_TITLES):
            if text := _markup(element):
                alts["media:title"] = text
                break
    summary = content = None
    if texts:
        summary = content = ""
        for child in item.iterchildren(*_TEXT_TAGS):
            namespace, local = _split_tag(child.tag)
            if local in ("description", "summary"):
                if namespace in _OWN_NAMESPACES or namespace.lower() in (_ITUNES, "itunes"):
                    summary = summary or _markup(child)
            elif namespace == _CONTENT_MODULE or namespace in _ATOM_NAMESPACES or not namespace:
                content = content or _markup(child)
    return _Found(
        title=own if (own or "").strip() else None,
        alt_titles=tuple((label, alts[label]) for label in _ALT_TITLE_ORDER if label in alts),
        summary=summary,
        content=content,
    )


def _split_tag(tag: str) -> tuple[str, str]:
    """('namespace', 'local') of an lxml tag; an undeclared prefix stands for the namespace."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    prefix, _, local = tag.rpartition(":")
    return prefix, local


def _markup(element: Any) -> str:
    """An element's content as written: its text, and any elements inside as markup.

    Only as much as clean_line reads: a title of a million empty elements costs no more.
    """
    from lxml import etree

    parts: list[str] = [element.text or ""]
    size = len(parts[0])
    for child in element:
        if size > _MARKUP_MAX:
            break
        parts.append(etree.tostring(child, encoding="unicode", with_tail=True))
        size += len(parts[-1])
    return "".join(parts)


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
