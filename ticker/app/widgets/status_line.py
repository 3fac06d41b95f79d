"""The status line: when headlines last changed, how the sources are doing, the next poll,
whether this process polls its store or views what another one polls.

It shows absolute times only and redraws only when its text changes, so a dashboard left
idle over a slow link writes nothing to the terminal while nothing happens.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from ticker.model import SourceHealth

SHOWN_EVERY = 120.0  # seconds: a shorter interval is shown as such, not as a next poll's time


class StatusLine(Static):
    """One line of state, drawn again only when it reads differently."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        background: $panel;
        color: $text-muted;
        padding: 0 1;
    }
    """

    changed_at: reactive[float | None] = reactive(None, layout=False, repaint=False)
    health: reactive[list[SourceHealth]] = reactive(list, layout=False, repaint=False)
    next_poll: reactive[float | None] = reactive(None, layout=False, repaint=False)
    new: reactive[int] = reactive(0, layout=False, repaint=False)
    view: reactive[str] = reactive("", layout=False, repaint=False)
    problem: reactive[str | None] = reactive(None, layout=False, repaint=False)
    role: reactive[str | None] = reactive(None, layout=False, repaint=False)  # "polls", "views"
    # The shortest interval of the polled sources: under SHOWN_EVERY it is shown instead of the
    # next poll's time, which would change (and be drawn again) every minute.
    every: reactive[float | None] = reactive(None, layout=False, repaint=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._shown = ""
        self.tz: tzinfo | None = None  # the display zone, as the headlines use

    def on_mount(self) -> None:
        self._show()

    def watch_changed_at(self) -> None:
        self._show()

    def watch_health(self) -> None:
        self._show()

    def watch_next_poll(self) -> None:
        self._show()

    def watch_new(self) -> None:
        self._show()

    def watch_view(self) -> None:
        self._show()

    def watch_problem(self) -> None:
        self._show()

    def watch_role(self) -> None:
        self._show()

    def watch_every(self) -> None:
        self._show()

    def text(self) -> str:
        parts = []
        if self.problem:  # first: nothing new is kept until it is solved
            parts.append(f"! {self.problem}")
        if self.new:
            parts.append(f"{self.new} new (N)")
        if self.view:
            parts.append(f"showing {self.view}")
        if self.changed_at is not None:
            parts.append(f"updated {_clock(self.changed_at, self.tz)}")
        if self.health:
            failing = sum(1 for h in self.health if not h.ok)
            ok = len(self.health) - failing
            plural = "s" if ok != 1 else ""
            parts.append(f"{ok} ok, {failing} failing" if failing else f"{ok} source{plural} ok")
        if self.every is not None and self.every < SHOWN_EVERY:
            parts.append(f"polls every {self.every:g} s")
        elif self.next_poll is not None:
            parts.append(f"next poll {_clock(self.next_poll, self.tz)}")
        if self.role:
            # Another ticker polls this store: this one only shows what it stores.
            parts.append("polling" if self.role == "polls" else "viewing")
        return " · ".join(parts)

    def _show(self) -> None:
        text = self.text()
        if text != self._shown:
            self._shown = text
            # Never markup. One line whatever it says: no layout, which would repaint the
            # whole screen for a changed clock (14 kB a time, bench/viewers.py).
            self.update(Text(text, no_wrap=True, overflow="ellipsis"), layout=False)


def _clock(stamp: float, tz: tzinfo | None) -> str:
    return datetime.fromtimestamp(stamp, tz).strftime("%H:%M") if stamp > 0 else "--:--"
