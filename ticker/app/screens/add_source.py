"""The add-a-source dialog: an address in; its feeds, or its page's headline list, out.

Discovery and the listing proposal run in workers on the app's loop (the network is async, the
parsing is in threads), so the dialog keeps answering keys while it looks. Titles, addresses and
error messages come from the network: every one of them is plain `Content`, styled by spans
(theme variables), never markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, LoadingIndicator, OptionList, Static
from textual.widgets.option_list import Option

from ticker.errors import TickerError
from ticker.model import Source
from ticker.sanitize import clean_line, strip_controls
from ticker.session import Session

if TYPE_CHECKING:
    from ticker.discover import Candidate, Discovery

PLACEHOLDER = "A site or a feed: example.org/news"


class AddressInput(Input):
    """The address; Enter looks for feeds there."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Look for feeds", tooltip="Look for feeds at this address"),
    ]


class FeedList(OptionList):
    """The feeds found, the main one first; Enter adds the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Add", tooltip="Add the highlighted feed"),
    ]


class AddSourceScreen(ModalScreen[Source | None]):
    """Find a feed (or a page's list of headlines) at an address and add it as a source.

    Dismisses with the source added, or None when cancelled.
    """

    DEFAULT_CSS = """
    AddSourceScreen { align: center middle; }
    AddSourceScreen > #box {
        width: 100; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
        border-title-color: $accent;
    }
    AddSourceScreen #where { color: $text-muted; }
    AddSourceScreen #address { margin-top: 1; }
    AddSourceScreen #status { height: auto; }
    AddSourceScreen #status.-error { color: $error; }
    AddSourceScreen LoadingIndicator { height: 1; }
    AddSourceScreen #feeds {
        height: auto; max-height: 14; border: none; padding: 0;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    AddSourceScreen #found { height: auto; max-height: 16; }
    AddSourceScreen #found:focus { background: $boost; }
    AddSourceScreen #found-text { text-wrap: nowrap; text-overflow: ellipsis; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Cancel", tooltip="Close without adding anything"),
        Binding("enter", "add", "Add", tooltip="Add what was found"),
        Binding(
            "h",
            "headline_list",
            "Headline list",
            tooltip="No feed: read the page's own list of headlines instead",
        ),
    ]

    def __init__(self, session: Session, address: str = "") -> None:
        super().__init__()
        self.session = session
        self._address = address
        self._candidates: list[Candidate] = []  # in the list's order, the main feed first
        self._pending: Source | None = None  # what Enter adds when the list is not in use
        self._page: str | None = None  # a page without feeds, whose headline list `h` tries
        self._busy = False
        self._adding = False
        self._added: Source | None = None  # added while another screen was in front

    def compose(self) -> ComposeResult:
        with Vertical(id="box") as box:
            box.border_title = "Add a source"
            yield Static(self._where(), id="where")
            yield AddressInput(self._address, placeholder=PLACEHOLDER, id="address")
            yield Static(id="status")
            yield LoadingIndicator()
            yield FeedList(id="feeds")
            with VerticalScroll(id="found"):
                yield Static(id="found-text")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(LoadingIndicator).display = False
        self.query_one(FeedList).display = False
        self.query_one("#found").display = False
        self.query_one(AddressInput).focus()

    def _where(self) -> Content:
        path = self.session.config_path
        if path is not None:
            return Content(f"Saved to {clean_line(str(path), markup=False)}")
        return Content(
            "For this run only: the sources were named on the command line, nothing is saved."
        )

    # -- what the dialog shows ----------------------------------------------------------------

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.update(Content(text))
        status.set_class(error, "-error")

    def _set_busy(self, busy: str | None) -> None:
        """Show `busy` with the loading indicator, or hide the indicator (None)."""
        self._busy = busy is not None
        self.query_one(LoadingIndicator).display = self._busy
        if busy is not None:
            self._status(busy)
        self.refresh_bindings()

    def _clear(self) -> None:
        """Forget the last results: nothing to add, no list, no page to try."""
        self._candidates = []
        self._pending = None
        self._page = None
        feeds = self.query_one(FeedList)
        feeds.clear_options()
        feeds.display = False
        self.query_one("#found").display = False
        self.refresh_bindings()

    def _show_found(self, text: Content) -> None:
        self.query_one("#found-text", Static).update(text)
        found = self.query_one("#found", VerticalScroll)
        found.display = True
        found.scroll_home(animate=False)
        found.focus()
        self.refresh_bindings()

    def _failed(self, error: Exception) -> None:
        self._set_busy(None)
        self._status(_reason(error), error=True)
        self.query_one(AddressInput).focus()

    def show_discovery(self, discovery: Discovery) -> None:
        """The feeds found: a list to choose from, one to confirm, or none and what to try."""
        best = discovery.best
        ordered = sorted(discovery.candidates, key=lambda c: c is not best)  # stable: page order
        self._candidates = ordered
        page = clean_line(discovery.page, markup=False)
        if len(ordered) > 1:
            self._status(f"{len(ordered)} feeds at {page}; the main one first:")
            feeds = self.query_one(FeedList)
            feeds.set_options(
                Option(self._describe(c, main=c is best), id=str(n)) for n, c in enumerate(ordered)
            )
            feeds.display = True
            feeds.highlighted = 0
            feeds.focus()
            self.refresh_bindings()
        elif ordered:
            (candidate,) = ordered
            self._pending = self.session.feed_source(candidate)
            self._status(f"A feed at {page}:")
            adds = ("Enter adds it.", "$accent")
            self._show_found(Content.assemble(self._describe(candidate, main=False), "\n", adds))
        else:
            self._page = discovery.page
            broken = len(discovery.rejected)
            plural = "s" if broken != 1 else ""
            tried = f" ({broken} candidate{plural} did not work)" if broken else ""
            self._status(f"No feed found at {page}{tried}.", error=True)
            self._show_found(Content("Press h to read the page's own list of headlines instead."))

    def show_listing(self, source: Source, description: str) -> None:
        """A page's list of headlines: its selectors and first headlines, for a person to judge."""
        self._pending = source
        self._status("No feed, but the page lists headlines with times:")
        lines = "\n".join(strip_controls(line) for line in description.splitlines())
        adds = (f"Enter adds it as “{clean_line(source.name, markup=False)}”.", "$accent")
        self._show_found(Content.assemble(lines, "\n", adds))

    def _describe(self, candidate: Candidate, *, main: bool) -> Content:
        """Two lines: the title, its headline count and marks; the address."""
        count = candidate.items
        parts: list[str | tuple[str, str]] = [
            (clean_line(candidate.title, markup=False) or "(untitled)", "bold"),
            (f" · {count} headline{'s' if count != 1 else ''}", "$foreground-muted"),
        ]
        if main:
            parts.append((" · main feed", "$accent"))
        if self.session.source_for(candidate.url) is not None:
            parts.append((" · a source already", "$warning"))
        parts += ["\n", (clean_line(candidate.url, markup=False), "$foreground-muted")]
        return Content.assemble(*parts)

    # -- the work -----------------------------------------------------------------------------

    @on(Input.Submitted, "#address")
    def _submitted(self, event: Input.Submitted) -> None:
        address = event.value.strip()
        if not address:
            self._status("Type the address of a site or a feed.", error=True)
            return
        self._clear()
        self.find_feeds(address)

    @work(exclusive=True, group="find", exit_on_error=False)
    async def find_feeds(self, address: str) -> None:
        self._set_busy(f"Looking for feeds at {clean_line(address, markup=False)}…")
        try:
            discovery = await self.session.find_feeds(address)
        except Exception as error:  # a page that cannot be fetched is a line in the dialog
            self._failed(error)
            return
        self._set_busy(None)
        self.show_discovery(discovery)

    @work(exclusive=True, group="find", exit_on_error=False)
    async def find_listing(self, page: str) -> None:
        self._set_busy(f"Looking for a list of headlines at {clean_line(page, markup=False)}…")
        try:
            page, proposals = await self.session.find_listing(page)
        except Exception as error:
            self._failed(error)
            return
        self._set_busy(None)
        if not proposals:
            self._clear()
            where = clean_line(page, markup=False)
            self._status(f"No list of headlines with times found at {where} either.", error=True)
            self.query_one(AddressInput).focus()
            return
        proposal = proposals[0]
        source = self.session.listing_source(page, proposal)
        self.show_listing(source, self.session.describe_listing(page, proposal))

    @work(exclusive=True, group="add", exit_on_error=False)
    async def add(self, source: Source) -> None:
        self._adding = True
        self._set_busy(f"Adding {clean_line(source.name, markup=False)}…")
        try:
            await self.session.add_source(source)
        except Exception as error:  # already a source, a config file that cannot be written
            self._failed(error)
            return
        finally:
            self._adding = False
        self._set_busy(None)
        later = "" if self.session.saves_sources else " (for this run only)"
        self.app.notify(f"Added {clean_line(source.name, markup=False)}{later}", markup=False)
        if self.app.screen is self:
            self.dismiss(source)
        else:  # the help is open over the dialog: close when back in front, not the help
            self._added = source

    def on_screen_resume(self) -> None:
        if self._added is not None:
            self.dismiss(self._added)

    @on(OptionList.OptionSelected, "#feeds")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if not self._adding:
            self.add(self.session.feed_source(self._candidates[event.option_index]))

    # -- actions ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "add":  # Enter on what was found (the list and the address have their own)
            found = any(widget.has_focus for widget in self.query("#found"))
            return self._pending is not None and not self._busy and found
        if action == "headline_list":
            return self._page is not None and not self._busy
        return True

    def action_add(self) -> None:
        if self._pending is not None:
            self.add(self._pending)

    def action_headline_list(self) -> None:
        if self._page is not None:
            page, self._page = self._page, None
            self.query_one("#found").display = False
            self.find_listing(page)

    def action_cancel(self) -> None:
        if not self._adding:  # a half-made addition is finished, not abandoned
            self.dismiss(None)


def _reason(error: Exception) -> str:
    if isinstance(error, TickerError):
        return clean_line(str(error), markup=False) or type(error).__name__
    return f"{type(error).__name__}: {clean_line(str(error), markup=False)}".rstrip(": ")
