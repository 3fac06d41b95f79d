"""Headlines as text for a shell: plain lines under day headers, or JSON Lines."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo

from ticker.dates import day_label, iso_utc
from ticker.model import Headline
from ticker.sanitize import strip_controls


def plain(headlines: Iterable[Headline], tz: tzinfo | None, now: datetime) -> Iterator[str]:
    """Day headers, then `HH:MM  [BADGE] Source  Title` lines, in the display zone."""
    today = now.astimezone(tz).date()
    day = None
    for headline in headlines:
        when = headline.published.astimezone(tz)
        if when.date() != day:
            if day is not None:
                yield ""
            day = when.date()
            yield day_label(day, today)
        badges = "".join(f"[{name.upper()}] " for name in headline.badges.names())
        # Stored text is clean already; stripping again costs little and guards the terminal.
        yield strip_controls(f"{when:%H:%M}  {badges}{headline.source_name}  {headline.title}")


def json_lines(headlines: Iterable[Headline]) -> Iterator[str]:
    """One JSON object per headline; `published` in UTC, ISO 8601."""
    for h in headlines:
        yield json.dumps(
            {
                "id": h.guid,
                "source": h.source_name,
                "source_url": h.source,
                "title": h.title,
                "url": h.url,
                "published": iso_utc(h.published),
                "badges": h.badges.names(),
                "summary": h.summary,
                "read": h.read,
                "starred": h.starred,
            },
            ensure_ascii=False,
        )
