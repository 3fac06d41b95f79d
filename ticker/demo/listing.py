"""The demo newsroom's "Read also" page: live headlines on a page without a feed.

Served at `PATH`, it lists the newest stories the way a news site's column of latest news does:
day headers ("2026, Wednesday / 25 November"), then rows of a time (HH:MM in Kyiv), an optional
label (Exclusive, Updated, OPINION, Review) and the headline linked to its article page. Around
it stands the clutter of a real page: navigation, a dateline, a "Most read" block without
times and a footer. One row carries an unrendered template key, `{{ label }}`, as a broken
publishing system leaves it; a reader must not show it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

from ticker.demo import words
from ticker.demo.newsroom import Newsroom, Story, slugify
from ticker.demo.render import story_url

PATH = "/latest.html"
ZONE = "Europe/Kyiv"
SIZE = 40  # stories in the column
MOST_READ = 5
TEMPLATE_KEY = "{{ label }}"

# The selectors that read this page (what `ticker.listing.propose` should find as well).
ITEM = "div.news-feed__item"
TITLE = "a.news-feed__link"
TIME = "span.news-feed__time"
DATE = "div.news-feed__date"
LABEL = "span.news-feed__label"


def latest_page(room: Newsroom) -> bytes:
    """The page of the newsroom's newest stories, as it stands now."""
    stories = room.newest(SIZE)
    return render_page(stories, _most_read(stories))


def render_page(stories: Sequence[Story], most_read: Sequence[Story]) -> bytes:
    """The page of `stories` (newest first) with a "Most read" block of `most_read`."""
    zone = ZoneInfo(ZONE)
    template_row = _template_row(stories)
    rows: list[str] = []
    day: date | None = None
    for index, story in enumerate(stories):
        when = story.published.astimezone(zone)
        if when.date() != day:
            day = when.date()
            rows.append(f'<div class="news-feed__date">{_day_header(when)}</div>\n')
        label = story.labels[0] if story.labels else None
        if index == template_row:
            label = TEMPLATE_KEY
        label_html = f'<span class="news-feed__label">{escape(label)}</span> ' if label else ""
        rows.append(
            f'<div class="news-feed__item"><span class="news-feed__time">{when:%H:%M}</span> '
            f'{label_html}<a class="news-feed__link" href="{story_url("", story)}">'
            f"{escape(story.title)}</a></div>\n"
        )
    popular = "".join(
        f'<li class="most-read__item"><a href="{story_url("", s)}">{escape(s.headline)}</a></li>\n'
        for s in most_read
    )
    sections = "".join(
        f'<a class="menu__link" href="/?section={s.lower()}">{escape(s)}</a> '
        for s in words.SECTIONS
    )
    footer = " ".join(f'<a href="/?page={slugify(s)}">{escape(s)}</a>' for s in words.FOOTER_LINKS)
    newest = stories[0].published.astimezone(zone) if stories else None
    dateline = f'<div class="site-header__today">{_long_date(newest)}</div>\n' if newest else ""
    html = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Latest news | {words.SITE_NAME}. Global</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<script>window.dataLayer=window.dataLayer||[];"
        "dataLayer.push({page:'latest',refresh:'00:05'});</script>\n"
        '</head>\n<body class="page page--latest">\n'
        f'<header class="site-header"><a class="site-header__logo" href="/">'
        f"{words.SITE_NAME}. Global</a>\n{dateline}"
        f'<nav class="menu">{sections}</nav></header>\n'
        '<div class="layout">\n<main class="layout__main">\n'
        '<h1 class="layout__title">Latest news</h1>\n'
        f'<p class="layout__intro">{escape(words.SITE_TAGLINE)}.</p>\n'
        '<section class="most-read"><h2 class="most-read__title">Most read</h2>\n'
        f'<ul class="most-read__list">\n{popular}</ul></section>\n'
        "</main>\n"
        '<aside class="news-feed">\n<div class="news-feed__head">Read also:</div>\n'
        '<ul class="news-feed__tabs"><li><a href="/latest.html">News</a></li></ul>\n'
        '<div class="news-feed__list">\n' + "".join(rows) + "</div>\n"
        '<a class="news-feed__more" href="/latest.html?page=2">More articles</a>\n'
        "</aside>\n</div>\n"
        f'<footer class="site-footer"><nav class="site-footer__links">{footer}</nav>\n'
        f"<p>&copy; 2024 {words.SITE_NAME}. Every place, person and company on this site "
        "is invented.</p></footer>\n"
        "</body>\n</html>\n"
    )
    return html.encode()


def _template_row(stories: Sequence[Story]) -> int | None:
    """The row whose label the "publishing system" failed to render: an unlabelled one."""
    for index, story in enumerate(stories):
        if index >= 2 and not story.labels:
            return index
    return None


def _most_read(stories: Sequence[Story]) -> list[Story]:
    """A few of the stories, in an order of their own (readers do not read by time)."""
    return sorted(stories, key=lambda s: (s.id * 7919) % 101)[:MOST_READ]


def _day_header(when: datetime) -> str:
    """'2026, Wednesday / 25 November', as the column heads each day."""
    weekday = words.WEEKDAYS[when.weekday()]
    return f"{when.year}, {weekday} / {when.day} {words.MONTHS[when.month - 1]}"


def _long_date(when: datetime) -> str:
    """'Wednesday, 25 November 2026': the site header's date of today."""
    weekday = words.WEEKDAYS[when.weekday()]
    return f"{weekday}, {when.day} {words.MONTHS[when.month - 1]} {when.year}"
