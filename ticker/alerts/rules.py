"""Alert rules: which headlines call a person, and how; read from `[[alerts]]` and `[notify]`.

A rule matches a headline when every criterion it names holds: one of its badges, one of its
sources (by name or URL), one of its categories (the source's folder, or a folder inside it), and
its title regex. `make_rule` and `make_notify` check a TOML table and raise RuleError naming the
key at fault; `ticker.config` turns that into an error naming the file and the line.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from ticker.model import NO_BADGES, Badge, Headline, Source

RULE_KEYS = ("name", "badges", "sources", "categories", "title", "case", "updates", "actions")
NOTIFY_KEYS = ("command", "command_timeout", "quiet_hours", "desktop", "bell")
DESKTOP_KINDS = ("auto", "osc9", "osc777", "osc99", "off")
NAME_MAX = 60  # characters of a rule's name: it is shown in toasts and notifications
COMMAND_TIMEOUT = 10.0  # seconds a notify command may run before it is killed


class Action(enum.IntFlag):
    """What a rule does when it fires. Stored with each alert as a bit mask."""

    TOAST = 1
    BELL = 2
    DESKTOP = 4
    COMMAND = 8

    @classmethod
    def from_name(cls, name: str) -> Action:
        try:
            return cls[name.strip().upper()]
        except KeyError:
            known = ", ".join((a.name or "").lower() for a in cls)
            raise ValueError(f"unknown action {name!r} (known: {known})") from None

    def names(self) -> list[str]:
        return [(a.name or "").lower() for a in Action if a in self]


class RuleError(ValueError):
    """A table that cannot be a rule or the notify settings; `key` is the key at fault."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


@dataclass(frozen=True, slots=True)
class AlertRule:
    """One `[[alerts]]` table. Empty criteria are not checked; `title` is a regex."""

    name: str
    badges: Badge = NO_BADGES
    sources: tuple[str, ...] = ()  # names (any case) or URLs
    categories: tuple[str, ...] = ()  # "World" matches "World" and "World/Europe"
    title: str | None = None
    case: bool = False  # the title regex minds case
    updates: bool = False  # an Updated headline (new title or summary) fires again
    actions: Action = Action.TOAST
    _pattern: re.Pattern[str] | None = field(
        default=None, init=False, repr=False, compare=False, hash=False
    )
    _source_keys: frozenset[str] = field(
        default=frozenset(), init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        from ticker.sources_file import url_key

        pattern = None
        if self.title is not None:
            pattern = re.compile(self.title, 0 if self.case else re.IGNORECASE)
        object.__setattr__(self, "_pattern", pattern)
        keys = {s.casefold() for s in self.sources} | {url_key(s) for s in self.sources}
        object.__setattr__(self, "_source_keys", frozenset(keys))

    def matches(self, headline: Headline, source: Source | None = None) -> bool:
        """Whether `headline` (of `source`, when known) is one this rule alerts about."""
        if self.badges and not headline.badges & self.badges:
            return False
        if self.sources:
            from ticker.sources_file import url_key

            name = source.name if source is not None else headline.source_name
            if (
                name.casefold() not in self._source_keys
                and url_key(headline.source) not in self._source_keys
            ):
                return False
        if self.categories:
            category = (source.category if source is not None else "").casefold()
            if not any(
                category == c.casefold() or category.startswith(c.casefold() + "/")
                for c in self.categories
            ):
                return False
        return self._pattern is None or self._pattern.search(headline.title) is not None

    @property
    def key(self) -> str:
        """What the rule matches, as a short digest: an edited rule is a new rule."""
        what = repr(
            (self.name, int(self.badges), self.sources, self.categories, self.title, self.case)
        )
        return hashlib.sha256(what.encode()).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily span, in minutes after midnight, that may run past midnight (22:00-07:00)."""

    start: int
    end: int

    def __contains__(self, moment: datetime) -> bool:
        minute = moment.hour * 60 + moment.minute
        if self.start <= self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    def __str__(self) -> str:
        start, end = divmod(self.start, 60), divmod(self.end, 60)
        return f"{start[0]:02d}:{start[1]:02d}-{end[0]:02d}:{end[1]:02d}"


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """The `[[alerts]]` rules and the `[notify]` table."""

    rules: tuple[AlertRule, ...] = ()
    command: tuple[str, ...] | None = None  # argv, run by the poller (never through a shell)
    command_timeout: float = COMMAND_TIMEOUT
    quiet_hours: QuietHours | None = None  # in the settings' time zone
    desktop: str = "auto"  # which escape sequence: auto, osc9, osc777, osc99, off
    bell: bool = True  # False: no rule rings the bell

    def quiet(self, moment: datetime, tz: tzinfo | None = None) -> bool:
        """Whether `moment` (aware) falls in the quiet hours, read in `tz` (None: local)."""
        return self.quiet_hours is not None and moment.astimezone(tz) in self.quiet_hours

    def rule(self, name: str) -> AlertRule | None:
        return next((r for r in self.rules if r.name.casefold() == name.casefold()), None)


# -- reading TOML tables ---------------------------------------------------------------------


def make_rule(raw: Mapping[str, Any]) -> AlertRule:
    """An AlertRule from an `[[alerts]]` table; RuleError names the key at fault."""
    for key in raw:
        if key not in RULE_KEYS:
            raise RuleError(key, f"unknown key (known: {', '.join(RULE_KEYS)})")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RuleError("name", "required: a non-empty string, shown in notifications")
    if len(name.strip()) > NAME_MAX or not name.strip().isprintable():
        raise RuleError("name", f"must be printable and at most {NAME_MAX} characters")
    badges = NO_BADGES
    for badge in _strings(raw, "badges"):
        try:
            badges |= Badge.from_name(badge)
        except ValueError as error:
            raise RuleError("badges", str(error)) from None
    sources = tuple(s.strip() for s in _strings(raw, "sources"))
    categories = tuple(c.strip().strip("/") for c in _strings(raw, "categories"))
    title = raw.get("title")
    if title is not None and not isinstance(title, str):
        raise RuleError("title", "must be a regular expression (a string)")
    case = _flag(raw, "case")
    if title is not None:
        try:
            re.compile(title, 0 if case else re.IGNORECASE)
        except re.error as error:
            raise RuleError("title", f"invalid regular expression: {error}") from None
    if not (badges or sources or categories or title is not None):
        raise RuleError(
            "name", 'says nothing to match: give badges, sources, categories or title ("" is all)'
        )
    actions = Action(0)
    names = _strings(raw, "actions") if "actions" in raw else ["toast"]
    for action in names:
        try:
            actions |= Action.from_name(action)
        except ValueError as error:
            raise RuleError("actions", str(error)) from None
    return AlertRule(
        name=name.strip(),
        badges=badges,
        sources=sources,
        categories=categories,
        title=title,
        case=case,
        updates=_flag(raw, "updates"),
        actions=actions,
    )


def make_notify(raw: Mapping[str, Any], rules: Sequence[AlertRule] = ()) -> AlertSettings:
    """AlertSettings from the `[notify]` table and the rules; RuleError names the key."""
    for key in raw:
        if key not in NOTIFY_KEYS:
            raise RuleError(key, f"unknown key (known: {', '.join(NOTIFY_KEYS)})")
    command = None
    if "command" in raw:
        value = raw["command"]
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(a, str) for a in value)
            or not value[0].strip()
        ):
            raise RuleError(
                "command", 'must be a list of arguments, program first: ["notify-send", "{title}"]'
            )
        command = tuple(value)
    timeout = raw.get("command_timeout", COMMAND_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 600:
        raise RuleError("command_timeout", "must be a number of seconds between 0 and 600")
    quiet = None
    if "quiet_hours" in raw:
        quiet = _quiet_hours(raw["quiet_hours"])
    desktop = raw.get("desktop", "auto")
    if desktop not in DESKTOP_KINDS:
        raise RuleError("desktop", f"must be one of {', '.join(DESKTOP_KINDS)}, not {desktop!r}")
    return AlertSettings(
        rules=tuple(rules),
        command=command,
        command_timeout=float(timeout),
        quiet_hours=quiet,
        desktop=desktop,
        bell=_flag(raw, "bell", True),
    )


_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _quiet_hours(value: object) -> QuietHours:
    found = _SPAN.match(value) if isinstance(value, str) else None
    if found is None:
        raise RuleError("quiet_hours", 'must be a span of the day such as "22:00-07:00"')
    h1, m1, h2, m2 = (int(g) for g in found.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise RuleError("quiet_hours", f"not times of the day: {value!r}")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise RuleError("quiet_hours", "starts where it ends")
    return QuietHours(start, end)


def _strings(raw: Mapping[str, Any], key: str) -> list[str]:
    """A list of non-empty strings; one string is a list of one."""
    value = raw.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RuleError(key, "must be a list of non-empty strings")
    return value


def _flag(raw: Mapping[str, Any], key: str, default: bool = False) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise RuleError(key, "must be true or false")
    return value


def rule_table(rule: AlertRule) -> dict[str, Any]:
    """The `[[alerts]]` table for `rule`, as TOML values; defaults are left out."""
    table: dict[str, Any] = {"name": rule.name}
    if rule.badges:
        table["badges"] = rule.badges.names()
    if rule.sources:
        table["sources"] = list(rule.sources)
    if rule.categories:
        table["categories"] = list(rule.categories)
    if rule.title is not None:
        table["title"] = rule.title
    if rule.case:
        table["case"] = True
    if rule.updates:
        table["updates"] = True
    if rule.actions != Action.TOAST:
        table["actions"] = rule.actions.names()
    return table
