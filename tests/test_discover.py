"""Feed autodiscovery against a real local server: links, anchors, usual paths, broken feeds."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from ticker.discover import Candidate, Discovery, discover, message, with_scheme
from ticker.errors import FetchError
from ticker.fetch import Fetcher


def rss(title: str, items: int) -> bytes:
    entries = "".join(
        f"<item><title>Story {n}</title><link>http://news.test/{n}</link><guid>r{n}</guid></item>"
        for n in range(items)
    )
    title_element = f"<title>{title}</title>" if title else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"{title_element}<link>http://news.test/</link><description>d</description>"
        f"{entries}</channel></rss>"
    ).encode()


def atom(title: str, items: int) -> bytes:
    entries = "".join(
        f'<entry><title>Story {n}</title><link href="http://news.test/{n}"/><id>a{n}</id>'
        "<updated>2024-10-26T09:50:00Z</updated></entry>"
        for n in range(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title><id>urn:x</id><updated>2024-10-26T09:50:00Z</updated>"
        f"{entries}</feed>"
    ).encode()


def json_feed(title: str, items: int) -> bytes:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": title,
            "items": [
                {"id": f"j{n}", "url": f"http://news.test/{n}", "title": f"Story {n}"}
                for n in range(items)
            ],
        }
    ).encode()


def page(head: str = "", body: str = "") -> str:
    return (
        f"<!doctype html><html><head><title>A site</title>{head}</head><body>{body}</body></html>"
    )


@pytest.fixture
def site(httpserver: HTTPServer) -> HTTPServer:
    """The local server, answering 404 (not 500) where it has nothing, as real sites do."""
    httpserver.no_handler_status_code = 404
    return httpserver


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher() as f:
        yield f


def serve_page(site: HTTPServer, path: str, html: str) -> str:
    site.expect_request(path).respond_with_data(html, content_type="text/html; charset=utf-8")
    return site.url_for(path)


def serve_feed(site: HTTPServer, path: str, body: bytes, kind: str = "application/rss+xml") -> str:
    site.expect_request(path).respond_with_data(body, content_type=kind)
    return site.url_for(path)


async def test_a_page_with_one_feed_link_offers_that_feed(
    site: HTTPServer, fetcher: Fetcher
) -> None:
    feed = serve_feed(site, "/rss.xml", rss("Daily News", 3))
    url = serve_page(
        site, "/", page('<link rel="alternate" type="application/rss+xml" href="/rss.xml">')
    )

    found = await discover(url, fetcher)

    assert found == Discovery(url, (Candidate(feed, "Daily News", 3, "link"),), ())
    assert found.best == found.candidates[0]
    assert message(found) == f"1 feed found at {url}"


async def test_rss_atom_and_json_feeds_are_all_listed_and_the_first_is_best(
    site: HTTPServer, fetcher: Fetcher
) -> None:
    rss_url = serve_feed(site, "/feed.rss", rss("News (RSS)", 3))
    atom_url = serve_feed(site, "/feed.atom", atom("News (Atom)", 2), "application/atom+xml")
    json_url = serve_feed(site, "/feed.json", json_feed("News (JSON)", 5), "application/json")
    head = (
        '<link rel="alternate" type="application/rss+xml" title="RSS" href="/feed.rss">'
        '<link rel="alternate" type="application/atom+xml" href="/feed.atom">'
        '<link rel="alternate" type="application/feed+json" href="/feed.json">'
        '<link rel="alternate" type="application/json+oembed" href="/oembed">'
        '<link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/2">'
        '<link rel="stylesheet" href="/style.css">'
    )
    url = serve_page(site, "/", page(head))

    found = await discover(url, fetcher)

    assert found.candidates == (
        Candidate(rss_url, "News (RSS)", 3, "link"),
        Candidate(atom_url, "News (Atom)", 2, "link"),
        Candidate(json_url, "News (JSON)", 5, "link"),
    )
    assert found.best is not None and found.best.url == rss_url  # first, though not the largest
    assert found.rejected == ()
    requested = {request.path for request, _ in site.log}
    assert requested.isdisjoint({"/oembed", "/style.css", "/wp-json/wp/v2/pages/2"})


async def test_a_page_without_feeds_finds_none_and_suggests_html(
    site: HTTPServer, fetcher: Fetcher
) -> None:
    url = serve_page(site, "/news/", page(body='<a href="/about">About</a><p>Nothing here</p>'))

    found = await discover(url, fetcher)

    assert found.candidates == ()
    assert found.rejected == ()  # usual paths that are not there are no failure
    assert found.best is None
    assert message(found) == (
        f"no feed found at {url}; try --html to read the page's headline list"
    )
    requested = {request.path for request, _ in site.log}
    assert {"/news/feed", "/feed", "/feeds/all.atom.xml"} <= requested
    assert "/about" not in requested


async def test_relative_and_protocol_relative_hrefs_resolve_against_the_page(
    site: HTTPServer, fetcher: Fetcher
) -> None:
    relative = serve_feed(site, "/blog/feed.xml", rss("Blog", 2))
    other = serve_feed(site, "/comments/atom", atom("Comments", 1), "application/atom+xml")
    protocol_relative = f"//127.0.0.1:{site.port}/comments/atom"
    head = (
        '<link rel="alternate" type="application/rss+xml" href="feed.xml#top">'
        f'<link rel="alternate feed" type="application/atom+xml" href="{protocol_relative}">'
    )
    url = serve_page(site, "/blog/post.html", page(head))

    found = await discover(url, fetcher)

    assert [c.url for c in found.candidates] == [relative, other]
    assert other.startswith("http://")


async def test_a_base_href_is_where_relative_links_start(
    site: HTTPServer, fetcher: Fetcher
) -> None:
    feed = serve_feed(site, "/news/atom.xml", atom("Newsroom", 4), "application/atom+xml")
    head = '<base href="/news/"><link rel="feed" href="atom.xml">'
    url = serve_page(site, "/elsewhere/page", page(head))

    found = await discover(url, fetcher)

    assert found.candidates == (Candidate(feed, "Newsroom", 4, "link"),)


async def test_broken_linked_feeds_are_rejected_with_a_reason_and_the_good_one_kept(
    site: HTTPServer, fetcher: Fetcher
) -> None:
    site.expect_request("/broken.xml").respond_with_data("oops", status=500)
    serve_page(site, "/html.rss", page(body="<p>a web page</p>"))
    good = serve_feed(site, "/good.xml", rss("Good", 2))
    head = "".join(
        f'<link rel="alternate" type="application/rss+xml" href="{path}">'
        for path in ("/broken.xml", "/html.rss", "/good.xml")
    )
    url = serve_page(site, "/", page(head))

    found = await discover(url, fetcher)

    assert found.candidates == (Candidate(good, "Good", 2, "link"),)
    assert found.best == found.candidates[0]
    assert found.rejected == (
        (site.url_for("/broken.xml"), "HTTP 500 INTERNAL SERVER ERROR"),
        (site.url_for("/html.rss"), "an HTML page, not a feed"),
    )


async def test_only_broken_feeds_make_a_message_that_says_so(
    site: HTTPServer, fetcher: Fetcher
) -> None:
    site.expect_request("/feed").respond_with_data(b"\x00\xff garbage \x1b[31m", status=200)
    url = serve_page(site, "/", page('<link rel="feed" href="/feed">'))

    found = await discover(url, fetcher)

    assert found.candidates == ()
    [(rejected_url, reason)] = found.rejected
    assert rejected_url == site.url_for("/feed")
    assert reason and "\x1b" not in reason
    assert [request.path for request, _ in site.log].count("/feed") == 1  # not tried again
    assert message(found) == (
        f"no feed found at {url} (1 candidate did not work); try --html to read the page's"
        " headline list"
    )


async def test_a_page_that_is_a_feed_is_taken_as_is(site: HTTPServer, fetcher: Fetcher) -> None:
    url = serve_feed(site, "/news.atom", atom("Straight Feed", 3), "application/atom+xml")

    found = await discover(url, fetcher)

    assert found == Discovery(url, (Candidate(url, "Straight Feed", 3, "given"),), ())
    assert found.best == found.candidates[0]
    assert len(site.log) == 1  # nothing else was tried


async def test_a_feed_served_as_html_is_still_taken_as_is(
    site: HTTPServer, fetcher: Fetcher
) -> None:
    url = serve_feed(site, "/feed", json_feed("JSON as HTML", 1), "text/html")

    found = await discover(url, fetcher)

    assert found.candidates == (Candidate(url, "JSON as HTML", 1, "given"),)


async def test_an_address_that_is_no_page_and_no_feed_says_why(
    site: HTTPServer, fetcher: Fetcher
) -> None:
    url = serve_feed(site, "/api", b'{"status": "ok"}', "application/json")

    found = await discover(url, fetcher)

    assert found == Discovery(url, (), ((url, "JSON without a list of items, not a JSON Feed"),))


async def test_a_feed_only_at_a_usual_path_is_found(site: HTTPServer, fetcher: Fetcher) -> None:
    feed = serve_feed(site, "/feed.xml", rss("Jekyll Blog", 7))
    url = serve_page(site, "/", page(body="<h1>Posts</h1>"))

    found = await discover(url, fetcher)

    assert found == Discovery(url, (Candidate(feed, "Jekyll Blog", 7, "path"),), ())
    assert found.best == found.candidates[0]


async def test_one_feed_at_several_usual_paths_is_listed_once(
    site: HTTPServer, fetcher: Fetcher
) -> None:
    serve_feed(site, "/feed", rss("Same", 2))
    serve_feed(site, "/rss", rss("Same", 2))
    site.expect_request("/rss.xml").respond_with_data("", status=302, headers={"Location": "/feed"})
    url = serve_page(site, "/", page())

    found = await discover(url, fetcher)

    assert found.candidates == (Candidate(site.url_for("/feed"), "Same", 2, "path"),)


async def test_a_redirect_to_a_listed_feed_is_not_listed_twice(
    site: HTTPServer, fetcher: Fetcher
) -> None:
    feed = serve_feed(site, "/feed.xml", rss("Once", 1))
    site.expect_request("/feed").respond_with_data(
        "", status=301, headers={"Location": "/feed.xml"}
    )
    head = '<link rel="feed" href="/feed.xml"><link rel="feed" href="/feed">'
    url = serve_page(site, "/", page(head))

    found = await discover(url, fetcher)

    assert found.candidates == (Candidate(feed, "Once", 1, "link"),)


async def test_an_anchor_that_looks_like_a_feed_is_found(
    site: HTTPServer, fetcher: Fetcher
) -> None:
    by_path = serve_feed(site, "/export/latest.rss", rss("Latest", 2))
    by_text = serve_feed(site, "/subscribe", atom("Subscribe", 9), "application/atom+xml")
    body = (
        '<a href="/about">About us</a><a href="/feedback">Feedback</a>'
        '<a href="/export/latest.rss">Latest</a><a href="/subscribe"><b>RSS</b> feed</a>'
        '<a href="mailto:rss@news.test">RSS by mail</a><a href="/sitemap.xml">Sitemap</a>'
    )
    url = serve_page(site, "/", page(body=body))

    found = await discover(url, fetcher)

    assert found.candidates == (
        Candidate(by_path, "Latest", 2, "anchor"),
        Candidate(by_text, "Subscribe", 9, "anchor"),
    )
    assert found.best is not None and found.best.url == by_text  # no link: the most items
    requested = {request.path for request, _ in site.log}
    assert requested.isdisjoint({"/about", "/feedback", "/sitemap.xml", "/feed"})


async def test_hostile_titles_are_cleaned(site: HTTPServer, fetcher: Fetcher) -> None:
    hostile = "\x1b]52;c;ZXZpbA==\x07<b>Evil</b>\u202e News\x1b[31m\n\n" + "x" * 500
    serve_feed(site, "/feed.json", json_feed(hostile, 1), "application/feed+json")
    serve_feed(site, "/untitled.xml", rss("", 1))
    head = (
        '<link rel="alternate" type="application/feed+json" href="/feed.json">'
        '<link rel="alternate" type="application/rss+xml" href="/untitled.xml"'
        ' title="\x1b[5mComments\x1b[0m &amp; \x1b]8;;http://evil.test\x07more">'
    )
    url = serve_page(site, "/", page(head))

    found = await discover(url, fetcher)

    first, second = found.candidates
    assert first.title.startswith("Evil News x")
    assert len(first.title) <= 120
    assert second.title == "Comments & more"  # the page's own name for a feed without a title
    for title in (first.title, second.title):
        assert title.isprintable()
        assert "<b>" not in title and "52;" not in title and "evil.test" not in title


async def test_garbage_and_legacy_pages_never_raise(site: HTTPServer, fetcher: Fetcher) -> None:
    garbage = bytes(range(256)) * 64
    site.expect_request("/garbage").respond_with_data(garbage, content_type="text/html")
    legacy = page('<link rel="feed" href="/f" title="Caf\xe9">').encode("latin-1")
    site.expect_request("/legacy").respond_with_data(
        legacy, content_type="text/html; charset=ISO-8859-1"
    )
    serve_feed(site, "/f", rss("", 1))
    site.expect_request("/empty").respond_with_data(b"", content_type="text/html")

    nothing = await discover(site.url_for("/garbage"), fetcher)
    legacy_found = await discover(site.url_for("/legacy"), fetcher)
    empty = await discover(site.url_for("/empty"), fetcher)

    assert nothing == Discovery(site.url_for("/garbage"), (), ())
    assert empty == Discovery(site.url_for("/empty"), (), ())
    assert [c.title for c in legacy_found.candidates] == ["Caf\xe9"]


async def test_an_address_that_cannot_be_fetched_raises_a_fetch_error(
    site: HTTPServer, fetcher: Fetcher
) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        await discover(site.url_for("/missing"), fetcher)


async def test_a_slow_candidate_is_rejected_at_the_deadline(
    site: HTTPServer, fetcher: Fetcher
) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.5)
        return Response(rss("Slow", 1), content_type="application/rss+xml")

    site.expect_request("/slow").respond_with_handler(slow)
    url = serve_page(site, "/", page('<link rel="feed" href="/slow">'))

    found = await discover(url, fetcher, deadline=0.1)

    assert found.candidates == ()
    assert found.rejected == (
        (site.url_for("/slow"), "no answer within the discovery's time limit"),
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("example.org", "https://example.org"),
        ("  example.org/news ", "https://example.org/news"),
        ("localhost:8080/feed", "https://localhost:8080/feed"),
        ("//example.org/feed", "https://example.org/feed"),
        ("http://example.org/", "http://example.org/"),
        ("HTTPS://example.org/", "HTTPS://example.org/"),
        ("file:///etc/passwd", "file:///etc/passwd"),  # the fetcher refuses it by name
    ],
)
def test_an_address_without_a_scheme_gets_https(given: str, expected: str) -> None:
    assert with_scheme(given) == expected
