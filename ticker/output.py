"""Headlines as text for a shell: plain lines under day headers, or JSON Lines."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo

from ticker.dates import day_label, iso_utc
from ticker.model import Article, Headline
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
    """One JSON object per headline; `published` in UTC, ISO 8601.

    `title_from` says where the title came from: "title" (the item's own), or for an item
    without one "dc:title", "itunes:title", "media:title", "summary", "content", "link", "none".
    """
    for h in headlines:
        yield json.dumps(
            {
                "id": h.guid,
                "source": h.source_name,
                "source_url": h.source,
                "title": h.title,
                "title_from": h.title_from or "title",
                "url": h.url,
                "published": iso_utc(h.published),
                "badges": h.badges.names(),
                "summary": h.summary,
                "read": h.read,
                "starred": h.starred,
            },
            ensure_ascii=False,
        )


_HEADING = re.compile(r"^#{1,6}\s+", re.MULTILINE)
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~<])")


def article_plain(article: Article) -> str:
    """The title line, a blank line, the body as text (Markdown's markers and escapes gone)."""
    body = _MARKDOWN_ESCAPE.sub(r"\1", _HEADING.sub("", article.body))
    return strip_controls(f"{article.title}\n\n{body}\n")


def article_markdown(article: Article, tz: tzinfo | None) -> str:
    """A Markdown document: title, a metadata line, body, tags."""
    meta = [article.byline or ""]
    if article.published is not None:
        meta.append(f"{article.published.astimezone(tz):%d %B %Y, %H:%M}")
    meta.append(article.url)
    parts = [f"# {article.title}", " · ".join(m for m in meta if m), article.body]
    if article.tags:
        parts.append("Tags: " + ", ".join(article.tags))
    return strip_controls("\n\n".join(parts) + "\n")


def article_json(article: Article) -> str:
    """One JSON object: url, title, byline, published, body, tags, lang, from."""
    return json.dumps(
        {
            "url": article.url,
            "title": article.title,
            "byline": article.byline,
            "published": iso_utc(article.published) if article.published else None,
            "body": article.body,
            "tags": list(article.tags),
            "lang": article.lang,
            "from": article.origin,
        },
        ensure_ascii=False,
    )
