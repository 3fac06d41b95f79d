"""Times as people read them: local clock times and day headers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


def day_label(day: date, today: date) -> str:
    """'Today', 'Yesterday', else e.g. 'Saturday, 26 October 2024'."""
    if day == today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    return f"{day:%A}, {day.day} {day:%B %Y}"


def iso_utc(moment: datetime) -> str:
    """One fixed ISO 8601 form in UTC: 2024-10-26T09:50:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
