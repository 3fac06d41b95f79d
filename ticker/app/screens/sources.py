"""The sources screen: each source's health, headline count, last success and next poll.

It lists the session's sources (a removed source's starred headlines keep its row in the store;
it is not listed), and edits them: `a` adds one, `p` pauses or resumes one, `d` removes one after
asking. Under the table, alerting's last failure (the notify command's) when there is one.
Names, URLs and errors come from config files and the network: every cell is `Text`, never
markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, ClassVar, cast

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ticker.app.screens.confirm import ConfirmRemove
from ticker.model import Source, SourceHealth
from ticker.sanitize import clean_line
from ticker.session import Session

if TYPE_CHECKING:
    from ticker.app.app import TickerApp

# Health is last: an error is as long as it is, and the line under the table has all of it.
COLUMNS = ("Source", "Headlines", "Last success", "Next poll", "Health")
NAME_WIDTH = 28
SERVER_NAMES = {"ttrss": "tt-rss", "miniflux": "miniflux"}
ERROR_WIDTH = 60


@dataclass(frozen=True, slots=True)
class _Row:
    """One line of the table: a source of the session and what the store knows of it."""

    source: Source
    health: SourceHealth

    @property
    def url(self) -> str:
        return self.source.url

    @property
    def failing(self) -> bool:
        return not self.source.paused and not self.health.ok


class SourcesScreen(Screen[str | None]):
    """A table of sources; Enter dismisses with the chosen source's URL (show only it)."""

    DEFAULT_CSS = """
    SourcesScreen > #heading { padding: 0 1; text-style: bold; color: $accent; }
    SourcesScreen > DataTable { height: 1fr; }
    SourcesScreen > #alerting { height: auto; padding: 0 1; color: $error; display: none; }
    SourcesScreen > #detail { height: auto; max-height: 4; padding: 0 1; color: $text-muted; }
    SourcesScreen > .sources--ok { color: $success; }
    SourcesScreen > .sources--failing { color: $error; }
    SourcesScreen > .sources--muted { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"sources--ok", "sources--failing", "sources--muted"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", tooltip="Back to the headlines"),
        Binding(
            "enter",
            "show_only",
            "Show only",
            tooltip="Back to the headlines, showing only this source",
            priority=True,
        ),
        Binding("a", "add", "Add", tooltip="Add a source: a feed, or a page's list of headlines"),
        Binding("p", "pause", "Pause", tooltip="Stop polling this source; it stays in the config"),
        Binding("p", "resume", "Resume", tooltip="Poll this paused source again"),
        Binding("d", "remove", "Remove", tooltip="Remove this source; its starred headlines stay"),
        Binding("j", "cursor_down", "Next source", show=False),
        Binding("k", "cursor_up", "Previous source", show=False),
    ]

    def __init__(self, session: Session, *, selected: str | None = None) -> None:
        super().__init__()
        self.session = session
        self._health: list[SourceHealth] = []  # the store's records, as last read
        self._rows: list[_Row] = []  # the session's sources, as the table shows them
        self._loaded = False
        self._selected = selected  # the source the cursor starts on (the one shown, if any)

    def compose(self) -> ComposeResult:
        yield Static(Text("Sources"), id="heading")
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True)
        for label in COLUMNS:
            table.add_column(Text(label), key=label)
        yield table
        yield Static(id="alerting")
        yield Static(id="detail")
        yield Footer(compact=True)

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one(DataTable)

    def on_mount(self) -> None:
        self.table.loading = True
        self.load()

    @work(thread=True, exclusive=True, group="health", exit_on_error=False)
    def load(self) -> None:
        try:
            health = self.session.health()
        except Exception as error:  # a store that cannot be read is a line, not a traceback
            self.app.call_from_thread(self._failed, str(error) or type(error).__name__)
            return
        self.app.call_from_thread(self.show_health, health, self._read_problems())

    def _failed(self, reason: str) -> None:
        self.table.loading = False
        self.query_one("#detail", Static).update(Text(f"Could not read the sources: {reason}"))

    def show_health(
        self,
        health: Sequence[SourceHealth],
        problems: Mapping[str, tuple[datetime, str]] | None = None,
    ) -> None:
        """Fill the table with the session's sources, keeping the cursor on the same source;
        alerting's `problems` under it (None: read them anew, in a thread)."""
        table = self.table
        table.loading = False
        chosen = self._highlighted_url() if self._loaded else self._selected
        row_before = table.cursor_row
        self._loaded = True
        self._health = list(health)
        known = {record.url: record for record in self._health}
        # The aggregator's feeds (tt-rss...) beside the local sources, marked as the server's.
        shown = [*self.session.sources, *self.session.remote_sources(self._health)]
        sources = sorted(shown, key=lambda s: (s.kind != "aggregator", s.name.casefold(), s.url))
        self._rows = [_Row(s, known.get(s.url) or SourceHealth(s.url, s.name)) for s in sources]
        table.clear()
        for row in self._rows:
            table.add_row(*self._cells(row), key=row.url)
        urls = [row.url for row in self._rows]
        if chosen in urls:
            table.move_cursor(row=urls.index(chosen), animate=False)
        elif urls:  # the source there was removed: the one that took its place
            table.move_cursor(row=min(max(row_before, 0), len(urls) - 1), animate=False)
        heading = f"Sources: {len(self._rows)}"
        failing = sum(1 for row in self._rows if row.failing)
        if failing:
            heading += f", {failing} failing"
        paused = sum(1 for row in self._rows if row.source.paused)
        if paused:
            heading += f", {paused} paused"
        self.query_one("#heading", Static).update(Text(heading))
        self._show_detail()
        self.refresh_bindings()
        if problems is None:
            self.load_problems()
        else:
            self.show_problems(problems)

    def _read_problems(self) -> Mapping[str, tuple[datetime, str]]:
        try:
            return self.session.alert_problems()
        except Exception:  # a store that cannot be read: the health says so already
            return {}

    @work(thread=True, exclusive=True, group="alert-problems", exit_on_error=False)
    def load_problems(self) -> None:
        self.app.call_from_thread(self.show_problems, self._read_problems())

    def show_problems(self, problems: Mapping[str, tuple[datetime, str]]) -> None:
        """One line for each thing that fails in alerting (the notify command), or none."""
        if not self.is_attached:
            return  # read after the screen closed
        line = self.query_one("#alerting", Static)
        text = Text()
        for what, (at, error) in sorted(problems.items()):
            if text:
                text.append("\n")
            name = "command" if what == "command" else clean_line(what, 40, markup=False)
            when = local_time(at, self.session.tz, Style(), missing="")
            text.append(f"Alert {name} failed at {when.plain}: ")
            text.append(clean_line(error, ERROR_WIDTH * 2, markup=False))
        line.update(text)
        line.display = bool(problems)

    def _cells(self, row: _Row) -> list[Text]:
        tz = self.session.tz
        record = row.health

        def style(name: str) -> Style:  # the colour alone: the table draws the background
            return self.get_component_rich_style(name, partial=True)

        if row.source.paused:
            health = Text("paused", style("sources--muted"))
        elif record.last_attempt is None and record.ok:
            health = Text("not polled yet", style("sources--muted"))
        elif record.ok:
            health = Text("ok", style("sources--ok"))
        else:
            error = clean_line(record.last_error or "", markup=False)
            failures = f"{record.failures} failures: " if record.failures > 1 else ""
            health = Text(f"{failures}{error}", style("sources--failing"), no_wrap=True)
            health.truncate(ERROR_WIDTH, overflow="ellipsis")
        name = Text(clean_line(row.source.name, markup=False), no_wrap=True)
        server = self.session.settings.aggregator
        if row.source.kind in ("remote", "aggregator") and server is not None:
            # Whose feed it is, at the name's end where truncation cannot hide it.
            mark = "sync" if row.source.kind == "aggregator" else SERVER_NAMES[server.kind]
            name.truncate(NAME_WIDTH - len(mark) - 1, overflow="ellipsis")
            name.append(f" {mark}", style("sources--muted"))
        name.truncate(NAME_WIDTH, overflow="ellipsis")
        next_poll = None if row.source.paused else record.next_poll
        return [
            name,
            Text(str(record.item_count), justify="right"),
            local_time(record.last_success, tz, style("sources--muted"), missing="never"),
            local_time(next_poll, tz, style("sources--muted"), missing="—"),
            health,
        ]

    def _highlighted(self) -> _Row | None:
        row = self.table.cursor_row
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def _highlighted_url(self) -> str | None:
        row = self._highlighted()
        return row.url if row is not None else None

    def _show_detail(self) -> None:
        row = self._highlighted()
        if row is None:
            self.query_one("#detail", Static).update("")
            return
        record = row.health
        detail = Text(clean_line(row.url, markup=False), no_wrap=True, overflow="ellipsis")
        if record.last_error and not row.source.paused:
            detail.append("\n")
            failing = self.get_component_rich_style("sources--failing", partial=True)
            detail.append(clean_line(record.last_error, markup=False), failing)
        self.query_one("#detail", Static).update(detail)

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self._show_detail()
        self.refresh_bindings()  # Pause or Resume, for the source now highlighted

    # -- actions --------------------------------------------------------------------------

    @property
    def ticker(self) -> TickerApp:
        return cast("TickerApp", self.app)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("pause", "resume", "remove"):
            row = self._highlighted()
            if row is None:
                return False
            if row.source.kind == "aggregator":
                return False  # the sync itself: its feeds are edited one by one
            if row.source.kind == "remote" and action != "remove":
                return False  # paused on the server, if at all
            if action == "pause":
                return not row.source.paused
            if action == "resume":
                return row.source.paused
        return True

    def action_add(self) -> None:
        self.ticker.action_add_source()

    def action_pause(self) -> None:
        if self.ticker.refused("sources"):
            return
        if (row := self._highlighted()) is not None:
            self.set_paused(row.source, True)

    def action_resume(self) -> None:
        if self.ticker.refused("sources"):
            return
        if (row := self._highlighted()) is not None:
            self.set_paused(row.source, False)

    def action_remove(self) -> None:
        if self.ticker.refused("sources"):
            return
        row = self._highlighted()
        if row is None:
            return
        source = row.source

        def answered(remove: bool | None) -> None:
            if remove:
                self.remove_source(source)

        what = "Its headlines are deleted; starred headlines are kept."
        if source.kind == "remote":
            what = "Unsubscribed on the server; its headlines are deleted, starred ones kept."
        confirm = ConfirmRemove("Remove a source", source.name, what, source.url)
        self.app.push_screen(confirm, answered)

    @work(group="edit", exit_on_error=False)
    async def set_paused(self, source: Source, paused: bool) -> None:
        try:
            await self.session.set_paused(source.url, paused)
        except Exception as error:  # a config file that cannot be written: say so, change nothing
            self._edit_failed(error)
            return
        self.show_health(self._health)  # at once; the app's health report follows
        self.ticker.sources_changed()
        done = "Paused" if paused else "Resumed"
        self.notify(
            f"{done} {clean_line(source.name, markup=False)}{self._for_now()}", markup=False
        )

    @work(group="edit", exit_on_error=False)
    async def remove_source(self, source: Source) -> None:
        try:
            kept = await self.session.remove_source(source.url)
        except Exception as error:
            self._edit_failed(error)
            return
        self.show_health(self._health)
        self.ticker.sources_changed(removed=source.url)
        starred = f"; {kept} starred headline{'s' if kept != 1 else ''} kept" if kept else ""
        self.notify(
            f"Removed {clean_line(source.name, markup=False)}{starred}{self._for_now()}",
            markup=False,
        )

    def _for_now(self) -> str:
        return "" if self.session.saves_sources else " (for this run only)"

    def _edit_failed(self, error: Exception) -> None:
        reason = clean_line(str(error), markup=False) or type(error).__name__
        self.notify(reason, severity="error", timeout=8, markup=False)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_show_only(self) -> None:
        self.dismiss(self._highlighted_url())

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()


def local_time(moment: datetime | None, tz: tzinfo | None, style: Style, *, missing: str) -> Text:
    """A local time (in `tz`): the clock today, else the day and the clock."""
    if moment is None:
        return Text(missing, style)
    local = moment.astimezone(tz)
    today = datetime.now(local.tzinfo).date()
    shown = local.strftime("%H:%M") if local.date() == today else local.strftime("%a %d %b %H:%M")
    return Text(shown, style)
