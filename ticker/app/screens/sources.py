"""The sources screen: each source's health, headline count, last success and next poll.

Names, URLs and errors come from config files and the network: every cell is `Text`, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ticker.model import SourceHealth
from ticker.session import Session

# Health is last: an error is as long as it is, and the line under the table has all of it.
COLUMNS = ("Source", "Headlines", "Last success", "Next poll", "Health")
NAME_WIDTH = 28
ERROR_WIDTH = 60


class SourcesScreen(Screen[str | None]):
    """A table of sources; Enter dismisses with the chosen source's URL (show only it)."""

    DEFAULT_CSS = """
    SourcesScreen > #heading { padding: 0 1; text-style: bold; color: $accent; }
    SourcesScreen > DataTable { height: 1fr; }
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
        Binding("j", "cursor_down", "Next source", show=False),
        Binding("k", "cursor_up", "Previous source", show=False),
    ]

    def __init__(self, session: Session, *, selected: str | None = None) -> None:
        super().__init__()
        self.session = session
        self._health: list[SourceHealth] = []
        self._selected = selected  # the source the cursor starts on (the one shown, if any)

    def compose(self) -> ComposeResult:
        yield Static(Text("Sources"), id="heading")
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True)
        for label in COLUMNS:
            table.add_column(Text(label), key=label)
        yield table
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
        self.app.call_from_thread(self.show_health, health)

    def _failed(self, reason: str) -> None:
        self.table.loading = False
        self.query_one("#detail", Static).update(Text(f"Could not read the sources: {reason}"))

    def show_health(self, health: Sequence[SourceHealth]) -> None:
        """Fill the table, keeping the cursor on the same source."""
        table = self.table
        table.loading = False
        chosen = self._highlighted_url() if self._health else self._selected
        self._health = list(health)
        table.clear()
        for record in self._health:
            table.add_row(*self._cells(record), key=record.url)
        urls = [record.url for record in self._health]
        if chosen in urls:
            table.move_cursor(row=urls.index(chosen), animate=False)
        heading = f"Sources: {len(self._health)}"
        failing = sum(1 for record in self._health if not record.ok)
        if failing:
            heading += f", {failing} failing"
        self.query_one("#heading", Static).update(Text(heading))
        self._show_detail()

    def _cells(self, record: SourceHealth) -> list[Text]:
        tz = self.session.tz

        def style(name: str) -> Style:  # the colour alone: the table draws the background
            return self.get_component_rich_style(name, partial=True)

        if record.ok:
            health = Text("ok", style("sources--ok"))
        else:
            error = _one_line(record.last_error or "")
            failures = f"{record.failures} failures: " if record.failures > 1 else ""
            health = Text(f"{failures}{error}", style("sources--failing"), no_wrap=True)
            health.truncate(ERROR_WIDTH, overflow="ellipsis")
        name = Text(_one_line(record.name), no_wrap=True)
        name.truncate(NAME_WIDTH, overflow="ellipsis")
        return [
            name,
            Text(str(record.item_count), justify="right"),
            _when(record.last_success, tz, style("sources--muted"), missing="never"),
            _when(record.next_poll, tz, style("sources--muted"), missing="—"),
            health,
        ]

    def _highlighted_url(self) -> str | None:
        row = self.table.cursor_row
        return self._health[row].url if 0 <= row < len(self._health) else None

    def _show_detail(self) -> None:
        row = self.table.cursor_row
        if not 0 <= row < len(self._health):
            self.query_one("#detail", Static).update("")
            return
        record = self._health[row]
        detail = Text(_one_line(record.url), no_wrap=True, overflow="ellipsis")
        if record.last_error:
            detail.append("\n")
            failing = self.get_component_rich_style("sources--failing", partial=True)
            detail.append(_one_line(record.last_error), failing)
        self.query_one("#detail", Static).update(detail)

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self._show_detail()

    # -- actions --------------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss(None)

    def action_show_only(self) -> None:
        self.dismiss(self._highlighted_url())

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _when(moment: datetime | None, tz: tzinfo | None, style: Style, *, missing: str) -> Text:
    """A local time: the clock today, else the day and the clock."""
    if moment is None:
        return Text(missing, style)
    local = moment.astimezone(tz)
    today = datetime.now(local.tzinfo).date()
    shown = local.strftime("%H:%M") if local.date() == today else local.strftime("%a %d %b %H:%M")
    return Text(shown, style)
