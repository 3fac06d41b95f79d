"""No item is lost for want of a title: each is titled the way other readers title it.

The order: dc:title, itunes:title, media:title; the first sentence of the summary, then of the
content; the link's path (an enclosure counts as the link of an item without one); "(untitled)".
`title_from` says which. Both parsers behind ticker.feeds.parse give the same answer.
"""

from __future__ import annotations

import json
import re
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.parsers import expat

import pytest

from ticker import feeds
from ticker.model import Badge, BadgeRule, Headline, Source

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
MANIFEST = tomllib.loads((FIXTURES / "MANIFEST.toml").read_text())
FEED_URL = "http://127.0.0.1/feeds/x"
SOURCE = Source("Titles", FEED_URL)
NOW = datetime(2024, 5, 22, tzinfo=UTC)
UNTITLED = [
    "notitle_fediverse.xml",
    "notitle_podcast.xml",
    "notitle_rss10.xml",
    "notitle_atom.xml",
    "notitle_html_description.xml",
]
NAMESPACES = (
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
    'xmlns:media="http://search.yahoo.com/mrss/" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/"'
)


def rss(*items: str) -> bytes:
    body = "".join(f"<item>{item}</item>" for item in items)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" {NAMESPACES}><channel>'
        f"<title>Titles</title><link>http://127.0.0.1/</link>{body}</channel></rss>"
    ).encode()


def ill_formed(body: bytes) -> bytes:
    """The same feed made ill-formed XML ('--' inside a comment), so feedparser reads it."""
    end = body.index(b"?>") + 2
    return body[:end] + b"\n<!-- written -- by hand -->" + body[end:]


def is_well_formed(body: bytes) -> bool:
    try:
        expat.ParserCreate().Parse(body, True)
    except expat.ExpatError:
        return False
    return True


def titled(body: bytes, source: Source = SOURCE) -> list[tuple[str, str]]:
    return [(h.title, h.title_from) for h in feeds.headlines(body, source, now=NOW)]


def shown(h: Headline) -> tuple[object, ...]:
    return (h.guid, h.title, h.title_from, h.url, h.summary, h.published, h.badges)


@pytest.mark.parametrize("name", UNTITLED)
def test_every_item_is_kept_with_the_title_the_manifest_expects(name: str) -> None:
    body = (FIXTURES / name).read_bytes()
    expect = MANIFEST[name]

    items = feeds.headlines(body, SOURCE, now=NOW)

    assert len(items) == len(re.findall(rb"<(?:item|entry)[\s>]", body)) == expect["expect_items"]
    assert [h.title for h in items] == expect["expect_titles"]
    assert [h.title_from for h in items] == expect["expect_title_from"]
    assert len({h.guid for h in items}) == len(items)
    assert all(len(h.title) <= feeds.LEAD_MAX for h in items if h.title_from == "summary")


@pytest.mark.parametrize("name", UNTITLED)
def test_fastfeedparser_and_feedparser_give_the_same_headlines(name: str) -> None:
    body = (FIXTURES / name).read_bytes()
    broken = ill_formed(body)
    assert is_well_formed(body)
    assert not is_well_formed(broken)  # so parse hands it to feedparser

    fast = [shown(h) for h in feeds.headlines(body, SOURCE, now=NOW)]
    tolerant = [shown(h) for h in feeds.headlines(broken, SOURCE, now=NOW)]

    assert fast == tolerant


def test_html_written_raw_in_a_description_is_text_and_never_lost() -> None:
    body = (FIXTURES / "notitle_html_description.xml").read_bytes()

    items = feeds.headlines(body, SOURCE, now=NOW)

    assert items[0].summary == (
        "Quarry 3.4.0 adds --offline to every command. Faster cache pruning "
        "Windows paths with spaces work"
    )
    assert items[1].summary == "Fixes a crash when the cache directory is a symlink."
    assert items[2].summary.endswith("in quarry restore. Upgrade now.")
    assert items[3].summary == "Quarry 3.3.0 Remote caches over HTTP/2."


def test_a_podcast_episode_without_a_link_links_to_its_enclosure() -> None:
    body = (FIXTURES / "notitle_podcast.xml").read_bytes()

    items = feeds.headlines(body, SOURCE, now=NOW)

    assert [h.url for h in items[:4]] == [
        "http://127.0.0.1/tidewater/audio/tt-041.mp3",
        "http://127.0.0.1/tidewater/audio/tt-040.mp3",
        "http://127.0.0.1/tidewater/audio/bonus-foghorn.mp3",
        "http://127.0.0.1/tidewater/audio/Live%20at%20the%20Ferry%20Inn.mp3",
    ]
    assert items[3].guid == items[3].url  # no guid of its own: the enclosure is its identity
    assert items[4].url == ""
    assert items[4].guid.startswith("sha1:")


@pytest.mark.parametrize(
    ("item", "title", "title_from"),
    [
        (
            "<dc:title>Dc</dc:title><itunes:title>It</itunes:title><media:title>Me</media:title>",
            "Dc",
            "dc:title",
        ),
        ("<media:title>Me</media:title><itunes:title>It</itunes:title>", "It", "itunes:title"),
        ("<itunes:title>It</itunes:title><title>Own</title>", "Own", ""),
        ("<media:title>Me</media:title><title>Own</title>", "Own", ""),
        ("<dc:title>Dc</dc:title><title>Own</title>", "Own", ""),
        ("<title> </title><dc:title>Dc</dc:title>", "Dc", "dc:title"),
        (
            "<media:content url='http://127.0.0.1/a.jpg'><media:title>Caption</media:title>"
            "</media:content><description>Text first.</description>",
            "Caption",
            "media:title",
        ),
        (
            "<description>Summary sentence one here. Two.</description>"
            "<content:encoded>Content.</content:encoded>",
            "Summary sentence one here.",
            "summary",
        ),
        ("<description><img src='http://127.0.0.1/x.png'/></description>", "(untitled)", "none"),
        ("<link>http://127.0.0.1/</link>", "127.0.0.1", "link"),
        (
            "<link>http://127.0.0.1/news/2024/harbour%20reopens/</link>",
            "news/2024/harbour reopens",
            "link",
        ),
        ("<guid isPermaLink='false'>not-a-link</guid>", "(untitled)", "none"),
    ],
)
def test_a_title_comes_from_the_first_field_that_has_one(
    item: str, title: str, title_from: str
) -> None:
    body = rss(item)

    assert titled(body) == [(title, title_from)]
    assert titled(ill_formed(body)) == [(title, title_from)]


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (
            "Dr. Smith says the U.S. economy grew. Markets shrugged.",
            "Dr. Smith says the U.S. economy grew.",
        ),
        (
            "Short. Then the rest of a much longer second sentence.",
            "Short. Then the rest of a much longer second sentence.",
        ),
        (
            "What happened at the pier last night? Nobody knows yet.",
            "What happened at the pier last night?",
        ),
        ("港口今天重新开放。渡轮恢复运行。", "港口今天重新开放。"),
        (
            "&lt;p&gt;First paragraph, no full stop&lt;/p&gt;&lt;p&gt;Second.&lt;/p&gt;",
            "First paragraph, no full stop",
        ),
        ("Line one of plain text\n\nLine two", "Line one of plain text"),
        (
            "A sentence with no end that runs on and on past the length a headline can hold "
            "because nobody stopped typing when they should have done so",
            "A sentence with no end that runs on and on past the length a headline can hold "
            "because nobody stopped typing when they\u2026",
        ),
    ],
)
def test_a_title_from_text_is_its_first_sentence_cut_at_a_word(text: str, title: str) -> None:
    [(got, title_from)] = titled(rss(f"<description>{text}</description>"))

    assert (got, title_from) == (title, "summary")
    assert len(got) <= feeds.LEAD_MAX


def test_a_derived_title_gets_badges_like_any_other() -> None:
    body = rss(
        "<description>BREAKING: Harbour bridge closed after a ship strike. More soon."
        "</description><guid isPermaLink='false'>b-1</guid>"
    )

    [item] = feeds.headlines(body, SOURCE, now=NOW)

    assert (item.title, item.title_from, item.badges) == (
        "Harbour bridge closed after a ship strike.",
        "summary",
        Badge.BREAKING,
    )


def test_a_title_a_rule_removes_whole_gives_way_to_the_summary() -> None:
    source = Source("R", FEED_URL, rules=(BadgeRule("^Live:.*$", Badge.LIVE, strip=True),))
    body = rss(
        "<title>Live: everything</title><description>Results as they come in tonight.</description>"
    )

    assert titled(body, source) == [("Results as they come in tonight.", "summary")]


def test_items_with_nothing_are_kept_apart_and_keep_their_ids_across_polls() -> None:
    body = rss(
        "<pubDate>Mon, 20 May 2024 12:00:00 GMT</pubDate>",
        "<pubDate>Mon, 20 May 2024 13:00:00 GMT</pubDate>",
    )

    first = feeds.headlines(body, SOURCE, now=NOW)
    again = feeds.headlines(body, SOURCE, now=NOW + timedelta(hours=1))

    assert [h.title for h in first] == ["(untitled)", "(untitled)"]
    assert len({h.guid for h in first}) == 2
    assert [h.guid for h in again] == [h.guid for h in first]


def test_a_json_feed_item_without_a_title_is_titled_from_its_text_or_attachment() -> None:
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Micro",
        "items": [
            {"id": "1", "content_html": "<p>Walked the sea wall at dawn. Calm water.</p>"},
            {"id": "2", "summary": "A summary first.", "content_text": "Then the text."},
            {"id": "3", "attachments": [{"url": "/audio/note-3.m4a", "mime_type": "audio/mp4"}]},
            {"id": "4"},
        ],
    }

    items = feeds.headlines(json.dumps(feed).encode(), SOURCE, now=NOW)

    assert [(h.title, h.title_from) for h in items] == [
        ("Walked the sea wall at dawn.", "content"),
        ("A summary first.", "summary"),
        ("audio/note-3.m4a", "link"),
        ("(untitled)", "none"),
    ]
    assert items[2].url == "http://127.0.0.1/audio/note-3.m4a"
    assert [h.guid for h in items] == ["1", "2", "3", "4"]


def test_an_item_with_its_own_title_says_so() -> None:
    body = (FIXTURES / "rss20_full.xml").read_bytes()

    assert {h.title_from for h in feeds.headlines(body, SOURCE, now=NOW)} == {""}
