"""What fired, and how a look at the store's new alerts becomes a few notifications.

`AlertEvent` is one alert as the store keeps it. `burst` turns the events of one look (one poll's
batch, or what a viewer read with `alerts_after`) into at most a few notifications: one per
headline up to `BURST_LIMIT`, else one summary that says how many. `deliveries` adds what each
notification does in a viewer, the quiet hours applied.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from ticker.alerts.rules import Action, AlertSettings
from ticker.model import Badge

BURST_LIMIT = 3  # notifications for one look at most; beyond, one summary says how many
SUMMARY_RULES = 3  # rules named in a summary; the rest are "…"


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One rule fired for one headline (or one revision of it). Ids only grow."""

    id: int
    rule: str
    row: int  # the headline's row id (it may have been deleted since)
    source: str  # the source's URL
    source_name: str
    guid: str
    title: str  # as it was when the rule fired: clean text
    url: str
    badges: Badge
    revision: int  # 0: as first seen; n: its n-th update
    actions: Action
    fired: datetime

    @property
    def updated(self) -> bool:
        return self.revision > 0


@dataclass(frozen=True, slots=True)
class Notification:
    """What a person is told: a title (rule names or a count) and a body (the headline)."""

    title: str
    body: str
    events: tuple[AlertEvent, ...]
    actions: Action  # what its events' rules ask for, together

    @property
    def count(self) -> int:
        """How many headlines it tells of."""
        return len({(e.source, e.guid) for e in self.events})

    @property
    def text(self) -> str:
        """Title and body as one line, for a toast or OSC 9."""
        return f"{self.title}: {self.body}"

    @property
    def row(self) -> int | None:
        """The headline's row, when it tells of one headline."""
        return self.events[0].row if self.count == 1 else None


@dataclass(frozen=True, slots=True)
class Delivery:
    """A notification and what a viewer does with it now (quiet hours applied)."""

    notification: Notification
    toast: bool
    bell: bool
    desktop: bool


def burst(events: Sequence[AlertEvent], limit: int = BURST_LIMIT) -> list[Notification]:
    """One notification per headline (its rules together) up to `limit`, else one summary."""
    if not events:
        return []
    by_headline: dict[tuple[str, str], list[AlertEvent]] = {}
    for event in sorted(events, key=lambda e: e.id):
        by_headline.setdefault((event.source, event.guid), []).append(event)
    if len(by_headline) <= limit:
        return [_single(group) for group in by_headline.values()]
    ordered = sorted(events, key=lambda e: e.id)
    counts = Counter(e.rule for e in ordered)
    named = [f"{rule} × {n}" for rule, n in counts.most_common(SUMMARY_RULES)]  # noqa: RUF001
    if len(counts) > SUMMARY_RULES:
        named.append("…")
    newest = ordered[-1]
    actions = Action(0)
    for event in ordered:
        actions |= event.actions
    return [
        Notification(
            title=f"{len(by_headline)} alerts",
            body=f"{', '.join(named)}; newest: {newest.title}",
            events=tuple(ordered),
            actions=actions,
        )
    ]


def _single(events: list[AlertEvent]) -> Notification:
    rules = list(dict.fromkeys(e.rule for e in events))
    actions = Action(0)
    for event in events:
        actions |= event.actions
    event = events[-1]
    what = "updated: " if all(e.updated for e in events) else ""
    body = f"{what}{event.title}"
    if event.source_name:
        body += f" ({event.source_name})"
    return Notification(", ".join(rules), body, tuple(events), actions)


def deliveries(
    events: Sequence[AlertEvent],
    settings: AlertSettings,
    now: datetime,
    tz: tzinfo | None = None,
    limit: int = BURST_LIMIT,
) -> list[Delivery]:
    """What a viewer shows for `events`: toasts always; bell and desktop unless quiet or off."""
    quiet = settings.quiet(now, tz)
    return [
        Delivery(
            notification,
            toast=Action.TOAST in notification.actions,
            bell=Action.BELL in notification.actions and settings.bell and not quiet,
            desktop=Action.DESKTOP in notification.actions
            and settings.desktop != "off"
            and not quiet,
        )
        for notification in burst(events, limit)
    ]
