"""`ticker serve`: the poller alone, headless, logging a line per round and per failing source.

And the one-shot commands' way onto a shared store (`ticker headlines`, `ticker serve --once`):
poll when no other process does, else ask the process that polls for a round and wait for it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ticker.errors import TickerError
from ticker.hub import Role
from ticker.hub.lock import PollerLock
from ticker.model import PollOutcome
from ticker.sanitize import clean_line
from ticker.store import Store

if TYPE_CHECKING:
    from ticker.config import Settings
    from ticker.model import Source
    from ticker.poller import PollBatch
    from ticker.session import Session

ASK_EVERY = 0.2  # seconds between looks for the poller's answer (and tries for the lock)
LINE_MAX = 400  # characters of one log line


class PollerSilent(TickerError):
    """The process that polls the store did not answer a request for a round in time."""


class Log:
    """Plain, clean lines with a UTC time stamp, one per event, flushed at once."""

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out or sys.stderr

    def line(self, text: str) -> None:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._out.write(f"{stamp} {clean_line(text, LINE_MAX, markup=False)}\n")
        self._out.flush()

    def outcomes(self, outcomes: Sequence[PollOutcome], next_poll: float | None = None) -> None:
        """One line per failing source, then one for the round."""
        failing = [o for o in outcomes if not o.ok]
        for outcome in failing:
            source = outcome.source
            self.line(f"failed: {source.name} ({source.url}): {outcome.error or 'failed'}")
        new = sum(o.new for o in outcomes)
        updated = sum(o.updated for o in outcomes)
        unchanged = sum(1 for o in outcomes if o.status == 304)
        count = len(outcomes)
        text = (
            f"polled {count} source{'s' if count != 1 else ''}: {new} new, {updated} updated,"
            f" {unchanged} unchanged, {len(failing)} failing"
        )
        if next_poll is not None:
            when = datetime.fromtimestamp(next_poll, UTC).strftime("%H:%M:%SZ")
            text += f"; next poll {when}"
        self.line(text)


async def serve(session: Session, log: Log) -> None:
    """Poll for as long as the task runs (or wait to take over from the process that polls)."""
    heard: list[PollOutcome] = []

    def batch(event: PollBatch) -> None:
        heard.extend(event.outcomes)

    def role(role: Role) -> None:
        if role is Role.POLLS:
            count = len(session.sources)
            log.line(f"polling {count} source{'s' if count != 1 else ''} into {session.store_path}")
        else:
            log.line("another ticker polls this store: waiting to take over when it stops")

    alerting: list[str | None] = [None]  # the alert problem last logged

    def round_over() -> None:
        if heard:
            outcomes = list(heard)
            heard.clear()
            log.outcomes(outcomes, session.next_poll())
        problem = session.alert_error  # a notify command runs after its round: seen at the next
        if problem != alerting[0]:
            alerting[0] = problem
            log.line(f"alerts: {problem}" if problem else "alerts: working again")

    await session.poll_forever(batch, on_role=role, on_round=round_over)


def poll_or_ask(
    store_path: Path, sources: Sequence[Source], settings: Settings
) -> list[PollOutcome] | None:
    """Poll every source once, unless another process polls this store: then ask it for a
    round and wait for it (bounded). The outcomes when polled here; None when the other did."""

    lock = PollerLock(store_path)
    if not lock.acquire() and _asked(store_path, lock, _answer_within(settings)):
        return None
    try:
        return poll_once(store_path, sources, settings)
    finally:
        lock.release()


def _answer_within(settings: Settings) -> float:
    """Seconds to wait for the polling process's round: a slow source's two tries, and some."""
    return 2 * settings.poll.timeout + 10.0


def _asked(store_path: Path, lock: PollerLock, within: float) -> bool:
    """Ask the polling process for a round; True once answered, False once the lock is ours."""
    deadline = time.monotonic() + within
    with Store(store_path) as store:
        request = store.ask_poll(time.time())
        seen = store.data_version()
        while True:
            if lock.acquire():
                return False  # the poller stopped: this process polls
            version = store.data_version()
            if version != seen:  # the poller committed something: perhaps the answer
                seen = version
                if store.answered(request):
                    return True
            if time.monotonic() > deadline:
                raise PollerSilent(
                    f"the ticker that polls {store_path} did not finish a round within {within:g} s"
                )
            time.sleep(ASK_EVERY)


def poll_once(store_path: Path, sources: Sequence[Source], settings: Settings) -> list[PollOutcome]:
    """Poll `sources` once into the store (retention after), here; the outcomes."""
    from ticker import shutdown
    from ticker.aggregator.sync import for_settings
    from ticker.poller import Poller

    async def poll() -> list[PollOutcome]:
        async with Poller(
            store_path,
            sources,
            settings.poll,
            retention=settings.retention,
            tz=settings.tz(),
            aggregator=for_settings(settings.aggregator),
        ) as poller:
            outcomes = await poller.poll_once()
            await poller.prune()
            return outcomes

    return shutdown.run(poll())
