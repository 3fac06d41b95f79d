"""Adding, pausing and removing sources in the app: the `a` dialog and the sources screen.

The real app under Pilot, real servers on 127.0.0.1 (pytest-httpserver), a real config file
(none at the start: the `home` fixture) read back with `ticker.config.load`, real SQLite files.
Waiting is on conditions (`appdata.wait_for`), never on sleeps.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import appdata
import pytest
from appdata import NOW, wait_for
from pytest_httpserver import HTTPServer
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, LoadingIndicator, OptionList, Static
from werkzeug import Request, Response

from ticker import config
from ticker.app.app import TickerApp
from ticker.app.screens.add_source import AddSourceScreen
from ticker.app.screens.confirm import ConfirmRemove
from ticker.app.screens.sources import SourcesScreen
from ticker.app.widgets.headline_pane import HeadlinePane
from ticker.config import PollSettings, Settings
from ticker.discover import Candidate, Discovery
from ticker.model import Headline, Source
from ticker.session import Session, View
from ticker.store import Store

pytestmark = pytest.mark.usefixtures("home")  # no config and no data, in tmp_path

WORLD = ["Ferry strike ends after all-night talks", "Council approves the harbour plan"]
SPORT = ["Harbour FC sign a new goalkeeper", "Regatta moved to Sunday", "Marathon route changes"]


# -- the sites ----------------------------------------------------------------------------


def rss(title: str, headlines: list[str], base: str) -> bytes:
    """A feed without dates: each headline is dated when first seen, so it is always recent."""
    items = "".join(
        f"<item><title>{headline}</title><link>{base}/story/{n}</link>"
        f"<guid isPermaLink='false'>{title}-{n}</guid></item>"
        for n, headline in enumerate(headlines)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>{base}/</link><description>d</description>"
        f"{items}</channel></rss>"
    ).encode()


def page(head: str = "", body: str = "") -> str:
    head = f"<title>Harbour Post</title>{head}"
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


@pytest.fixture
def site(httpserver: HTTPServer) -> HTTPServer:
    """The local server, answering 404 where it has nothing, as real sites do."""
    httpserver.no_handler_status_code = 404
    return httpserver


def base_of(site: HTTPServer) -> str:
    return site.url_for("").rstrip("/")


def serve_feed(site: HTTPServer, path: str, title: str, headlines: list[str]) -> str:
    site.expect_request(path).respond_with_data(
        rss(title, headlines, base_of(site)), content_type="application/rss+xml"
    )
    return site.url_for(path)


def serve_page(site: HTTPServer, path: str, html: str) -> str:
    site.expect_request(path).respond_with_data(html, content_type="text/html; charset=utf-8")
    return site.url_for(path)


def listing_page() -> str:
    """A front page without a feed: times and links under two day headers (the last two days)."""
    yesterday = date.today() - timedelta(days=1)
    rows = {
        yesterday: [("12:50", "Ferry strike ends after talks"), ("11:20", "Council votes")],
        yesterday - timedelta(days=1): [("10:05", "Storm warning"), ("09:40", "EXCLUSIVE: memo")],
    }
    groups = "".join(
        f"<h2 class=day>{day.strftime('%A %d %B %Y')}</h2><ul>"
        + "".join(
            f'<li><span class=t>{clock}</span> <a href="/a/{day.day}-{n}">{title}</a></li>'
            for n, (clock, title) in enumerate(items)
        )
        + "</ul>"
        for day, items in rows.items()
    )
    return page(body=f"<h1>Harbour Post</h1><div class=latest>{groups}</div>")


# -- the app ------------------------------------------------------------------------------


def config_file(home: Path) -> Path:
    return home / "config" / "config.toml"


def first_run(home: Path) -> Session:
    """A session as on a first run with no sources yet: edits go to the (missing) config file."""
    path = config_file(home)
    settings = Settings(sources=(), poll=PollSettings(timeout=5.0), timezone="UTC", path=path)
    session = Session(home / "data" / "ticker.db", (), settings)
    assert session.config_path == path  # the configured sources: edits are saved
    session.prepare()
    return session


def configured(home: Path, *sources: Source) -> Session:
    """A session on a config file that lists `sources`, as `ticker` builds it."""
    path = config_file(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config.default_text(sources), encoding="utf-8")
    settings = config.load(path)
    session = Session(home / "data" / "ticker.db", settings.sources, settings)
    assert session.config_path == path
    session.prepare()
    return session


def pane_of(app: TickerApp) -> HeadlinePane:
    return app.query_one(HeadlinePane)


def shown(app: TickerApp) -> list[Headline]:
    timeline = pane_of(app).timeline
    found = [timeline.headline(r) for r in timeline.rows if isinstance(r, int)]
    return [h for h in found if h is not None]


def titles(app: TickerApp) -> set[str]:
    return {h.title for h in shown(app)}


def screen_text(app: TickerApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def notices(app: TickerApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def dialog(app: TickerApp) -> AddSourceScreen:
    assert isinstance(app.screen, AddSourceScreen)
    return app.screen


def status(app: TickerApp) -> str:
    return str(dialog(app).query_one("#status", Static).render())


def loading(app: TickerApp) -> bool:
    return bool(dialog(app).query_one(LoadingIndicator).display)


def found_text(app: TickerApp) -> str:
    return str(dialog(app).query_one("#found-text", Static).render())


async def open_dialog(pilot: Pilot, address: str) -> AddSourceScreen:
    """`a`, the address typed in, Enter."""
    app = pilot.app
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(app.screen, AddSourceScreen))
    screen = app.screen
    assert isinstance(screen, AddSourceScreen)
    address_input = screen.query_one(Input)
    assert address_input.has_focus
    address_input.value = address
    await pilot.press("enter")
    return screen


async def wait_closed(pilot: Pilot, screen: object) -> None:
    await wait_for(pilot, lambda: pilot.app.screen is not screen, 20)


def source_table(app: TickerApp) -> DataTable[Any]:
    assert isinstance(app.screen, SourcesScreen)
    return app.screen.query_one(DataTable)


def table_rows(app: TickerApp) -> dict[str, list[str]]:
    table = source_table(app)
    rows = (table.get_row_at(i) for i in range(table.row_count))
    return {str(cells[0]): [str(cell) for cell in cells] for cells in rows}


# -- adding -------------------------------------------------------------------------------


async def test_a_finds_several_feeds_and_adds_the_chosen_one_which_is_polled_at_once(
    home: Path, site: HTTPServer
) -> None:
    world = serve_feed(site, "/world.rss", "Harbour World", WORLD)
    sport = serve_feed(site, "/sport.rss", "Harbour Sport", SPORT)
    links = (
        '<link rel="alternate" type="application/rss+xml" href="/world.rss" title="World">'
        '<link rel="alternate" type="application/rss+xml" href="/sport.rss" title="Sport">'
    )
    front = serve_page(site, "/", page(head=links))
    session = first_run(home)
    app = TickerApp(session, poll=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_dialog(pilot, front)
        feeds = screen.query_one(OptionList)
        await wait_for(pilot, lambda: feeds.display and feeds.option_count == 2, 20)
        assert feeds.has_focus and feeds.highlighted == 0  # the main feed, first
        text = screen_text(app)
        assert "Harbour World" in text and "Harbour Sport" in text
        assert "2 headlines" in text and "3 headlines" in text and "main feed" in text
        where = str(screen.query_one("#where", Static).render())
        assert where == f"Saved to {config_file(home)}"

        await pilot.press("down", "enter")
        await wait_closed(pilot, screen)
        assert "Added Harbour Sport" in notices(app)

        saved = config.load(config_file(home)).sources
        added = [s for s in saved if s.url == sport]
        assert [s.name for s in added] == ["Harbour Sport"]
        assert world not in [s.url for s in saved]
        assert "# ticker's configuration" in config_file(home).read_text(encoding="utf-8")
        assert [s.url for s in session.sources] == [sport]

        # The running poller polls it at once: its headlines arrive in the pane.
        await wait_for(pilot, lambda: titles(app) == set(SPORT), 20)


async def test_a_page_without_feeds_offers_its_headline_list_and_adds_it_as_an_html_source(
    home: Path, site: HTTPServer
) -> None:
    front = serve_page(site, "/news", listing_page())
    session = first_run(home)
    app = TickerApp(session, poll=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_dialog(pilot, front)
        await wait_for(pilot, lambda: "No feed found" in status(app), 20)
        assert "press h" in found_text(app).lower()

        await pilot.press("h")
        await wait_for(pilot, lambda: "read with:" in found_text(app), 20)
        text = found_text(app)
        for part in ("item", "span.t", "h2.day", "Ferry strike ends after talks", "EXCLUSIVE"):
            assert part in text, part
        yesterday = (date.today() - timedelta(days=1)).isoformat()
        assert f"{yesterday} 12:50" in text  # the time read on the day of its header

        await pilot.press("enter")
        await wait_closed(pilot, screen)
        [source] = [s for s in config.load(config_file(home)).sources if s.url == front]
        assert source.kind == "html"
        assert source.listing is not None
        assert (source.listing.item, source.listing.time, source.listing.date) == (
            "li",
            "span.t",
            "h2.day",
        )
        assert f"Added {source.name}" in notices(app)
        await wait_for(pilot, lambda: "Ferry strike ends after talks" in titles(app), 20)


async def test_a_feed_address_is_confirmed_and_its_hostile_title_is_shown_as_text(
    home: Path, site: HTTPServer
) -> None:
    hostile = serve_feed(site, "/hostile.rss", "&#x1b;[31m[bold]x", WORLD)
    session = first_run(home)
    app = TickerApp(session, poll=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_dialog(pilot, hostile)
        await wait_for(pilot, lambda: "Enter adds it" in found_text(app), 20)
        assert "A feed at" in status(app)
        text = screen_text(app)
        assert "[bold]x" in text and "\x1b" not in text and "[31m" not in text

        await pilot.press("enter")
        await wait_closed(pilot, screen)
        assert "Added [bold]x" in notices(app)
        [source] = [s for s in config.load(config_file(home)).sources if s.url == hostile]
        assert source.name == "[bold]x"
        await wait_for(pilot, lambda: titles(app) == set(WORLD), 20)
        assert {h.source_name for h in shown(app)} == {"[bold]x"}

        # The same address again: found, marked, and refused as a source already.
        screen = await open_dialog(pilot, hostile)
        await wait_for(pilot, lambda: "a source already" in found_text(app), 20)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "is a source already" in status(app), 20)
        assert app.screen is screen
        await pilot.press("escape")
        await wait_closed(pilot, screen)
        assert len(session.sources) == 1


async def test_an_unreachable_address_is_one_line_and_escape_cancels_while_looking(
    home: Path, site: HTTPServer
) -> None:
    answer = threading.Event()  # the slow page answers when the test says so

    def slow(request: Request) -> Response:
        answer.wait(10)
        return Response(page(), content_type="text/html")

    site.expect_request("/slow").respond_with_handler(slow)
    session = first_run(home)
    app = TickerApp(session, poll=False)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await open_dialog(pilot, "http://127.0.0.1:1/news")
            await wait_for(pilot, lambda: "127.0.0.1:1" in status(app) and not loading(app))
            assert "\n" not in status(app).strip()
            address = screen.query_one(Input)
            assert address.has_focus  # to mend the address

            address.value = site.url_for("/slow")
            await pilot.press("enter")
            await wait_for(pilot, lambda: loading(app) and "Looking for feeds" in status(app))
            await pilot.press("escape")  # the loop answers keys while discovery waits
            await wait_closed(pilot, screen)
            assert not [w for w in app.workers if w.node is screen and w.is_running]
    finally:
        answer.set()
    assert session.sources == ()
    assert not config_file(home).exists()


# -- the sources screen -------------------------------------------------------------------


async def test_p_pauses_and_resumes_a_source_in_the_config_file_and_a_adds_one(
    home: Path, site: HTTPServer
) -> None:
    world = serve_feed(site, "/world.rss", "Harbour World", WORLD)
    session = configured(home, Source("Harbour World", world))
    app = TickerApp(session, poll=False)
    path = config_file(home)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        await wait_for(pilot, lambda: source_table(app).row_count == 1)
        assert table_rows(app)["Harbour World"][4] == "not polled yet"
        footer = screen_text(app).splitlines()[-1]
        assert "Pause" in footer and "Remove" in footer and "Add" in footer

        await pilot.press("p")
        await wait_for(pilot, lambda: table_rows(app)["Harbour World"][4] == "paused")
        assert "\npaused = true\n" in path.read_text(encoding="utf-8")
        assert config.load(path).sources[0].paused
        assert session.sources[0].paused
        assert "Resume" in screen_text(app).splitlines()[-1]

        await pilot.press("p")
        await wait_for(pilot, lambda: table_rows(app)["Harbour World"][4] != "paused")
        text = path.read_text(encoding="utf-8")
        assert "\npaused = true\n" not in text
        assert "# ticker's configuration" in text  # the comments stay
        assert not config.load(path).sources[0].paused
        assert "Paused Harbour World" in notices(app) and "Resumed Harbour World" in notices(app)

        # `a` here is the same dialog; the table shows the new source when it closes.
        sport = serve_feed(site, "/sport.rss", "Harbour Sport", SPORT)
        screen = await open_dialog(pilot, sport)
        await wait_for(pilot, lambda: "Enter adds it" in found_text(app), 20)
        await pilot.press("enter")
        await wait_closed(pilot, screen)
        assert isinstance(app.screen, SourcesScreen)
        await wait_for(pilot, lambda: list(table_rows(app)) == ["Harbour Sport", "Harbour World"])
        assert [s.url for s in config.load(path).sources] == [world, sport]


async def test_d_removes_a_source_and_its_starred_headline_stays(
    home: Path, site: HTTPServer
) -> None:
    world = serve_feed(site, "/world.rss", "Harbour World", WORLD)
    sport = serve_feed(site, "/sport.rss", "Harbour Sport", SPORT)
    session = configured(home, Source("Harbour World", world), Source("Harbour Sport", sport))
    app = TickerApp(session, poll=True)
    path = config_file(home)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: titles(app) == set(WORLD + SPORT), 20)
        pane = pane_of(app)
        while pane.selected is not None and pane.selected.title != SPORT[1]:
            await pilot.press("j")
        await pilot.press("s")
        await wait_for(pilot, lambda: starred(session) == [SPORT[1]])

        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        await wait_for(pilot, lambda: source_table(app).row_count == 2)
        table = source_table(app)
        while str(table.get_row_at(table.cursor_row)[0]) != "Harbour Sport":
            await pilot.press("j")

        # n keeps it.
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmRemove))
        assert "starred headlines are kept" in screen_text(app)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        assert len(config.load(path).sources) == 2

        # y removes it: from the config, the table and the pane; the starred headline stays.
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmRemove))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        await wait_for(pilot, lambda: list(table_rows(app)) == ["Harbour World"])
        assert [s.url for s in config.load(path).sources] == [world]
        assert "Removed Harbour Sport; 1 starred headline kept" in notices(app)

        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, SourcesScreen))
        await wait_for(pilot, lambda: titles(app) == {*WORLD, SPORT[1]})
        app.show_view(View(starred=True))
        await wait_for(pilot, lambda: titles(app) == {SPORT[1]})
        assert "Harbour Sport" in screen_text(app)
        with Store(session.store_path) as store:
            assert [h.title for h in store.headlines() if h.source == sport] == [SPORT[1]]
        assert [h.url for h in session.health()] == [world]  # the status line's sources


def starred(session: Session) -> list[str]:
    with Store(session.store_path) as store:
        return [h.title for h in store.headlines() if h.starred]


async def test_sources_named_on_the_command_line_are_edited_for_this_run_only(
    home: Path, site: HTTPServer
) -> None:
    world = serve_feed(site, "/world.rss", "Harbour World", WORLD)
    path = config_file(home)
    path.parent.mkdir(parents=True)
    path.write_text(config.default_text(()), encoding="utf-8")
    settings = config.load(path)
    session = Session(home / "data" / "ticker.db", [Source("world", world)], settings)
    assert session.config_path is None  # not the configured sources
    session.prepare()
    app = TickerApp(session, poll=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddSourceScreen))
        assert "For this run only" in screen_text(app)
        await pilot.press("escape")
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        await wait_for(pilot, lambda: source_table(app).row_count == 1)
        await pilot.press("p")
        await wait_for(pilot, lambda: table_rows(app)["world"][4] == "paused")
        assert "Paused world (for this run only)" in notices(app)
        assert path.read_text(encoding="utf-8") == config.default_text(())


# -- how the dialog looks ---------------------------------------------------------------------


class FixedFinds(Session):
    """The fixed session, whose discovery finds three feeds without any network."""

    async def find_feeds(self, url: str) -> Discovery:
        return Discovery(
            page="https://harbour.example/",
            candidates=(
                Candidate("https://harbour.example/sport.rss", "Harbour Sport", 24, "anchor"),
                Candidate("https://harbour.example/news.atom", "Harbour Gazette", 40, "link"),
                Candidate(
                    "https://harbour.example/comments/feed/?type=rss2&section=opinion-and-letters",
                    "Comments on Harbour Gazette: letters, opinion and every reader's reply",
                    100,
                    "link",
                ),
            ),
            rejected=(("https://harbour.example/old.rss", "unexpected HTTP status 410"),),
        )


def fixed_dialog_app(directory: Path) -> TickerApp:
    made = FixedFinds(
        directory / "ticker.db",
        appdata.SOURCES,
        appdata.settings(),
        config_path=Path("/home/reader/.config/ticker/config.toml"),
    )
    made.prepare()
    appdata.fill(made.store_path)
    return TickerApp(made, poll=False, now=NOW)


async def show_found_feeds(pilot: Pilot) -> None:
    await pilot.pause()
    screen = await open_dialog(pilot, "harbour.example")
    feeds = screen.query_one(OptionList)
    await wait_for(pilot, lambda: feeds.display and feeds.option_count == 3)


def test_the_add_dialog_with_feeds_looks_as_approved(snap_compare: Any, tmp_path: Path) -> None:
    app = fixed_dialog_app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=show_found_feeds)
