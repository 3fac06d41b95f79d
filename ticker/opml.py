"""OPML subscription lists: the feeds one names become sources, and sources become one.

Folders: an `<outline>` without xmlUrl that holds outlines is a folder, and the feeds inside it
get its name as their category; nested folders are joined with "/" ("News/Europe"), so the
whole path survives a round trip. `write` splits a category on "/" into nested folders again
(a folder that another reader named "A/B" comes back as "A" holding "B").

A page of headlines (kind "html") has no feed, and OPML 2.0 has no word for it: it is written
as a type="html" outline with htmlUrl and its CSS selectors in ticker's own namespace
(`ticker:item`, `ticker:title`...). Feed readers skip it, since it has no xmlUrl; ticker reads
it back as the same html source.

A list is read from a file or fetched from an http(s) address (`fetch_sources`, through the
same Fetcher and limits as every other fetch, capped at `MAX_BYTES`). A broken list (missing,
unreachable, not XML, not OPML, no body, not UTF-8, a feed whose xmlUrl is not http or https) is
one error naming the file or address, the line where known, and the problem; nothing is
returned from it. Names are cleaned of control characters and escape sequences on the way in
and on the way out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ticker.config import LISTING_KEYS, ListingError, make_listing
from ticker.errors import ConfigError, FetchError
from ticker.model import Source
from ticker.sanitize import FIELD_MAX, clean_line, clean_url, strip_controls

if TYPE_CHECKING:
    from ticker.fetch import Fetcher

NAMESPACE = "urn:x-ticker:opml:1"  # the attributes that describe an html source's listing
TITLE = "ticker subscriptions"
NAME_MAX = 80
# A list of a few thousand feeds is under 1 MB; a bigger answer is not a subscription list.
MAX_BYTES = 4 * 1024 * 1024
ACCEPT = "text/x-opml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
_ADDRESS = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# Characters XML 1.0 cannot hold at all, not even as references.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DECLARED = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']+)""")


def is_address(location: str) -> bool:
    """Whether `location` is a URL (any scheme://, refused later unless http or https)."""
    return _ADDRESS.match(location) is not None


def read_sources(path: Path) -> list[Source]:
    """The sources an OPML file lists, in document order, each URL once."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    return parse(data, str(path))


async def fetch_sources(url: str, fetcher: Fetcher) -> list[Source]:
    """The sources the OPML document at `url` lists; every error is one line naming `url`."""
    shown = clean_url(url)
    try:
        response = await fetcher.get(url, accept=ACCEPT, max_bytes=MAX_BYTES)
    except FetchError as error:
        raise FetchError(f"{shown}: {error}") from None
    if not response.body.strip():
        raise ConfigError(f"{shown}: not OPML: the answer is empty")
    return parse(response.body, shown)


def parse(data: bytes, origin: str) -> list[Source]:
    """The sources an OPML document lists; errors name `origin` (its file or address)."""
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise ConfigError(_syntax_problem(origin, data, error)) from None
    if not isinstance(root.tag, str) or etree.QName(root).localname != "opml":
        tag = clean_line(str(root.tag), 60, markup=False)
        raise ConfigError(f"{origin}: not OPML (the root element is <{tag}>, not <opml>)")
    body = next((child for child in root if child.tag == "body"), None)
    if body is None:
        raise ConfigError(f"{origin}: not OPML: it has no <body>")
    return _Reader(origin).sources(body)


def write(sources: Iterable[Source], *, now: datetime | None = None) -> str:
    """An OPML 2.0 document of `sources`, grouped in folders by category."""
    from lxml import etree

    sources = list(sources)
    pages = any(s.kind == "html" for s in sources)
    root = etree.Element("opml", nsmap={"ticker": NAMESPACE} if pages else None)
    root.set("version", "2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = TITLE
    created = (now or datetime.now(UTC)).astimezone(UTC)
    etree.SubElement(head, "dateCreated").text = format_datetime(created, usegmt=True)
    if pages:
        head.append(
            etree.Comment(
                ' type="html" outlines are web pages ticker reads with the CSS selectors in its '
                "ticker: attributes; they have no xmlUrl, so other readers skip them. "
            )
        )
    body = etree.SubElement(root, "body")
    folders: dict[tuple[str, ...], Any] = {(): body}
    for source in sources:
        place: tuple[str, ...] = ()
        for part in _folders(source.category):
            parent, place = folders[place], (*place, part)
            if place not in folders:
                folders[place] = etree.SubElement(parent, "outline", text=part, title=part)
        url = _xml(clean_url(source.url))
        name = _xml(clean_line(source.name, FIELD_MAX, markup=False)) or url
        outline = etree.SubElement(folders[place], "outline")
        if source.kind == "html":
            # Not a feed: other readers skip it (no xmlUrl); ticker reads the selectors back.
            outline.attrib.update({"type": "html", "text": name, "title": name, "htmlUrl": url})
            if source.listing is not None:
                for field in LISTING_KEYS:
                    value = getattr(source.listing, field)
                    if value is not None:
                        outline.set(f"{{{NAMESPACE}}}{field}", _xml(value))
        else:
            outline.attrib.update({"type": "rss", "text": name, "title": name, "xmlUrl": url})
    text = str(etree.tostring(root, encoding="unicode", pretty_print=True))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text


class _Reader:
    """Walks the outlines of a body, folders first-class, failing at the first broken one."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, outline: Any, problem: str) -> ConfigError:
        line = f":{outline.sourceline}" if outline.sourceline else ""
        return ConfigError(f"{self.origin}{line}: outline {_title(outline)!r}: {problem}")

    def sources(self, body: Any) -> list[Source]:
        from ticker.sources_file import url_key

        found: list[Source] = []
        seen: set[str] = set()
        # Depth first in document order, without recursion: (outline, its folder path).
        stack: list[tuple[Any, tuple[str, ...]]] = [
            (child, ()) for child in reversed(_outlines(body))
        ]
        while stack:
            outline, folder = stack.pop()
            source = self.source(outline, "/".join(folder))
            inner = folder
            if source is not None:
                if (key := url_key(source.url)) not in seen:
                    seen.add(key)
                    found.append(source)
            elif title := _title(outline):
                inner = (*folder, title)
            stack.extend((child, inner) for child in reversed(_outlines(outline)))
        return found

    def source(self, outline: Any, category: str) -> Source | None:
        """The source an outline names, None for a folder or anything else that is not one."""
        raw_url = _attribute(outline, "xmlUrl")
        # Untrusted selectors: no escape sequences into the config file or a message.
        listing = {
            field: strip_controls(value)
            for field in LISTING_KEYS
            if (value := outline.get(f"{{{NAMESPACE}}}{field}")) is not None
        }
        if raw_url.strip():
            kind, url = "feed", _http_url(raw_url)
            if url is None:
                raise self.fail(outline, f"xmlUrl {raw_url[:200]!r} is not an http(s) address")
        elif listing:
            raw_url = _attribute(outline, "htmlUrl")
            kind, url = "html", _http_url(raw_url)
            if url is None:
                raise self.fail(outline, f"htmlUrl {raw_url[:200]!r} is not an http(s) address")
        else:
            return None
        name = _title(outline) or url
        if kind == "feed":
            return Source(name=name, url=url, category=category)
        try:
            parsed = make_listing(listing)
        except ListingError as error:
            raise self.fail(outline, f"ticker:{error}") from None
        return Source(name=name, url=url, kind="html", listing=parsed, category=category)


def _syntax_problem(origin: str, data: bytes, error: Any) -> str:
    line = f":{error.lineno}" if error.lineno else ""
    first = re.sub(r", line \d+, column \d+$", "", (error.msg or "").splitlines()[0])
    # The parser's message quotes the document's names: a fetched one is anybody's text.
    message = clean_line(first, 200, markup=False)
    if "encoding" in message.lower() or "UTF-8" in message:
        declared = _DECLARED.match(data)
        name = declared.group(1).decode("ascii", "replace") if declared else "UTF-8"
        name = clean_line(name, 40, markup=False)
        if declared and "Unsupported" in message:
            return f"{origin}: not readable: unknown encoding {name!r}"
        return f"{origin}{line}: not {name} text"
    if not data.strip():
        return f"{origin}: not OPML: the file is empty"
    return f"{origin}{line}: not XML: {message}"


def _outlines(element: Any) -> list[Any]:
    return [child for child in element if child.tag == "outline"]


def _attribute(outline: Any, name: str) -> str:
    """An attribute in any case: exporters write xmlUrl, xmlurl and XMLURL."""
    wanted = name.lower()
    for key, value in outline.attrib.items():
        if isinstance(key, str) and key.lower() == wanted:
            return str(value)
    return ""


def _http_url(raw: str) -> str | None:
    url = clean_url(raw)
    if url.lower().startswith("feed://"):  # the old feed: scheme some readers still write
        url = "http://" + url[len("feed://") :]
    elif url.lower().startswith("feed:"):
        url = url[len("feed:") :]
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def _title(outline: Any) -> str:
    """An outline's name, cleaned: its text, else its title."""
    return _name(outline.get("text") or outline.get("title") or "")


def _name(raw: str) -> str:
    # Entities are decoded ("Q&amp;A" written twice over); a name with "<" in it is kept as
    # text, so "Sport <live>" stays what it says.
    return clean_line(raw, NAME_MAX, markup="<" not in raw)


def _folders(category: str) -> list[str]:
    parts = (_xml(clean_line(part, NAME_MAX, markup=False)) for part in category.split("/"))
    return [part for part in parts if part]


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)
