"""The help screen, generated from the bindings so it cannot drift from them."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

# Keys handled outside BINDINGS (or shared by several screens), with what they do.
EXTRA_KEYS: tuple[tuple[str, str], ...] = (
    ("j / ↓, k / ↑", "next / previous headline"),
    ("g / Home, G / End", "newest / oldest headline"),
    ("PgDn / Space, PgUp", "a screen down / up"),
    ("Enter / click", "read the headline's article"),
    ("mouse wheel", "scroll"),
)
READER_KEYS: tuple[tuple[str, str], ...] = (
    ("j k ↑ ↓ Space PgUp PgDn g G", "scroll the article"),
    ("n / p", "next / previous headline, without leaving the reader"),
    ("o", "open the article in the browser"),
    ("y", "copy the link"),
    ("Esc / q", "back to the headlines"),
)


class HelpScreen(ModalScreen[None]):
    """Every key, from the app's and the pane's bindings."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 72; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self._text())

    def _text(self) -> Text:
        text = Text()
        text.append("Headlines\n", style="bold")
        rows = list(EXTRA_KEYS)
        for binding in self.app.BINDINGS:
            if isinstance(binding, Binding) and binding.description:
                rows.append((binding.key_display or binding.key, binding.description))
        for key, what in rows:
            text.append(f"  {key:<28}", style="bold")
            text.append(f"{what}\n")
        text.append("\nReader\n", style="bold")
        for key, what in READER_KEYS:
            text.append(f"  {key:<28}", style="bold")
            text.append(f"{what}\n")
        text.append("\nCtrl+P opens the command palette: actions, sources, badges, themes.")
        return text
