"""The reader: one article, fetched and extracted in the background, shown as Markdown.

The body is one Rich renderable in one widget: Textual's Markdown widget mounts a widget per
block, and opening an article cost its update and frame 69 ms against 44 (bench/README.md).
"""

from __future__ import annotations

import webbrowser
from collections.abc import Callable
from typing import ClassVar

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.markdown import Heading, Markdown, MarkdownElement
from rich.text import Text
from rich.theme import Theme
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, LoadingIndicator, Static

from ticker.model import Article, Headline
from ticker.session import Session

Neighbour = Callable[[int], Headline | None]

# The loading indicator shows only for an article that takes this long: its animation redrew the
# screen many times a second while a quick one loaded, and the frames took the CPU from the
# loading itself (Enter to a demo article painted: median 91 ms with it from the start, 59-72 ms
# without, bench/keys.py). Over a slow link each frame is bytes as well.
INDICATOR_AFTER = 0.25  # seconds


class ReaderScreen(Screen[None]):
    """An article: title, source, local time, badges, byline, body, tags, URL."""

    class Shown(Message):
        """An article is on the screen: the extraction stack is imported by now."""

    DEFAULT_CSS = """
    ReaderScreen > VerticalScroll { padding: 0 2; }
    ReaderScreen #title { text-style: bold; color: $accent; padding: 1 0 0 0; }
    ReaderScreen #meta { color: $text-muted; }
    ReaderScreen #notice { color: $warning; }
    ReaderScreen #tags { color: $text-muted; padding-bottom: 1; }
    ReaderScreen #url { color: $text-muted; text-style: italic; }
    ReaderScreen LoadingIndicator { height: 3; display: none; }
    ReaderScreen #body { margin: 1 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back"),
        Binding("j,down", "scroll_down", "Down", show=False),
        Binding("k,up", "scroll_up", "Up", show=False),
        Binding("space,pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("g,home", "top", "Top", show=False),
        Binding("G,end", "bottom", "Bottom", show=False),
        Binding("n", "next", "Next"),
        Binding("p", "previous", "Previous"),
        Binding("o", "browser", "Open in browser"),
        Binding("y", "copy", "Copy link"),
    ]

    def __init__(self, headline: Headline, session: Session, neighbour: Neighbour) -> None:
        super().__init__()
        self.headline = headline
        self.session = session
        self._neighbour = neighbour
        self.opened: list[int] = []
        self.body = ""  # the text the body shows (Markdown of a page, or a feed's text)
        self.opening = False  # from `show` until the article, or why it failed, is shown (not
        # `loading`: Textual's own, which lays its indicator over the whole screen)
        self._indicator: Timer | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="page"):
            yield Static(id="title")
            yield Static(id="meta")
            yield Static(id="notice")
            yield LoadingIndicator()
            yield Static(id="body")
            yield Static(id="tags")
            yield Static(id="url")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.show(self.headline)

    def show(self, headline: Headline) -> None:
        """Show what the feed says at once, then the article when it arrives."""
        self.headline = headline
        if headline.row is not None:
            self.opened.append(headline.row)
        self.query_one("#title", Static).update(Text(headline.title))
        self.query_one("#meta", Static).update(self._meta(headline, None))
        self._notice(None)
        self.query_one("#tags", Static).update("")
        self.query_one("#url", Static).update(Text(headline.url))
        self._loaded()  # the last article's indicator, if any, goes with it
        self.opening = True
        self._indicator = self.set_timer(INDICATOR_AFTER, self._show_indicator)
        self._show_body(Text(""), "")
        self.query_one("#page", VerticalScroll).scroll_home(animate=False)
        self.load(headline)

    @work(exclusive=True, group="article", exit_on_error=False)
    async def load(self, headline: Headline) -> None:
        try:
            opened = await self.session.open_article(headline.url)
        except Exception as error:  # every failure is a line on the screen, never a traceback
            self._failed(headline, str(error) or type(error).__name__)
            return
        if headline is not self.headline:
            return  # the person moved on
        self._show_article(opened.article, opened.notice)

    def _show_indicator(self) -> None:
        self.query_one(LoadingIndicator).display = self.opening

    def _loaded(self) -> None:
        self.opening = False
        if self._indicator is not None:
            self._indicator.stop()
            self._indicator = None
        self.query_one(LoadingIndicator).display = False

    def _failed(self, headline: Headline, reason: str) -> None:
        self._loaded()
        self._notice(f"Could not open the article: {reason}")
        if headline.summary:
            self._show_body(Text(headline.summary), headline.summary)

    def _show_article(self, article: Article, notice: str | None) -> None:
        self._loaded()
        if article.title:
            self.query_one("#title", Static).update(Text(article.title))
        self.query_one("#meta", Static).update(self._meta(self.headline, article))
        self._notice(notice)
        self._show_body(body_renderable(article), article.body)
        if article.tags:
            self.query_one("#tags", Static).update(Text("Tags: " + ", ".join(article.tags)))
        self.post_message(self.Shown())

    def _show_body(self, renderable: RenderableType, text: str) -> None:
        self.body = text
        self.query_one("#body", Static).update(renderable)

    def _notice(self, text: str | None) -> None:
        notice = self.query_one("#notice", Static)
        notice.update(Text(text or ""))
        notice.display = bool(text)

    def _meta(self, headline: Headline, article: Article | None) -> Text:
        tz = self.session.tz
        published = article.published if article and article.published else headline.published
        parts = [headline.source_name, published.astimezone(tz).strftime("%A, %d %B %Y, %H:%M")]
        if headline.badges:
            parts.append(" ".join(headline.badges.labels()))
        if article and article.byline:
            parts.append(f"by {article.byline}")
        return Text(" · ".join(p for p in parts if p))

    # -- actions --------------------------------------------------------------------------

    def _page(self) -> VerticalScroll:
        return self.query_one("#page", VerticalScroll)

    def action_scroll_down(self) -> None:
        self._page().scroll_down(animate=False)

    def action_scroll_up(self) -> None:
        self._page().scroll_up(animate=False)

    def action_page_down(self) -> None:
        self._page().scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self._page().scroll_page_up(animate=False)

    def action_top(self) -> None:
        self._page().scroll_home(animate=False)

    def action_bottom(self) -> None:
        self._page().scroll_end(animate=False)

    def action_next(self) -> None:
        self._go(1)

    def action_previous(self) -> None:
        self._go(-1)

    def _go(self, step: int) -> None:
        headline = self._neighbour(step)
        if headline is None:
            self.notify("No more headlines that way.", timeout=2)
        else:
            self.show(headline)

    def action_browser(self) -> None:
        url = self.headline.url
        if not url.lower().startswith(("http://", "https://")):
            self.notify("Only http and https links open in the browser.", severity="warning")
            return
        webbrowser.open(url)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.headline.url)
        self.notify("Link copied.", timeout=2)

    def action_close(self) -> None:
        self.dismiss(None)


def body_renderable(article: Article) -> RenderableType:
    """The article's body: an extracted page's Markdown rendered; a feed's or a server's text
    as it is (never read as Markdown or markup)."""
    if article.origin != "page":
        return Text(article.body)
    # No terminal hyperlinks: a page's link targets are its own, `o` opens the article.
    return _Themed(_ArticleMarkdown(article.body, hyperlinks=False))


# Rich's own Markdown styles change between its versions (14.2 drew bullets bold yellow):
# the reader's are fixed here, so it looks the same whichever Rich is installed.
_THEME = Theme({"markdown.item.bullet": "none", "markdown.item.number": "none"})


class _Themed:
    """A renderable drawn with the reader's Markdown styles."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        console.push_theme(_THEME)
        try:
            segments = list(console.render(self.renderable, options))
        finally:
            console.pop_theme()
        yield from segments


class _Heading(Heading):
    """A heading in bold at the left, as the rest of the reader."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # Rich's own heading styles (centred, underlined, coloured) are not the reader's.
        yield Text(self.text.plain, style="bold", justify="left")


class _ArticleMarkdown(Markdown):
    elements: ClassVar[dict[str, type[MarkdownElement]]] = {
        **Markdown.elements,
        "heading_open": _Heading,
    }
