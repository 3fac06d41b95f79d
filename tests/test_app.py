"""The terminal app under Pilot: the pane, live updates, the reader, marks, help, hostile text.

Real servers on 127.0.0.1 (the demo newsroom, pytest-httpserver), real SQLite files in
tmp_path, no config file. Waiting is on conditions (`appdata.wait_for`), never on sleeps.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import appdata
import pytest
from appdata import NOW, wait_for
from pytest_httpserver import HTTPServer
from rich.segment import Segment
from textual.pilot import Pilot
from textual.widgets import LoadingIndicator

from ticker.app.app import TickerApp
from ticker.app.screens.reader import ReaderScreen
from ticker.app.widgets.headline_pane import HeadlinePane
from ticker.demo import DemoServer
from ticker.model import Source
from ticker.session import Session
from ticker.store import Store

pytestmark = pytest.mark.usefixtures("home")  # no config and no data, in tmp_path


@pytest.fixture
def fixed(tmp_path: Path) -> tuple[Session, list[int]]:
    """The fixed headlines of tests/appdata.py and their row ids, newest first."""
    session = appdata.session(tmp_path)
    return session, appdata.fill(session.store_path)


@pytest.fixture
def newsroom() -> Iterator[DemoServer]:
    """A demo newsroom that publishes only when told to (`advance`, `update_story`)."""
    server = DemoServer(seed=5, tick_seconds=0)
    with server.running_in_thread():
        yield server


def demo_session(directory: Path, server: DemoServer) -> Session:
    sources = [Source(name, url) for name, url in server.live_feeds()]
    return appdata.session(directory, sources)


# -- reading the screen -------------------------------------------------------------------


def pane_of(app: TickerApp) -> HeadlinePane:
    return app.query_one(HeadlinePane)


def screen_lines(app: TickerApp) -> list[str]:
    """The text of every line of the screen as the terminal would show it."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def screen_text(app: TickerApp) -> str:
    return "\n".join(screen_lines(app))


def headline_rows(pane: HeadlinePane) -> list[int]:
    """The pane's headlines' row ids, top to bottom (day headers left out)."""
    return [r for r in pane.timeline.rows if isinstance(r, int)]


def screen_row(pane: HeadlinePane) -> int:
    """Where the cursor is, counted from the pane's first visible line."""
    return pane.cursor - pane.scroll_offset.y


def pane_height(pane: HeadlinePane) -> int:
    return pane.scrollable_content_region.height


def line_of(pane: HeadlinePane, row: int) -> list[Segment]:
    """The drawn line of headline `row`, which must be on screen."""
    position = pane.timeline.position(row)
    assert position is not None, f"row {row} is not in the pane"
    y = position - pane.scroll_offset.y
    assert 0 <= y < pane_height(pane), f"row {row} is off screen (line {y})"
    return list(pane.render_line(y))


def text_of(pane: HeadlinePane, row: int) -> str:
    return "".join(segment.text for segment in line_of(pane, row))


def stored(app: TickerApp) -> int:
    with Store(app.session.store_path) as store:
        return store.count()


async def wait_for_store(pilot: Pilot, app: TickerApp, count: int, seconds: float = 20) -> None:
    """Until the store holds `count` headlines and the pane shows them all."""
    pane = pane_of(app)
    await wait_for(pilot, lambda: stored(app) == count, seconds)
    await wait_for(pilot, lambda: len(headline_rows(pane)) == count, seconds)


# -- 1. start -----------------------------------------------------------------------------


async def test_the_first_rows_show_at_once_over_100000_stored_headlines(tmp_path: Path) -> None:
    session = appdata.session(tmp_path)
    appdata.fill_many(session.store_path, 100_000)
    app = TickerApp(session, poll=False, now=NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        pane = pane_of(app)
        # The first frame: the newest rows, before the rest has loaded.
        assert "Headline number 0 from Meridian World" in screen_text(app)
        assert pane.selected is not None
        assert pane.selected.title == "Headline number 0 from Meridian World"
        await wait_for(pilot, lambda: len(pane.timeline) > 100_000)  # then all of them
        await pilot.press("G")
        assert "Headline number 99999 from" in screen_text(app)


# -- 2. navigation ------------------------------------------------------------------------


async def test_keys_move_the_cursor_over_headlines_and_skip_day_headers(
    fixed: tuple[Session, list[int]],
) -> None:
    session, ids = fixed
    app = TickerApp(session, poll=False, now=NOW)
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        pane = pane_of(app)
        assert headline_rows(pane) == ids

        async def press(key: str, expected: int) -> None:
            await pilot.press(key)
            assert isinstance(pane.timeline.rows[pane.cursor], int), f"{key}: on a day header"
            selected = pane.selected
            assert selected is not None and selected.row == expected, f"after {key}"
            assert 0 <= screen_row(pane) < pane_height(pane), f"{key}: cursor off screen"
            drawn = text_of(pane, expected)
            assert selected.title[:20] in drawn

        assert pane.selected is not None and pane.selected.row == ids[0]
        await press("j", ids[1])
        await press("down", ids[2])
        await press("k", ids[1])
        await press("up", ids[0])
        await press("up", ids[0])  # nothing above the newest
        last_today = 12  # ITEMS[12] is today's last; "Yesterday" comes next
        for step in range(1, last_today + 1):
            await press("j", ids[step])
        await press("j", ids[last_today + 1])  # over the "Yesterday" header
        await press("k", ids[last_today])  # and back
        await press("G", ids[-1])
        await press("down", ids[-1])  # nothing below the oldest
        await press("g", ids[0])
        assert pane.scroll_offset.y == 0
        await press("end", ids[-1])
        await press("home", ids[0])

        await pilot.press("pagedown")
        after_page = pane.selected
        assert after_page is not None and after_page.row in ids[8:]
        assert 0 <= screen_row(pane) < pane_height(pane)
        await pilot.press("pagedown")
        further = pane.selected
        assert further is not None and ids.index(further.row) > ids.index(after_page.row)
        await pilot.press("pageup")
        back = pane.selected
        assert back is not None and ids.index(back.row) < ids.index(further.row)
        await pilot.press("pageup", "pageup")
        assert pane.selected is not None and pane.selected.row == ids[0]


# -- 3. day headers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "headers"),
    [
        (
            NOW,
            ["Today", "Yesterday", "Saturday, 26 October 2024", "Friday, 25 October 2024"],
        ),
        (
            NOW + timedelta(days=1),
            [
                "Yesterday",
                "Sunday, 27 October 2024",
                "Saturday, 26 October 2024",
                "Friday, 25 October 2024",
            ],
        ),
    ],
    ids=["monday", "tuesday"],
)
async def test_day_headers_say_today_yesterday_then_the_date(
    fixed: tuple[Session, list[int]], now: datetime, headers: list[str]
) -> None:
    session, ids = fixed
    app = TickerApp(session, poll=False, now=now)
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.pause()
        lines = [line.strip() for line in screen_lines(app)]
        shown = [line for line in lines if not re.match(r"\d\d:\d\d ", line) and line]
        assert shown[: len(headers)] == headers
        # each header sits right above its day's first headline
        pane = pane_of(app)
        first_yesterday = pane.timeline.position(ids[13])
        assert first_yesterday is not None
        assert pane.render_line(first_yesterday - 1).text.strip() == headers[1]


# -- 4. live insertion --------------------------------------------------------------------


async def test_new_headlines_wait_while_keys_come_and_follow_the_next_key_when_held_long(
    tmp_path: Path, newsroom: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys first: a poll's rows are not merged into the pane while someone moves through it
    (a reload landing on a key delayed it); they come in at a pause, or right after a key's
    frame once they have waited long enough."""
    from ticker.app import app as app_module

    monkeypatch.setattr(app_module, "KEYS_FIRST", 60.0)  # any pause is far off
    monkeypatch.setattr(app_module, "KEYS_FIRST_MAX", 60.0)
    app = TickerApp(demo_session(tmp_path, newsroom), poll=True)
    async with app.run_test(size=(100, 16)) as pilot:
        pane = pane_of(app)
        await wait_for_store(pilot, app, 40)
        await pilot.press("j")
        newsroom.advance(3)
        app.session.refresh()
        await wait_for(pilot, lambda: stored(app) == 43)
        await wait_for(pilot, lambda: app._reload_held_since is not None)
        assert len(headline_rows(pane)) == 40  # held while the keys come
        monkeypatch.setattr(app_module, "KEYS_FIRST_MAX", 0.0)  # it has waited long enough
        await pilot.press("k")
        await wait_for(pilot, lambda: len(headline_rows(pane)) == 43)
        assert app._reload_held_since is None


async def test_new_headlines_do_not_move_the_selection(
    tmp_path: Path, newsroom: DemoServer
) -> None:
    app = TickerApp(demo_session(tmp_path, newsroom), poll=True)
    async with app.run_test(size=(100, 16)) as pilot:
        pane = pane_of(app)
        await wait_for_store(pilot, app, 40)

        # Scrolled down, the cursor in the middle of the screen.
        await pilot.press("pagedown", "pagedown")
        for _ in range(pane_height(pane) // 2):
            await pilot.press("j")
        assert pane.scroll_offset.y > 0
        selected = pane.selected
        assert selected is not None
        row_on_screen = screen_row(pane)
        assert 1 < row_on_screen < pane_height(pane) - 2
        top_line = pane.render_line(0).text

        newsroom.advance(3)
        app.session.refresh()
        await wait_for_store(pilot, app, 43)

        assert pane.selected is not None and pane.selected.row == selected.row
        assert screen_row(pane) == row_on_screen
        assert pane.render_line(0).text == top_line
        await wait_for(pilot, lambda: "3 new" in screen_text(app))

        # At the top, new rows simply appear above the selected headline.
        await pilot.press("g")
        assert pane.scroll_offset.y == 0
        first = pane.selected
        assert first is not None
        newest = newsroom.advance(3)
        app.session.refresh()
        await wait_for_store(pilot, app, 46)
        assert pane.scroll_offset.y == 0
        assert pane.selected is not None and pane.selected.row == first.row
        shown = screen_text(app)
        for story in newest:
            assert story.headline[:30] in shown
        assert "new (" not in shown


# -- 5. a slow poll -----------------------------------------------------------------------


async def test_keys_work_while_a_slow_poll_is_in_flight(tmp_path: Path) -> None:
    server = DemoServer(seed=6, tick_seconds=0, latency_ms=1500)
    with server.running_in_thread():
        session = demo_session(tmp_path, server)
        ids = appdata.fill(session.store_path, now=datetime.now(UTC))
        app = TickerApp(session, poll=True)
        async with app.run_test(size=(100, 24)) as pilot:
            pane = pane_of(app)

            def waiting_for_every_source() -> bool:
                # Every source asked, no answer back yet (a fetched poll queues to be stored).
                poller = app.session._poller
                return (
                    poller is not None
                    and len(poller._in_flight) == len(session.sources)
                    and not poller._pending
                )

            await wait_for(pilot, waiting_for_every_source)
            await pilot.press("j", "j", "j")
            assert pane.selected is not None and pane.selected.row == ids[3]
            # The keys were handled before any source had answered.
            assert waiting_for_every_source()
            assert stored(app) == len(ids)

            await wait_for_store(pilot, app, len(ids) + 40)
            assert pane.selected is not None and pane.selected.row == ids[3]


# -- 6. the reader ------------------------------------------------------------------------


def story_phrase(server: DemoServer, url: str) -> str:
    """Six words from the middle of the demo article behind `url`."""
    slug = url.rsplit("/", 1)[1].removesuffix(".html")
    story = server.newsroom.story(slug)
    assert story is not None
    words = server.newsroom.body(story).paragraphs[0].split()
    return " ".join(words[1:7])


async def wait_for_article(pilot: Pilot, reader: ReaderScreen) -> None:
    await wait_for(pilot, lambda: not reader.opening, 30)


async def test_the_reader_shows_the_article_and_walks_the_headlines(
    tmp_path: Path, newsroom: DemoServer
) -> None:
    app = TickerApp(demo_session(tmp_path, newsroom), poll=True)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = pane_of(app)
        await wait_for_store(pilot, app, 40)
        ids = headline_rows(pane)
        await pilot.press("j")
        chosen = pane.selected
        assert chosen is not None and chosen.row == ids[1]
        newest_on_screen = pane.timeline.position(ids[0]) - pane.scroll_offset.y  # type: ignore[operator]

        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReaderScreen))
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        assert reader.headline.row == ids[1]
        await wait_for_article(pilot, reader)
        body = reader.body
        assert story_phrase(newsroom, chosen.url) in " ".join(body.split())
        assert chosen.title[:40] in screen_text(app)

        await pilot.press("n")
        assert app.screen is reader and reader.headline.row == ids[2]
        await pilot.press("p")
        assert app.screen is reader and reader.headline.row == ids[1]
        await pilot.press("p")
        assert app.screen is reader and reader.headline.row == ids[0]
        await wait_for_article(pilot, reader)
        opened = reader.headline
        assert opened.title[:40] in screen_text(app)
        assert story_phrase(newsroom, opened.url) in " ".join(reader.body.split())

        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ReaderScreen))
        assert pane.selected is not None and pane.selected.row == ids[0]
        assert screen_row(pane) == newest_on_screen  # the row the reader ended on

        def read_marks() -> list[bool]:
            with Store(app.session.store_path) as store:
                return [store.headline(row).read for row in ids[:4]]  # type: ignore[union-attr]

        await wait_for(pilot, lambda: read_marks() != [False] * 4)
        await pilot.pause()
        assert read_marks() == [True, True, True, False]


async def test_a_slow_article_shows_the_loading_indicator_while_it_loads(tmp_path: Path) -> None:
    server = DemoServer(seed=7, tick_seconds=0, latency_ms=1500)  # 6 times the indicator's wait
    with server.running_in_thread():
        app = TickerApp(demo_session(tmp_path, server), poll=True)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for_store(pilot, app, 40)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ReaderScreen))
            reader = app.screen
            assert isinstance(reader, ReaderScreen)
            indicator = reader.query_one(LoadingIndicator)
            await wait_for(pilot, lambda: indicator.display)
            assert reader.opening and not reader.body
            await wait_for_article(pilot, reader)
            assert not indicator.display
            assert story_phrase(server, reader.headline.url) in " ".join(reader.body.split())


# -- 7. updated headlines -----------------------------------------------------------------


async def test_an_updated_headline_is_rebadged_where_it_was(
    tmp_path: Path, newsroom: DemoServer
) -> None:
    app = TickerApp(demo_session(tmp_path, newsroom), poll=True)
    async with app.run_test(size=(120, 50)) as pilot:
        pane = pane_of(app)
        await wait_for_store(pilot, app, 40)
        story = newsroom.update_story()
        with Store(app.session.store_path) as store:
            row = {h.guid: h.row for h in store.headlines()}[story.guid]
            old_title = store.headline(row).title  # type: ignore[arg-type, union-attr]
        assert row is not None
        position = pane.timeline.position(row)
        before = text_of(pane, row)
        assert "UPD" not in before

        app.session.refresh()

        def new_title() -> str:
            with Store(app.session.store_path) as store:
                found = store.headline(row)
            assert found is not None
            return found.title

        await wait_for(pilot, lambda: new_title() != old_title, 20)
        await wait_for(pilot, lambda: new_title()[:30] in text_of(pane, row), 20)
        assert "UPD" in text_of(pane, row)
        assert pane.timeline.position(row) == position
        assert len(headline_rows(pane)) == 40


# -- 8. untrusted text --------------------------------------------------------------------

OSC52_PAYLOAD = "ZWNobyBoaQ"  # base64 of "echo hi", as an OSC 52 clipboard write carries it
HOSTILE_TITLES = {
    "markup": "[bold red]x[/]",
    "unclosed": "[/",
    # ESC and BEL as XML character references: an OSC 52 clipboard write and CSI sequences.
    "osc52": "&#x1b;]52;c;ZWNobyBoaQ==&#x7;Clipboard write in a title",
    "csi": "&#27;[2J&#27;[31mScreen clear by reference&#27;[0m",
}
HOSTILE_SHOWN = {
    "markup": "[bold red]x[/]",
    "unclosed": "[/",
    "osc52": "Clipboard write in a title",
    "csi": "Screen clear by reference",
}
HOSTILE_PAGE = """<!DOCTYPE html><html><head><title>[bold red]x[/]</title></head><body>
<article><h1>[bold red]x[/]</h1>
<p>The council met on Tuesday to discuss the [italic]harbour plan[/italic] and other business
brought forward by residents of the old town, who asked for a vote before the winter.</p>
<p>Members agreed that [link=http://127.0.0.1:9/]the text in brackets[/link] stays literal,
and that a lone [/ never closes anything, whatever a terminal library might think of it.</p>
<p>A decision on the harbour plan is expected next month, after a public consultation that
will run for six weeks and include three open meetings in the town hall.</p>
<p>Residents who cannot attend may write to the council; every letter will be read aloud at
the final meeting, the clerk said, as the council's standing orders require.</p>
</article></body></html>"""


def hostile_rss(base: str) -> bytes:
    now = datetime.now(UTC)
    items = "".join(
        f"<item><title>{title}</title><link>{base}/article/{key}</link>"
        f"<guid isPermaLink='false'>{key}</guid>"
        f"<pubDate>{(now - timedelta(minutes=i + 1)).strftime('%a, %d %b %Y %H:%M:%S +0000')}"
        f"</pubDate><description>{title} in the summary</description></item>"
        for i, (key, title) in enumerate(HOSTILE_TITLES.items())
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Hostile Wire</title><link>{base}/</link>{items}</channel></rss>"
    ).encode()


@pytest.fixture
def hostile_feed(httpserver: HTTPServer) -> str:
    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/hostile.rss").respond_with_data(
        hostile_rss(base), content_type="application/rss+xml"
    )
    for key in HOSTILE_TITLES:
        httpserver.expect_request(f"/article/{key}").respond_with_data(
            HOSTILE_PAGE, content_type="text/html; charset=utf-8"
        )
    return httpserver.url_for("/hostile.rss")


async def test_markup_and_escapes_in_titles_are_shown_as_text(
    tmp_path: Path, hostile_feed: str
) -> None:
    session = appdata.session(tmp_path, [Source("Hostile Wire", hostile_feed)])
    app = TickerApp(session, poll=True)
    async with app.run_test(size=(100, 24)) as pilot:
        pane = pane_of(app)
        await wait_for_store(pilot, app, len(HOSTILE_TITLES))
        with Store(session.store_path) as store:
            rows = {h.guid: h.row for h in store.headlines()}
        for key, shown in HOSTILE_SHOWN.items():
            line = text_of(pane, rows[key])  # type: ignore[arg-type]
            assert line.rstrip().endswith(shown), (key, line)
        everything = screen_text(app)
        assert "\x1b" not in everything and "\x07" not in everything
        assert "]52;" not in everything and OSC52_PAYLOAD not in everything

        while pane.selected is not None and pane.selected.guid != "markup":
            await pilot.press("j")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReaderScreen))
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        await wait_for_article(pilot, reader)
        page = screen_text(app)
        assert "[bold red]x[/]" in page
        assert "[italic]harbour plan[/italic]" in " ".join(page.split())
        assert "a lone [/ never closes" in " ".join(page.split())
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is not reader)
        assert app.is_running


def tmux(socket: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a tmux command against the test's own server (its socket lives in tmp_path)."""
    return subprocess.run(
        ["tmux", "-S", str(socket), *args], capture_output=True, text=True, timeout=10, check=check
    )


def test_escapes_in_a_feed_never_reach_a_real_terminal(tmp_path: Path, hostile_feed: str) -> None:
    assert shutil.which("tmux"), "tmux is needed (.ci/run installs it: apt-get install tmux)"
    socket = tmp_path / "tmux.socket"
    written = tmp_path / "terminal.bytes"
    command = " ".join(
        shlex.quote(part)
        for part in (
            "env",
            f"TICKER_CONFIG={tmp_path / 'config.toml'}",
            f"TICKER_DATA_DIR={tmp_path / 'data'}",
            sys.executable,
            "-m",
            "ticker",
            "--source",
            hostile_feed,
        )
    )
    # The app waits for a line, so that everything it writes goes through pipe-pane.
    tmux(
        socket, "new-session", "-d", "-s", "t", "-x", "100", "-y", "30", f"read go; exec {command}"
    )
    try:
        tmux(socket, "pipe-pane", "-o", "-t", "t", f"cat >> {shlex.quote(str(written))}")
        tmux(socket, "send-keys", "-t", "t", "Enter")

        def screen() -> str:
            return tmux(socket, "capture-pane", "-p", "-t", "t", check=False).stdout

        deadline = time.monotonic() + 30
        while "Clipboard write in a title" not in screen():
            assert time.monotonic() < deadline, f"no headlines in the terminal:\n{screen()}"
            time.sleep(0.1)
        shown = screen()
        assert "[bold red]x[/]" in shown and "Screen clear by reference" in shown

        tmux(socket, "send-keys", "-t", "t", "q")
        deadline = time.monotonic() + 15
        while tmux(socket, "has-session", "-t", "t", check=False).returncode == 0:
            assert time.monotonic() < deadline, "the app did not quit on q"
            time.sleep(0.1)
    finally:
        tmux(socket, "kill-server", check=False)

    data = written.read_bytes()
    assert b"Clipboard write in a title" in data  # what the app drew went through the pipe
    assert b"\x1b]52" not in data
    assert OSC52_PAYLOAD.encode() not in data


# -- 9. marks -----------------------------------------------------------------------------


def title_colour(pane: HeadlinePane, row: int, title: str) -> tuple[int, int, int]:
    """The foreground colour the title of `row` is drawn in."""
    for segment in line_of(pane, row):
        if title[:12] in segment.text:
            assert segment.style is not None and segment.style.color is not None
            return tuple(segment.style.color.get_truecolor())  # type: ignore[return-value]
    raise AssertionError(f"{title!r} is not drawn in its own segment")


def brightness(colour: tuple[int, int, int]) -> float:
    red, green, blue = colour
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


async def test_m_and_s_mark_read_and_starred_in_the_store(
    fixed: tuple[Session, list[int]],
) -> None:
    session, ids = fixed
    app = TickerApp(session, poll=False, now=NOW)
    row = ids[0]
    title = appdata.ITEMS[0].title
    async with app.run_test(size=(100, 24)) as pilot:
        pane = pane_of(app)
        await pilot.pause()
        await pilot.press("j", "k")  # draw the row once without the cursor on it
        await pilot.press("j")
        unread = title_colour(pane, row, title)
        assert "*" not in text_of(pane, row)[:10]

        async def mark(*keys: str) -> None:
            await pilot.press("k", *keys)
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("j")  # look at the row without the cursor on it

        await mark("m")
        assert brightness(title_colour(pane, row, title)) < brightness(unread)
        await mark("s")
        assert "*" in text_of(pane, row)[:10]
        with Store(session.store_path) as store:
            found = store.headline(row)
            assert found is not None and found.read and found.starred

        await mark("m", "s")
        assert title_colour(pane, row, title) == unread
        assert "*" not in text_of(pane, row)[:10]
        with Store(session.store_path) as store:
            found = store.headline(row)
            assert found is not None and not found.read and not found.starred


# -- 10. help -----------------------------------------------------------------------------


async def test_help_lists_the_bindings_and_escape_closes_it(
    fixed: tuple[Session, list[int]],
) -> None:
    from ticker.app.screens.help import HelpScreen

    session, _ = fixed
    app = TickerApp(session, poll=False, now=NOW)
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.pause()
        pane = pane_of(app)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        # What is inside the help box, without the pane behind it.
        boxed = (line[line.find("│") + 1 : line.rfind("│")] for line in screen_lines(app))
        shown = " ".join(" ".join(line for line in boxed if line).split())
        for owner in (TickerApp, HeadlinePane, ReaderScreen):
            for binding in owner.BINDINGS:
                description = getattr(binding, "description", "")
                if description:
                    assert description in shown, f"{owner.__name__}: {binding}"

        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))
        assert app.focused is pane
