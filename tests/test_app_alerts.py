"""Alerts in the app (issue 14, point 3): a toast and a mark in every viewer of the store,
once; "alert me about this" from a search. The real app (Pilot) polls a Newsdesk on 127.0.0.1
into a real store; waits are bounded loops on what the app shows.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from newsdesk import Newsdesk

from ticker import config
from ticker.app.app import TickerApp
from ticker.session import Session

WAIT = 15.0


@pytest.fixture
async def desk() -> AsyncIterator[Newsdesk]:
    async with Newsdesk().running() as running:
        yield running


async def until(condition: Callable[[], object], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not condition():
        assert loop.time() < deadline, f"not within {WAIT:g} s: {what}"
        await asyncio.sleep(0.05)


def write_config(home: Path, desk: Newsdesk, rules: str = "") -> Path:
    path = home / "config.toml"
    path.write_text(
        f'[[sources]]\nname = "Wire"\nurl = "{desk.feed_url("wire")}"\n\n{rules}',
        encoding="utf-8",
    )
    return path


def session_of(home: Path, **kwargs: bool) -> Session:
    settings = config.load(home / "config.toml")
    return Session(home / "data" / "ticker.db", settings.sources, settings, **kwargs)


def toasts(app: TickerApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


def alerted_titles(app: TickerApp) -> set[str]:
    timeline = app.pane.timeline
    return {h.title for row in app.pane.alerted if (h := timeline.headline(row)) is not None}


FLOODS = '[[alerts]]\nname = "Floods"\ntitle = "flood"\n'


async def test_an_alert_is_a_toast_and_a_mark_in_every_viewer_once(
    desk: Newsdesk, tmp_path: Path
) -> None:
    write_config(tmp_path, desk, FLOODS)
    desk.desk("wire").publish("w-1", "Markets close higher")
    poller = TickerApp(session_of(tmp_path), poll=True)
    async with poller.run_test(size=(100, 30)) as pilot:
        await until(lambda: "Markets close higher" in pane_titles(poller), "the first poll")
        viewer = TickerApp(session_of(tmp_path, polls=False), poll=True)
        async with viewer.run_test(size=(100, 30)):
            await until(lambda: viewer._alerts_from is not None, "the viewer read the alerts")
            desk.desk("wire").publish("w-2", "FLOOD warning for the river towns")
            await pilot.press("r")
            for app in (poller, viewer):
                await until(lambda app=app: any("Floods" in t for t in toasts(app)), "a toast")
                await until(
                    lambda app=app: alerted_titles(app) == {"FLOOD warning for the river towns"},
                    "the mark on its row",
                )
            assert sum("Floods" in t for t in toasts(viewer)) == 1
            assert not any("Markets" in t for t in toasts(poller))  # stored before: no alert
    # Started again: the alert is not told again, its row still has the mark.
    again = TickerApp(session_of(tmp_path, polls=False), poll=True)
    async with again.run_test(size=(100, 30)):
        await until(lambda: again.pane.alerted, "the marked row")
        assert alerted_titles(again) == {"FLOOD warning for the river towns"}
        assert not any("Floods" in t for t in toasts(again))


def pane_titles(app: TickerApp) -> set[str]:
    timeline = app.pane.timeline
    return {h.title for h in timeline.headlines(range(len(timeline))).values()}


async def test_alert_me_about_a_search_saves_a_rule_that_fires_from_then_on(
    desk: Newsdesk, tmp_path: Path
) -> None:
    path = write_config(tmp_path, desk)
    desk.desk("wire").publish("w-1", "Rail strike called off")
    app = TickerApp(session_of(tmp_path), poll=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(lambda: "Rail strike called off" in pane_titles(app), "the first poll")
        await pilot.press("slash", *"strike rail", "enter")
        await pilot.press("A")
        await until(lambda: any("Alert added" in t for t in toasts(app)), "the rule saved")
        assert 'name = "Search: strike rail"' in path.read_text()
        assert config.load(path).alerts.rules[0].name == "Search: strike rail"
        desk.desk("wire").publish("w-2", "New rail strike announced for Monday")
        desk.desk("wire").publish("w-3", "Strike over in the docks")  # not both words
        await pilot.press("r")
        await until(lambda: any("Search: strike rail" in t for t in toasts(app)), "the alert")
        assert alerted_titles(app) == {"New rail strike announced for Monday"}
        # ! lists the rules and the alerts; Enter on an alert selects its headline in the pane.
        await pilot.press("k")  # the cursor elsewhere first
        await pilot.press("exclamation_mark")
        await until(lambda: type(app.screen).__name__ == "AlertsScreen", "the alerts screen")
        await pilot.press("tab")
        await until(lambda: app.screen.query("DataTable")[1].row_count == 1, "the alert listed")
        await pilot.press("enter")
        await until(lambda: len(app.screen_stack) == 1, "back on the pane")
        selected = app.pane.selected
        assert selected is not None and selected.title == "New rail strike announced for Monday"
