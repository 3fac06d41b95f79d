"""The values that flow through ticker: sources, headlines, badges and source health.

Everything here is plain data (frozen dataclasses and enums) so that the core, the CLI and the
Textual app can share it without importing each other.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class Badge(enum.IntFlag):
    """A label a newsroom puts on a headline. Stored as a bit mask."""

    EXCLUSIVE = 1
    UPDATED = 2
    OPINION = 4
    REVIEW = 8
    LIVE = 16
    BREAKING = 32
    ANALYSIS = 64
    VIDEO = 128

    @classmethod
    def from_name(cls, name: str) -> Badge:
        """The badge called `name` (any case); ValueError names the known ones."""
        try:
            return cls[name.strip().upper()]
        except KeyError:
            known = ", ".join(b.label.lower() for b in cls.all())
            raise ValueError(f"unknown badge {name!r} (known: {known})") from None

    @classmethod
    def all(cls) -> tuple[Badge, ...]:
        return tuple(cls.__members__.values())

    @property
    def label(self) -> str:
        """The display name of a single badge: 'Exclusive'."""
        return (self.name or "").capitalize()

    def names(self) -> list[str]:
        """Lower-case names of the single badges in this mask, in table order."""
        return [b.label.lower() for b in Badge.all() if b in self]

    def labels(self) -> list[str]:
        return [b.label for b in Badge.all() if b in self]


NO_BADGES = Badge(0)


@dataclass(frozen=True, slots=True)
class BadgeRule:
    """A per-source rule: titles or categories matching `pattern` get `badge`."""

    pattern: str
    badge: Badge
    strip: bool = False  # remove the matched text from the shown title


@dataclass(frozen=True, slots=True)
class Listing:
    """How to read the headlines of an HTML page that has no feed: CSS selectors.

    `item` selects each headline's element in the page; `title`, `link`, `time` and `label`
    select inside an item; `date` selects day headers ("2024, Saturday / 26 October") that
    stand before the items they date, in document order. A bare time ("12:50") is read in
    `timezone` (an IANA name; None: the display zone) on the day of the header above it.
    """

    item: str
    title: str
    link: str = "a"
    time: str | None = None
    date: str | None = None
    label: str | None = None
    timezone: str | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """A place ticker polls: a feed (kind "feed") or a page of headlines (kind "html")."""

    name: str
    url: str
    interval: float | None = None  # seconds; None means the poll default
    rules: tuple[BadgeRule, ...] = ()
    kind: str = "feed"
    listing: Listing | None = None  # kind "html" only
    category: str = ""  # a folder in OPML; "" for none
    paused: bool = False  # kept in config, not polled


@dataclass(frozen=True, slots=True)
class Headline:
    """One news item, cleaned and ready to store or show. `published` is aware UTC."""

    source: str  # the source's URL, its identity in the store
    guid: str  # stable within the source
    title: str
    url: str
    published: datetime
    badges: Badge = NO_BADGES
    summary: str = ""
    source_name: str = ""
    read: bool = False
    starred: bool = False
    row: int | None = None  # the store's row id, once stored
    # Where a title was derived from when the item had none of its own: "" (its own title),
    # "dc:title", "itunes:title", "media:title", "summary", "content", "link" or "none"
    # ("(untitled)").
    title_from: str = ""
    remote_id: int | None = None  # its id on an aggregator's server, for one synced from there


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """How a source is doing. `last_error` is one readable line, or None when it is healthy."""

    url: str
    name: str
    last_success: datetime | None = None
    last_attempt: datetime | None = None
    last_error: str | None = None
    next_poll: datetime | None = None
    item_count: int = 0
    failures: int = 0

    @property
    def ok(self) -> bool:
        return self.last_error is None


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """What one poll of one source did, for reporting and for the UI's messages."""

    source: Source
    ok: bool
    status: int | None = None  # HTTP status; 304 means not modified
    new: int = 0
    updated: int = 0
    error: str | None = None
    new_rows: tuple[int, ...] = field(default=())
    updated_rows: tuple[int, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Article:
    """An article as the reader shows it. `body` is Markdown; `origin` is "page" or "feed"."""

    url: str
    title: str
    body: str
    byline: str | None = None
    published: datetime | None = None
    tags: tuple[str, ...] = field(default=())
    lang: str | None = None
    origin: str = "page"
