"""A live pane grows by what was stored since it was read, instead of reading every row again.

The timeline's merge is checked against a full read of the same store; the app runs for real
(Pilot) as a viewer of a real SQLite store that another connection writes, as `ticker serve`
does, and must show what a fresh start would show.
"""

from __future__ import annotations

import random
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from appdata import NOW, SOURCES, session, wait_for
from textual.pilot import Pilot

from ticker.app.app import TickerApp
from ticker.model import Headline
from ticker.session import Session, View
from ticker.store import PollRecord, Query, Store
from ticker.timeline import Timeline

KYIV = ZoneInfo("Europe/Kyiv")  # summer time ends on 27 October 2024: a 25-hour day
BASE = 300  # headlines stored before the viewer starts, one every 20 minutes back from NOW


def store(path: Path, items: Sequence[tuple[int, str, str, datetime]]) -> list[int]:
    """Store (source, guid, title, published) items as a poll would; their new row ids."""
    records = [
        PollRecord(
            source=source,
            attempted=NOW.timestamp(),
            headlines=[
                Headline(
                    source=source.url,
                    guid=guid,
                    title=title,
                    url=f"{source.url}/{guid}",
                    published=published,
                    source_name=source.name,
                )
                for s, guid, title, published in items
                if s == index
            ],
        )
        for index, source in enumerate(SOURCES)
    ]
    with Store(path) as writer:
        return writer.save(records).new_rows


def base_items(count: int = BASE) -> list[tuple[int, str, str, datetime]]:
    return [
        (i % len(SOURCES), f"base-{i}", f"Base story {i} {'alpha' if i % 3 else 'beta'}",
         NOW - timedelta(minutes=20 * i))
        for i in range(count)
    ]  # fmt: skip


def full(path: Path, query: Query, tz: ZoneInfo | None) -> Timeline:
    """The rows a fresh start would show."""
    timeline = Timeline(Store(path), query, tz)
    timeline.load()
    return timeline


def viewer(tmp_path: Path) -> tuple[TickerApp, Session]:
    """An app that only views a store of BASE headlines (no one polls it: the test writes)."""
    made = session(tmp_path)
    store(made.store_path, base_items())
    viewing = Session(made.store_path, made.sources, made.settings, polls=False)
    return TickerApp(viewing, poll=True, now=NOW), viewing


async def viewing(pilot: Pilot, app: TickerApp) -> None:
    await wait_for(pilot, lambda: app.status.role == "views" and app.pane.timeline.complete)


def screen_lines(app: TickerApp) -> list[str]:
    pane = app.pane
    return [pane.render_line(y).text for y in range(pane.scrollable_content_region.height)]


# -- the timeline's merge, against a full read ----------------------------------------------


def test_merged_rows_equal_a_full_read_with_ties_new_days_and_a_short_day(tmp_path: Path) -> None:
    """New rows land where a full read puts them: among rows of the same second (newer id
    first), in days already shown, in days not shown yet (a header of their own), across the
    end of summer time; and every row is found again by its position."""
    path = session(tmp_path).store_path
    store(path, base_items(200))
    picks = random.Random(13)
    for query in (Query(), Query(search="alpha"), Query(sources=(SOURCES[1].url,))):
        timeline = full(path, query, KYIV)
        for round_ in range(4):
            times = [
                NOW + timedelta(minutes=5),  # newer than every row
                NOW - timedelta(minutes=20 * 7),  # the same second as a stored row
                NOW - timedelta(days=1, hours=9),  # inside the 25-hour day
                NOW - timedelta(days=40),  # a day with no rows yet, older than all
            ]
            items = [
                (
                    picks.randrange(len(SOURCES)),
                    f"new-{query.search}-{query.sources}-{round_}-{i}",
                    f"New story {i} {picks.choice(['alpha', 'beta'])}",
                    picks.choice(times) - timedelta(seconds=picks.choice([0, 0, 1, 3600])),
                )
                for i in range(picks.randrange(1, 40))
            ]
            store(path, items)
            grown = timeline.extended(Store(path))
            assert grown is not None
            fresh = full(path, query, KYIV)
            assert grown.rows == fresh.rows
            for at, row in enumerate(fresh.rows):
                found = grown.position(row) if isinstance(row, int) else grown.day_position(row)
                assert found == at, (row, at)
            timeline = grown


def test_a_deleted_row_makes_the_merge_give_way_to_a_full_read(tmp_path: Path) -> None:
    path = session(tmp_path).store_path
    store(path, base_items(50))
    timeline = full(path, Query(), KYIV)
    with Store(path) as writer:
        writer.forget_source(SOURCES[2].url)
    store(path, [(0, "late", "A late story", NOW)])
    assert timeline.extended(Store(path)) is None


# -- a viewer ------------------------------------------------------------------------------


async def test_a_viewer_shows_rows_stored_elsewhere_in_order_under_their_days(
    tmp_path: Path,
) -> None:
    app, viewing_session = viewer(tmp_path)
    path = viewing_session.store_path
    async with app.run_test(size=(100, 30)) as pilot:
        await viewing(pilot, app)
        for round_ in range(3):  # three commits, each read on its own
            store(
                path,
                [
                    (0, f"top-{round_}", f"Newest story {round_}", NOW + timedelta(minutes=round_)),
                    (1, f"mid-{round_}", f"Middle story {round_}", NOW - timedelta(days=2)),
                    (2, f"old-{round_}", f"Oldest story {round_}", NOW - timedelta(days=30)),
                ],
            )
            expected = full(path, Query(), viewing_session.tz)
            await wait_for(pilot, lambda expected=expected: app.pane.timeline.rows == expected.rows)
        first = app.pane.timeline.headlines([1])
        assert [h.title for h in first.values()] == ["Newest story 2"]
        # At the top, new rows appear above the selection, which stays where it was.
        assert app.pane.selected is not None and app.pane.selected.guid == "base-0"
        await pilot.press("q")


async def test_the_line_being_read_stays_on_screen_when_rows_arrive_above(
    tmp_path: Path,
) -> None:
    app, viewing_session = viewer(tmp_path)
    path = viewing_session.store_path
    async with app.run_test(size=(100, 30)) as pilot:
        await viewing(pilot, app)
        await pilot.press(*"j" * 40)
        pane = app.pane
        top, reading = pane.scroll_offset.y, pane.selected
        assert top > 0 and reading is not None
        line, shown = pane.cursor - top, screen_lines(app)
        newer = [
            (0, f"fresh-{i}", f"Fresh story {i}", NOW + timedelta(minutes=i)) for i in range(5)
        ]
        store(path, newer)
        await wait_for(pilot, lambda: len(pane.timeline) == len(full(path, Query(), None)))
        assert pane.selected == reading
        assert pane.scroll_offset.y == top + 5 and pane.cursor - pane.scroll_offset.y == line
        assert screen_lines(app) == shown
        assert app.status.new == 5
        above = pane.timeline.rows[pane.cursor - 1]
        await pilot.press("k")
        assert pane.selected is not None and pane.selected.row == above
        await pilot.press("N")
        titles = [h.title for h in pane.timeline.headlines(range(1, 6)).values()]
        assert titles == [f"Fresh story {i}" for i in reversed(range(5))]
        await pilot.press("q")


async def test_a_search_and_a_source_view_take_only_their_rows(tmp_path: Path) -> None:
    app, viewing_session = viewer(tmp_path)
    path = viewing_session.store_path
    async with app.run_test(size=(100, 30)) as pilot:
        await viewing(pilot, app)
        for view in (View(search="alpha"), View(source=SOURCES[3].url)):
            app.show_view(view)
            await wait_for(pilot, lambda view=view: app.pane.timeline.query == view.query())
            tag = view.search or "source"
            store(
                path,
                [
                    (i % len(SOURCES), f"{tag}-{i}", f"Story {i} {'alpha' if i % 2 else 'gamma'}",
                     NOW - timedelta(hours=7 * i))
                    for i in range(12)
                ],
            )  # fmt: skip
            expected = full(path, view.query(), viewing_session.tz)
            await wait_for(pilot, lambda expected=expected: app.pane.timeline.rows == expected.rows)
        await pilot.press("q")


async def test_an_update_and_a_star_elsewhere_are_drawn_with_new_rows(tmp_path: Path) -> None:
    """An old row's new title and a star set elsewhere reach the screen, though only the
    rows newer than the pane's are read again."""
    app, viewing_session = viewer(tmp_path)
    path = viewing_session.store_path
    async with app.run_test(size=(100, 30)) as pilot:
        await viewing(pilot, app)
        await wait_for(pilot, lambda: any("Base story 4 " in line for line in screen_lines(app)))
        store(path, [(4 % len(SOURCES), "base-4", "Base story 4 rewritten", NOW)])
        with Store(path) as writer:
            (starred,) = [h.row for h in writer.headlines() if h.title.startswith("Base story 2 ")]
            writer.set_starred([starred or 0])
        store(path, [(0, "after", "A story after the update", NOW + timedelta(minutes=1))])

        def drawn() -> bool:
            lines = screen_lines(app)
            return (
                any("Base story 4 rewritten" in line for line in lines)
                and any("*" in line and "Base story 2 " in line for line in lines)
                and any("A story after the update" in line for line in lines)
            )

        await wait_for(pilot, drawn)
        assert app.pane.timeline.rows == full(path, Query(), viewing_session.tz).rows
        await pilot.press("q")


async def test_rows_deleted_elsewhere_leave_the_pane(tmp_path: Path) -> None:
    app, viewing_session = viewer(tmp_path)
    path = viewing_session.store_path
    async with app.run_test(size=(100, 30)) as pilot:
        await viewing(pilot, app)
        with Store(path) as writer:
            writer.forget_source(SOURCES[1].url)
        store(path, [(0, "late", "A late story", NOW + timedelta(minutes=1))])
        expected = full(path, Query(), viewing_session.tz)
        await wait_for(pilot, lambda: app.pane.timeline.rows == expected.rows)
        await pilot.press("q")


def test_a_terminal_keeps_its_lines_when_rows_arrive_above_and_shows_them_on_top(
    tmp_path: Path,
) -> None:
    """Rows stored above a reader scroll the pane without drawing it again (a busy poll did
    that twice a second): the terminal keeps the same lines, and shows the new rows on top."""
    assert shutil.which("tmux"), "tmux is needed (.ci/run installs it: apt-get install tmux)"
    path = session(tmp_path).store_path
    store(path, base_items())
    config = tmp_path / "config.toml"
    config.write_text(
        "".join(f'[[sources]]\nname = "{s.name}"\nurl = "{s.url}"\n' for s in SOURCES)
    )
    socket = tmp_path / "tmux.socket"

    def tmux(*args: str) -> str:
        done = subprocess.run(["tmux", "-S", str(socket), *args], capture_output=True, text=True)
        return done.stdout

    def until(condition: Callable[[str], bool], what: str) -> str:
        deadline = time.monotonic() + 20
        while not condition(screen := tmux("capture-pane", "-p")):
            assert time.monotonic() < deadline, f"{what}:\n{screen}"
            time.sleep(0.05)
        return screen

    command = [sys.executable, "-m", "ticker", "--viewer", "--config", str(config)]
    command += ["--data-dir", str(path.parent)]
    tmux("-f", "/dev/null", "new-session", "-d", "-x", "100", "-y", "30", shlex.join(command))
    try:
        until(lambda s: "viewing" in s and "Base story 0 " in s, "the viewer")
        for _ in range(40):
            tmux("send-keys", "j")
        until(lambda s: "Base story 40 " in s, "the 40th story")
        reading = until(lambda s: s == tmux("capture-pane", "-p"), "the keys done")
        store(
            path,
            [(0, f"fresh-{i}", f"Fresh story {i}", NOW + timedelta(minutes=i)) for i in range(5)],
        )
        shown = until(lambda s: "5 new" in s, "the new rows' count")
        # The same lines, but for the scroll bar (the last columns) and the status line.
        assert pane_lines(shown) == pane_lines(reading)
        tmux("send-keys", "N")  # back to the newest: the pane drawn in full
        newest = until(lambda s: "Fresh story 4" in s, "the newest rows")
        lines = pane_lines(newest)[1:6]  # under today's header, newest first
        assert all(f"Fresh story {4 - k}" in line for k, line in enumerate(lines)), newest
    finally:
        tmux("kill-server")


def pane_lines(screen: str) -> list[str]:
    """The headline pane's lines as a terminal shows them, without the scroll bar."""
    return [
        line[:60] for line in screen.splitlines() if "viewing" not in line and "Quit" not in line
    ]
