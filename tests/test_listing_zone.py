"""An html source's bare times are read in the display zone when it names none (issue 11.4).

The `add --html` preview passed the zone; the poller did not, so what was stored was read in
the system's zone. These tests go through the poller (in this process and in the parse child)
and the command line, never through `listing.headlines` directly.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pytest_httpserver import HTTPServer

from ticker.__main__ import main
from ticker.config import PollSettings
from ticker.model import Listing, Source
from ticker.poller import Poller
from ticker.store import Store

ZONE = "Pacific/Kiritimati"  # UTC+14: never the system's zone, on any machine
PAGE = b"""<html><body>
<div class="day">2024, Saturday / 26 October</div>
<div class="row"><span class="t">12:50</span><a href="/a">Harbour cranes return to work</a></div>
</body></html>"""
LISTING = Listing(item="div.row", title="a", link="a", time="span.t", date="div.day")
# 12:50 on 26 October at UTC+14 is 22:50 on 25 October in UTC.
EXPECTED = datetime(2024, 10, 25, 22, 50, tzinfo=UTC)


@pytest.fixture
def page(httpserver: HTTPServer) -> str:
    httpserver.expect_request("/latest").respond_with_data(PAGE, content_type="text/html")
    return httpserver.url_for("/latest")


@pytest.mark.parametrize("in_child", [False, True], ids=["in-process", "parse-child"])
async def test_the_poller_reads_bare_times_in_the_display_zone(
    page: str, tmp_path: Path, in_child: bool
) -> None:
    source = Source("Harbour", page, kind="html", listing=LISTING)
    async with Poller(
        tmp_path / "t.db",
        [source],
        PollSettings(),
        tz=ZoneInfo(ZONE),
        parse_in_process=in_child,
    ) as poller:
        [outcome] = await poller.poll_once()
    assert outcome.ok, outcome.error
    with Store(tmp_path / "t.db") as store:
        [stored] = store.headlines()
    assert stored.published == EXPECTED


def test_ticker_headlines_stores_them_in_the_configured_zone(
    page: str, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = home / "ticker.toml"
    config.write_text(
        f'timezone = "{ZONE}"\n\n[[sources]]\nname = "Harbour"\nurl = "{page}"\nkind = "html"\n'
        '[sources.listing]\nitem = "div.row"\ntitle = "a"\ntime = "span.t"\ndate = "div.day"\n'
    )
    assert main(["headlines", "--config", str(config), "--format", "json"]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["published"] == "2024-10-25T22:50:00Z"
