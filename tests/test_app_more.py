"""More of the app under Pilot: search, filters, palette, sources, theme, reader, mouse.

Real SQLite files in tmp_path, real servers on 127.0.0.1 (pytest-httpserver), no config file.
Waiting is on conditions (`appdata.wait_for`), never on sleeps.
"""

from __future__ import annotations

import asyncio
import json
import socket
import webbrowser
from datetime import timedelta
from pathlib import Path

import appdata
import pytest
from appdata import ITEMS, NOW, SOURCES, wait_for
from pytest_httpserver import HTTPServer
from textual import events
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from ticker.__main__ import main
from ticker.app.app import TickerApp
from ticker.app.screens.reader import ReaderScreen
from ticker.app.screens.sources import SourcesScreen
from ticker.app.widgets.headline_pane import HeadlinePane
from ticker.app.widgets.search_bar import SearchBar
from ticker.app.widgets.status_line import StatusLine
from ticker.locations import state_file
from ticker.model import Badge, Headline, Source
from ticker.session import Session, View
from ticker.store import PollRecord, Store

pytestmark = pytest.mark.usefixtures("home")  # no config and no data, in tmp_path


@pytest.fixture
def fixed(tmp_path: Path) -> Session:
    """The fixed headlines of tests/appdata.py in a store of their own."""
    session = appdata.session(tmp_path)
    appdata.fill(session.store_path)
    return session


# -- reading the screen -------------------------------------------------------------------


def pane_of(app: TickerApp) -> HeadlinePane:
    return app.query_one(HeadlinePane)


def shown(pane: HeadlinePane) -> list[Headline]:
    """The headlines the pane shows, top to bottom (day headers left out)."""
    found = [pane.timeline.headline(r) for r in pane.timeline.rows if isinstance(r, int)]
    assert all(h is not None for h in found)
    return [h for h in found if h is not None]


def titles(pane: HeadlinePane) -> list[str]:
    return [h.title for h in shown(pane)]


def screen_text(app: TickerApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def status_text(app: TickerApp) -> str:
    return app.query_one(StatusLine).text()


ALL_TITLES = [item.title for item in ITEMS]


def titles_with(word: str) -> list[str]:
    return [t for t in ALL_TITLES if any(w.startswith(word) for w in t.lower().split())]


async def type_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(ch, ch) for ch in text])


async def palette_choose(pilot: Pilot, text: str, expected: str) -> None:
    """Type `text` in the open palette, wait for `expected` to be highlighted, press Enter."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
    palette = app.screen
    await type_text(pilot, text)
    results = palette.query_one(CommandList)

    def highlighted() -> str | None:
        index = results.highlighted
        if index is None or index >= results.option_count:
            return None
        return str(results.get_option_at_index(index).prompt)

    await wait_for(pilot, lambda: (highlighted() or "").startswith(expected))
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.screen is not palette)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then let go)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- 1. search ----------------------------------------------------------------------------


async def test_search_narrows_the_pane_enter_keeps_it_and_escape_clears_it(
    fixed: Session,
) -> None:
    expected = titles_with("harbour")
    assert 2 <= len(expected) < len(ALL_TITLES)
    app = TickerApp(fixed, poll=False, now=NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = pane_of(app)
        await wait_for(pilot, lambda: titles(pane) == ALL_TITLES)
        await pilot.press("slash")
        bar = app.query_one(SearchBar)
        assert app.focused is bar
        await type_text(pilot, "harbour")
        await wait_for(pilot, lambda: titles(pane) == expected)
        assert "harbour" in status_text(app)

        await pilot.press("enter")  # keep the filter, back to the pane
        await wait_for(pilot, lambda: app.focused is pane)
        assert app.view.search == "harbour"
        assert bar.value == "harbour"
        await pilot.press("j")  # the pane has the keys now, and the filter stays
        assert titles(pane) == expected
        assert pane.selected is not None and pane.selected.title == expected[1]

        await pilot.press("slash")  # back in the bar, the words still there
        assert app.focused is bar and bar.value == "harbour"
        await pilot.press("escape")  # clears the search
        await wait_for(pilot, lambda: titles(pane) == ALL_TITLES)
        assert app.focused is pane
        assert bar.value == "" and app.view == View()
        assert "harbour" not in status_text(app)


async def test_escape_on_the_pane_clears_a_kept_search(fixed: Session) -> None:
    app = TickerApp(fixed, poll=False, now=NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = pane_of(app)
        await pilot.press("slash")
        await type_text(pilot, "storm")
        await pilot.press("enter")
        await wait_for(pilot, lambda: titles(pane) == titles_with("storm"))
        assert app.focused is pane
        await pilot.press("escape")
        await wait_for(pilot, lambda: titles(pane) == ALL_TITLES)
        assert app.query_one(SearchBar).value == ""


async def test_search_words_with_markup_or_a_nul_do_not_crash(fixed: Session) -> None:
    app = TickerApp(fixed, poll=False, now=NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = pane_of(app)
        bar = app.query_one(SearchBar)
        await pilot.press("slash")
        await type_text(pilot, "[b]")
        await wait_for(pilot, lambda: app.view.search == "[b]")
        await wait_for(pilot, lambda: pane.timeline.query.search == "[b]")  # reloaded
        assert "“[b]”" in status_text(app)
        assert "“[b]”" in screen_text(app)  # drawn as text, not read as bold markup

        bar.value = "bridge\x00[/]"  # a NUL cannot be typed; pasted text can hold one
        await wait_for(pilot, lambda: app.view.search == "bridge [/]")
        await wait_for(pilot, lambda: pane.timeline.query.search == "bridge [/]")
        assert app.is_running

        assert "bridge [/]" in screen_text(app)  # the bar and the status line, as text
        await pilot.press("escape")
        await wait_for(pilot, lambda: titles(pane) == ALL_TITLES)
        assert app.focused is pane
        assert app.is_running and app._exception is None


async def test_the_search_bar_stays_open_when_only_a_space_is_left(fixed: Session) -> None:
    app = TickerApp(fixed, poll=False, now=NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = pane_of(app)
        bar = app.query_one(SearchBar)
        await pilot.press("slash", "space", "a")
        await wait_for(pilot, lambda: app.view.search == "a")
        await pilot.press("backspace")  # " " left: no search words, every headline
        await wait_for(pilot, lambda: titles(pane) == ALL_TITLES)
        assert app.focused is bar, f"focus went to {app.focused}"
        assert bar.display and bar.value == " "
        await pilot.press("b")  # typed into the bar, not a pane key
        await wait_for(pilot, lambda: app.view.search == "b")
        assert not isinstance(app.screen, CommandPalette)


# -- 2. filters ---------------------------------------------------------------------------


async def test_source_badge_and_unread_filters_combine_and_escape_shows_everything(
    fixed: Session,
) -> None:
    harbour = SOURCES[1]
    app = TickerApp(fixed, poll=False, now=NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = pane_of(app)
        await wait_for(pilot, lambda: titles(pane) == ALL_TITLES)

        await pilot.press("f")
        await palette_choose(pilot, "Harbour Gazette", "Show only Harbour Gazette")
        from_harbour = [i.title for i in ITEMS if i.source == 1]
        await wait_for(pilot, lambda: titles(pane) == from_harbour)
        assert {h.source for h in shown(pane)} == {harbour.url}
        assert "showing Harbour Gazette" in status_text(app)
        assert "showing Harbour Gazette" in screen_text(app)

        await pilot.press("b")
        await palette_choose(pilot, "Opinion", "Show only Opinion")
        opinions = [i.title for i in ITEMS if i.source == 1 and Badge.OPINION in i.badges]
        assert len(opinions) == 2
        await wait_for(pilot, lambda: titles(pane) == opinions)
        assert "showing Harbour Gazette · Opinion" in status_text(app)

        await pilot.press("u")
        unread = [
            i.title for i in ITEMS if i.source == 1 and Badge.OPINION in i.badges and not i.read
        ]
        assert len(unread) == 1
        await wait_for(pilot, lambda: titles(pane) == unread)
        assert app.view == View(source=harbour.url, badge=Badge.OPINION, unread=True)
        assert "showing Harbour Gazette · Opinion · unread" in status_text(app)

        await pilot.press("escape")
        await wait_for(pilot, lambda: titles(pane) == ALL_TITLES)
        assert app.view == View()
        assert "showing" not in status_text(app)


async def test_badge_alone_unread_alone_and_starred_alone(fixed: Session) -> None:
    app = TickerApp(fixed, poll=False, now=NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = pane_of(app)
        await pilot.press("b")
        await palette_choose(pilot, "Breaking", "Show only Breaking")
        breaking = [i.title for i in ITEMS if Badge.BREAKING in i.badges]
        await wait_for(pilot, lambda: titles(pane) == breaking)
        assert all(Badge.BREAKING in h.badges for h in shown(pane))
        assert "showing Breaking" in status_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: titles(pane) == ALL_TITLES)

        await pilot.press("u")
        unread = [i.title for i in ITEMS if not i.read]
        await wait_for(pilot, lambda: titles(pane) == unread)
        assert "showing unread" in status_text(app)
        await pilot.press("u")  # and back
        await wait_for(pilot, lambda: titles(pane) == ALL_TITLES)
        assert "showing" not in status_text(app)

        await pilot.press("asterisk")
        starred = [i.title for i in ITEMS if i.starred]
        assert starred and len(starred) < len(ALL_TITLES)
        await wait_for(pilot, lambda: titles(pane) == starred)
        assert "showing starred" in status_text(app)
        await pilot.press("asterisk")
        await wait_for(pilot, lambda: titles(pane) == ALL_TITLES)


async def test_the_main_palette_has_show_only_a_source(fixed: Session) -> None:
    app = TickerApp(fixed, poll=False, now=NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = pane_of(app)
        await pilot.press("ctrl+p")
        await palette_choose(pilot, "Show only Wire Desk", "Show only Wire Desk")
        await wait_for(pilot, lambda: titles(pane) == [i.title for i in ITEMS if i.source == 3])
        assert "showing Wire Desk" in status_text(app)


# -- 3. the command palette ---------------------------------------------------------------


async def test_the_palette_runs_an_action_by_name(fixed: Session) -> None:
    app = TickerApp(fixed, poll=False, now=NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await palette_choose(pilot, "Sources", "Sources")
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, SourcesScreen))
        assert app.focused is pane_of(app)


# -- 4. the sources screen ----------------------------------------------------------------


async def test_the_sources_screen_shows_counts_and_errors_and_enter_shows_one_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dead_url = f"http://127.0.0.1:{closed_port()}/feed.xml"
    argv = ["headlines", "--source", dead_url, "--data-dir", str(tmp_path)]
    assert await asyncio.to_thread(main, argv) != 0  # asyncio.run inside: not on this loop
    capsys.readouterr()
    dead = Source("Dead Wire", dead_url)
    session = appdata.session(tmp_path, (*SOURCES, dead))
    appdata.fill(session.store_path)

    app = TickerApp(session, poll=False, now=NOW)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        screen = app.screen
        assert isinstance(screen, SourcesScreen)
        table = screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == len(SOURCES) + 1)
        rows = {
            str(table.get_row_at(i)[0]): [str(cell) for cell in table.get_row_at(i)]
            for i in range(table.row_count)
        }
        for index, source in enumerate(SOURCES):
            count = sum(1 for item in ITEMS if item.source == index)
            assert rows[source.name][1] == str(count), source.name
            assert rows[source.name][4] == "ok"
        failing = next(cells for name, cells in rows.items() if name not in appdata_names())
        assert failing[1] == "0"
        error = failing[4]
        assert error and error != "ok" and "\n" not in error
        assert "1 failing" in str(screen.query_one("#heading", Static).render())

        # Down to Harbour Gazette (rows are by name), Enter shows only it.
        names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        while names[table.cursor_row] != "Harbour Gazette":
            await pilot.press("j")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, SourcesScreen))
        pane = pane_of(app)
        await wait_for(pilot, lambda: titles(pane) == [i.title for i in ITEMS if i.source == 1])
        assert app.view == View(source=SOURCES[1].url)

        # Open again: the cursor is on the source shown; Esc closes and changes nothing.
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        table = app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == len(SOURCES) + 1)
        assert str(table.get_row_at(table.cursor_row)[0]) == "Harbour Gazette"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, SourcesScreen))
        assert app.view == View(source=SOURCES[1].url)


def appdata_names() -> set[str]:
    return {source.name for source in SOURCES}


# -- 5. the theme -------------------------------------------------------------------------


async def test_the_chosen_theme_is_saved_and_used_next_time(fixed: Session) -> None:
    path = state_file(fixed.store_path.parent)
    assert not path.exists()
    app = TickerApp(fixed, poll=False, now=NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        default = app.theme
        assert default != "gruvbox"
        app.theme = "gruvbox"

        def saved() -> object:
            try:
                return json.loads(path.read_text()).get("theme")
            except (OSError, ValueError):
                return None

        await wait_for(pilot, lambda: saved() == "gruvbox")

    again = TickerApp(fixed, poll=False, now=NOW)
    async with again.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert again.theme == "gruvbox"


async def test_the_theme_chosen_in_the_palette_is_saved(fixed: Session) -> None:
    path = state_file(fixed.store_path.parent)
    app = TickerApp(fixed, poll=False, now=NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await palette_choose(pilot, "Theme", "Theme")
        # Textual's theme picker is another palette.
        await palette_choose(pilot, "nord", "nord")
        await wait_for(pilot, lambda: app.theme == "nord")
        await wait_for(pilot, lambda: path.exists() and "nord" in path.read_text())


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[1, 2]", b'{"theme": "no-such-theme"}', b'{"theme": 7}', b"\xff\xfe\x00"],
)
async def test_a_corrupt_state_file_is_ignored(fixed: Session, content: bytes) -> None:
    plain = TickerApp(fixed, poll=False, now=NOW)
    default = plain.theme
    path = state_file(fixed.store_path.parent)
    path.write_bytes(content)
    app = TickerApp(fixed, poll=False, now=NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == default
        assert titles(pane_of(app)) == ALL_TITLES


# -- 6. the reader: failures and the cache ------------------------------------------------


def store_one(session: Session, url: str, summary: str, title: str = "A story") -> None:
    source = session.sources[0]
    found = Headline(
        source=source.url,
        guid="one",
        title=title,
        url=url,
        published=NOW - timedelta(minutes=5),
        summary=summary,
        source_name=source.name,
    )
    with Store(session.store_path) as store:
        store.save([PollRecord(source=source, attempted=NOW.timestamp(), headlines=[found])])


async def open_reader(pilot: Pilot) -> ReaderScreen:
    app = pilot.app
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ReaderScreen))
    reader = app.screen
    assert isinstance(reader, ReaderScreen)
    await wait_for(pilot, lambda: not reader.opening)
    return reader


async def test_a_page_that_fails_shows_the_feeds_text_and_a_notice(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/story").respond_with_data("broken", status=500)
    url = httpserver.url_for("/story")
    session = appdata.session(tmp_path, SOURCES[:1])
    summary = "Divers found the wreck [b]at dawn[/b] *near* the pier."
    store_one(session, url, summary)
    app = TickerApp(session, poll=False, now=NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = await open_reader(pilot)
        notice = reader.query_one("#notice", Static)
        assert notice.display
        assert "feed" in str(notice.render()).lower()
        await wait_for(pilot, lambda: "Divers found the wreck" in screen_text(app))
        text = screen_text(app)
        assert "[b]at dawn[/b] *near* the pier." in text  # the feed's words, as written
        assert str(notice.render()) in text
        assert httpserver.log, "the page was asked for"


async def test_a_saved_article_is_shown_with_no_server(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/story"
    session = appdata.session(tmp_path, SOURCES[:1])
    store_one(session, url, "Only the feed's short text.")
    saved = appdata.article()
    with Store(session.store_path) as store:
        store.save_article(
            type(saved)(
                url=url,
                title=saved.title,
                body=saved.body,
                byline=saved.byline,
                published=saved.published,
                tags=saved.tags,
                lang=saved.lang,
            )
        )
    app = TickerApp(session, poll=False, now=NOW)
    async with app.run_test(size=(100, 40)) as pilot:
        reader = await open_reader(pilot)
        assert not reader.query_one("#notice", Static).display
        assert "What is on the table" in reader.body
        await wait_for(pilot, lambda: "Ana Ferreira" in screen_text(app))
        assert saved.title in screen_text(app)
        assert "Only the feed's short text" not in screen_text(app)


async def test_a_page_s_markdown_is_rendered_and_its_brackets_stay_literal(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/story"
    session = appdata.session(tmp_path, SOURCES[:1])
    store_one(session, url, "Only the feed's short text.")
    saved = appdata.article()
    body = (
        "The council said [bold red]no[/bold red] to the harbour plan.\n\n"
        "## What comes next\n\n- a vote on Friday\n- a public hearing [link](http://x.test)"
    )
    with Store(session.store_path) as store:
        store.save_article(type(saved)(url=url, title=saved.title, body=body))
    app = TickerApp(session, poll=False, now=NOW)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_reader(pilot)
        text = screen_text(app)
        assert "said [bold red]no[/bold red] to the harbour plan." in text  # never markup
        assert "What comes next" in text and "## What comes next" not in text  # rendered
        assert "• a vote on Friday" in text
        assert "a public hearing link (http://x.test)" in text  # the target as text, no OSC 8


# -- 7. reader keys -----------------------------------------------------------------------


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    opened: list[str] = []

    def record(url: str, *args: object, **kwargs: object) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(webbrowser, "open", record)
    return opened


async def test_y_copies_the_link_and_o_opens_it_in_the_browser(
    tmp_path: Path, browser: list[str]
) -> None:
    app = appdata.fixed_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = await open_reader(pilot)
        url = reader.headline.url
        assert url == appdata.url_of(ITEMS[0])
        await pilot.press("y")
        assert app.clipboard == url
        assert browser == []
        await pilot.press("o")
        assert browser == [url]
        assert isinstance(app.screen, ReaderScreen)


async def test_o_does_not_open_a_link_that_is_not_http(tmp_path: Path, browser: list[str]) -> None:
    session = appdata.session(tmp_path, SOURCES[:1])
    store_one(session, "javascript:x", "A summary.")
    with Store(session.store_path) as store:
        assert [h.url for h in store.headlines()] == ["javascript:x"]
    app = TickerApp(session, poll=False, now=NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = await open_reader(pilot)
        assert reader.headline.url == "javascript:x"
        await pilot.press("o")
        await pilot.pause()
        assert browser == []
        assert isinstance(app.screen, ReaderScreen)
        await pilot.press("y")  # copying it is harmless
        assert app.clipboard == "javascript:x"


# -- 8. the mouse -------------------------------------------------------------------------


async def test_a_click_selects_a_second_click_opens_and_the_wheel_scrolls(
    fixed: Session,
) -> None:
    app = TickerApp(fixed, poll=False, now=NOW)
    async with app.run_test(size=(100, 20)) as pilot:
        pane = pane_of(app)
        await wait_for(pilot, lambda: titles(pane) == ALL_TITLES)
        rows = pane.timeline.rows
        target = 4  # "Today" header at 0, so this is ITEMS[3]
        assert isinstance(rows[target], int)
        assert pane.cursor != target
        await pilot.click(pane, offset=(30, target))
        assert pane.cursor == target
        assert pane.selected is not None and pane.selected.title == ITEMS[3].title
        assert not isinstance(app.screen, ReaderScreen)

        await pilot.click(pane, offset=(30, 0))  # a day header: nothing happens
        assert pane.cursor == target and not isinstance(app.screen, ReaderScreen)

        await pilot.click(pane, offset=(30, target))  # again: open it
        await wait_for(pilot, lambda: isinstance(app.screen, ReaderScreen))
        assert app.screen.headline.title == ITEMS[3].title  # type: ignore[attr-defined]
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ReaderScreen))

        await pilot.double_click(pane, offset=(30, 6))  # a double click opens at once
        await wait_for(pilot, lambda: isinstance(app.screen, ReaderScreen))
        assert app.screen.headline.title == ITEMS[5].title  # type: ignore[attr-defined]
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ReaderScreen))

        assert pane.scroll_offset.y == 0
        for _ in range(3):
            await pilot._post_mouse_events([events.MouseScrollDown], pane, (30, 5))
        await wait_for(pilot, lambda: pane.scroll_offset.y > 0)
        down = pane.scroll_offset.y
        await pilot._post_mouse_events([events.MouseScrollUp], pane, (30, 5))
        await wait_for(pilot, lambda: pane.scroll_offset.y < down)


# -- 9. the status line -------------------------------------------------------------------


async def test_the_status_line_draws_again_only_when_its_text_changes(
    fixed: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = TickerApp(fixed, poll=False, now=NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = pane_of(app)
        await wait_for(pilot, lambda: titles(pane) == ALL_TITLES)
        status = app.query_one(StatusLine)
        status.changed_at = NOW.timestamp()
        await pilot.pause()
        assert "updated 09:41" in status._shown

        calls: list[object] = []
        real_update = status.update

        def counting(*args: object, **kwargs: object) -> None:
            calls.append(args)
            real_update(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(status, "update", counting)
        shown_before = status._shown

        # Same values, and new values that read the same: nothing is drawn.
        status.changed_at = NOW.timestamp() + 20  # still 09:41
        status.new = 0
        status.view = ""
        status.health = []
        status.next_poll = None
        app.show_view(View())  # the view shown already
        await pilot.pause()
        app.action_jump_new()
        await pilot.pause()
        assert calls == []
        assert status._shown is shown_before

        # A change that reads differently is drawn, once.
        status.new = 3
        await pilot.pause()
        assert len(calls) == 1
        assert "3 new (N)" in status._shown
        assert "3 new (N)" in screen_text(app)
