"""The alerts screen (issue 14, point 1) and alerting's failures on the sources screen (point 3).

The real app (Pilot) polls a Newsdesk on 127.0.0.1 into a real store, with a real config file
read back by `ticker.config.load`. The app binds no key to the screen yet: tests push it.
Waits are bounded loops on what the app shows (`appdata.wait_for`), never sleeps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from appdata import wait_for
from newsdesk import Newsdesk
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from ticker import config
from ticker.app.app import TickerApp
from ticker.app.screens.alerts import AlertsScreen
from ticker.app.screens.confirm import ConfirmRemove
from ticker.app.screens.sources import SourcesScreen
from ticker.session import Session

pytestmark = pytest.mark.usefixtures("home")  # whatever ticker looks up lands in tmp_path

SIZE = (120, 36)
FLOODS = '[[alerts]]\nname = "Floods"\ntitle = "flood"\nactions = ["toast", "bell"]\n'
# A name from a config file is shown as it is written, never read as markup.
MARKUP = '[[alerts]]\nname = "[b]Kyiv[/b]"\nbadges = ["breaking"]\nupdates = true\n'


@pytest.fixture
async def desk() -> AsyncIterator[Newsdesk]:
    async with Newsdesk().running() as running:
        yield running


def write_config(home: Path, desk: Newsdesk, rest: str = "") -> Path:
    path = home / "config.toml"
    path.write_text(
        f'[[sources]]\nname = "Wire"\nurl = "{desk.feed_url("wire")}"\n\n{rest}', encoding="utf-8"
    )
    return path


def session_of(home: Path, **kwargs: bool) -> Session:
    settings = config.load(home / "config.toml")
    return Session(home / "data" / "ticker.db", settings.sources, settings, **kwargs)


def cells(table: DataTable[object]) -> list[list[str]]:
    return [
        [str(getattr(cell, "plain", cell)) for cell in table.get_row_at(n)]
        for n in range(table.row_count)
    ]


def pane_titles(app: TickerApp) -> dict[str, int]:
    timeline = app.pane.timeline
    return {h.title: row for row, h in timeline.headlines(range(len(timeline))).items()}


def toasts(app: TickerApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def fire_flood_alert(app: TickerApp, pilot: Pilot, desk: Newsdesk) -> None:
    await wait_for(pilot, lambda: "Markets close higher" in pane_titles(app), 15)
    desk.desk("wire").publish("w-2", "FLOOD warning for the river towns")
    await pilot.press("r")
    await wait_for(pilot, lambda: app.pane.alerted, 15)


async def test_the_screen_lists_the_rules_and_the_alerts_and_enter_returns_the_row(
    desk: Newsdesk, tmp_path: Path
) -> None:
    write_config(tmp_path, desk, f"{FLOODS}\n{MARKUP}")
    desk.desk("wire").publish("w-1", "Markets close higher")
    app = TickerApp(session_of(tmp_path), poll=True)
    async with app.run_test(size=SIZE) as pilot:
        await fire_flood_alert(app, pilot, desk)
        chosen: list[int | None] = []
        app.push_screen(AlertsScreen(app.session), chosen.append)
        await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen))
        screen = app.screen
        assert isinstance(screen, AlertsScreen)
        await wait_for(pilot, lambda: screen.alerts_table.row_count == 1)
        assert cells(screen.rules_table) == [
            ["Floods", "toast, bell", "no", "title /flood/"],
            ["[b]Kyiv[/b]", "toast", "again", "badges breaking"],
        ]
        [fired] = cells(screen.alerts_table)
        assert fired[1:] == ["Floods", "FLOOD warning for the river towns", "Wire"]
        assert fired[0].count(":") == 1  # fired today: the clock alone
        assert "Recent alerts: 1" in str(screen.query_one("#recent-heading", Static).content)
        await pilot.press("enter")  # on the rules: no headline to show
        assert app.screen is screen
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: chosen)
        assert chosen == [pane_titles(app)["FLOOD warning for the river towns"]]
        assert not isinstance(app.screen, AlertsScreen)


async def test_d_removes_the_highlighted_rule_after_asking_and_keeps_the_comments(
    desk: Newsdesk, tmp_path: Path
) -> None:
    path = write_config(tmp_path, desk, f"# my rules\n{FLOODS}\n{MARKUP}\n# the end\n")
    app = TickerApp(session_of(tmp_path), poll=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = AlertsScreen(app.session)
        app.push_screen(screen)
        await wait_for(pilot, lambda: screen.rules_table.row_count == 2)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmRemove))
        await pilot.press("n")  # kept
        await wait_for(pilot, lambda: app.screen is screen)
        assert [r.name for r in config.load(path).alerts.rules] == ["Floods", "[b]Kyiv[/b]"]
        await pilot.press("j", "d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmRemove))
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.rules_table.row_count == 1)
        assert cells(screen.rules_table)[0][0] == "Floods"
        assert [r.name for r in config.load(path).alerts.rules] == ["Floods"]
        assert [r.name for r in app.session.settings.alerts.rules] == ["Floods"]
        text = path.read_text(encoding="utf-8")
        assert "# my rules" in text and "# the end" in text and "Kyiv" not in text
        await wait_for(pilot, lambda: any("Removed the alert rule" in t for t in toasts(app)))


async def test_a_read_only_session_refuses_to_remove_a_rule(desk: Newsdesk, tmp_path: Path) -> None:
    path = write_config(tmp_path, desk, FLOODS)
    before = path.read_bytes()
    app = TickerApp(session_of(tmp_path, read_only=True, polls=False), poll=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = AlertsScreen(app.session)
        app.push_screen(screen)
        await wait_for(pilot, lambda: screen.rules_table.row_count == 1)
        await pilot.press("d")
        await wait_for(pilot, lambda: any("read-only" in t for t in toasts(app)))
        assert app.screen is screen  # no question asked
        assert screen.rules_table.row_count == 1
    assert path.read_bytes() == before


async def test_the_sources_screen_shows_a_failing_notify_command(
    desk: Newsdesk, tmp_path: Path
) -> None:
    rule = '[[alerts]]\nname = "Floods"\ntitle = "flood"\nactions = ["command"]\n'
    write_config(tmp_path, desk, f'{rule}\n[notify]\ncommand = ["false"]\n')
    desk.desk("wire").publish("w-1", "Markets close higher")
    app = TickerApp(session_of(tmp_path), poll=True)
    async with app.run_test(size=SIZE) as pilot:
        await fire_flood_alert(app, pilot, desk)
        await wait_for(pilot, lambda: app.session.alert_problems(), 15)
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        line = app.screen.query_one("#alerting", Static)
        await wait_for(pilot, lambda: line.display and "failed" in str(line.content))
        shown = str(line.content)
        assert shown.startswith("Alert command failed at ")
        assert shown.endswith(": false exited with status 1")


async def test_the_sources_screen_has_no_alert_line_while_alerting_works(
    desk: Newsdesk, tmp_path: Path
) -> None:
    write_config(tmp_path, desk, FLOODS)
    desk.desk("wire").publish("w-1", "Markets close higher")
    app = TickerApp(session_of(tmp_path), poll=True)
    async with app.run_test(size=SIZE) as pilot:
        await fire_flood_alert(app, pilot, desk)
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        screen = app.screen
        assert isinstance(screen, SourcesScreen)
        await wait_for(pilot, lambda: screen.table.row_count == 1)
        assert not screen.query_one("#alerting", Static).display
