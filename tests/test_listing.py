"""Headlines from pages without a feed: real pages served on 127.0.0.1, fetched, then read.

Each directory under fixtures/listings holds a page and a MANIFEST.json with its selectors and
the exact headlines they must give (links starting with "/" are on the test server).
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pytest_httpserver import HTTPServer

from ticker.badges import label_badge
from ticker.demo import DemoServer
from ticker.demo import listing as demo_listing
from ticker.errors import FeedError
from ticker.fetch import PAGE_ACCEPT, Fetcher, Response
from ticker.listing import MAX_ITEMS, headlines, parse_when, propose
from ticker.model import NO_BADGES, Badge, BadgeRule, Headline, Listing, Source

FIXTURES = Path(__file__).parent / "fixtures" / "listings"
PAGES = sorted(p.name for p in FIXTURES.iterdir() if (p / "MANIFEST.json").is_file())
NOW = datetime(2024, 10, 27, 12, 0, tzinfo=UTC)
KYIV = ZoneInfo("Europe/Kyiv")

Row = tuple[str, str, str, list[str]]


def manifest(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name / "MANIFEST.json").read_text("utf-8"))
    return data


def page(name: str) -> bytes:
    return (FIXTURES / name / "page.html").read_bytes()


def serve(httpserver: HTTPServer, name: str) -> str:
    """Serve a fixture page as its site would; its URL."""
    info = manifest(name)
    httpserver.expect_request(info["path"]).respond_with_data(
        page(name), content_type=info["content_type"]
    )
    return str(httpserver.url_for(info["path"]))


async def fetch(url: str) -> Response:
    async with Fetcher() as fetcher:
        return await fetcher.get(url, accept=PAGE_ACCEPT)


def zone(name: str | None) -> ZoneInfo | None:
    return ZoneInfo(name) if name else None


def source(url: str, listing: Listing, **kwargs: Any) -> Source:
    return Source(name="Test page", url=url, kind="html", listing=listing, **kwargs)


def expected_rows(info: dict[str, Any], origin: str) -> list[Row]:
    return [
        (
            item["title"],
            origin + item["link"] if item["link"].startswith("/") else item["link"],
            item["published"],
            item["badges"],
        )
        for item in info["items"]
    ]


def rows(found: list[Headline]) -> list[Row]:
    return [
        (h.title, h.url, h.published.isoformat().replace("+00:00", "Z"), h.badges.names())
        for h in found
    ]


def origin_of(httpserver: HTTPServer) -> str:
    return str(httpserver.url_for("/")).rstrip("/")


# -- the fixture pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
async def test_each_page_read_with_its_selectors_gives_exactly_the_expected_items(
    httpserver: HTTPServer, name: str
) -> None:
    info = manifest(name)
    response = await fetch(serve(httpserver, name))
    now = datetime.fromisoformat(info["now"])

    found = headlines(
        response.body,
        source(response.url, Listing(**info["listing"])),
        now=now,
        tz=zone(info["tz"]),
    )

    assert rows(found) == expected_rows(info, origin_of(httpserver))
    assert all(h.guid == h.url and h.source == response.url for h in found)
    assert all(h.published.tzinfo is UTC and h.published <= now for h in found)


@pytest.mark.parametrize("name", PAGES)
async def test_the_best_proposal_for_each_page_yields_every_item(
    httpserver: HTTPServer, name: str
) -> None:
    info = manifest(name)
    response = await fetch(serve(httpserver, name))
    now = datetime.fromisoformat(info["now"])
    tz = zone(info["propose_zone"])

    proposals = propose(response.body, response.url, now=now, tz=tz)

    assert proposals, "nothing proposed"
    best = proposals[0]
    found = headlines(response.body, source(response.url, best.listing), now=now, tz=tz)
    assert rows(found) == expected_rows(info, origin_of(httpserver)), best.listing
    assert best.count == len(info["items"])
    assert rows(list(best.sample)) == rows(found)[: len(best.sample)]
    assert 0 < len(best.sample) <= 5
    assert best.listing.timezone is None  # the zone is the person's to choose


def test_proposals_find_the_listing_not_the_clutter() -> None:
    proposals = propose(page("seed_like"), "https://example.net/", now=NOW, tz=KYIV)

    listing = proposals[0].listing
    assert listing.item == "div.news-feed__item"
    assert listing.date == "div.news-feed__date"  # not the site header's date above the column
    assert listing.label == "span.news-feed__label"
    assert listing.time == "span.news-feed__time"
    assert all("most-read" not in p.listing.item for p in proposals)


def test_a_table_proposal_leaves_the_header_rows_out() -> None:
    proposals = propose(page("old_table"), "http://example.net/", now=NOW)

    assert proposals[0].listing.item == "table.news tr:not(.day)"
    assert proposals[0].listing.date == "tr.day"
    assert proposals[0].listing.label == "b"


def test_a_page_without_times_proposes_nothing() -> None:
    body = b"<html><body><ul>" + b"".join(
        b'<li><a href="/n/%d">Story number %d of the day</a></li>' % (i, i) for i in range(9)
    )
    assert propose(body + b"</ul></body></html>", "http://example.net/") == []


# -- hostile text --------------------------------------------------------------------------------


def test_hostile_text_is_cleaned_and_template_rows_never_show() -> None:
    info = manifest("hostile")
    found = headlines(
        page("hostile"),
        source("https://example.net/global/", Listing(**info["listing"])),
        now=datetime.fromisoformat(info["now"]),
    )

    titles = [h.title for h in found]
    assert all(t.isprintable() for t in titles)
    assert not any("{{" in t or "{%" in t or "${" in t or "%LABEL%" in t for t in titles)
    assert not any("]52;" in t or "[31m" in t or "[5m" in t for t in titles)
    assert "[bold]Markets[/bold] close higher on export data" in titles  # literal, never styled
    assert "Editors explain the <b> tag [red]in[/red] headlines" in titles
    assert "Row from a template element" not in titles
    assert all(h.url.startswith("https://example.net/news/") for h in found)
    assert len({h.guid for h in found}) == len(found)


def test_a_template_key_in_a_label_is_ignored_and_in_a_title_drops_the_row() -> None:
    body = (
        b"<html><body><ul>"
        b'<li><b>{{ label }}</b> <a href="/a">Kept, without its label</a> <i>09:00</i></li>'
        b'<li><b>%BADGE%</b> <a href="/b">Kept as well</a> <i>08:00</i></li>'
        b'<li><b>Exclusive</b> <a href="/c">{{ item.title }}</a> <i>07:00</i></li>'
        b'<li><b>Exclusive</b> <a href="/d">Price: <%= price %></a> <i>06:00</i></li>'
        b"</ul></body></html>"
    )
    listing = Listing(item="li", title="a", time="i", label="b", timezone="UTC")

    found = headlines(body, source("http://example.net/", listing), now=NOW)

    assert [(h.title, h.badges) for h in found] == [
        ("Kept, without its label", NO_BADGES),
        ("Kept as well", NO_BADGES),
    ]


def test_labels_and_times_inside_the_link_are_not_part_of_the_title() -> None:
    body = (
        b'<html><body><div class="row"><a href="/x"><time>10:15</time> '
        b'<em class="tag">Opinion</em> The title itself</a></div>'
        b'<div class="row"><a href="/y"><time>10:05</time> Second title</a></div></body></html>'
    )
    listing = Listing(item="div.row", title="a", time="time", label="em.tag", timezone="UTC")

    found = headlines(body, source("http://example.net/", listing), now=NOW)

    assert [(h.title, h.badges) for h in found] == [
        ("The title itself", Badge.OPINION),
        ("Second title", NO_BADGES),
    ]
    assert [h.published for h in found] == [
        datetime(2024, 10, 27, 10, 15, tzinfo=UTC),
        datetime(2024, 10, 27, 10, 5, tzinfo=UTC),
    ]


GARBAGE = {
    "empty": b"",
    "whitespace": b" \r\n\t ",
    "random bytes": random.Random(7).randbytes(20000),
    "nul bytes": b"\x00" * 5000,
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
    "gzip": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + random.Random(8).randbytes(4000),
    "plain text": b"Service temporarily unavailable. Please try again later.",
    "json": b'{"items": [{"title": "x", "url": "/x"}]}',
    "a feed": b'<?xml version="1.0"?><rss><channel><item><title>x</title></item></channel></rss>',
    "comment only": b"<!-- nothing here -->",
    "utf-16 garbage": b"\xff\xfe" + random.Random(9).randbytes(3000),
    "deep nesting": b"<div>" * 50000 + b"</div>" * 10,
}


@pytest.mark.parametrize("body", GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_is_a_feed_error_with_one_line(body: bytes) -> None:
    listing = Listing(item="div.news-feed__item", title="a", time="span")

    with pytest.raises(FeedError) as caught:
        headlines(body, source("http://example.net/", listing), now=NOW)

    message = str(caught.value)
    assert message and "\n" not in message and len(message) < 200


@pytest.mark.parametrize("body", GARBAGE.values(), ids=GARBAGE.keys())
def test_propose_on_garbage_is_a_feed_error_or_nothing(body: bytes) -> None:
    try:
        assert propose(body, "http://example.net/") == []
    except FeedError as error:
        assert "\n" not in str(error)


@pytest.mark.parametrize(
    ("listing", "words"),
    [
        (Listing(item="div[", title="a"), "not a CSS selector"),
        (Listing(item="li", title="a", time="::nonsense"), "not a CSS selector"),
        (Listing(item="li", title="a", timezone="Mars/Olympus"), "unknown time zone"),
        (Listing(item="li.gone", title="a"), "no element matches the item selector"),
    ],
)
def test_a_listing_that_cannot_read_the_page_says_why_in_one_line(
    listing: Listing, words: str
) -> None:
    with pytest.raises(FeedError, match=words) as caught:
        headlines(page("iso_list"), source("http://example.net/", listing), now=NOW)
    assert "\n" not in str(caught.value)


def test_no_listing_is_a_feed_error() -> None:
    with pytest.raises(FeedError, match="no listing"):
        headlines(page("iso_list"), Source("x", "http://example.net/", kind="html"), now=NOW)


def test_a_huge_page_is_read_up_to_the_item_cap() -> None:
    rows_html = b"".join(
        b'<li><span>12:%02d</span> <a href="/n/%d">Item %d</a></li>' % (i % 60, i, i)
        for i in range(MAX_ITEMS + 200)
    )
    body = b"<html><body><ul>" + rows_html + b"</ul></body></html>"
    listing = Listing(item="li", title="a", time="span", timezone="UTC")

    found = headlines(body, source("http://example.net/", listing), now=NOW)

    assert len(found) == MAX_ITEMS


def test_source_rules_give_badges_as_for_feeds() -> None:
    listing = Listing(item="li.stream__item", title="a", time="time")
    rules = (BadgeRule(r"transit", Badge.BREAKING, strip=False),)

    found = headlines(
        page("iso_list"), source("http://example.net/", listing, rules=rules), now=NOW
    )

    assert {h.title: h.badges for h in found}["City council delays vote on transit fares"] == (
        Badge.BREAKING
    )


# -- dates and times -----------------------------------------------------------------------------

TODAY = date(2024, 10, 27)


@pytest.mark.parametrize(
    ("text", "day", "at"),
    [
        ("12:50", None, clock(12, 50)),
        ("9:05", None, clock(9, 5)),
        ("12:50 PM", None, clock(12, 50)),
        ("12:05 am", None, clock(0, 5)),
        ("3:07 p.m.", None, clock(15, 7)),
        ("23:59:30", None, clock(23, 59, 30)),
        ("14:30 UTC", None, clock(14, 30, tzinfo=UTC)),
        ("2024, Saturday / 26 October", date(2024, 10, 26), None),
        ("2024, Saturday26 October", date(2024, 10, 26), None),
        ("Saturday 26 October 2024", date(2024, 10, 26), None),
        ("26.10.2024", date(2024, 10, 26), None),
        ("2024-10-26", date(2024, 10, 26), None),
        ("October 26, 2024", date(2024, 10, 26), None),
        ("Oct 26th", date(2024, 10, 26), None),
        ("26th of October", date(2024, 10, 26), None),
        ("28 October", date(2024, 10, 28), None),  # tomorrow: a page a little ahead
        ("29 October", date(2023, 10, 29), None),  # further ahead: last year's
        ("Today", TODAY, None),
        ("Yesterday, 18:40", date(2024, 10, 26), clock(18, 40)),
        ("24.11.2025 14:30", date(2025, 11, 24), clock(14, 30)),
        ("Updated 26 Oct 2024 at 09:12", date(2024, 10, 26), clock(9, 12)),
        ("", None, None),
        ("Read also", None, None),
        ("25:61", None, None),
        ("13:10 PM", None, None),
        ("31.02.2024", None, None),
        ("26/10/2024", None, None),  # day or month first? not guessed
        ("{{ date }}", None, None),
    ],
)
def test_parse_when_reads_the_formats_it_documents_and_no_others(
    text: str, day: date | None, at: clock | None
) -> None:
    assert parse_when(text, TODAY) == (day, at)


def bare(times: list[str], now: datetime, tz: ZoneInfo | None = None) -> list[datetime]:
    body = "<html><body>" + "".join(
        f'<p><span>{t}</span> <a href="/{i}">Story {i}</a></p>' for i, t in enumerate(times)
    )
    listing = Listing(item="p", title="a", time="span")
    found = headlines(body.encode(), source("http://example.net/", listing), now=now, tz=tz)
    return [h.published for h in found]


def test_a_bare_time_is_today_or_yesterday_when_today_would_be_ahead() -> None:
    now = datetime(2024, 10, 27, 12, 0, tzinfo=UTC)  # 14:00 in Kyiv

    published = bare(["13:58", "14:03", "14:30", "23:50"], now, KYIV)

    assert published == [
        datetime(2024, 10, 27, 11, 58, tzinfo=UTC),
        now,  # two minutes ahead: our clock is slow, not yesterday's news
        datetime(2024, 10, 26, 11, 30, tzinfo=UTC),  # summer time yesterday: +3
        datetime(2024, 10, 26, 20, 50, tzinfo=UTC),
    ]


@pytest.fixture
def new_york_system_zone() -> Iterator[None]:
    """The system's zone is New York for the test (TZ and tzset), restored afterwards."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.mark.usefixtures("new_york_system_zone")
def test_without_any_zone_times_are_read_in_the_system_zone() -> None:
    now = datetime(2024, 11, 4, 12, 0, tzinfo=UTC)  # 07:00 in New York, the day after DST

    published = bare(["06:30", "Yesterday 06:30", "2 November 2024 06:30"], now)

    assert published == [
        datetime(2024, 11, 4, 11, 30, tzinfo=UTC),
        datetime(2024, 11, 3, 11, 30, tzinfo=UTC),
        datetime(2024, 11, 2, 10, 30, tzinfo=UTC),  # still summer time: -4
    ]


def test_the_listing_zone_wins_over_the_tz_argument() -> None:
    body = b'<html><body><p><span>10:00</span> <a href="/a">A</a></p></body></html>'
    listing = Listing(item="p", title="a", time="span", timezone="Asia/Tokyo")

    found = headlines(body, source("http://example.net/", listing), now=NOW, tz=KYIV)

    assert found[0].published == datetime(2024, 10, 27, 1, 0, tzinfo=UTC)


def test_items_without_times_get_now_or_noon_of_their_day() -> None:
    body = (
        b"<html><body><h3>Today</h3><p><a href='/a'>Today's</a></p>"
        b"<h3>Friday 25 October 2024</h3><p><a href='/b'>Friday's</a></p>"
        b"<h3>Read also</h3><p><a href='/c'>Undated</a></p></body></html>"
    )
    listing = Listing(item="p", title="a", date="h3", timezone="Europe/Kyiv")

    found = headlines(body, source("http://example.net/", listing), now=NOW)

    assert [h.published for h in found] == [
        NOW,
        datetime(2024, 10, 25, 9, 0, tzinfo=UTC),
        NOW,
    ]


def test_machine_readable_attributes_win_over_the_text() -> None:
    body = (
        b"<html><body>"
        b'<p><time datetime="2024-10-27T08:00:00+02:00">5 minutes ago</time><a href="/a">A</a></p>'
        b'<p><time data-timestamp="1729980000">yesterday</time><a href="/b">B</a></p>'
        b'<p><time title="26.10.2024 21:15">last night</time><a href="/c">C</a></p>'
        b'<p><time datetime="garbage">09:45</time><a href="/d">D</a></p>'
        b"</body></html>"
    )
    listing = Listing(item="p", title="a", time="time", timezone="Europe/Kyiv")

    found = headlines(body, source("http://example.net/", listing), now=NOW)

    assert [h.published for h in found] == [
        datetime(2024, 10, 27, 6, 0, tzinfo=UTC),
        datetime(2024, 10, 26, 22, 0, tzinfo=UTC),
        datetime(2024, 10, 26, 18, 15, tzinfo=UTC),
        datetime(2024, 10, 27, 7, 45, tzinfo=UTC),
    ]


def test_links_are_resolved_against_the_page_and_its_base() -> None:
    body = (
        b'<html><head><base href="/section/"></head><body>'
        b'<p><a href="story-1">One</a></p><p><a href="../other/2">Two</a></p>'
        b'<p><a href="//cdn.example.org/3">Three</a></p><p><a href="data:text/html,x">Four</a></p>'
        b'<p><a href="mailto:desk@example.net">Five</a></p><p><a>Six</a></p></body></html>'
    )
    listing = Listing(item="p", title="a")

    found = headlines(body, source("https://example.net/news/page.html", listing), now=NOW)

    assert [h.url for h in found] == [
        "https://example.net/section/story-1",
        "https://example.net/other/2",
        "https://cdn.example.org/3",
    ]


# -- the demo newsroom's page --------------------------------------------------------------------


DEMO_NOW = datetime(2024, 10, 26, 12, 50, 7, tzinfo=UTC)
DEMO_LISTING = Listing(
    item=demo_listing.ITEM,
    title=demo_listing.TITLE,
    link=demo_listing.TITLE,
    time=demo_listing.TIME,
    date=demo_listing.DATE,
    label=demo_listing.LABEL,
    timezone=demo_listing.ZONE,
)


@pytest.fixture
async def demo() -> AsyncIterator[DemoServer]:
    async with DemoServer(seed=7, tick_seconds=0, now=lambda: DEMO_NOW) as server:
        yield server


def demo_expected(server: DemoServer) -> list[tuple[str, str, datetime, Badge]]:
    """What the page must give: every story, its label's and its prefix's badges."""
    stories = server.newsroom.newest(demo_listing.SIZE)
    template_row = next(i for i, s in enumerate(stories) if i >= 2 and not s.labels)
    out = []
    for i, story in enumerate(stories):
        badges = NO_BADGES
        if story.prefix_badge:
            badges |= Badge.from_name(story.prefix_badge)
        if story.labels and i != template_row:
            badges |= label_badge(story.labels[0])
        url = f"{server.url}/articles/{story.slug}.html"
        out.append((story.headline, url, story.published.replace(second=0), badges))
    return out


async def test_the_demo_page_reads_as_the_newsroom_stories(demo: DemoServer) -> None:
    response = await fetch(f"{demo.url}{demo_listing.PATH}")

    found = headlines(response.body, source(response.url, DEMO_LISTING), now=DEMO_NOW)

    assert response.status == 200 and (response.content_type or "").startswith("text/html")
    assert [(h.title, h.url, h.published, h.badges) for h in found] == demo_expected(demo)
    days = {h.published.astimezone(KYIV).date() for h in found}
    assert len(days) >= 2  # the column spans day headers


async def test_the_demo_pages_template_key_never_appears(demo: DemoServer) -> None:
    response = await fetch(f"{demo.url}{demo_listing.PATH}")

    found = headlines(response.body, source(response.url, DEMO_LISTING), now=DEMO_NOW)
    best = propose(response.body, response.url, now=DEMO_NOW, tz=KYIV)[0]
    proposed = headlines(response.body, source(response.url, best.listing), now=DEMO_NOW, tz=KYIV)

    assert demo_listing.TEMPLATE_KEY.encode() in response.body  # the page does carry one
    for headline in (*found, *proposed, *best.sample):
        assert "{{" not in headline.title and "}}" not in headline.title
        assert "label" not in headline.badges.names()


async def test_the_best_proposal_for_the_demo_page_yields_every_story(demo: DemoServer) -> None:
    response = await fetch(f"{demo.url}{demo_listing.PATH}")

    proposals = propose(response.body, response.url, now=DEMO_NOW, tz=KYIV)
    listing = proposals[0].listing
    found = headlines(response.body, source(response.url, listing), now=DEMO_NOW, tz=KYIV)

    assert proposals[0].count == demo_listing.SIZE
    assert proposals[0].listing.item == demo_listing.ITEM
    assert proposals[0].listing.date == demo_listing.DATE
    expected = demo_expected(demo)
    assert [(h.title, h.url, h.published, h.badges) for h in found] == expected


async def test_the_demo_page_follows_the_news(demo: DemoServer) -> None:
    first = await fetch(f"{demo.url}{demo_listing.PATH}")
    (story,) = demo.advance(1)
    second = await fetch(f"{demo.url}{demo_listing.PATH}")

    newest = headlines(second.body, source(second.url, DEMO_LISTING), now=DEMO_NOW)[0]

    assert first.etag != second.etag
    assert newest.url == f"{demo.url}/articles/{story.slug}.html"
    assert newest.published == DEMO_NOW.replace(second=0)
