"""The search bar: one line under the headline pane that filters titles as the person types.

It only edits text; the app turns each change into a view and reloads the pane in a worker.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class SearchBar(Input):
    """Search words for the headline pane; Enter keeps them, Esc clears them."""

    DEFAULT_CSS = """
    SearchBar, SearchBar:focus {
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
        display: none;
    }
    SearchBar:focus { background: $surface; }
    SearchBar.-active { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "keep", "Keep the filter", tooltip="Back to the headlines, filtered"),
        Binding("escape", "clear", "Clear the search", tooltip="Show every title again"),
    ]

    class Finished(Message):
        """The person is done with the search bar: focus goes back to the headlines."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="Search titles…  Enter keeps the filter, Esc clears it", id=id)

    def open(self) -> None:
        """Show the bar and put the cursor at the end of the words already there."""
        self.add_class("-active")
        self.focus()
        self.cursor_position = len(self.value)

    def action_keep(self) -> None:
        self.post_message(self.Finished())

    def action_clear(self) -> None:
        self.value = ""
        self.post_message(self.Finished())
