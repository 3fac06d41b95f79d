"""The help screen, generated from the bindings so it cannot drift from them.

Every binding with a description is listed, shown in the footer or not; its tooltip, when it has
one, says more. Add a key to a `BINDINGS` list and it is here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

# Names a person reads more easily than the footer's compact symbols.
KEY_NAMES = {
    "enter": "Enter",
    "escape": "Esc",
    "space": "Space",
    "pagedown": "PgDn",
    "pageup": "PgUp",
    "home": "Home",
    "end": "End",
    "tab": "Tab",
}
MOUSE = "Mouse: click a headline to select it, click it again to read it; the wheel scrolls."

Section = tuple[str, Sequence[BindingType]]


def sections(app: App[object]) -> list[Section]:
    """The bindings of every place in the app, under the name a person knows it by."""
    from ticker.app.screens.alerts import AlertsScreen
    from ticker.app.screens.reader import ReaderScreen
    from ticker.app.screens.sources import SourcesScreen
    from ticker.app.widgets.headline_pane import HeadlinePane
    from ticker.app.widgets.search_bar import SearchBar

    palette = Binding(
        app.COMMAND_PALETTE_BINDING,
        "command_palette",
        "Command palette",
        tooltip="Every action, sources, badges and themes, searched by name",
    )
    headlines = [*type(app).BINDINGS, palette, *HeadlinePane.BINDINGS]
    return [
        ("Headlines", headlines),
        ("Search bar", SearchBar.BINDINGS),
        ("Reader", ReaderScreen.BINDINGS),
        ("Sources", SourcesScreen.BINDINGS),
        ("Alerts", AlertsScreen.BINDINGS),
    ]


def key_names(app: App[object], binding: Binding) -> str:
    """Every key of a binding ("j,down" is two), as a person would write them."""
    if binding.key_display:
        return binding.key_display
    names = []
    for key in binding.key.split(","):
        key = key.strip()
        if key in KEY_NAMES:
            names.append(KEY_NAMES[key])
        elif key.startswith("ctrl+"):
            names.append("Ctrl+" + key.removeprefix("ctrl+").upper())
        else:
            names.append(app.get_key_display(binding.with_key(key)))
    return " ".join(names)


def help_table(app: App[object], groups: Iterable[Section]) -> Table:
    """The keys of each section in three columns: keys, what they do, more (never markup)."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(style="dim")
    for number, (title, bindings) in enumerate(groups):
        if number:
            table.add_row()
        table.add_row(Text(title, style="bold underline"))
        for item in bindings:
            binding = item if isinstance(item, Binding) else Binding(*item)
            if binding.description:
                keys = key_names(app, binding)
                table.add_row(Text(keys), Text(binding.description), Text(binding.tooltip))
    return table


class HelpScreen(ModalScreen[None]):
    """Every key of the headlines, the search bar, the reader and the sources screen."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 96; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
        border-title-color: $accent;
    }
    HelpScreen #mouse { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Keys"
            scroll.border_subtitle = "Esc closes"
            yield Static(help_table(self.app, sections(self.app)))
            yield Static(Text(MOUSE), id="mouse")
