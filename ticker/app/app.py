"""The ticker app: a headline pane that fills itself, a reader, a status line."""

from __future__ import annotations

import time
from datetime import datetime
from typing import ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer

from ticker.app.messages import HeadlinesChanged, SourceHealthChanged
from ticker.app.widgets.headline_pane import HeadlinePane
from ticker.app.widgets.status_line import StatusLine
from ticker.model import Headline
from ticker.session import Session, View
from ticker.timeline import Timeline


class TickerApp(App[None]):
    """A live news ticker."""

    TITLE = "ticker"
    CSS_PATH = "ticker.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("r", "refresh", "Refresh"),
        Binding("u", "toggle_unread", "Unread"),
        Binding("m", "toggle_read", "Read"),
        Binding("s", "toggle_star", "Star"),
        Binding("N", "jump_new", "New", show=False),
    ]

    def __init__(
        self,
        session: Session,
        *,
        poll: bool = True,
        now: datetime | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self._poll = poll
        self._now = now
        self.view = View()

    def compose(self) -> ComposeResult:
        timeline = self.session.timeline(self.view)
        yield HeadlinePane(timeline, now=self._now, id="headlines")
        yield StatusLine(id="status")
        yield Footer()

    @property
    def pane(self) -> HeadlinePane:
        return self.query_one(HeadlinePane)

    def on_mount(self) -> None:
        self.pane.focus()
        self.pane.set_empty_text("No headlines yet: polling the sources…" if self._poll else "No headlines.")
        if self._poll:
            # After the first frame: the network stack is imported in the background.
            self.call_after_refresh(self._start_polling)

    def _start_polling(self) -> None:
        self.poll_forever()

    @work(exclusive=True, group="poller", exit_on_error=False)
    async def poll_forever(self) -> None:
        def heard(batch: object) -> None:
            new_rows = getattr(batch, "new_rows", ())
            updated = getattr(batch, "updated_rows", ())
            self.post_message(HeadlinesChanged(tuple(new_rows), tuple(updated)))

        await self.session.poll_forever(heard)

    # -- live updates ---------------------------------------------------------------------

    def on_headlines_changed(self, message: HeadlinesChanged) -> None:
        self.reload(new_rows=len(message.new_rows), updated=list(message.updated_rows))
        self.report_health()

    @work(thread=True, exclusive=True, group="reload")
    def reload(self, new_rows: int = 0, updated: list[int] | None = None) -> None:
        timeline = self.session.timeline(self.view)
        self.call_from_thread(self._show, timeline, new_rows, updated or [])

    def _show(self, timeline: Timeline, new_rows: int, updated: list[int]) -> None:
        self.pane.replace_timeline(timeline, new_rows=new_rows)
        self.status.changed_at = time.time()
        self.status.new = self.pane.new_count

    @work(thread=True, exclusive=True, group="health")
    def report_health(self) -> None:
        health = self.session.health()
        self.post_message(SourceHealthChanged(health, self.session.next_poll()))

    def on_source_health_changed(self, message: SourceHealthChanged) -> None:
        self.status.health = message.health
        self.status.next_poll = message.next_poll

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    def on_headline_pane_moved(self, message: HeadlinePane.Moved) -> None:
        self.status.new = self.pane.new_count

    # -- actions --------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.session.refresh()
        self.notify("Polling every source now.", timeout=2)

    def action_jump_new(self) -> None:
        self.pane.action_first()
        self.status.new = 0

    def action_toggle_unread(self) -> None:
        self.view = View(
            source=self.view.source,
            badge=self.view.badge,
            unread=not self.view.unread,
            search=self.view.search,
        )
        self.status.view = self.view.describe(self.session.source_names())
        self.reload()

    def action_toggle_read(self) -> None:
        headline = self.pane.selected
        if headline is not None and headline.row is not None:
            self._mark(headline, read=not headline.read)

    def action_toggle_star(self) -> None:
        headline = self.pane.selected
        if headline is not None and headline.row is not None:
            self._mark(headline, starred=not headline.starred)

    @work(thread=True, group="marks")
    def _mark(self, headline: Headline, read: bool | None = None, starred: bool | None = None) -> None:
        assert headline.row is not None
        if read is not None:
            self.session.set_read([headline.row], read)
        if starred is not None:
            self.session.set_starred([headline.row], starred)
        self.call_from_thread(self.pane.forget, [headline.row])

    def action_help(self) -> None:
        from ticker.app.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def on_headline_pane_opened(self, message: HeadlinePane.Opened) -> None:
        from ticker.app.screens.reader import ReaderScreen

        reader = ReaderScreen(message.headline, self.session, self._neighbour)

        def closed(_: None) -> None:
            self._mark_read(reader.opened)

        self.push_screen(reader, closed)

    def _neighbour(self, step: int) -> Headline | None:
        """Move the pane's cursor for the reader's n and p; the headline there, or None."""
        before = self.pane.cursor
        self.pane.move(step)
        return self.pane.selected if self.pane.cursor != before else None

    @work(thread=True, group="marks")
    def _mark_read(self, rows: list[int]) -> None:
        if rows:
            self.session.set_read(rows, True)
            self.call_from_thread(self.pane.forget, rows)
