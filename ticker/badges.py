"""Badges from what newsrooms write: the one table of rules, and the function that applies it.

Three kinds of evidence give a headline its badges:
- a feed category or a page label ("Exclusive", "OPINION", "Live blog"),
- a title prefix or suffix ("EXCLUSIVE: ...", "Opinion | ...", "UPDATE 2-...", "... - review"),
  which is removed from the shown title,
- an Atom entry whose `updated` is later than its `published`.
Sources can add their own regex rules in config; they run before the built-in table.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from ticker.model import NO_BADGES, Badge, BadgeRule

# An `updated` this long after `published` is an update; less is a publishing system's noise.
UPDATE_GRACE = timedelta(minutes=2)

# Category and label words, normalised to lower case without punctuation.
LABELS: dict[str, Badge] = {
    "exclusive": Badge.EXCLUSIVE,
    "exclusives": Badge.EXCLUSIVE,
    "updated": Badge.UPDATED,
    "update": Badge.UPDATED,
    "opinion": Badge.OPINION,
    "opinions": Badge.OPINION,
    "comment": Badge.OPINION,
    "commentary": Badge.OPINION,
    "op ed": Badge.OPINION,
    "oped": Badge.OPINION,
    "column": Badge.OPINION,
    "editorial": Badge.OPINION,
    "review": Badge.REVIEW,
    "reviews": Badge.REVIEW,
    "live": Badge.LIVE,
    "live blog": Badge.LIVE,
    "liveblog": Badge.LIVE,
    "live updates": Badge.LIVE,
    "breaking": Badge.BREAKING,
    "breaking news": Badge.BREAKING,
    "analysis": Badge.ANALYSIS,
    "news analysis": Badge.ANALYSIS,
    "video": Badge.VIDEO,
    "videos": Badge.VIDEO,
    "watch": Badge.VIDEO,
}

# After a prefix word: a colon or bar, a spaced dash, or an en or em dash. A bare hyphen only in
# the wire form ("UPDATE 2-...", "EXCLUSIVE-..."), whose word is in capitals: "Live-action" and
# "Video-game" are words, not badges.
_SEP = r"(?:\s*[:|]+\s*|\s+[\-\u2013\u2014]+\s*|[\u2013\u2014]+\s*|(?P<wire>-+)\s*)"


# The title rules: (regex, badge). Prefixes need a separator after the word; suffixes need
# spaces around the dash, so "pre-review" or "re-live" never match.
PREFIXES: tuple[tuple[str, Badge], ...] = (
    (r"exclusive", Badge.EXCLUSIVE),
    (r"update(?:d)?(?:\s*\d+)?", Badge.UPDATED),
    (r"opinion|op-ed|comment", Badge.OPINION),
    (r"review", Badge.REVIEW),
    (r"live(?:\s+updates|\s+blog)?", Badge.LIVE),
    (r"breaking(?:\s+news)?", Badge.BREAKING),
    (r"(?:news\s+)?analysis", Badge.ANALYSIS),
    (r"video|watch", Badge.VIDEO),
)
SUFFIXES: tuple[tuple[str, Badge], ...] = (
    (r"\s+[|\-\u2013\u2014]\s+(?:live(?:\s+updates)?|as it happened)", Badge.LIVE),
    (r"\s+[|\-\u2013\u2014]\s+review", Badge.REVIEW),
    (r"\s+[|\-\u2013\u2014]\s+(?:opinion|comment)", Badge.OPINION),
    (r"\s+[|\-\u2013\u2014]\s+video", Badge.VIDEO),
    (r"\s*[(\[](?:video|watch)[)\]]", Badge.VIDEO),
)
# Each table becomes one regex with a group per rule: one match call per title, not one per rule.
_PREFIX = re.compile(
    r"^\s*(?:" + "|".join(f"(?P<p{i}>{w})" for i, (w, _) in enumerate(PREFIXES)) + rf"){_SEP}",
    re.IGNORECASE,
)
_SUFFIX = re.compile(
    "(?:" + "|".join(f"(?P<s{i}>{p})" for i, (p, _) in enumerate(SUFFIXES)) + r")\s*$",
    re.IGNORECASE,
)
_SUFFIX_SPAN = 40  # suffixes are short; searching only the tail keeps this cheap
_SUFFIX_MARKS = (" -", " |", "\u2013", "\u2014", "(", "[")  # no suffix matches without one

_NON_WORD = re.compile(r"[\W_]+")


@functools.lru_cache(maxsize=4096)  # feeds repeat a handful of categories on every item
def label_badge(label: str) -> Badge:
    """The badge a category or page label stands for, or no badge."""
    return LABELS.get(_NON_WORD.sub(" ", label).strip().lower(), NO_BADGES)


@functools.lru_cache(maxsize=1024)
def compile_rules(rules: tuple[BadgeRule, ...]) -> tuple[tuple[re.Pattern[str], BadgeRule], ...]:
    """Config rules with their patterns compiled (re.error for a bad pattern)."""
    return tuple((re.compile(rule.pattern, re.IGNORECASE), rule) for rule in rules)


def assign(
    title: str,
    categories: Iterable[str] = (),
    *,
    published: datetime | None = None,
    updated: datetime | None = None,
    rules: Sequence[tuple[re.Pattern[str], BadgeRule]] = (),
) -> tuple[str, Badge]:
    """The title to show and the badges, from the title, categories, dates and source rules."""
    badges = NO_BADGES
    for pattern, rule in rules:
        match = pattern.search(title)
        if match is None:
            match = next(filter(None, (pattern.search(c) for c in categories)), None)
            if match is not None:
                badges |= rule.badge
            continue
        badges |= rule.badge
        if rule.strip:
            title = (title[: match.start()] + " " + title[match.end() :]).strip()
    for category in categories:
        badges |= label_badge(category)

    stripped = _strip_affixes(title)
    if stripped is not None:
        title, found = stripped
        badges |= found
    if published is not None and updated is not None and updated - published >= UPDATE_GRACE:
        badges |= Badge.UPDATED
    return title, badges


def _strip_affixes(title: str) -> tuple[str, Badge] | None:
    found = NO_BADGES
    # Prefixes may stack ("UPDATE 1-EXCLUSIVE-..."): take them off one at a time.
    while (match := _PREFIX.match(title)) and match.end() < len(title):
        rule = next(i for i in range(len(PREFIXES)) if match.group(f"p{i}") is not None)
        if match.group("wire") and not match.group(f"p{rule}").isupper():
            break
        found |= PREFIXES[rule][1]
        title = title[match.end() :]
    tail = title[-_SUFFIX_SPAN:]
    match = None
    if any(mark in tail for mark in _SUFFIX_MARKS):
        match = _SUFFIX.search(title, max(0, len(title) - _SUFFIX_SPAN))
    if match and match.start() > 0:
        found |= SUFFIXES[int(str(match.lastgroup)[1:])][1]
        title = title[: match.start()]
    return (title.strip(), found) if found else None
