"""A title ticker made for an item without one: said so in JSON, shown distinctly in the pane."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import appdata
import pytest
from appdata import NOW, SOURCES, wait_for

from ticker.__main__ import main
from ticker.app.app import TickerApp
from ticker.app.widgets.headline_pane import HeadlinePane
from ticker.model import Headline
from ticker.store import PollRecord, Store

pytestmark = pytest.mark.usefixtures("home")

SOURCE = SOURCES[0]
OWN = Headline(
    source=SOURCE.url,
    source_name=SOURCE.name,
    guid="own",
    title="Harbour reopens after the storm",
    url=f"{SOURCE.url}/own",
    published=NOW,
)
DERIVED = replace(
    OWN,
    guid="derived",
    title="Ferries run again from noon, the port authority says\u2026",
    url=f"{SOURCE.url}/derived",
    title_from="summary",
)


def _store(path: Path, *headlines: Headline) -> None:
    with Store(path) as store:
        store.save([PollRecord(SOURCE, time.time(), list(headlines))])


def test_json_says_where_each_title_came_from(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _store(home / "data" / "ticker.db", OWN, DERIVED)
    assert main(["headlines", "--offline", "--format", "json", "--source", SOURCE.url]) == 0
    found = {
        o["id"]: o["title_from"] for o in map(json.loads, capsys.readouterr().out.split("\n")[:-1])
    }
    assert found == {"own": "title", "derived": "summary"}


async def test_the_pane_shows_a_derived_title_in_its_own_style(tmp_path: Path) -> None:
    session = appdata.session(tmp_path)
    _store(session.store_path, OWN, DERIVED)
    app = TickerApp(session, poll=False, now=NOW)
    async with app.run_test(size=(100, 20)) as pilot:
        pane = app.query_one(HeadlinePane)
        await wait_for(pilot, lambda: len(pane.timeline.rows) >= 3)

        def title_style(title: str) -> object:
            for y in range(pane.size.height):
                for segment in pane.render_line(y):
                    if segment.text.startswith(title[:20]):
                        return segment.style
            raise AssertionError(f"{title!r} is not on screen")

        own, derived = title_style(OWN.title), title_style(DERIVED.title)
        assert derived.italic and not own.italic
        assert derived.color == own.color  # still readable: the same colour, only italic
