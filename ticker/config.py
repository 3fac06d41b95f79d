"""Settings: one typed object, loaded once from TOML, with defaults in code.

A missing config file is written with commented defaults on first run. A bad one raises
ConfigError whose message names the file, the line and the key.
"""

from __future__ import annotations

import math
import re
import sys
import tomllib
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from pathlib import Path
from typing import Any

from ticker.aggregator.settings import AggregatorSettings, make_aggregator
from ticker.alerts.rules import AlertSettings, RuleError, make_notify, make_rule
from ticker.errors import ConfigError
from ticker.model import Badge, BadgeRule, Listing, Source
from ticker.sanitize import web_host
from ticker.store import Retention

DEFAULT_SOURCES: tuple[Source, ...] = (
    Source("BBC World", "https://feeds.bbci.co.uk/news/world/rss.xml"),
    Source("Guardian World", "https://www.theguardian.com/world/rss"),
    Source("Al Jazeera", "https://www.aljazeera.com/xml/rss/all.xml"),
    Source("NPR World", "https://feeds.npr.org/1004/rss.xml"),
    Source("DW World", "https://rss.dw.com/xml/rss-en-world"),
    Source("France 24", "https://www.france24.com/en/rss"),
)

DEFAULT_CONFIG = """\
# ticker's configuration. Every setting shown commented out is the default.
# Docs: the README's "Configuration" section.

# Time zone for times and day headers: "local" (the system's) or a name like "Europe/Kyiv".
# timezone = "local"

[poll]
# interval = 300        # seconds between polls of a source, unless the source says otherwise
# concurrency = 16      # sources fetched at once
# timeout = 20          # seconds to wait for a server to answer (twice that for a whole fetch)
# max_backoff = 3600    # the longest wait after repeated failures, in seconds

[retention]
# max_age_days = 30             # older headlines are deleted (starred ones are kept)
# max_items_per_source = 2000   # per source, beyond this the oldest go (starred ones are kept)
# keep_newest = 20              # each source's newest stay, however old (quiet blogs)

# One [[sources]] table per source: name and url, optionally interval, badge rules, a category
# (a folder in OPML), paused = true (kept here, not polled), and kind = "html" with a listing.
{sources}
# A source with its own interval and badge rules (regex on the title or a category):
# [[sources]]
# name = "Example"
# url = "https://example.org/rss"
# interval = 120
# category = "World"    # "Outer/Inner" for a folder inside a folder
# paused = false
# rules = [
#   {{ pattern = "^WATCH:", badge = "video", strip = true }},
#   {{ pattern = "interview", badge = "exclusive" }},
# ]
#
# A page of headlines without a feed: CSS selectors say where its headlines are.
# [[sources]]
# name = "Example front page"
# url = "https://example.org/news"
# kind = "html"
# [sources.listing]     # or inline: listing = {{ item = "li.news", title = "a" }}
# item = "li.news"      # each headline's element (required)
# title = "a"           # the headline's text, inside an item (required)
# link = "a"            # the link, inside an item
# time = "time"         # its time: a full date, or a bare "12:50" on the day of `date`
# date = "h2.day"       # day headers that stand before the items they date
# label = ".badge"      # a label such as "Exclusive", inside an item
# timezone = "Europe/Kyiv"  # the zone of bare times (default: the display zone)

# Alerts: one [[alerts]] table per rule; a headline must match everything the rule names.
# Badges, sources (names or urls) and categories: any one of each; title: a regex.
# A title regex ignores case unless the rule says case = true.
# A headline fires a rule once, and again on each update if the rule says updates = true.
# Actions: "toast" (the default), "bell", "desktop" (through the terminal), "command".
# [[alerts]]
# name = "Breaking"
# badges = ["breaking"]
# actions = ["toast", "bell", "desktop"]
#
# [[alerts]]
# name = "Kyiv"
# title = '\\bKyiv\\b'   # a regex; single quotes keep its backslashes
# sources = ["BBC World"]
# updates = true
#
# [notify]
# command = ["notify-send", "{{rule}}", "{{title}}"]  # run by the poller, never through a shell
# command_timeout = 10  # seconds before the command is killed
# quiet_hours = "22:00-07:00"  # no bell, desktop notification or command (toasts stay)
# desktop = "auto"      # or "osc9", "osc777", "osc99" (kitty), "off"
# bell = true           # false: no rule rings the terminal bell
"""

KINDS = ("feed", "html")
_SOURCE_KEYS = ("name", "url", "interval", "rules", "kind", "category", "paused", "listing")
LISTING_KEYS = ("item", "title", "link", "time", "date", "label", "timezone")


class ListingError(ValueError):
    """A listing table that cannot be used; `key` is the listing key at fault."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


def make_listing(raw: dict[str, Any]) -> Listing:
    """A Listing from a table of CSS selectors, each one checked; ListingError names the key."""
    for key in raw:
        if key not in LISTING_KEYS:
            raise ListingError(key, f"unknown key (known: {', '.join(LISTING_KEYS)})")
    values: dict[str, str] = {}
    for key in LISTING_KEYS:
        if key not in raw:
            if key in ("item", "title"):
                raise ListingError(key, "required: a CSS selector")
            continue
        value = raw[key]
        if not isinstance(value, str) or not value.strip():
            what = "a time zone name" if key == "timezone" else "a CSS selector"
            raise ListingError(key, f"must be {what} (a non-empty string)")
        value = value.strip()
        if key == "timezone":
            try:
                _zone(value)
            except ConfigError:
                raise ListingError(key, f"unknown time zone {value!r}") from None
        else:
            _check_selector(key, value)
        values[key] = value
    return Listing(**values)


def _check_selector(key: str, selector: str) -> None:
    try:
        from lxml.cssselect import CSSSelector, SelectorError
    except ImportError:  # without cssselect the poller reports the selector instead
        return
    try:
        CSSSelector(selector, translator="html")
    # ValueError: lxml refuses control characters even where the CSS syntax allows them.
    except (SelectorError, SyntaxError, ValueError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        if not reason.isprintable():  # cssselect quotes the offending character as is
            reason = repr(reason)[1:-1]
        raise ListingError(key, f"invalid CSS selector {selector!r}: {reason}") from None


@dataclass(frozen=True, slots=True)
class PollSettings:
    interval: float = 300.0
    concurrency: int = 16
    timeout: float = 20.0
    max_backoff: float = 3600.0


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything ticker reads from its config file."""

    sources: tuple[Source, ...] = DEFAULT_SOURCES
    poll: PollSettings = field(default_factory=PollSettings)
    retention: Retention = field(default_factory=Retention)
    timezone: str = "local"
    path: Path | None = None
    alerts: AlertSettings = field(default_factory=AlertSettings)
    aggregator: AggregatorSettings | None = None  # a server that polls for ticker (tt-rss)

    def tz(self) -> tzinfo | None:
        """The display time zone; None means the system's local zone."""
        return None if self.timezone == "local" else _zone(self.timezone)


def default_text(sources: tuple[Source, ...] = DEFAULT_SOURCES) -> str:
    """The commented default config file."""
    return DEFAULT_CONFIG.format(sources="\n".join(render(s) for s in sources))


def render(source: Source) -> str:
    """The [[sources]] table for `source`; what is at its default value is left out."""
    import tomlkit

    table = tomlkit.table()
    table.add("name", source.name.strip())
    table.add("url", source.url)
    if source.kind != "feed":
        table.add("kind", source.kind)
    if source.category.strip():
        table.add("category", source.category.strip())
    if source.interval is not None:
        interval = source.interval
        table.add("interval", int(interval) if float(interval).is_integer() else interval)
    if source.paused:
        table.add("paused", True)
    if source.rules:
        rules = tomlkit.array()
        for rule in source.rules:
            entry = tomlkit.inline_table()
            entry.update({"pattern": rule.pattern, "badge": (rule.badge.name or "").lower()})
            if rule.strip:
                entry["strip"] = True
            rules.append(entry)
        table.add("rules", rules)
    if source.listing is not None:
        listing = tomlkit.table()
        default = Listing(item="", title="")
        for name in LISTING_KEYS:
            value = getattr(source.listing, name)
            if name in ("item", "title") or value != getattr(default, name):
                listing.add(name, value)
        table.add("listing", listing)
    document = tomlkit.document()
    tables = tomlkit.aot()
    tables.append(table)
    document.add("sources", tables)
    return tomlkit.dumps(document).rstrip() + "\n"


def load(path: Path, *, create: bool = True) -> Settings:
    """Settings from `path`, writing the commented defaults there first if it does not exist."""
    if not path.exists():
        if not create:
            raise ConfigError(f"{path}: no such config file")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(default_text(), encoding="utf-8")
        except OSError as error:
            # A read-only home still gets a working ticker, with the defaults; edits to sources
            # then last for the run (no file to save them to).
            print(
                f"ticker: {path}: cannot write the default config ({error.strerror}); "
                "running on the defaults",
                file=sys.stderr,
            )
            return replace(parse(default_text(), path), path=None)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
    return parse(text, path)


def parse(text: str, path: Path) -> Settings:
    """Settings from TOML text; `path` is only for messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        line = re.search(r"line (\d+)", message)
        where = f"{path}:{line.group(1)}" if line else str(path)
        reason = re.sub(r" \(at .*\)$", "", message)
        raise ConfigError(f"{where}: invalid TOML: {reason}") from None
    return _Reader(text, path).settings(data)


class _Reader:
    """Checks the parsed TOML, naming the file, line and key of the first problem."""

    def __init__(self, text: str, path: Path) -> None:
        self.lines = text.splitlines()
        self.path = path
        # The line of each [[sources]] table's header, 1-based.
        self.starts = [
            number
            for number, line in enumerate(self.lines, start=1)
            if re.match(r"^\s*\[\[\s*sources\s*\]\]", line)
        ]
        # Every table header's line: an [[alerts]] table's keys are looked for up to the next.
        self.headers = [
            number for number, line in enumerate(self.lines, start=1) if re.match(r"^\s*\[", line)
        ]

    def fail(
        self,
        key: str,
        problem: str,
        *,
        after: int = 0,
        before: int | None = None,
        at: str | None = None,
    ) -> ConfigError:
        """The error for `key`, at the line of `at` (default: the key's last part) between
        `after` and `before`, else at line `after` (a table's header)."""
        leaf = at or key.rsplit(".", 1)[-1].split("[", 1)[0]
        line = self.line_of(leaf, after, before) or after
        where = f"{self.path}:{line}" if line else str(self.path)
        return ConfigError(f"{where}: {key}: {problem}")

    def line_of(self, key: str, after: int = 0, before: int | None = None) -> int | None:
        dotted = r"(?:[\w-]+\s*\.\s*)*"  # `listing.item =`, `[sources.listing]`
        name = re.escape(key)
        pattern = re.compile(rf"^\s*(?:{dotted}{name}\s*=|\[+\s*{dotted}{name}\s*\]+)")
        inline = re.compile(rf"[{{,]\s*{name}\s*=")
        for number, line in enumerate(self.lines[after:before], start=after + 1):
            if pattern.match(line) or inline.search(line):
                return number
        return None

    def settings(self, data: dict[str, Any]) -> Settings:
        known = {"timezone", "poll", "retention", "sources", "alerts", "notify", "aggregator"}
        for key in data:
            if key not in known:
                raise self.fail(key, f"unknown setting (known: {', '.join(sorted(known))})")
        timezone = data.get("timezone", "local")
        if not isinstance(timezone, str):
            raise self.fail("timezone", 'must be a string such as "local" or "Europe/Kyiv"')
        if timezone != "local":
            try:
                _zone(timezone)
            except ConfigError:
                raise self.fail("timezone", f"unknown time zone {timezone!r}") from None
        poll = self.table(data, "poll")
        retention = self.table(data, "retention")
        sources = data.get("sources", [])
        if not isinstance(sources, list):
            raise self.fail("sources", "must be a list of [[sources]] tables")
        return Settings(
            sources=tuple(self.source(i, s) for i, s in enumerate(sources)),
            poll=PollSettings(
                interval=self.number(poll, "poll.interval", 300.0, low=10),
                concurrency=int(self.number(poll, "poll.concurrency", 16, low=1, high=256)),
                timeout=self.number(poll, "poll.timeout", 20.0, low=1, high=600),
                max_backoff=self.number(poll, "poll.max_backoff", 3600.0, low=10),
            ),
            retention=Retention(
                max_age_days=self.number(retention, "retention.max_age_days", 30.0, low=0.01),
                max_items_per_source=int(
                    self.number(retention, "retention.max_items_per_source", 2000, low=1)
                ),
                keep_newest=int(
                    self.number(retention, "retention.keep_newest", 20, low=0, high=100_000)
                ),
            ),
            timezone=timezone,
            path=self.path,
            alerts=self.alerts(data),
            aggregator=self.aggregator(data),
        )

    def aggregator(self, data: dict[str, Any]) -> AggregatorSettings | None:
        if "aggregator" not in data:
            return None
        raw = self.table(data, "aggregator")
        try:
            return make_aggregator(raw, self.path)
        except ValueError as error:
            key, problem = error.args
            at = key if key in raw else "aggregator"
            raise self.fail(
                f"aggregator.{key}", problem, at=at, **self.span("aggregator")
            ) from None

    def span(self, header: str, index: int = 0) -> dict[str, Any]:
        """The lines of the `index`th table with this header: after it, up to the next table."""
        pattern = re.compile(rf"^\s*\[+\s*{re.escape(header)}\s*\]+")
        starts = [n for n, line in enumerate(self.lines, start=1) if pattern.match(line)]
        if index >= len(starts):
            return {"after": 0, "before": None}
        start = starts[index]
        later = [n for n in self.headers if n > start]
        return {"after": start, "before": later[0] - 1 if later else None}

    def alerts(self, data: dict[str, Any]) -> AlertSettings:
        raw_rules = data.get("alerts", [])
        if not isinstance(raw_rules, list):
            raise self.fail("alerts", "must be a list of [[alerts]] tables")
        rules = []
        names: set[str] = set()
        for index, raw in enumerate(raw_rules):
            key = f"alerts[{index}]"
            span = self.span("alerts", index)
            if not isinstance(raw, dict):
                raise self.fail(key, "must be a table with a name and what to match", **span)
            try:
                rule = make_rule(raw)
            except RuleError as error:
                at = error.key if error.key in raw else "alerts"
                raise self.fail(f"{key}.{error.key}", error.problem, at=at, **span) from None
            if rule.name.casefold() in names:
                raise self.fail(f"{key}.name", f"{rule.name!r} names another rule too", **span)
            names.add(rule.name.casefold())
            rules.append(rule)
        notify = self.table(data, "notify")
        try:
            return make_notify(notify, rules)
        except RuleError as error:
            span = self.span("notify")
            at = error.key if error.key in notify else "notify"
            raise self.fail(f"notify.{error.key}", error.problem, at=at, **span) from None

    def table(self, data: dict[str, Any], name: str) -> dict[str, Any]:
        value = data.get(name, {})
        if not isinstance(value, dict):
            raise self.fail(name, "must be a table")
        return value

    def number(
        self,
        table: dict[str, Any],
        key: str,
        default: float,
        *,
        low: float,
        high: float | None = None,
        after: int = 0,
    ) -> float:
        leaf = key.rsplit(".", 1)[-1]
        value = table.get(leaf, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a number, not {type(value).__name__}", after=after)
        if not math.isfinite(value):
            raise self.fail(key, f"must be a finite number, not {value}", after=after)
        if value < low or (high is not None and value > high):
            bounds = f"at least {low:g}" if high is None else f"between {low:g} and {high:g}"
            raise self.fail(key, f"must be {bounds}, not {value:g}", after=after)
        return float(value)

    def source(self, index: int, raw: Any) -> Source:
        key = f"sources[{index}]"
        start = self.starts[index] if index < len(self.starts) else 0
        # Look for this source's keys only up to the next [[sources]] table.
        end = self.starts[index + 1] - 1 if start and index + 1 < len(self.starts) else None
        span: dict[str, Any] = {"after": start, "before": end}
        if not isinstance(raw, dict):
            raise self.fail(key, "must be a table with name and url", **span)
        for name in raw:
            if name not in _SOURCE_KEYS:
                known = ", ".join(_SOURCE_KEYS)
                raise self.fail(f"{key}.{name}", f"unknown key (known: {known})", **span)
        url = raw.get("url")
        host = web_host(url) if isinstance(url, str) else None
        if not isinstance(url, str) or host is None:
            raise self.fail(f"{key}.url", "must be an http or https address", **span)
        name = raw.get("name", host)
        if not isinstance(name, str) or not name.strip():
            raise self.fail(f"{key}.name", "must be a non-empty string", **span)
        kind = raw.get("kind", "feed")
        if kind not in KINDS:
            raise self.fail(f"{key}.kind", f'must be "feed" or "html", not {kind!r}', **span)
        listing = None
        if "listing" in raw:
            if kind != "html":
                raise self.fail(f"{key}.listing", 'only for kind = "html"', **span)
            if not isinstance(raw["listing"], dict):
                raise self.fail(
                    f"{key}.listing", "must be a table of CSS selectors (item, title, ...)", **span
                )
            try:
                listing = make_listing(raw["listing"])
            except ListingError as error:
                # A missing key is reported at the listing itself.
                at = "listing" if error.key not in raw["listing"] else None
                where = f"{key}.listing.{error.key}"
                raise self.fail(where, error.problem, at=at, **span) from None
        elif kind == "html":
            raise self.fail(
                f"{key}.listing",
                'kind = "html" needs a listing table with item and title selectors',
                at="kind",
                **span,
            )
        category = raw.get("category", "")
        if not isinstance(category, str):
            raise self.fail(f"{key}.category", "must be a string", **span)
        paused = raw.get("paused", False)
        if not isinstance(paused, bool):
            raise self.fail(f"{key}.paused", "must be true or false", **span)
        interval = None
        if "interval" in raw:
            interval = self.number(raw, f"{key}.interval", 300.0, low=10, after=start)
        rules = raw.get("rules", [])
        if not isinstance(rules, list):
            raise self.fail(f"{key}.rules", "must be a list of {pattern, badge} tables", **span)
        return Source(
            name=name.strip(),
            url=url,
            interval=interval,
            rules=tuple(self.rule(f"{key}.rules[{i}]", r, start) for i, r in enumerate(rules)),
            kind=kind,
            listing=listing,
            category=category.strip(),
            paused=paused,
        )

    def rule(self, key: str, raw: Any, start: int) -> BadgeRule:
        if not isinstance(raw, dict) or not isinstance(raw.get("pattern"), str):
            raise self.fail(f"{key}.pattern", "each rule needs a pattern string", after=start)
        try:
            re.compile(raw["pattern"])
        except re.error as error:
            raise self.fail(
                f"{key}.pattern", f"invalid regular expression: {error}", after=start
            ) from None
        try:
            badge = Badge.from_name(str(raw.get("badge", "")))
        except ValueError as error:
            raise self.fail(f"{key}.badge", str(error), after=start) from None
        strip = raw.get("strip", False)
        if not isinstance(strip, bool):
            raise self.fail(f"{key}.strip", "must be true or false", after=start)
        return BadgeRule(raw["pattern"], badge, strip)


def _zone(name: str) -> tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown time zone {name!r}") from None
