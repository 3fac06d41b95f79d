"""Headlines from a page that has no feed: CSS selectors in, clean headlines out.

A `Listing` names the page's parts with CSS selectors (lxml.cssselect): each headline's item,
and inside it the title, link, time and label; day headers stand before the items they date.
`headlines` reads a page with them; `propose` finds the selectors for a page that lists
timestamped links, so a person can check a sample before saving a source.

Dates and times are read by a small strict parser (`parse_when`), never by guessing:
- times "12:50", "9:05", "12:50 PM", "12:50:07", optionally followed by "UTC" or "GMT";
- days "2024, Saturday / 26 October", "Saturday 26 October 2024", "October 26, 2024",
  "26th of October", "26.10.2024", "2024-10-26", "Today", "Yesterday";
- a `datetime`, `content`, `data-datetime`, `data-time`, `data-timestamp` or `title` attribute
  of the time element (ISO 8601 or any of the above) wins over its text.
A day without a year is the latest such day not after tomorrow. Words other than month and
weekday names and a few fillers ("at", "on", "updated", ...) make a text no date.

Which day an item has: the day in its own time, else the nearest day header before it; a header
that is no date ("{{ date }}", "Read also") leaves the items below it without a day. A time
without a day is today in the zone, or yesterday when today's would be more than
`FUTURE_GRACE` ahead of `now`; a day without a time is `now` for today and noon for an earlier
day; an item without either is `now` (its first sighting, as for feeds). The zone is the
listing's `timezone`, else the `tz` argument, else the system's. `published` is aware UTC and
never later than `now`.

Page text is hostile: every field goes through `sanitize.clean_line`. Unrendered template keys
(`{{ title }}`, `{% if %}`, `${name}`, `<%= x %>`, `%TITLE%`) mark a template row, not news:
an item whose title or link holds one is dropped; a label or day header holding one is ignored.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, TypeVar
from urllib.parse import unquote, urljoin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ticker import badges as badge_rules
from ticker.errors import FeedError
from ticker.model import BadgeRule, Headline, Listing, Source
from ticker.sanitize import FIELD_MAX, TITLE_MAX, clean_line, clean_url, error_line

_T = TypeVar("_T")

MAX_ITEMS = 1000  # per page and poll, as for feeds
MAX_HTML = 8 * 1024 * 1024  # characters of a page worth reading; the rest is cut
FUTURE_GRACE = timedelta(minutes=5)  # a clock this far ahead of `now` is still today
SAMPLE_SIZE = 5  # headlines a proposal carries for a person to check
LABEL_MAX = 80
_EARLIEST_YEAR = 1990
_MAX_PROPOSALS = 5
_HEADER_MAX = 60  # characters of a day header; longer text is prose, not a header
_HOLDER_MAX = 40  # characters of a text that holds a time
_LABEL_LEN = 24  # characters of a label a proposal accepts
_ATTRIBUTES = ("datetime", "content", "data-datetime", "data-time", "data-timestamp", "title")

_TEMPLATE_KEY = re.compile(r"\{\{|\}\}|\{%|%\}|\$\{\s*[A-Za-z_]|<%|%[A-Z][A-Z0-9_]{1,40}%")
_CLOCK = re.compile(
    r"(?<![\d:.])(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([ap])\.?\s?m\b\.?)?(?![\d:])",
    re.IGNORECASE,
)
_ISO_DAY = re.compile(r"(?<![\d.])(\d{4})-(\d{2})-(\d{2})(?![\d.])")
_DOTTED_DAY = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d.])")
_TOKEN = re.compile(r"[^\W\d_]+|\d+")
_ISO_TIME = re.compile(r"\d[T ]\d{1,2}:\d{2}")
_TAG = re.compile(r"<[A-Za-z!/?]")
_BINARY = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_CLASS = re.compile(r"-?[A-Za-z_][A-Za-z_-]*")  # no digits: those vary from item to item
_ID = re.compile(r"[A-Za-z][A-Za-z_-]*")

_MONTH_NAMES = (
    *("january", "february", "march", "april", "may", "june", "july", "august"),
    *("september", "october", "november", "december"),
)
_MONTHS: dict[str, int] = {
    **{name: number for number, name in enumerate(_MONTH_NAMES, start=1)},
    **{name[:3]: number for number, name in enumerate(_MONTH_NAMES, start=1)},
    "sept": 9,
}
_WEEKDAYS = frozenset(
    (
        *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        *("mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"),
    )
)
_FILLERS = frozenset(
    ("at", "on", "of", "the", "st", "nd", "rd", "th", "published", "updated", "posted")
)
_RELATIVE = {"today": 0, "yesterday": 1}
_UTC_WORDS = frozenset(("utc", "gmt", "z"))


NAME_MAX = 80  # characters of a page title offered as a source's name


@dataclass(frozen=True, slots=True)
class Proposal:
    """Selectors found for a page, with the first headlines they yield and how many in all.

    `title` is the page's own (cleaned), a name for the source it may become.
    """

    listing: Listing
    sample: tuple[Headline, ...]
    count: int
    title: str = ""


# -- reading a page ----------------------------------------------------------------------------


def headlines(
    body: bytes, source: Source, *, now: datetime, tz: tzinfo | None = None
) -> list[Headline]:
    """The headlines of a page read with `source.listing`; FeedError says why there are none."""
    listing = source.listing
    if listing is None:
        raise FeedError("no listing selectors for this page")
    zone = _zone(listing.timezone, tz)
    now = _aware(now)
    root = _document(body)
    return _guarded(lambda: _read(root, source, listing, now=now, zone=zone))


def parse_when(text: str, today: date) -> tuple[date | None, time | None]:
    """The day and the time of day a short text names (see the module's docstring).

    `today` is the day the text is read on, for "Today", "Yesterday" and a missing year. The
    time is naive, or UTC when the text says "UTC" or "GMT".
    """
    when = _when(text, today)
    return when.day, when.clock


@dataclass(frozen=True, slots=True)
class _Context:
    """What every item of one page is read with."""

    source: Source
    base: str  # the URL links are resolved against
    rules: Sequence[tuple[re.Pattern[str], BadgeRule]]
    now: datetime
    today: date  # in the zone
    zone: tzinfo | None


def _read(
    root: Any, source: Source, listing: Listing, *, now: datetime, zone: tzinfo | None
) -> list[Headline]:
    """The headlines of a parsed page, items in document order under their day headers."""
    select = _Selectors(listing)
    items = select.item(root)
    if not items:
        raise FeedError(f"no element matches the item selector {listing.item!r}")
    headers: set[Any] = set(select.date(root)) if select.date is not None else set()
    item_set = set(items) if headers else set()
    context = _Context(
        source=source,
        base=_base_url(root, source.url),
        rules=badge_rules.compile_rules(source.rules),
        now=now,
        today=now.astimezone(zone).date(),
        zone=zone,
    )
    day: date | None = None
    seen: set[str] = set()
    result: list[Headline] = []
    read = 0
    for element in select.items_and_dates(root) if headers else items:
        if element in headers:
            day = _header_day(element, context.today)
            if element not in item_set:
                continue
        read += 1
        if read > MAX_ITEMS:
            break
        headline = _headline(element, select, context, day)
        if headline is not None and headline.guid not in seen:
            seen.add(headline.guid)
            result.append(headline)
    return result


def _header_day(element: Any, today: date) -> date | None:
    """The day a header names; None for one that is no date (the items below have no day)."""
    text = _plain(element, _HEADER_MAX * 2)
    if not text or _TEMPLATE_KEY.search(text):
        return None
    return _when(text, today).day


def _headline(
    item: Any, select: _Selectors, context: _Context, day: date | None
) -> Headline | None:
    """One item as a headline, or None when it has no title or link or is a template row."""
    found = select.title(item)
    link = _link(item, select, context.base)
    if not found or link is None:
        return None
    title_element = found[0]
    labels_found = select.label(item) if select.label is not None else []
    time_found = select.time(item) if select.time is not None else []
    # Labels and a time printed inside the title element are not part of the title.
    inside = [e for e in (*labels_found, *time_found[:1]) if _contains(title_element, e)]
    title = _text_without(title_element, inside)
    if not title:
        title = clean_line(title_element.get("title") or "", TITLE_MAX, markup=False)
    if not title or _TEMPLATE_KEY.search(title):
        return None
    labels = [_plain(e, LABEL_MAX) for e in labels_found]
    labels = [label for label in labels if label and not _TEMPLATE_KEY.search(label)]
    title, badges = badge_rules.assign(title, labels, rules=context.rules)
    when: datetime | _When | None = None
    if time_found:
        when = _element_when(time_found[0], context.today, context.zone)
    elif select.time is None:
        skip = [title_element, *labels_found]
        when = _item_when(item, skip, context.today, context.zone)
    return Headline(
        source=context.source.url,
        source_name=context.source.name,
        guid=link,
        title=title,
        url=link,
        published=_published(when, day, context),
        badges=badges,
    )


def _link(item: Any, select: _Selectors, base: str) -> str | None:
    """The absolute http(s) link of an item, or None."""
    href = None
    for element in select.link(item)[:1]:
        href = element.get("href")
        if not href:
            inner = next((e for e in element.iter("a", "area") if e.get("href")), None)
            href = inner.get("href") if inner is not None else None
    if href is None:
        href = item.get("href")
    return _absolute(href, base) if href else None


def _absolute(href: str, base: str) -> str | None:
    href = clean_url(href)
    if not href or _TEMPLATE_KEY.search(unquote(href)):
        return None
    try:
        href = urljoin(base, href)
    except ValueError:  # a malformed IPv6 host and the like
        return None
    if not href.lower().startswith(("http://", "https://")) or len(href) > FIELD_MAX:
        return None  # javascript:, data: and friends are never followed or shown
    return href


def _base_url(root: Any, url: str) -> str:
    for base in root.iter("base"):
        href = base.get("href")
        if href:
            joined = _absolute(href, url)
            return joined or url
    return url


# -- dates and times ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _When:
    day: date | None = None
    clock: time | None = None
    exact: bool = False  # every word of the text was understood


def _when(text: str, today: date) -> _When:
    """The day and time a short text names; `exact` when nothing else is in it."""
    text = text.lower()
    clock: time | None = None
    exact = True
    match = _CLOCK.search(text)
    if match is not None:
        clock = _clock(match)
        exact = clock is not None
        text = text[: match.start()] + " " + text[match.end() :]
    day: date | None = None
    numeric = _ISO_DAY.search(text)
    if numeric is not None:
        day = _day(*(int(g) for g in numeric.groups()))
    elif (numeric := _DOTTED_DAY.search(text)) is not None:
        d, m, y = (int(g) for g in numeric.groups())
        day = _day(y, m, d)
    if numeric is not None:
        exact = exact and day is not None
        text = text[: numeric.start()] + " " + text[numeric.end() :]
    month: int | None = None
    numbers: list[str] = []
    relative: int | None = None
    utc = False
    for token in _TOKEN.findall(text):
        if token.isdigit():
            numbers.append(token)
        elif token in _MONTHS and month is None:
            month = _MONTHS[token]
        elif token in _RELATIVE and relative is None:
            relative = _RELATIVE[token]
        elif token in _UTC_WORDS:
            utc = True
        elif token not in _WEEKDAYS and token not in _FILLERS:
            exact = False
    if day is not None:
        exact = exact and month is None and relative is None and not numbers
    elif relative is not None:
        day = today - timedelta(days=relative)
        exact = exact and month is None and not numbers
    elif month is not None:
        days = [int(n) for n in numbers if len(n) <= 2]
        years = [int(n) for n in numbers if len(n) == 4]
        if len(days) == 1 and len(years) <= 1 and len(days) + len(years) == len(numbers):
            day = _named_day(years[0] if years else None, month, days[0], today)
        exact = exact and day is not None
    elif numbers:
        exact = False
    if clock is not None and utc:
        clock = clock.replace(tzinfo=UTC)
    return _When(day, clock, exact)


def _clock(match: re.Match[str]) -> time | None:
    hour, minute = int(match.group(1)), int(match.group(2))
    second = int(match.group(3) or 0)
    half = (match.group(4) or "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def _day(year: int, month: int, day: int) -> date | None:
    if year < _EARLIEST_YEAR or year > 9000:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _named_day(year: int | None, month: int, day: int, today: date) -> date | None:
    if year is not None:
        return _day(year, month, day)
    # No year: the latest such day not after tomorrow (a page a little ahead of our clock).
    for candidate_year in (today.year + 1, today.year, today.year - 1, today.year - 2):
        found = _day(candidate_year, month, day)
        if found is not None and found <= today + timedelta(days=1):
            return found
    return None


def _element_when(element: Any, today: date, zone: tzinfo | None) -> datetime | _When:
    """What a time element says, its machine-readable attributes first."""
    for name in _ATTRIBUTES:
        value = element.get(name)
        if not value:
            continue
        value = clean_line(value, 80, markup=False)
        exact = _exact_datetime(value, zone)
        if exact is not None:
            return exact
        when = _when(value, today)
        if when.day is not None or when.clock is not None:
            return when
    return _when(_plain(element, 200), today)


def _item_when(item: Any, skip: list[Any], today: date, zone: tzinfo | None) -> datetime | _When:
    """The time of an item without a time selector: a <time> inside, or its other text."""
    element = next(item.iter("time"), None)
    if element is not None:
        return _element_when(element, today, zone)
    return _when(_text_without(item, skip, limit=400), today)


def _exact_datetime(value: str, zone: tzinfo | None) -> datetime | None:
    """An ISO 8601 date and time or a Unix timestamp, as aware UTC; else None."""
    if value.isdigit() and len(value) in (10, 13):
        seconds = int(value) / (1000 if len(value) == 13 else 1)
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not _ISO_TIME.search(value):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.year < _EARLIEST_YEAR:
        return None
    return _to_utc(parsed, zone)


def _to_utc(moment: datetime, zone: tzinfo | None) -> datetime | None:
    try:
        if moment.tzinfo is None:
            # astimezone() of a naive datetime reads it in the system's zone, with its DST.
            moment = moment.astimezone(UTC) if zone is None else moment.replace(tzinfo=zone)
        return moment.astimezone(UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _published(when: datetime | _When | None, day: date | None, context: _Context) -> datetime:
    now, today, zone = context.now, context.today, context.zone
    if isinstance(when, datetime):
        return min(when, now)
    if when is not None and when.day is not None:
        day = when.day
    clock = when.clock if when is not None else None
    moment: datetime | None
    if clock is None:
        if day is None or day >= today:
            return now
        moment = _to_utc(datetime.combine(day, time(12)), zone)
    elif day is None:
        moment = _at(today, clock, zone)
        if moment is not None and moment > now + FUTURE_GRACE:
            moment = _at(today - timedelta(days=1), clock, zone)
    else:
        moment = _at(day, clock, zone)
    return now if moment is None else min(moment, now)


def _at(day: date, clock: time, zone: tzinfo | None) -> datetime | None:
    return _to_utc(datetime.combine(day, clock), zone)


def _zone(name: str | None, tz: tzinfo | None) -> tzinfo | None:
    if not name:
        return tz
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise FeedError(f"unknown time zone {name!r}") from None


def _aware(now: datetime) -> datetime:
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


# -- the document ------------------------------------------------------------------------------


def _document(body: bytes) -> Any:
    """The page as an lxml tree without scripts, styles and templates; FeedError if no page."""
    from lxml import etree
    from lxml import html as lxml_html

    from ticker.extract import decode

    if not body.strip():
        raise FeedError("empty response, not a page")
    text = decode(body)[:MAX_HTML]
    sample = text[:65536]
    if len(_BINARY.findall(sample)) > len(sample) // 50:
        raise FeedError("binary data, not an HTML page")
    if not _TAG.search(sample):
        raise FeedError("no HTML in the response, not a page")
    text = _XML_DECLARATION.sub("", text, count=1)
    try:
        root = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError) as error:
        raise FeedError(f"not an HTML page: {error_line(error)}") from None
    # Rows in <template> are the unrendered kind; scripts and styles hold no headlines.
    etree.strip_elements(root, "script", "style", "template", with_tail=False)
    return root


def _guarded(read: Callable[[], _T]) -> _T:
    """`read()`, with anything but a FeedError turned into one (a page never crashes a poll)."""
    try:
        return read()
    except FeedError:
        raise
    except Exception as error:
        raise FeedError(f"unreadable page: {error_line(error)}") from None


def _plain_raw(element: Any) -> str:
    return "".join(element.itertext())


def _plain(element: Any, limit: int = 400) -> str:
    return clean_line(_plain_raw(element), limit, markup=False)


def _short_text(element: Any, limit: int) -> str:
    """The clean text of an element if it is at most `limit` characters, else ''.

    Stops reading early: asking every element of a large page for its whole text would be
    quadratic in the depth of the page.
    """
    parts = []
    size = 0
    for part in element.itertext():
        size += len(part)
        if size > limit * 4:
            return ""
        parts.append(part)
    text = clean_line("".join(parts), limit + 1, markup=False)
    return text if len(text) <= limit else ""


def _text_without(element: Any, skip: Iterable[Any], limit: int = TITLE_MAX) -> str:
    """The clean text of `element` without the text of the elements in `skip`."""
    text = _plain_raw(element)
    for other in skip:
        if other is element:
            return ""
        part = _plain_raw(other).strip()
        if part:
            text = text.replace(part, " ", 1)
    return clean_line(text, limit, markup=False)


def _contains(outer: Any, inner: Any) -> bool:
    node = inner
    while node is not None:
        if node is outer:
            return True
        node = node.getparent()
    return False


@functools.lru_cache(maxsize=512)
def _translate(selector: str) -> str:
    """A CSS selector as XPath; FeedError names a selector that is no valid CSS."""
    from cssselect import SelectorError
    from lxml.cssselect import LxmlHTMLTranslator

    try:
        return str(LxmlHTMLTranslator().css_to_xpath(selector))
    except SelectorError as error:
        raise FeedError(f"not a CSS selector: {selector!r} ({error_line(error)})") from None


def _xpath(selector: str) -> Any:
    from lxml import etree

    return etree.XPath(_translate(selector))


class _Selectors:
    """A listing's selectors compiled for one page (XPath objects are not shared)."""

    def __init__(self, listing: Listing) -> None:
        from lxml import etree

        self.item = _xpath(listing.item)
        self.title = _xpath(listing.title)
        self.link = _xpath(listing.link or "a")
        self.time = _xpath(listing.time) if listing.time else None
        self.label = _xpath(listing.label) if listing.label else None
        self.date = _xpath(listing.date) if listing.date else None
        self.items_and_dates = self.item
        if listing.date:
            union = f"({_translate(listing.item)}) | ({_translate(listing.date)})"
            self.items_and_dates = etree.XPath(union)


# -- proposing selectors -----------------------------------------------------------------------


def propose(
    body: bytes, url: str, *, now: datetime | None = None, tz: tzinfo | None = None
) -> list[Proposal]:
    """Selectors for the repeated time + link rows of a page, best first; [] when it has none.

    Rows are found from their times: every <time> and every short text that is a time ("12:50",
    "24.11.2025 14:30") is a holder. The row is the element, above a holder, whose tag and
    class path repeats most often with one time and one link in each; the longest link is the
    title, short upper-case or badge words are labels, and day headers are the date texts
    between rows. Each proposal's sample is what `headlines` reads with it (in `tz`).
    """
    root = _document(body)
    now = _aware(now or datetime.now(UTC))
    source = Source(name="", url=url, kind="html")
    return _guarded(lambda: _propose(root, source, now, tz))


def _propose(root: Any, source: Source, now: datetime, zone: tzinfo | None) -> list[Proposal]:
    today = now.astimezone(zone).date()
    page = _Page(root, today)
    if not page.holders:
        return []
    proposals: list[Proposal] = []
    title = clean_line(root.findtext(".//title") or "", NAME_MAX, markup=False)
    yielded: set[tuple[str, ...]] = set()
    for members in page.groups()[: _MAX_PROPOSALS * 2]:
        listing = page.listing(members)
        if listing is None:
            continue
        try:
            found = _read(
                root, Source(source.name, source.url, listing=listing), listing, now=now, zone=zone
            )
        except FeedError:
            continue
        guids = tuple(h.guid for h in found)
        if not found or guids in yielded:
            continue
        yielded.add(guids)
        proposals.append(Proposal(listing, tuple(found[:SAMPLE_SIZE]), len(found), title))
    proposals.sort(key=lambda p: -p.count)  # stable: equal counts keep the groups' order
    return proposals[:_MAX_PROPOSALS]


def _step(element: Any) -> str:
    """A CSS step for an element: its tag and first class (the base class, in BEM terms).

    Tag names are page text: one with a control or bidi character becomes `*`, never a selector
    a person is shown.
    """
    tag = str(element.tag).lower()
    if not tag.isprintable():
        tag = "*"
    for name in (element.get("class") or "").split():
        if _CLASS.fullmatch(name):
            return f"{tag}.{name}"
    return tag


class _Page:
    """A parsed page and what `propose` learns about it."""

    def __init__(self, root: Any, today: date) -> None:
        self.root = root
        self.today = today
        self.order: dict[Any, int] = {}
        self.holders: dict[Any, _When | datetime] = {}
        for position, element in enumerate(root.iter()):
            if not isinstance(element.tag, str):
                continue
            self.order[element] = position
            when = self._holds_time(element)
            if when is not None:
                self.holders[element] = when
        self._paths: dict[Any, tuple[str, ...]] = {}

    def _holds_time(self, element: Any) -> _When | datetime | None:
        """What a <time> element says, or the time in an element's own short text."""
        if element.tag == "time":
            said = _element_when(element, self.today, UTC)
            if isinstance(said, datetime) or said.day is not None or said.clock is not None:
                return said
            return None
        for text in (element.text, *(child.tail for child in element)):
            if not text or ":" not in text:
                continue
            text = text.strip()
            if len(text) > _HOLDER_MAX:
                continue
            when = _when(text, self.today)
            if when.clock is not None and when.exact:
                return when
        return None

    def path(self, element: Any) -> tuple[str, ...]:
        """The steps from the root to `element`: the signature of repeated rows."""
        found = self._paths.get(element)
        if found is not None:
            return found
        missing = []
        node = element
        while node is not None and node not in self._paths:
            missing.append(node)
            node = node.getparent()
        above = self._paths[node] if node is not None else ()
        for node in reversed(missing):
            above = self._paths[node] = (*above, _step(node))
        return above

    def groups(self) -> list[list[Any]]:
        """Rows that repeat: elements with the same path, one or two times and a link each."""
        counts: dict[Any, int] = {}
        for holder in self.holders:
            node = holder
            while node is not None:
                counts[node] = counts.get(node, 0) + 1
                node = node.getparent()
        by_path: dict[tuple[str, ...], list[Any]] = {}
        for element in counts:
            by_path.setdefault(self.path(element), []).append(element)
        groups = []
        for path, elements in by_path.items():
            if any(counts[e] > 2 for e in elements):
                continue  # a container of several rows, not a row
            rows = [e for e in elements if _headline_link(e) is not None]
            if len(rows) >= 2 and len(rows) * 5 >= len(elements) * 4:
                rows.sort(key=self.order.__getitem__)
                groups.append((len(rows), -len(path), rows))
        groups.sort(key=lambda g: (-g[0], -g[1]))
        return [rows for _, _, rows in groups]

    def listing(self, rows: list[Any]) -> Listing | None:
        """The selectors that read `rows`, or None when no selector picks them out."""
        item = self._absolute_selector(rows)
        if item is None:
            return None
        links = [_headline_link(row) for row in rows]
        link = _relative_selector(rows, links)
        if link is None:
            return None
        times = [self._time_of(row) for row in rows]
        time_selector = None
        if any(t is not None and t is not row for t, row in zip(times, rows, strict=True)):
            time_selector = _relative_selector(rows, times)
        labels = _label_selector(rows, links, times)
        date_selector = None
        undated = sum(1 for t in times if t is not None and self._lacks_day(t))
        if undated * 2 >= len(rows):
            date_selector = self._date_selector(rows)
        return Listing(
            item=item,
            title=link,
            link=link,
            time=time_selector,
            date=date_selector,
            label=labels,
        )

    def _time_of(self, row: Any) -> Any:
        """The element holding a row's time: a <time> first, else the first holder."""
        first = None
        for element in row.iter():
            if element in self.holders:
                if element.tag == "time":
                    return element
                first = first if first is not None else element
        return first

    def _lacks_day(self, holder: Any) -> bool:
        when = self.holders.get(holder)
        return isinstance(when, _When) and when.day is None

    def _date_selector(self, rows: list[Any]) -> str | None:
        """Day headers: date texts inside the rows' container, outside every row."""
        container = _common_ancestor(rows)
        inside: set[Any] = set()
        for row in rows:
            inside.update(row.iter())
            node = row.getparent()
            while node is not None:
                inside.add(node)
                node = node.getparent()
        found = self._day_texts(container, inside)
        last_row = self.order[rows[-1]]
        by_path: dict[tuple[str, ...], list[Any]] = {}
        for element in found:
            if self.order[element] < last_row:
                by_path.setdefault(self.path(element), []).append(element)
        if by_path:
            return self._absolute_selector(max(by_path.values(), key=len))
        # One header above the whole list ("<h3>2024, Saturday / 26 October</h3><ul>..."):
        # the nearest day text before the first row, a level or two up.
        first_row = self.order[rows[0]]
        inside.update(container.iter())
        ancestor = container
        for _ in range(2):
            ancestor = ancestor.getparent()
            if ancestor is None:
                return None
            before = [e for e in self._day_texts(ancestor, inside) if self.order[e] < first_row]
            if before:
                return self._absolute_selector([before[-1]])
        return None

    def _day_texts(self, scope: Any, skip: set[Any]) -> list[Any]:
        """Elements under `scope` (not in `skip`) whose short text names a day and no time."""
        found: list[Any] = []
        for element in scope.iter():
            if element in skip or not isinstance(element.tag, str):
                continue
            text = _short_text(element, _HEADER_MAX)
            if not text:
                continue
            when = _when(text, self.today)
            if when.day is not None and when.clock is None and when.exact:
                found.append(element)
        headers = set(found)
        return [e for e in found if e.getparent() not in headers]

    def _absolute_selector(self, elements: list[Any]) -> str | None:
        """The shortest selector that matches all `elements` and as little else as possible."""
        first = elements[0]
        own = _step(first)
        chain = []
        node = first.getparent()
        while node is not None and node.tag != "html":
            chain.append(node)
            node = node.getparent()
        candidates = [own]
        for depth, ancestor in enumerate(chain):
            step = _step(ancestor)
            child_path = " > ".join([*(_step(a) for a in reversed(chain[:depth])), own])
            candidates += [f"{step} {own}", f"{step} > {child_path}"]
            ident = ancestor.get("id") or ""
            if _ID.fullmatch(ident):
                candidates += [f"#{ident} {own}", f"#{ident} > {child_path}"]
        wanted = set(elements)
        best: tuple[int, int, str] | None = None
        for candidate in dict.fromkeys(candidates):
            score = self._score(candidate, wanted)
            if score is not None and (best is None or score < best):
                best = score
        if best is None or best[0] == 0:
            return best[2] if best is not None else None
        # Other elements match too (header rows of a table): leave out a class only they have.
        selector = best[2]
        matched = set(_xpath(selector)(self.root)) - wanted
        theirs = {c for e in matched for c in (e.get("class") or "").split() if _CLASS.fullmatch(c)}
        ours = {c for e in wanted for c in (e.get("class") or "").split()}
        for name in sorted(theirs - ours):
            score = self._score(f"{selector}:not(.{name})", wanted)
            if score is not None and score < best:
                best = score
        return best[2]

    def _score(self, candidate: str, wanted: set[Any]) -> tuple[int, int, str] | None:
        """How many elements besides `wanted` a selector matches; None if it misses some."""
        try:
            matched = set(_xpath(candidate)(self.root))
        except FeedError:
            return None
        if not wanted <= matched:
            return None
        return (len(matched - wanted), len(candidate), candidate)


def _headline_link(row: Any) -> Any:
    """The link of a row with the longest text: its headline."""
    best = None
    best_length = 0
    for element in row.iter("a"):
        href = (element.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        length = len(_plain(element))
        if length > best_length:
            best, best_length = element, length
    return best


def _common_ancestor(elements: list[Any]) -> Any:
    first = elements[0]
    chain = [first]
    while chain[-1].getparent() is not None:
        chain.append(chain[-1].getparent())
    common = 0
    for element in elements[1:]:
        node = element
        while node not in chain[common:]:
            node = node.getparent()
        common = max(common, chain.index(node))
    return chain[common]


def _relative_candidates(target: Any, row: Any) -> list[str]:
    own = _step(target)
    if target is row:
        return [own]
    chain = []
    node = target
    while node is not None and node is not row:
        chain.append(node)
        node = node.getparent()
    candidates = [own, str(target.tag).lower()]
    if len(chain) > 1:
        parent = _step(chain[1])
        candidates += [f"{parent} > {own}", f"{parent} {own}"]
    candidates.append(":scope > " + " > ".join(_step(e) for e in reversed(chain)))
    return candidates


def _relative_selector(rows: list[Any], targets: list[Any]) -> str | None:
    """The selector that finds each row's target first, in the most rows; the shortest wins."""
    candidates: list[str] = []
    for row, target in zip(rows, targets, strict=True):
        if target is not None:
            candidates += _relative_candidates(target, row)
        if len(candidates) > 40:
            break
    wanted = sum(1 for t in targets if t is not None)
    best: tuple[int, int, bool, int, str] | None = None
    for candidate in dict.fromkeys(candidates):
        try:
            select = _xpath(candidate)
        except FeedError:
            continue
        agree = extra = 0
        for row, target in zip(rows, targets, strict=True):
            if target is not None:
                found = select(row)
                agree += bool(found) and found[0] is target
                extra += max(0, len(found) - 1)
        # Fewer other matches, and a class, make a selector that still works when a row
        # gains a part.
        score = (-agree, extra, "." not in candidate, len(candidate), candidate)
        if best is None or score < best:
            best = score
    if best is None or -best[0] * 2 < wanted:
        return None
    return best[4]


def _label_like(element: Any, link: Any, moment: Any) -> bool | None:
    """Whether an element of a row reads as a label; None for a template key (no vote)."""
    if (
        element is link
        or _contains(element, link)
        or (moment is not None and (_contains(element, moment) or _contains(moment, element)))
    ):
        return False
    text = _short_text(element, _LABEL_LEN)
    if not text:
        return False
    if _TEMPLATE_KEY.search(text):
        return None
    if badge_rules.label_badge(text):
        return True
    if link is not None and _contains(link, element):
        return False  # inside the headline only a known badge word is a label
    words = text.split()
    return (
        len(words) <= 3
        and any(c.isalpha() for c in text)
        and text.upper() == text
        and _CLOCK.search(text) is None
    )


def _label_selector(rows: list[Any], links: list[Any], times: list[Any]) -> str | None:
    """A selector whose matches in the rows are labels (at least 4 in 5 of them)."""
    candidates: list[str] = []
    for row, link, moment in zip(rows, links, times, strict=True):
        for element in row.iter():
            usable = element is not row and isinstance(element.tag, str)
            if usable and _label_like(element, link, moment):
                candidates += _relative_candidates(element, row)[:-1]
    best: tuple[int, int, str] | None = None
    for candidate in dict.fromkeys(candidates):
        try:
            select = _xpath(candidate)
        except FeedError:
            continue
        good = bad = 0
        for row, link, moment in zip(rows, links, times, strict=True):
            for element in select(row):
                vote = _label_like(element, link, moment)
                if vote is not None:
                    good += vote
                    bad += not vote
        if good and good * 5 >= (good + bad) * 4:
            score = (-good, len(candidate), candidate)
            if best is None or score < best:
                best = score
    return best[2] if best is not None else None
