"""The few messages the core's events become inside the app."""

from __future__ import annotations

from textual.message import Message

from ticker.model import PollOutcome, SourceHealth


class HeadlinesChanged(Message):
    """A poll stored new or updated headlines, or nothing: `outcomes` says how each source did."""

    def __init__(
        self,
        new_rows: tuple[int, ...],
        updated_rows: tuple[int, ...],
        outcomes: tuple[PollOutcome, ...] = (),
        *,
        elsewhere: bool = False,
    ) -> None:
        super().__init__()
        self.new_rows = new_rows
        self.updated_rows = updated_rows
        self.outcomes = outcomes
        # Another process (the poller, a viewer's marks) wrote the store; what it updated is
        # not known here.
        self.elsewhere = elsewhere


class SourceHealthChanged(Message):
    """Sources were polled: their health records, as the store has them now."""

    def __init__(
        self, health: list[SourceHealth], next_poll: float | None, problem: str | None = None
    ) -> None:
        super().__init__()
        self.health = health
        self.next_poll = next_poll
        self.problem = problem  # the store's last write failure, while it lasts
