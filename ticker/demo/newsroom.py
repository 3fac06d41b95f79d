"""The generated newsroom: stories, their badges and revisions, article bodies, load-test items.

Everything is deterministic given the seed and the clock: one `random.Random(seed)` drives the
sequence of published and revised stories; article bodies and load-test items use their own
generators seeded from the seed and the item's identity, so the order of requests never changes
what is served. The live beat follows the clock too: `catch_up()` publishes the beats due by
now, so a test that moves the clock moves the news, and nothing ticks between requests.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from html import escape
from random import Random

from ticker.demo import words
from ticker.demo.words import Family

DESKS: tuple[str, ...] = ("world", "europe", "business", "science")
DESK_WEIGHTS: tuple[float, ...] = (0.34, 0.24, 0.24, 0.18)
BACKLOG = 40  # stories published before the start
BACKLOG_HOURS = 36.0
FEED_SIZE = 30  # newest stories of a desk in its feed
ARCHIVE_LIMIT = 5000  # stories kept for article pages; the oldest are forgotten beyond it

# Badge -> probability that a new story carries it.
BADGE_ODDS: tuple[tuple[str, float], ...] = (
    ("Exclusive", 0.15),
    ("Updated", 0.05),
    ("Opinion", 0.08),
    ("Review", 0.05),
    ("Live", 0.05),
    ("Breaking", 0.05),
    ("Analysis", 0.05),
    ("Video", 0.05),
)
# How a badge may be spelled as a category or tag.
BADGE_SPELLINGS: dict[str, tuple[str, ...]] = {
    "Exclusive": ("Exclusive", "EXCLUSIVE", "exclusive"),
    "Updated": ("Updated", "UPDATED", "update"),
    "Opinion": ("Opinion", "OPINION", "opinion"),
    "Review": ("Review", "REVIEW"),
    "Live": ("Live", "LIVE"),
    "Breaking": ("Breaking", "BREAKING", "Breaking news"),
    "Analysis": ("Analysis", "ANALYSIS"),
    "Video": ("Video", "VIDEO"),
}
# How a badge reads as a title prefix; Updated is "UPDATE <n>-", built from the story.
BADGE_PREFIXES: dict[str, str] = {
    "Exclusive": "EXCLUSIVE: ",
    "Opinion": "Opinion | ",
    "Review": "REVIEW: ",
    "Live": "LIVE: ",
    "Breaking": "BREAKING: ",
    "Analysis": "ANALYSIS: ",
    "Video": "VIDEO: ",
}
# Labels an article page's "Read also" list prints next to a headline.
PAGE_LABELS: dict[str, str] = {
    "Exclusive": "Exclusive",
    "Updated": "Updated",
    "Opinion": "OPINION",
    "Review": "Review",
}
PREFIX_ODDS = 0.4  # chance that a story's first badge is shown as a title prefix
# Every third beat also revises a story near the top, from the second beat on: a person
# watching `ticker --demo` sees an Updated badge within seconds, on a row already on screen.
REVISE_EVERY = 3
FRONT_PAGE = 8  # the newest stories of all desks, the first screen of a reader's list
CATCH_UP_MAX = FEED_SIZE  # beats published at once after a long quiet; older ones are skipped

_DIGITS = string.digits
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
DASH = " \u2013 "  # between a dateline and the text
_TAG_RE = re.compile(r"<[^>]+>")
_PARAGRAPH_BREAK = re.compile(r"</p>\s*<p>")
FRESH_SLOTS = ("name", "count", "big", "when")  # drawn anew for every body sentence


def default_now() -> datetime:
    """The current time, aware UTC."""
    return datetime.now(UTC)


def cap(text: str) -> str:
    """`text` with its first letter upper-cased (the rest untouched)."""
    return text[:1].upper() + text[1:]


def slugify(text: str, limit: int = 60) -> str:
    """A lower-case, dash-separated URL slug of `text`, cut at a word within `limit`."""
    slug = _SLUG_JUNK.sub("-", text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug or "story"


def strip_tags(html: str) -> str:
    """`html` without its tags (the demo's own simple markup only)."""
    return _TAG_RE.sub("", _PARAGRAPH_BREAK.sub(" ", html))


class Slots(dict[str, str]):
    """Template values, each drawn from its word pool on first use and then kept."""

    def __init__(self, rng: Random, base: dict[str, str] | None = None) -> None:
        super().__init__(base or {})
        self.rng = rng

    def __missing__(self, key: str) -> str:
        """Draw a value for `key`, different from the values of its siblings (city, city2)."""
        kind = key.rstrip(_DIGITS)
        pool = words.POOLS[kind]
        taken = {v for k, v in self.items() if k.rstrip(_DIGITS) == kind}
        value = ""
        for _ in range(8):
            value = pool(self.rng) if callable(pool) else self.rng.choice(pool)
            if value not in taken:
                break
        self[key] = value
        return value

    def fill(self, template: str) -> str:
        """`template` with its fields filled, first letter capitalised."""
        return cap(template.format_map(self))


@dataclass(slots=True)
class Story:
    """One published story of the live newsroom; `guid` and `slug` never change."""

    id: int
    desk: str
    guid: str
    slug: str
    family: Family
    variant: int
    headline: str  # without any badge prefix
    summary: str  # plain text
    published: datetime
    updated: datetime
    author: str
    tags: tuple[str, ...]  # topics, not badges
    badges: tuple[str, ...] = ()  # canonical badge names: "Exclusive", ...
    prefix_badge: str | None = None  # the badge that shows as a title prefix
    spellings: tuple[str, ...] = ()  # category spellings of the other badges
    revision: int = 1
    update_no: int = 1  # the n of an "UPDATE n-" prefix
    slots: Slots = field(default_factory=lambda: Slots(Random(0)), repr=False)

    @property
    def prefix(self) -> str:
        """The badge prefix of the title, or ''."""
        if self.prefix_badge is None:
            return ""
        if self.prefix_badge == "Updated":
            return f"UPDATE {self.update_no}-"
        return BADGE_PREFIXES[self.prefix_badge]

    @property
    def title(self) -> str:
        """The title as the feeds show it, badge prefix included."""
        return self.prefix + self.headline

    @property
    def categories(self) -> tuple[str, ...]:
        """Categories as the feeds list them: topics, then badges not shown as a prefix."""
        return self.tags + self.spellings

    @property
    def labels(self) -> tuple[str, ...]:
        """Badge labels a page prints next to the headline ('Exclusive', 'OPINION'...)."""
        return tuple(PAGE_LABELS[b] for b in self.badges if b in PAGE_LABELS)


@dataclass(frozen=True, slots=True)
class ArticleBody:
    """The generated prose of an article page, structure included."""

    lead: str
    paragraphs: tuple[str, ...]
    subheading: str | None  # shown before paragraph `subheading_at`
    subheading_at: int
    bullets: tuple[str, ...]  # a list after paragraph `bullets_at`, if any
    bullets_at: int
    quote: str | None  # a blockquote after paragraph `quote_at`
    quote_by: str
    quote_at: int
    caption: str
    credit: str
    keywords: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LoadItem:
    """A pre-generated item of the load-test pool: text ready to place in any load feed."""

    title: str
    description: str  # a little HTML
    desk: str
    author: str
    category: str
    slots: Slots
    xml: str = ""  # its <title>, <dc:creator>, <category> and <description>, escaped

    def titled(self, title: str) -> LoadItem:
        """The same item under another title."""
        xml = load_item_xml(title, self.author, self.category, self.description)
        return replace(self, title=title, xml=xml)


def load_item_xml(title: str, author: str, category: str, description: str) -> str:
    """The escaped <title>, <dc:creator>, <category> and <description> of a load-test item."""
    return (
        f"<title>{escape(title)}</title>\n<dc:creator>{escape(author)}</dc:creator>\n"
        f"<category>{escape(category)}</category>\n"
        f"<description>{escape(description)}</description>\n"
    )


def _story_rng(seed: int, key: str) -> Random:
    """A generator of its own for one item, seeded by the newsroom seed and the item's key."""
    return Random(f"{seed}/{key}")


class Deck:
    """Templates dealt in shuffled order without repeats until the pool is used up."""

    def __init__(self, rng: Random, pool: tuple[str, ...]) -> None:
        self.rng = rng
        self.pool = pool
        self.order: list[str] = []

    def deal(self, slots: Slots, count: int = 1) -> list[str]:
        """`count` filled templates."""
        out: list[str] = []
        while len(out) < count:
            if not self.order:
                self.order = list(self.pool)
                self.rng.shuffle(self.order)
            for key in FRESH_SLOTS:
                slots.pop(key, None)
            out.append(slots.fill(self.order.pop()))
        return out


def summary_pool(desk: str) -> tuple[str, ...]:
    """The summary sentences a story of `desk` draws from."""
    return words.SCIENCE_SUMMARIES if desk == "science" else words.SUMMARIES


def sentence_pool(desk: str) -> tuple[str, ...]:
    """The body sentences an article of `desk` draws from."""
    if desk == "science":
        return words.DESK_SENTENCES[desk] + words.NEUTRAL_SENTENCES
    return words.DESK_SENTENCES[desk] + words.SENTENCES


def make_body(
    rng: Random, slots: Slots, summary: str, desk: str, tags: tuple[str, ...]
) -> ArticleBody:
    """Generate the prose of an article from its slots (5-12 paragraphs of varied length)."""
    deck = Deck(rng, sentence_pool(desk))
    lead = " ".join((summary, *deck.deal(slots, rng.randint(0, 1))))
    n = rng.randint(5, 12)
    paragraphs: list[str] = []
    for _ in range(n):
        size = rng.choices((1, 2, 3, 4), weights=(2, 4, 3, 1))[0]
        paragraphs.append(" ".join(deck.deal(slots, size)))
    subheading = slots.fill(rng.choice(words.SUBHEADINGS)) if rng.random() < 0.6 else None
    bullets: tuple[str, ...] = ()
    if rng.random() < 0.35:
        bullets = tuple(Deck(rng, words.LIST_ITEMS).deal(slots, rng.randint(3, 5)))
    quote = slots.fill(rng.choice(words.QUOTES)) if rng.random() < 0.35 else None
    return ArticleBody(
        lead=lead,
        paragraphs=tuple(paragraphs),
        subheading=subheading,
        subheading_at=rng.randint(2, max(2, n - 2)),
        bullets=bullets,
        bullets_at=rng.randint(1, n - 1),
        quote=quote,
        quote_by=f"{words.full_name(rng)}, {slots['city']}",
        quote_at=rng.randint(1, n - 1),
        caption=slots.fill(rng.choice(words.CAPTIONS)),
        credit=rng.choice(words.PHOTO_AGENCIES),
        keywords=tuple(dict.fromkeys((*tags, slots["city"], slots["country"]))),
    )


def _seconds(dt: datetime) -> datetime:
    """`dt` without its microseconds."""
    return dt.replace(microsecond=0)


class Newsroom:
    """The live story stream of the demo server; changed by catch_up(), publish() and revise()."""

    def __init__(
        self, seed: int = 1, now: Callable[[], datetime] = default_now, beat: float = 0.0
    ) -> None:
        self.seed = seed
        self.now = now
        self.beat = beat  # seconds between live beats; 0: only publish() and revise() change it
        self.beats = 0  # beats of the clock's schedule published so far (catch_up)
        self.rng = Random(seed)
        self.started = _seconds(now())
        self.stories: dict[str, Story] = {}  # by slug, oldest first
        self.desks: dict[str, list[Story]] = {desk: [] for desk in DESKS}
        self.next_id = 1
        self.ticks = 0  # tick() calls so far, scheduled or not
        self.version = 0  # bumped by every change
        self.desk_versions: dict[str, int] = dict.fromkeys(DESKS, 0)
        self.last_change = self.started
        offsets = [self.rng.uniform(0.2, BACKLOG_HOURS) for _ in range(BACKLOG)]
        for hours in sorted(offsets, reverse=True):
            self._publish_one(_seconds(self.started - timedelta(hours=hours)))

    # -- reading ---------------------------------------------------------------------------

    def feed(self, desk: str, size: int = FEED_SIZE) -> list[Story]:
        """The newest `size` stories of `desk`, newest first."""
        return self.desks[desk][-size:][::-1]

    def newest(self, count: int, exclude: Story | None = None) -> list[Story]:
        """The newest `count` stories of all desks, newest first."""
        out: list[Story] = []
        for story in reversed(self.stories.values()):
            if story is not exclude:
                out.append(story)
                if len(out) == count:
                    break
        return out

    def story(self, slug: str) -> Story | None:
        """The story published under `slug`, or None."""
        return self.stories.get(slug)

    def body(self, story: Story) -> ArticleBody:
        """The article prose of `story` (depends only on the seed, its id and its slots)."""
        rng = _story_rng(self.seed, f"story/{story.id}")
        return make_body(rng, Slots(rng, story.slots), story.summary, story.desk, story.tags)

    # -- changing --------------------------------------------------------------------------

    def publish(self, count: int = 1) -> list[Story]:
        """Publish `count` new stories now."""
        now = _seconds(self.now())
        return [self._publish_one(now) for _ in range(count)]

    def catch_up(self) -> list[Story]:
        """Publish the live beats due by now, each at its own time; the stories they changed."""
        if self.beat <= 0:
            return []
        due = int((self.now() - self.started).total_seconds() // self.beat)
        if due <= self.beats:
            return []
        self.beats = max(self.beats, due - CATCH_UP_MAX)
        changed: list[Story] = []
        while self.beats < due:
            self.beats += 1
            changed += self.tick(self.started + timedelta(seconds=self.beats * self.beat))
        return changed

    def tick(self, when: datetime | None = None) -> list[Story]:
        """One beat of the live newsroom: a new story; the 2nd, 5th, 8th... revise one too."""
        when = _seconds(self.now() if when is None else when)
        self.ticks += 1
        stories = [self._publish_one(when)]
        if self.ticks % REVISE_EVERY == 2:
            front = self.newest(FRONT_PAGE)[1:]
            unrevised = [s for s in front if s.revision == 1 and "Updated" not in s.badges]
            title = self.rng.random() < 0.75
            stories.append(self.revise(title, among=unrevised or front, when=when))
        return stories

    def revise(
        self,
        title: bool = True,
        *,
        among: list[Story] | None = None,
        when: datetime | None = None,
    ) -> Story:
        """Rewrite an earlier story: a new title (if `title`) and maybe summary, same guid.

        The story is one of `among`, by default of the newest FEED_SIZE of all desks (so it is
        still in its desk's feed) but the newest two.
        """
        rng = self.rng
        candidates = among or self.newest(FEED_SIZE)[2:] or self.newest(FEED_SIZE)
        story = rng.choice(candidates)
        slots = story.slots
        slots.rng = rng
        if title:
            variants = story.family.variants
            others = [i for i in range(len(variants)) if i != story.variant]
            headline = story.headline
            if others:
                story.variant = rng.choice(others)
                headline = slots.fill(variants[story.variant])
            if headline == story.headline:
                headline = story.headline + slots.fill(rng.choice(words.TAILS))
            story.headline = headline
        if not title or rng.random() < 0.5:
            story.summary = self._summary(slots, story.desk)
        if "Updated" not in story.badges and rng.random() < 0.5:
            story.badges = (*story.badges, "Updated")
            if story.prefix_badge is None and rng.random() < 0.5:
                story.prefix_badge = "Updated"
            else:
                story.spellings = (*story.spellings, rng.choice(BADGE_SPELLINGS["Updated"]))
        story.revision += 1
        story.update_no += 1
        now = _seconds(self.now()) if when is None else when
        story.updated = max(now, story.updated + timedelta(seconds=1))
        self._changed(story.desk, story.updated)
        return story

    # -- internals -------------------------------------------------------------------------

    def _summary(self, slots: Slots, desk: str) -> str:
        """One or two summary sentences."""
        rng = slots.rng
        count = 1 if rng.random() < 0.5 else 2
        return " ".join(slots.fill(t) for t in rng.sample(summary_pool(desk), count))

    def _publish_one(self, when: datetime) -> Story:
        """Generate and publish the next story of the sequence at `when`."""
        rng = self.rng
        desk = rng.choices(DESKS, weights=DESK_WEIGHTS)[0]
        family = rng.choice(words.FAMILIES[desk])
        variant = rng.randrange(len(family.variants))
        slots = Slots(rng)
        headline = slots.fill(family.variants[variant])
        slots["subject"] = family.subject.format_map(slots)
        story_id = self.next_id
        self.next_id += 1
        badges = tuple(name for name, odds in BADGE_ODDS if rng.random() < odds)
        prefix_badge = badges[0] if badges and rng.random() < PREFIX_ODDS else None
        spellings = tuple(rng.choice(BADGE_SPELLINGS[b]) for b in badges if b != prefix_badge)
        story = Story(
            id=story_id,
            desk=desk,
            guid=f"tag:meridian.demo,2024:{self.seed}/story/{story_id}",
            slug=f"{slugify(headline)}-{story_id}",
            family=family,
            variant=variant,
            headline=headline,
            summary=self._summary(slots, desk),
            published=when,
            updated=when,
            author=words.full_name(rng),
            tags=(desk.capitalize(), *family.tags),
            badges=badges,
            prefix_badge=prefix_badge,
            spellings=spellings,
            update_no=rng.randint(1, 3) if "Updated" in badges else 1,
            slots=slots,
        )
        self.stories[story.slug] = story
        self.desks[desk].append(story)
        if len(self.stories) > ARCHIVE_LIMIT:
            self._forget(len(self.stories) - ARCHIVE_LIMIT + ARCHIVE_LIMIT // 10)
        if len(self.desks[desk]) > 2 * FEED_SIZE:
            del self.desks[desk][:FEED_SIZE]
        self._changed(desk, when)
        return story

    def _forget(self, count: int) -> None:
        """Drop the `count` oldest stories from the archive."""
        for slug in list(self.stories)[:count]:
            del self.stories[slug]

    def _changed(self, desk: str, when: datetime) -> None:
        """Record a change of `desk`'s content at `when`."""
        self.version += 1
        self.desk_versions[desk] += 1
        self.last_change = max(self.last_change, when)


class LoadPool:
    """Pre-generated item texts for the static load-test feeds, with realistic sizes."""

    SIZE = 3001  # prime, so a feed's stride visits distinct entries

    def __init__(self, seed: int) -> None:
        rng = _story_rng(seed, "load")
        self.items = [self._item(rng) for _ in range(self.SIZE)]

    def pick(self, feed: int, index: int) -> LoadItem:
        """The pool entry for item `index` of load feed `feed` (distinct within a feed)."""
        stride = 1 + (feed * 7919) % (self.SIZE - 1)
        return self.items[(feed * 104729 + index * stride) % self.SIZE]

    @staticmethod
    def _item(rng: Random) -> LoadItem:
        """One item: a title of 60-90 characters, a description of 200-400."""
        slots = Slots(rng)
        desk = rng.choices(DESKS, weights=DESK_WEIGHTS)[0]
        family = rng.choice(words.FAMILIES[desk])
        title = ""
        for _ in range(20):
            title = slots.fill(rng.choice(family.variants))
            while len(title) < 60:
                title += slots.fill(rng.choice(words.TAILS))
            if len(title) <= 90:
                break
            slots = Slots(rng)
        else:
            title = title[:87].rsplit(" ", 1)[0] + "..."
        slots["subject"] = family.subject.format_map(slots)
        lead = f"<b>{slots['city'].upper()}</b>{DASH}"
        parts: list[str] = []
        size = len(lead) + 14  # with the tags of two paragraphs
        pool = summary_pool(desk) + sentence_pool(desk)
        for sentence in Deck(rng, pool).deal(slots, 14):
            if size + len(sentence) + 1 > 400:
                continue
            parts.append(sentence)
            size += len(sentence) + 1
            if size >= 240 and rng.random() < 0.4:
                break
        if len(parts) > 2:
            text = f"<p>{lead}{' '.join(parts[:2])}</p><p>{' '.join(parts[2:])}</p>"
        else:
            text = f"<p>{lead}{' '.join(parts)}</p>"
        author = words.full_name(rng)
        category = rng.choice(family.tags)
        xml = load_item_xml(title, author, category, text)
        return LoadItem(title, text, desk, author, category, slots, xml)
