"""Badges from what newsrooms write: the one table of rules, and the function that applies it.

Three kinds of evidence give a headline its badges:
- a feed category or a page label ("Exclusive", "OPINION", "Live blog"),
- a title prefix or suffix ("EXCLUSIVE: ...", "Opinion | ...", "UPDATE 2-...", "... - review"),
  which is removed from the shown title,
- an Atom entry whose `updated` is later than its `published`.
Sources can add their own regex rules in config; they run before the built-in table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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

_SEP = r"\s*(?:[:|\-\u2013\u2014]+)\s*"


@dataclass(frozen=True, slots=True)
class _TitleRule:
    pattern: re.Pattern[str]
    badge: Badge


# Prefixes may stack ("UPDATE 1-EXCLUSIVE-..."), so they are applied until none matches.
_PREFIXES: tuple[_TitleRule, ...] = tuple(
    _TitleRule(re.compile(rf"^\s*(?:{words}){_SEP}", re.IGNORECASE), badge)
    for words, badge in (
        (r"exclusive", Badge.EXCLUSIVE),
        (r"update(?:d)?(?:\s*\d+)?", Badge.UPDATED),
        (r"opinion|op-ed|comment", Badge.OPINION),
        (r"review", Badge.REVIEW),
        (r"live(?:\s+updates|\s+blog)?", Badge.LIVE),
        (r"breaking(?:\s+news)?", Badge.BREAKING),
        (r"(?:news\s+)?analysis", Badge.ANALYSIS),
        (r"video|watch", Badge.VIDEO),
    )
)
# Suffixes need spaces around the dash, so "pre-review" or "re-live" never match.
_SUFFIXES: tuple[_TitleRule, ...] = tuple(
    _TitleRule(re.compile(rf"{pattern}\s*$", re.IGNORECASE), badge)
    for pattern, badge in (
        (r"\s+[|\-\u2013\u2014]\s+(?:live(?:\s+updates)?|as it happened)", Badge.LIVE),
        (r"\s+[|\-\u2013\u2014]\s+review", Badge.REVIEW),
        (r"\s+[|\-\u2013\u2014]\s+(?:opinion|comment)", Badge.OPINION),
        (r"\s+[|\-\u2013\u2014]\s+video", Badge.VIDEO),
        (r"\s*[(\[](?:video|watch)[)\]]", Badge.VIDEO),
    )
)
_NON_WORD = re.compile(r"[\W_]+")


def label_badge(label: str) -> Badge:
    """The badge a category or page label stands for, or no badge."""
    return LABELS.get(_NON_WORD.sub(" ", label).strip().lower(), NO_BADGES)


def compile_rules(rules: Sequence[BadgeRule]) -> tuple[tuple[re.Pattern[str], BadgeRule], ...]:
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
    changed = True
    while changed:
        changed = False
        for rule in _PREFIXES:
            match = rule.pattern.match(title)
            if match and match.end() < len(title):
                title, found, changed = title[match.end() :], found | rule.badge, True
    for rule in _SUFFIXES:
        match = rule.pattern.search(title)
        if match and match.start() > 0:
            title, found = title[: match.start()], found | rule.badge
    return (title.strip(), found) if found else None
