"""`ticker add / remove / sources / import / export` from a shell, against a real server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from feedgen import rss
from pytest_httpserver import HTTPServer

from ticker import config
from ticker.__main__ import main
from ticker.store import Query, Store

USER_CONFIG = """\
# My ticker: the wires first.
timezone = "UTC"

[poll]
interval = 600  # ten minutes is plenty

# --- wires ---
[[sources]]
name = "Wire"
url = "{wire}"
"""

LISTING_PAGE = """<!doctype html><html><head><title>Kestrel Post</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a></nav>
<section class="read-also"><h2>Read also</h2>
<div class="day">2026, Tuesday / 24 November</div>
<ul>
<li><span class="t">18:40</span> <span class="lbl">Exclusive</span>
  <a href="/news/harbour-cranes">Harbour cranes return to the north quay</a></li>
<li><span class="t">16:05</span>
  <a href="/news/tram-line">Tram line to the airport gets a date</a></li>
<li><span class="t">09:30</span> <span class="lbl">OPINION</span>
  <a href="/news/river-walk">Why the river walk needs more benches</a></li>
</ul>
</section>
<footer><a href="/privacy">Privacy</a></footer>
</body></html>"""


@pytest.fixture
def wire(httpserver: HTTPServer) -> str:
    items = [("a", "EXCLUSIVE: Port of Halvik to reopen"), ("b", "Ceasefire talks resume")]
    httpserver.expect_request("/wire.rss").respond_with_data(
        rss(items), content_type="application/rss+xml"
    )
    return httpserver.url_for("/wire.rss")


@pytest.fixture
def site(httpserver: HTTPServer) -> str:
    """A home page naming two feeds (relative and protocol-relative links)."""
    httpserver.no_handler_status_code = 404
    host = httpserver.url_for("/").removeprefix("http:").rstrip("/")
    page = (
        "<html><head><title>Kestrel Post</title>"
        '<link rel="alternate" type="application/rss+xml" title="Top" href="/top.rss">'
        f'<link rel="alternate" type="application/rss+xml" title="Sport" href="{host}/sport.rss">'
        "</head><body><p>Front page</p></body></html>"
    )
    httpserver.expect_request("/").respond_with_data(page, content_type="text/html")
    for name, items in (
        ("top", [("t1", "Top one"), ("t2", "Top two")]),
        ("sport", [("s1", "Goal")]),
    ):
        httpserver.expect_request(f"/{name}.rss").respond_with_data(
            rss(items, title=name.capitalize()), content_type="application/rss+xml"
        )
    return httpserver.url_for("/")


def user_config(home: Path, wire: str) -> Path:
    path = home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(USER_CONFIG.format(wire=wire), encoding="utf-8")
    return path


def test_add_finds_the_main_feed_of_a_page_and_keeps_the_files_comments(
    home: Path, wire: str, site: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = user_config(home, wire)
    assert main(["add", site, "--yes"]) == 0
    out = capsys.readouterr().out
    assert "2 feeds at" in out and "Top" in out and "Sport" in out
    text = path.read_text()
    assert text.startswith(USER_CONFIG.format(wire=wire))  # every byte before the new table
    urls = [s.url for s in config.load(path).sources]
    assert urls == [wire, site + "top.rss"]
    assert main(["add", site, "--yes"]) == 0  # again: nothing to do
    assert "is a source already" in capsys.readouterr().out
    assert [s.url for s in config.load(path).sources] == urls


def test_add_without_a_feed_says_so_in_one_line_and_suggests_html(
    home: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.no_handler_status_code = 404
    httpserver.expect_request("/plain").respond_with_data(
        "<html><body><p>No feeds here</p></body></html>", content_type="text/html"
    )
    assert main(["add", httpserver.url_for("/plain"), "--yes"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no feed found" in err[0] and "--html" in err[0]


def test_add_without_yes_and_without_a_terminal_saves_nothing(
    home: Path, wire: str, site: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = user_config(home, wire)
    before = path.read_text()
    assert main(["add", site]) == 1
    assert "use --yes" in capsys.readouterr().out
    assert path.read_text() == before


def test_add_html_proposes_selectors_shows_what_they_read_and_the_source_polls(
    home: Path, httpserver: HTTPServer, wire: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = user_config(home, wire)
    httpserver.expect_request("/latest").respond_with_data(LISTING_PAGE, content_type="text/html")
    page = httpserver.url_for("/latest")
    assert main(["add", page, "--html", "--yes", "--name", "Kestrel"]) == 0
    out = capsys.readouterr().out
    assert "A list of 3 headlines" in out and "date   div.day" in out
    assert "2026-11-24 18:40  EXCLUSIVE  Harbour cranes return to the north quay" in out
    (source,) = [s for s in config.load(path).sources if s.kind == "html"]
    assert source.name == "Kestrel" and source.listing is not None
    assert main(["remove", "Kestrel"]) == 0
    assert main(["add", page, "--html", "--yes"]) == 0  # unnamed: the page's own title
    assert [s.name for s in config.load(path).sources if s.kind == "html"] == ["Kestrel Post"]
    capsys.readouterr()

    assert main(["headlines", "--format", "json", "--limit", "0"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    news = httpserver.url_for("/news/")
    kestrel = {row["title"]: row for row in rows if row["url"].startswith(news)}
    cranes = kestrel["Harbour cranes return to the north quay"]
    assert cranes["badges"] == ["exclusive"]
    assert cranes["published"] == "2026-11-24T18:40:00Z"  # the config's zone is UTC
    assert cranes["url"] == httpserver.url_for("/news/harbour-cranes")
    river = kestrel["Why the river walk needs more benches"]
    assert river["badges"] == ["opinion"]
    assert river["published"] == "2026-11-24T09:30:00Z"  # under the one header above the list


def test_remove_by_host_keeps_starred_headlines_and_the_comments(
    home: Path, wire: str, site: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = user_config(home, wire)
    assert main(["add", site, "--yes"]) == 0
    assert main(["headlines"]) == 0
    store_path = home / "data" / "ticker.db"
    with Store(store_path) as store:
        starred = [h for h in store.headlines() if h.title == "Top one"]
        store.set_starred([starred[0].row])  # type: ignore[list-item]
    capsys.readouterr()

    assert main(["remove", "Top"]) == 0
    assert "1 starred headline kept" in capsys.readouterr().out
    assert path.read_text() == USER_CONFIG.format(wire=wire)
    with Store(store_path) as store:
        titles = [h.title for h in store.headlines()]
        assert "Top one" in titles and "Top two" not in titles
        assert [h.title for h in store.headlines(Query(starred=True))] == ["Top one"]

    assert main(["remove", "nothing-like-it"]) == 2
    assert "no source matches" in capsys.readouterr().err


def test_sources_lists_health_items_and_next_poll(
    home: Path, wire: str, capsys: pytest.CaptureFixture[str]
) -> None:
    user_config(home, wire)
    assert main(["sources"]) == 0
    assert "not polled yet" in capsys.readouterr().out
    assert main(["headlines"]) == 0
    capsys.readouterr()
    assert main(["sources", "--format", "json"]) == 0
    (record,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert record["url"] == wire and record["items"] == 2 and record["ok"] is True
    assert record["next_poll"] is not None and record["paused"] is False


def test_export_then_import_round_trips_and_import_is_idempotent(
    home: Path, wire: str, site: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = user_config(home, wire)
    with path.open("a") as file:
        file.write('\n[[sources]]\nname = "Sport desk"\nurl = "http://127.0.0.1:9/sport.rss"\n')
        file.write('category = "Sport"\n')
    capsys.readouterr()
    assert main(["export"]) == 0
    exported = tmp_path / "subscriptions.opml"
    exported.write_text(capsys.readouterr().out)
    assert 'text="Sport"' in exported.read_text()  # the category is a folder

    fresh = tmp_path / "fresh.toml"
    assert main(["import", str(exported), "--config", str(fresh)]) == 0
    assert "imported 2 sources" in capsys.readouterr().out
    again = fresh.read_text()
    assert main(["import", str(exported), "--config", str(fresh)]) == 0
    assert "imported 0 sources" in capsys.readouterr().out and fresh.read_text() == again
    mine = {s.url: s for s in config.load(path).sources}
    theirs = {s.url: s for s in config.load(fresh).sources if s.url in mine}
    assert {u: (s.name, s.category) for u, s in theirs.items()} == {
        u: (s.name, s.category) for u, s in mine.items()
    }


def test_importing_a_broken_opml_file_is_one_line_and_changes_nothing(
    home: Path, wire: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = user_config(home, wire)
    broken = tmp_path / "broken.opml"
    broken.write_text('<opml version="2.0"><body><outline xmlUrl="http://a/b.rss"></body>')
    assert main(["import", str(broken)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(broken) in err[0]
    assert path.read_text() == USER_CONFIG.format(wire=wire)


def test_import_from_an_address_adds_its_feeds_once(
    home: Path, wire: str, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    path = user_config(home, wire)
    httpserver.expect_request("/subs.opml").respond_with_data(
        '<?xml version="1.0"?><opml version="2.0"><head/><body><outline text="Sport">'
        '<outline type="rss" text="Sport desk" xmlUrl="http://127.0.0.1:9/sport.rss"/>'
        f'</outline><outline type="rss" text="Wire again" xmlUrl="{wire}"/></body></opml>',
        content_type="text/x-opml",
    )
    address = httpserver.url_for("/subs.opml")
    assert main(["import", address]) == 0
    assert f"imported 1 source from {address} (1 already there)" in capsys.readouterr().out
    sources = {s.url: s for s in config.load(path).sources}
    assert sources["http://127.0.0.1:9/sport.rss"].category == "Sport"
    assert sources[wire].name == "Wire"  # already there: kept as the person named it
    assert path.read_text().startswith(USER_CONFIG.format(wire=wire))  # comments kept


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"response_data": "gone", "status": 404}, ": HTTP 404 NOT FOUND"),
        ({"response_data": "Subscriptions & more", "content_type": "text/plain"}, ":1: not XML"),
    ],
)
def test_importing_from_a_broken_address_is_one_line_naming_it_and_changes_nothing(
    home: Path,
    wire: str,
    httpserver: HTTPServer,
    answer: dict[str, object],
    problem: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = user_config(home, wire)
    httpserver.expect_request("/subs.opml").respond_with_data(**answer)  # type: ignore[arg-type]
    address = httpserver.url_for("/subs.opml")
    assert main(["import", address]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ticker: {address}{problem}") and len(err.splitlines()) == 1
    assert path.read_text() == USER_CONFIG.format(wire=wire)


def test_an_address_without_a_scheme_is_tried_over_https_then_http(
    home: Path, wire: str, capsys: pytest.CaptureFixture[str]
) -> None:
    typed = wire.removeprefix("http://")  # the test server speaks plain http only
    assert main(["add", typed, "--yes", "--name", "Typed"]) == 0
    assert f"added Typed ({wire})" in capsys.readouterr().out
