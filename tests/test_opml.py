"""OPML: subscription lists in and out, folders as categories, broken files as one clear error."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from feedgen import rss
from hostile_server import Handler, HostileServer, Stream, body, firehose

from ticker import config, opml, sources_file
from ticker.errors import ConfigError, TickerError
from ticker.fetch import Fetcher, Limits
from ticker.model import Listing, Source

FIXTURES = Path(__file__).parent / "fixtures" / "opml"
NOW = datetime(2024, 10, 26, 9, 50, tzinfo=UTC)

PAGE = Source(
    "Kyiv front page",
    "https://kyiv.example/news",
    kind="html",
    listing=Listing(
        item="ul.feed > li",
        title="a.headline",
        link="a.headline",
        time="span.time",
        date="h2.day",
        label=".badge",
        timezone="Europe/Kyiv",
    ),
    category="Pages",
)
SOURCES = [
    Source("Top story wire", "https://wire.example/rss"),
    Source("BBC World", "https://bbc.example/world.xml", category="World"),
    Source("Le Monde", "https://lemonde.example/rss?lang=fr&x=1", category="World/Europe"),
    PAGE,
    Source("NPR", "https://npr.example/1004/rss.xml", category="World"),
    Source("Deep", "https://deep.example/feed", category="World/Europe/West"),
]


def export(tmp_path: Path, sources: list[Source], name: str = "subs.opml") -> Path:
    path = tmp_path / name
    path.write_text(opml.write(sources, now=NOW), encoding="utf-8")
    return path


def by_url(sources: list[Source]) -> dict[str, Source]:
    return {s.url: s for s in sources}


def test_export_then_import_keeps_names_urls_categories_and_html_sources(tmp_path: Path) -> None:
    back = opml.read_sources(export(tmp_path, SOURCES))
    assert by_url(back) == by_url(SOURCES)
    assert len(back) == len(SOURCES)


def test_the_export_is_opml_2_with_feeds_in_folders(tmp_path: Path) -> None:
    root = ET.fromstring(opml.write(SOURCES, now=NOW))
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "ticker subscriptions"
    assert root.findtext("head/dateCreated") == "Sat, 26 Oct 2024 09:50:00 GMT"
    body = root.find("body")
    assert body is not None
    [world] = [o for o in body if o.get("text") == "World"]
    assert world.get("xmlUrl") is None
    assert [o.get("text") for o in world] == ["BBC World", "Europe", "NPR"]
    [europe] = [o for o in world if o.get("text") == "Europe"]
    assert [o.get("text") for o in europe] == ["Le Monde", "West"]
    lemonde = europe[0]
    assert lemonde.attrib == {
        "type": "rss",
        "text": "Le Monde",
        "title": "Le Monde",
        "xmlUrl": "https://lemonde.example/rss?lang=fr&x=1",
    }


def test_html_sources_have_no_xmlurl_so_other_readers_skip_them() -> None:
    text = opml.write([PAGE], now=NOW)
    root = ET.fromstring(text)
    [folder] = [o for o in root.iter("outline") if not o.get("type")]
    assert folder.get("text") == "Pages"
    [page] = folder
    assert page.get("type") == "html" and page.get("xmlUrl") is None
    assert page.get("htmlUrl") == PAGE.url
    assert page.get(f"{{{opml.NAMESPACE}}}item") == "ul.feed > li"
    assert "other readers skip them" in text
    # A plain feed list declares no namespace of ticker's.
    assert opml.NAMESPACE not in opml.write(SOURCES[:2], now=NOW)


def test_importing_twice_adds_nothing_the_second_time(tmp_path: Path) -> None:
    config_path = tmp_path / "config.toml"
    config_path.write_text(
        '[[sources]]\nname = "Top story wire"\nurl = "https://wire.example/rss"\n'
    )
    subscriptions = export(tmp_path, SOURCES)

    added, skipped = sources_file.add_many(config_path, opml.read_sources(subscriptions))
    assert [s.url for s in skipped] == ["https://wire.example/rss"]
    assert len(added) == len(SOURCES) - 1
    after_first = config_path.read_bytes()

    added, skipped = sources_file.add_many(config_path, opml.read_sources(subscriptions))
    assert added == [] and len(skipped) == len(SOURCES)
    assert config_path.read_bytes() == after_first
    assert by_url(list(config.load(config_path).sources)) == by_url(SOURCES)


def test_another_readers_export_is_read_with_its_folders() -> None:
    sources = opml.read_sources(FIXTURES / "another_reader.opml")
    assert [(s.name, s.url, s.category) for s in sources] == [
        ("Wire (mine)", "https://wire.example/rss", "News/World"),  # text, not the feed's title
        ("Café Europa", "http://cafe.example/europa.xml", "News/World"),  # feed:// is http
        ("Q&A Weekly", "https://qa.example/feed", "News"),  # escaped twice over, decoded
        ("Unfiled", "https://unfiled.example/atom.xml", ""),  # a folder without a name
    ]  # the bookmark is not a feed, and the Wire in capitals is the Wire again


def test_an_empty_body_is_no_sources(tmp_path: Path) -> None:
    path = tmp_path / "empty.opml"
    path.write_text('<opml version="2.0"><head/><body/></opml>')
    assert opml.read_sources(path) == []


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("empty.opml", r"empty\.opml: not OPML: the file is empty$"),
        ("not_xml.opml", r"not_xml\.opml:1: not XML: Start tag expected"),
        ("truncated.opml", r"truncated\.opml:7: not XML: Opening and ending tag mismatch"),
        ("not_opml.opml", r"not_opml\.opml: not OPML \(the root element is <rss>"),
        ("no_body.opml", r"no_body\.opml: not OPML: it has no <body>"),
        (
            "bad_scheme.opml",
            r"bad_scheme\.opml:7: outline 'Local file': xmlUrl 'file:///etc/passwd' is not an "
            r"http\(s\) address",
        ),
        ("relative_url.opml", r"relative_url\.opml:5: outline 'Relative': xmlUrl '/feeds/all"),
        ("latin1_undeclared.opml", r"latin1_undeclared\.opml:4: not UTF-8 text$"),
        ("external_entity.opml", r"external_entity\.opml:5: not XML: .*external entity"),
        (
            "bad_listing.opml",
            r"bad_listing\.opml:5: outline 'Front page': ticker:item: invalid CSS selector 'li\['",
        ),
    ],
)
def test_a_broken_opml_file_is_one_config_error(fixture: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        opml.read_sources(FIXTURES / fixture)
    assert len(str(raised.value).splitlines()) == 1


def test_a_missing_file_is_one_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nothing\.opml: cannot read: No such file"):
        opml.read_sources(tmp_path / "nothing.opml")


def test_an_unknown_declared_encoding_is_named(tmp_path: Path) -> None:
    path = tmp_path / "odd.opml"
    path.write_bytes(b'<?xml version="1.0" encoding="klingon"?><opml><body/></opml>')
    with pytest.raises(ConfigError, match="unknown encoding 'klingon'"):
        opml.read_sources(path)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Sport <live> & \"more\" 'here'", "Sport <live> & \"more\" 'here'"),
        ("</outline><outline xmlUrl='file:///etc/passwd'>", None),
        ("AT&amp;T &lt;wire&gt;", "AT&T <wire>"),  # entity text, in a name without "<"
        ("Red \x1b[31malert\x1b[0m \x1b]52;c;cHduZWQ=\x07now", "Red alert now"),
        ("Bidi \u202etxet\u202c ok", "Bidi txet ok"),
        ("Two\nlines\tand\x00nul \ufffe", "Two lines andnul"),
    ],
)
def test_hostile_names_round_trip_or_are_cleaned(
    tmp_path: Path, name: str, expected: str | None
) -> None:
    sources = [Source(name, "https://hostile.example/rss", category=f"Cat {name}")]
    text = opml.write(sources, now=NOW)
    feeds = [o for o in ET.fromstring(text).iter("outline") if o.get("xmlUrl")]
    assert [o.get("xmlUrl") for o in feeds] == ["https://hostile.example/rss"]  # XML, one feed
    [back] = opml.read_sources(export(tmp_path, sources))
    assert back.url == "https://hostile.example/rss"
    if expected is None:  # markup-looking names stay text, never structure
        assert back.name == name
    else:
        assert back.name == expected
    assert back.category.startswith("Cat ")
    assert "\x1b" not in text and "\u202e" not in text


# -- by address --------------------------------------------------------------------------------

OPML_TYPE = "text/x-opml; charset=utf-8"
QUICK = Limits(connect_timeout=1.0, read_timeout=0.5, deadline=1.0)


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    running = HostileServer().start()
    yield running
    running.stop()


async def fetched(url: str) -> list[Source]:
    async with Fetcher(QUICK) as fetcher:
        return await opml.fetch_sources(url, fetcher)


async def test_a_list_at_an_address_reads_like_the_same_file(server: HostileServer) -> None:
    url = server.serve(server.path("subs"), body(opml.write(SOURCES, now=NOW).encode(), OPML_TYPE))
    back = await fetched(url)
    assert by_url(back) == by_url(SOURCES) and len(back) == len(SOURCES)


def trickle() -> Stream:
    """An OPML list that sends a few bytes every 50 ms and never ends in time."""
    return Stream(b'<?xml version="1.0"?><opml version="2.0"><body>', b" ", 0.05, 400, OPML_TYPE)


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (lambda: body(b"gone", "text/plain", status=404), r": HTTP 404 Not Found"),
        (
            lambda: body(b"<!doctype html><html><head><meta charset=utf-8></head>", "text/html"),
            r":1: not XML: \S.*",
        ),
        (lambda: body(rss(2), "application/rss+xml"), r": not OPML \(the root element is <rss>.*"),
        (lambda: body(b"  \n", OPML_TYPE), r": not OPML: the answer is empty"),
        (lambda: firehose(8 << 20), r": response too large \(over 4 MB\)"),
        (trickle, r": timed out after 1 s"),
    ],
    ids=["404", "html", "a feed", "empty", "too large", "too slow"],
)
async def test_a_broken_list_at_an_address_is_one_line_naming_it(
    server: HostileServer, answer: Callable[[], Handler], problem: str
) -> None:
    url = server.serve(server.path("subs"), answer())
    with pytest.raises(TickerError) as raised:
        await fetched(url)
    assert re.fullmatch(re.escape(url) + problem, str(raised.value))


async def test_a_hostile_list_cannot_make_the_error_line_long(server: HostileServer) -> None:
    # The root element's name is quoted in the error: one of 40,000 letters stays short.
    url = server.serve(server.path("subs"), body(b"<" + b"a" * 40_000 + b"/>", OPML_TYPE))
    with pytest.raises(ConfigError, match="the root element is <aaa") as raised:
        await fetched(url)
    assert len(str(raised.value)) < 300


def test_an_address_is_any_scheme_and_a_path_is_not() -> None:
    assert opml.is_address("https://example.org/subs.opml")
    assert opml.is_address("ftp://example.org/subs.opml")  # refused by the fetcher, by name
    assert not opml.is_address("subs.opml")
    assert not opml.is_address("/home/me/http:/x.opml")
    assert not opml.is_address("C:\\feeds\\subs.opml")
