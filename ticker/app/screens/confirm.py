"""Remove this? A small dialog, y or n: for a source, an alert rule."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ticker.sanitize import clean_line


class ConfirmRemove(ModalScreen[bool]):
    """Remove `name`? y or n. `what_happens` says what goes and what stays; `detail` (a URL,
    what a rule matches) is one line under it. Every text is shown as text, never markup."""

    DEFAULT_CSS = """
    ConfirmRemove { align: center middle; }
    ConfirmRemove > Vertical {
        width: 64; max-width: 100%; height: auto;
        border: round $warning; background: $surface; padding: 0 1;
        border-title-color: $warning;
    }
    ConfirmRemove #keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Remove"),
        Binding("n,escape,q", "answer(False)", "Keep"),
    ]

    def __init__(self, title: str, name: str, what_happens: str, detail: str) -> None:
        super().__init__()
        self._title = title
        self._name = name
        self._what_happens = what_happens
        self._detail = detail

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            question = Text("Remove ")
            question.append(clean_line(self._name, markup=False), "bold")
            question.append(f"?\n{self._what_happens}")
            yield Static(question)
            detail = clean_line(self._detail, 400, markup=False)
            yield Static(Text(detail, no_wrap=True, overflow="ellipsis"))
            yield Static(Text("y removes it, n keeps it"), id="keys")

    def action_answer(self, remove: bool) -> None:
        self.dismiss(remove)
