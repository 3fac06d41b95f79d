"""The first run without a network: the empty pane says which sources fail, why, and what works.

Every test starts from no config and no data (tmp_path). The sources are on 127.0.0.1: a closed
port fails at once, as a failed name lookup does; a port that takes connections and never
answers stands for a black-holed address, heard from only after the poll's timeout.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace

import pytest
from appdata import wait_for
from pytest_httpserver import HTTPServer
from textual.pilot import Pilot

from ticker import config, locations
from ticker.app.app import TickerApp
from ticker.app.widgets.headline_pane import HeadlinePane
from ticker.config import PollSettings
from ticker.model import Source
from ticker.session import Session

pytestmark = pytest.mark.usefixtures("home")  # no config and no data, in tmp_path

TIMEOUT = 30.0  # the poll's timeout: every test is over long before it
QUIET = 2.0  # seconds of nothing before the pane mentions the network (5 in the app)
SIZE = (80, 24)  # the sentence wraps to the pane's width: all of it is on screen
OFFLINE = "No network? ticker --demo runs offline."


@pytest.fixture
def closed() -> str:
    """An address on 127.0.0.1 where nothing listens: the connection is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def silent() -> Iterator[str]:
    """A port on 127.0.0.1 that takes connections and never answers; closed after the test.

    The kernel completes the handshakes (up to the backlog) and nobody reads, so a request
    waits for the poll's timeout, as one to a black-holed address does.
    """
    with socket.create_server(("127.0.0.1", 0), backlog=8) as sock:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def first_run(sources: list[Source], quiet: float = QUIET) -> TickerApp:
    """The app as `ticker` starts it on a first run, on `sources` and a long poll timeout."""
    settings = config.load(locations.config_file(None))  # writes the first config file
    settings = replace(settings, sources=tuple(sources), poll=PollSettings(timeout=TIMEOUT))
    session = Session(locations.store_file(None), sources, settings)
    session.prepare()
    return TickerApp(session, poll=True, nothing_yet_after=quiet)


def pane_line(app: TickerApp) -> str:
    """The pane's sentence as the terminal shows it, its wrapped lines joined."""
    pane = app.query_one(HeadlinePane)
    lines = (pane.render_line(y).text.strip() for y in range(pane.size.height))
    return " ".join(line for line in lines if line)


async def shows(pilot: Pilot, *parts: str, seconds: float = 10.0) -> str:
    """Wait until the empty pane's line holds every one of `parts`; the line."""
    app = pilot.app
    assert isinstance(app, TickerApp)
    await wait_for(pilot, lambda: all(part in pane_line(app) for part in parts), seconds)
    return pane_line(app)


def in_flight(app: TickerApp) -> int:
    """How many polls are waiting for an answer."""
    poller = app.session._poller
    return len(poller._in_flight) if poller is not None else 0


async def test_sources_that_fail_at_once_are_named_with_why_and_the_demo_is_offered(
    closed: str,
) -> None:
    sources = [Source("Kestrel Post", f"{closed}/rss"), Source("Harbour Wire", f"{closed}/atom")]
    app = first_run(sources, quiet=TIMEOUT)  # the failures alone tell, with no waiting
    async with app.run_test(size=SIZE) as pilot:
        line = await shows(pilot, "None of the 2 sources answered.")
        assert line.startswith(f"None of the 2 sources answered. {OFFLINE} ")
        assert "Kestrel Post, Harbour Wire: cannot connect" in line
        assert line.endswith(".")


async def test_sources_that_never_answer_are_waited_for_then_explained_before_the_timeout(
    silent: str,
) -> None:
    sources = [Source("Kestrel Post", f"{silent}/rss"), Source("Harbour Wire", f"{silent}/atom")]
    app = first_run(sources)
    async with app.run_test(size=SIZE) as pilot:
        assert await shows(pilot, "waiting") == "No headlines yet: waiting for 2 sources…"
        await wait_for(pilot, lambda: in_flight(app) == 2)
        line = await shows(pilot, "No answer yet")
        assert line == f"No answer yet from 2 sources after 2 s. {OFFLINE}"
        assert in_flight(app) == 2  # still waiting: the sentence came before the timeout


async def test_one_failed_one_silent_says_both(closed: str, silent: str) -> None:
    sources = [Source("Kestrel Post", f"{closed}/rss"), Source("Harbour Wire", f"{silent}/rss")]
    app = first_run(sources)
    async with app.run_test(size=SIZE) as pilot:
        line = await shows(pilot, "1 of 2 sources failed")
        # A refused connection alone proves little: the network is mentioned after the wait.
        assert line.startswith("1 of 2 sources failed, waiting for 1… Kestrel Post: cannot")
        assert "ticker --demo" not in line
        line = await shows(pilot, "no answer yet from 1 after 2 s.")
        assert line.startswith(f"1 of 2 sources failed, no answer yet from 1 after 2 s. {OFFLINE}")
        assert "Kestrel Post: cannot connect" in line
        assert "Harbour Wire" not in line
        assert in_flight(app) == 1


async def test_an_http_error_names_the_source_without_blaming_the_network(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/gone.rss").respond_with_data("gone", status=404)
    app = first_run([Source("Kestrel Post", httpserver.url_for("/gone.rss"))], quiet=0.1)
    async with app.run_test(size=SIZE) as pilot:
        line = await shows(pilot, "No source answered.")
        assert line.startswith("No source answered. Kestrel Post: HTTP 404")
        assert "network" not in line


async def test_a_first_run_with_no_sources_says_how_to_add_one() -> None:
    app = first_run([])
    async with app.run_test(size=SIZE) as pilot:
        assert await shows(pilot, "No sources") == (
            "No sources to poll: a adds a site. ticker --demo shows a live newsroom."
        )
