"""Command palette providers: what to show (a source, a badge, everything) and the app's actions.

Source names come from feeds and config files, so every entry is plain `Content` and every help
line is escaped: nothing a newsroom writes is read as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, ClassVar, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher
from textual.markup import escape

from ticker.model import Badge
from ticker.session import View

if TYPE_CHECKING:
    from ticker.app.app import TickerApp

# The app's actions in the palette: (name, action, what it does). The key is looked up in the
# app's bindings, so a rebinding shows here too. Quit and Theme are Textual's own commands.
ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("Search titles", "search", "Show only headlines whose titles have these words"),
    ("Unread only", "toggle_unread", "Show only unread headlines, or every headline again"),
    ("Show only a source…", "pick_source", "Choose one source"),
    ("Show only a badge…", "pick_badge", "Choose one badge: Breaking, Live, Opinion…"),
    ("Refresh", "refresh", "Poll every source now"),
    ("Sources", "sources", "Each source's health, headline count, last success and next poll"),
    ("Jump to the newest", "jump_new", "Back to the top of the headlines"),
    ("Help", "help", "Every key"),
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One palette line: plain-text name, help (markup, already escaped) and what it does."""

    name: str
    help: str
    run: Callable[[], object]


class EntryProvider(Provider):
    """Entries matched fuzzily by name; with nothing typed, `discover` lists them (if DISCOVER)."""

    DISCOVER: ClassVar[bool] = True

    @property
    def ticker(self) -> TickerApp:
        return cast("TickerApp", self.app)

    def entries(self) -> Iterator[Entry]:
        raise NotImplementedError

    async def discover(self) -> Hits:
        if not self.DISCOVER:
            return
        for entry in self.entries():
            yield DiscoveryHit(Content(entry.name), entry.run, text=entry.name, help=entry.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self.entries():
            score = matcher.match(entry.name)
            if score > 0:
                prompt = highlight(matcher, entry.name)
                yield Hit(score, prompt, entry.run, text=entry.name, help=entry.help)


def highlight(matcher: Matcher, text: str) -> Content:
    """`text` as plain content with the matched letters styled (Matcher.highlight reads markup)."""
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if score:
        for offset in offsets:
            if not text[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def _plain(text: str) -> str:
    """One line of text: a name with a newline or a tab would break the palette's layout."""
    return " ".join(text.split())


class SourceCommands(EntryProvider):
    """ "Show only <source>" for each source, and "Show every source" when one is chosen."""

    DISCOVER = False  # the main palette stays short; `f` opens the picker, which lists them

    def entries(self) -> Iterator[Entry]:
        app = self.ticker
        view = app.view
        for source in app.session.sources:
            shown = " (shown now)" if view.source == source.url else ""
            yield Entry(
                f"Show only {_plain(source.name)}",
                escape(_plain(source.url)) + shown,
                partial(app.show_view, replace(view, source=source.url)),
            )
        if view.source:
            yield Entry(
                "Show every source",
                "Keep the other filters",
                partial(app.show_view, replace(view, source=None)),
            )


class SourcePicker(SourceCommands):
    """The sources palette behind `f`: every source is listed before anything is typed."""

    DISCOVER = True

    def entries(self) -> Iterator[Entry]:
        yield from super().entries()
        yield from _everything(self.ticker)


class BadgeCommands(EntryProvider):
    """ "Show only <Badge>" for each badge, and "Show every badge" when one is chosen."""

    DISCOVER = False

    def entries(self) -> Iterator[Entry]:
        app = self.ticker
        view = app.view
        for badge in Badge.all():
            shown = " (shown now)" if view.badge == badge else ""
            yield Entry(
                f"Show only {badge.label}",
                f"Headlines marked {badge.label}{shown}",
                partial(app.show_view, replace(view, badge=badge)),
            )
        if view.badge:
            yield Entry(
                "Show every badge",
                "Keep the other filters",
                partial(app.show_view, replace(view, badge=None)),
            )


class BadgePicker(BadgeCommands):
    """The badges palette behind `b`."""

    DISCOVER = True

    def entries(self) -> Iterator[Entry]:
        yield from super().entries()
        yield from _everything(self.ticker)


def _everything(app: TickerApp) -> Iterator[Entry]:
    if app.view != View():
        yield Entry("Show everything", "Clear every filter and the search", app.show_everything)


class AppCommands(EntryProvider):
    """The app's actions, with their keys; "Show everything" when something is filtered."""

    def entries(self) -> Iterator[Entry]:
        app = self.ticker
        yield from _everything(app)
        for name, action, what in ACTIONS:
            key = app.key_for(action)
            yield Entry(
                name,
                f"{what} ({escape(key)})" if key else what,
                partial(app.run_action, action),
            )
