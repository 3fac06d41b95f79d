"""A page address in, its feeds out: feed autodiscovery.

The given address is a feed, or its page names feeds: `<link rel="alternate">` (and `rel="feed"`)
of a feed type, then `<a href>` links that look like feeds. Only when neither yields a working
feed are a few usual paths tried, in the page's directory and at the site root (`_USUAL_PATHS`).
Every candidate is fetched and parsed before it is offered; the ones that fail are kept with one
line saying why, so a caller can tell a person what was tried.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urljoin, urlsplit

from ticker.errors import FeedError, TickerError
from ticker.feeds import Feed
from ticker.fetch import FEED_ACCEPT, HTTPStatusError
from ticker.sanitize import clean_line, clean_url, error_line

if TYPE_CHECKING:
    from ticker.fetch import Fetcher

# The address may be a page or a feed itself: both kinds are welcome (fetch.PAGE_ACCEPT is pages').
ADDRESS_ACCEPT = f"text/html, application/xhtml+xml;q=0.9, {FEED_ACCEPT}"
CONCURRENCY = 8  # candidate fetches at a time
DEADLINE = 20.0  # seconds for validating every candidate, all stages together
TITLE_MAX = 120
MAX_HTML = 4 * 1024 * 1024  # characters of a page scanned for links; feed links sit near the top
MAX_LINKS = 10  # rel=alternate feeds taken from one page
MAX_ANCHORS = 10  # feed-looking <a> links taken from one page

_FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/feed+json", "application/json"}
)
# Where sites put feeds by convention: WordPress (feed), many CMSs (rss, rss.xml), Jekyll
# (feed.xml), Hugo (index.xml), Ghost and Zola (rss, atom.xml), JSON Feed (feed.json),
# Pelican (feeds/all.atom.xml). Tried relative to the page's directory, then the site root.
_USUAL_PATHS = (
    "feed",
    "rss",
    "rss.xml",
    "atom.xml",
    "index.xml",
    "feed.json",
    "feed.xml",
    "feeds/all.atom.xml",
)
_FEEDISH_SUFFIX = (".rss", ".xml", ".atom", ".json")
_FEEDISH_SEGMENT = re.compile(r"/(?:feeds?|rss|atom)(?:[/._-]|$)")
_RSS_WORD = re.compile(r"\bRSS\b", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)[\s>]", re.I | re.S
)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:(?!\d)", re.IGNORECASE)  # "host:8080" has no scheme
_NOT_THERE = frozenset({404, 410})


@dataclass(frozen=True, slots=True)
class Candidate:
    """A working feed: its final address, clean title, item count and where it was found.

    `via` is "given" (the address itself), "link" (`<link rel="alternate">`), "anchor"
    (an `<a href>` that looks like a feed) or "path" (a usual path that answered with a feed).
    """

    url: str
    title: str
    items: int
    via: str


@dataclass(frozen=True, slots=True)
class Discovery:
    """What discovery found at `page`, in page order, and what it tried that did not work."""

    page: str
    candidates: tuple[Candidate, ...]
    rejected: tuple[tuple[str, str], ...]  # (url, one-line reason)

    @property
    def best(self) -> Candidate | None:
        """The main feed: the given one, else the first working rel=alternate feed in page order
        (sites list their main feed first, comments and categories after), else the candidate
        with the most items (the earliest on a tie)."""
        for candidate in self.candidates:
            if candidate.via in ("given", "link"):
                return candidate
        if not self.candidates:
            return None
        return max(self.candidates, key=lambda c: c.items)  # max keeps the first of equals


@dataclass(frozen=True, slots=True)
class _Lead:
    """An address that may be a feed; `hint` is the page's own name for it."""

    url: str
    via: str
    hint: str = ""


async def discover(url: str, fetcher: Fetcher, *, deadline: float = DEADLINE) -> Discovery:
    """The feeds at `url` (a feed or a page). FetchError when the address cannot be fetched.

    Candidates are validated `CONCURRENCY` at a time within `deadline` seconds; whatever fails
    lands in `rejected`, never raises.
    """
    response = await fetcher.get(with_scheme(url), accept=ADDRESS_ACCEPT)
    page = response.url
    rejected: list[tuple[str, str]] = []
    try:
        feed = await asyncio.to_thread(_read_feed, response.body, page)
    except _HTMLPage:
        pass  # the usual case: a page, whose feeds are to be found
    except TickerError as error:
        if not _is_html_type(response.content_type):  # a web page's failure as a feed is no news
            rejected.append((page, error_line(error)))  # why the address itself is no feed
    else:
        given = Candidate(page, _title(feed.title), len(feed.entries), "given")
        return Discovery(page, (given,), ())
    links, anchors = await asyncio.to_thread(
        _page_leads, response.body, response.content_type, page
    )
    stop_at = asyncio.get_running_loop().time() + deadline
    found: list[Candidate] = []
    tried = {_key(page)}
    await _validate(fetcher, links + anchors, stop_at, found, rejected, tried)
    if not found and asyncio.get_running_loop().time() < stop_at:
        await _validate(fetcher, _usual_leads(page), stop_at, found, rejected, tried)
    return Discovery(page, tuple(found), tuple(rejected))


def message(discovery: Discovery) -> str:
    """One line for a person: what was found, or that nothing was and what to try instead."""
    page = clean_line(discovery.page, 200, markup=False)
    count = len(discovery.candidates)
    if count:
        return f"{count} feed{'s' if count != 1 else ''} found at {page}"
    broken = len(discovery.rejected)
    tried = f" ({broken} candidate{'s' if broken != 1 else ''} did not work)" if broken else ""
    return f"no feed found at {page}{tried}; try --html to read the page's headline list"


def with_scheme(url: str) -> str:
    """`url` with https:// in front when it names no scheme ("example.org/news")."""
    url = url.strip()
    if url.startswith("//"):
        return "https:" + url
    if _SCHEME.match(url):
        return url  # http(s), or a scheme the fetcher refuses with its own message
    return "https://" + url


# -- the page ---------------------------------------------------------------------------------


def _page_leads(
    body: bytes, content_type: str | None, page: str
) -> tuple[list[_Lead], list[_Lead]]:
    """The rel=alternate feeds and the feed-looking anchors of a page, in page order."""
    from lxml import html as lxml_html

    from ticker.extract import decode

    try:
        text = _XML_DECLARATION.sub("", decode(body, content_type)[:MAX_HTML])
        root = lxml_html.document_fromstring(text)
    except Exception:  # garbage, an empty page, markup lxml gives up on: no links
        return [], []
    base = page
    for element in root.iter("base"):
        if href := element.get("href"):
            base = _resolve(page, href) or page
            break
    links: list[_Lead] = []
    anchors: list[_Lead] = []
    for element in root.iter("link", "a"):
        href = element.get("href")
        if not href:
            continue
        if element.tag == "link":
            if len(links) < MAX_LINKS and _is_feed_link(element.get("rel"), element.get("type")):
                target = _resolve(base, href)
                if target and not _is_wordpress_api(target):
                    links.append(_Lead(target, "link", element.get("title") or ""))
        elif len(anchors) < MAX_ANCHORS:
            target = _resolve(base, href)
            label = f"{element.text_content()} {element.get('title') or ''}"
            if target and _looks_like_feed(target, label):
                anchors.append(_Lead(target, "anchor", element.get("title") or ""))
    return links, anchors


def _is_feed_link(rel: str | None, kind: str | None) -> bool:
    rels = (rel or "").lower().split()
    if "feed" in rels:
        return True
    return "alternate" in rels and (kind or "").split(";")[0].strip().lower() in _FEED_TYPES


def _is_wordpress_api(url: str) -> bool:
    """WordPress links each page's REST API as application/json alternate: not a feed."""
    return "/wp-json/" in urlsplit(url).path


def _looks_like_feed(url: str, label: str) -> bool:
    parts = urlsplit(url)
    path = parts.path.lower()
    if "sitemap" in path:
        return False
    return (
        path.endswith(_FEEDISH_SUFFIX)
        or bool(_FEEDISH_SEGMENT.search(path))
        or "feed=" in parts.query.lower()  # WordPress's ?feed=rss2
        or bool(_RSS_WORD.search(label))
    )


def _resolve(base: str, href: str) -> str | None:
    """An http(s) address for `href` on the page at `base`, fragment dropped; None if unusable."""
    try:
        url = urldefrag(urljoin(base, clean_url(href))).url
    except ValueError:  # "http://[broken"
        return None
    return url if url.lower().startswith(("http://", "https://")) else None


def _usual_leads(page: str) -> list[_Lead]:
    roots = [urljoin(page, "./"), urljoin(page, "/")]
    if roots[0] == roots[1]:
        roots.pop()
    return [_Lead(urljoin(root, path), "path") for root in roots for path in _USUAL_PATHS]


# -- validation -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Checked:
    url: str = ""  # the final address, after redirects
    feed: Feed | None = None
    error: TickerError | None = None


async def _validate(
    fetcher: Fetcher,
    leads: list[_Lead],
    stop_at: float,
    found: list[Candidate],
    rejected: list[tuple[str, str]],
    tried: set[str],
) -> None:
    """Fetch and parse `leads`; working feeds go to `found` in lead order, failures to
    `rejected`. A usual path that is simply not there (404, 410, an HTML page) is no failure."""
    listed = {_key(candidate.url) for candidate in found}
    leads = _unique(leads, tried | listed)
    tried.update(_key(lead.url) for lead in leads)
    if not leads:
        return
    limit = asyncio.Semaphore(CONCURRENCY)

    async def check(lead: _Lead) -> _Checked:
        async with limit:
            return await _check(fetcher, lead)

    tasks = [asyncio.create_task(check(lead)) for lead in leads]
    remaining = stop_at - asyncio.get_running_loop().time()
    try:
        if remaining > 0:
            await asyncio.wait(tasks, timeout=remaining)
    finally:  # at the deadline, and when discovery itself is cancelled
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    prints: set[tuple[str, tuple[str, ...]]] = set()
    for lead, task in zip(leads, tasks, strict=True):
        if task.cancelled():
            if lead.via != "path":
                rejected.append((lead.url, "no answer within the discovery's time limit"))
            continue
        checked = task.result()
        if checked.feed is None:
            if lead.via != "path" or not _not_there(checked.error):
                rejected.append((lead.url, error_line(checked.error)))
            continue
        key = _key(checked.url)
        # Usual paths often serve one feed at several addresses (/feed and /rss).
        fingerprint = (checked.feed.title, tuple(e.link for e in checked.feed.entries[:5]))
        if key in listed or (lead.via == "path" and fingerprint in prints):
            continue
        listed.add(key)
        prints.add(fingerprint)
        title = _title(checked.feed.title) or _title(lead.hint)
        found.append(Candidate(checked.url, title, len(checked.feed.entries), lead.via))


def _unique(leads: list[_Lead], seen: set[str]) -> list[_Lead]:
    unique: dict[str, _Lead] = {}
    for lead in leads:
        key = _key(lead.url)
        if key not in seen and key not in unique:
            unique[key] = lead
    return list(unique.values())


async def _check(fetcher: Fetcher, lead: _Lead) -> _Checked:
    try:
        response = await fetcher.get(lead.url)
        feed = await asyncio.to_thread(_read_feed, response.body, response.url)
    except TickerError as error:
        return _Checked(error=error)
    return _Checked(response.url, feed)


def _read_feed(body: bytes, url: str) -> Feed:
    """The feed in `body`; TickerError when it is none, whatever the parsers make of it."""
    from ticker import feeds

    if _HTML_START.match(body[:4096]):
        raise _HTMLPage("an HTML page, not a feed")
    try:
        feed = feeds.parse(body, url)
    except TickerError:
        raise
    except Exception as error:  # a parser's own surprise on hostile bytes is still "no feed"
        raise FeedError(f"not a feed: {error_line(error)}") from None
    if not feed.entries and not feed.title:
        raise FeedError("neither items nor a title, not a feed")
    return feed


class _HTMLPage(FeedError):
    """A candidate answered with a web page."""


def _is_html_type(content_type: str | None) -> bool:
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    return kind in ("text/html", "application/xhtml+xml")


def _not_there(error: TickerError | None) -> bool:
    if isinstance(error, HTTPStatusError):
        return error.status in _NOT_THERE
    return isinstance(error, _HTMLPage)  # a site that answers every path with its home page


def _key(url: str) -> str:
    """Addresses that differ only in a fragment or the case of scheme and host are one."""
    parts = urlsplit(urldefrag(url).url)
    return parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()).geturl()


def _title(raw: str) -> str:
    return clean_line(raw, TITLE_MAX, markup=False)
