"""`ticker watch`: real processes printing through a real pipe (issue 14, 4).

Feeds come from a Newsdesk on 127.0.0.1 that counts each feed's requests, so "fetches nothing"
is counted; the watch's stdout is a pipe this test reads line by line, as `jq` or a status bar
would. Waits are bounded loops on a condition.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from newsdesk import Newsdesk
from test_hub_processes import WAIT, Ticker, environment, news, start, until, write_config


@pytest.fixture
async def desk() -> AsyncIterator[Newsdesk]:
    async with Newsdesk().running() as running:
        yield running


class Output:
    """A pipe for a watch's stdout: the test holds the read end, the watch the write end."""

    def __init__(self) -> None:
        self._read, self.fd = os.pipe()
        self._reader = asyncio.StreamReader()
        self._transport: asyncio.ReadTransport | None = None

    async def open(self) -> None:
        """Read from now on; the write end is the watch's alone (its end ends the output)."""
        os.close(self.fd)
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(self._reader), os.fdopen(self._read, "rb", 0)
        )

    async def line(self, within: float = WAIT) -> str:
        raw = await asyncio.wait_for(self._reader.readline(), within)
        assert raw.endswith(b"\n"), f"the output ended: {raw!r}"
        return raw.decode()[:-1]

    async def event(self, within: float = WAIT) -> dict[str, Any]:
        event: dict[str, Any] = json.loads(await self.line(within))
        return event

    def close(self) -> None:
        """The reader leaves, as `head -1` does after its line."""
        assert self._transport is not None
        self._transport.close()


async def watch(home: Path, *args: str) -> tuple[Ticker, Output]:
    output = Output()
    process = await start(home, "watch", *args, stdout=output.fd)
    await output.open()
    return process, output


async def headlines(home: Path, *args: str) -> str:
    """`ticker headlines`' stdout (it exits 0)."""
    process = await start(home, "headlines", *args, stdout=asyncio.subprocess.PIPE)
    assert process.process.stdout is not None
    out = await asyncio.wait_for(process.process.stdout.read(), WAIT)
    assert await process.exit_status() == 0, process.lines
    return out.decode()


def quiet(process: Ticker) -> bool:
    """Nothing on stderr but the test shell's own pid and exit lines."""
    return all(line.startswith(("pid ", "exit ")) for line in process.lines)


def retitle(desk: Newsdesk, name: str, guid: str, title: str) -> None:
    """The story `guid` gets a new title (same guid): an update, as newsrooms make them."""
    feed = desk.desk(name)
    feed.items = [(g, title if g == guid else t) for g, t in feed.items]
    feed.version += 1


async def test_with_no_poller_it_polls_and_a_story_published_later_is_one_json_line(
    desk: Newsdesk, tmp_path: Path
) -> None:
    write_config(tmp_path, news(desk, "alpha"), interval=10)  # the config's floor
    process, output = await watch(tmp_path, "--format", "json")
    try:
        first = await output.event()
        assert (first["title"], first["event"]) == ("alpha story one", "new")
        assert desk.count("alpha") == 1  # its own poll: no other ticker runs

        desk.desk("alpha").publish("alpha-2", "alpha story two")
        second = await output.event()  # the next poll, an interval later
        assert (second["title"], second["event"]) == ("alpha story two", "new")
        assert desk.count("alpha") == 2

        # The fields of `ticker headlines --format json`, and their values, plus "event".
        printed = [
            json.loads(line)
            for line in (await headlines(tmp_path, "--offline", "--format", "json")).splitlines()
        ]
        stored = next(h for h in printed if h["id"] == "alpha-2")
        assert {k: v for k, v in second.items() if k != "event"} == stored
    finally:
        await process.stop()


async def test_beside_serve_it_fetches_nothing_and_prints_what_serve_stores_new_and_updated(
    desk: Newsdesk, tmp_path: Path
) -> None:
    write_config(tmp_path, news(desk, "alpha"))
    poller = await start(tmp_path, "serve")
    process = None
    try:
        await until(lambda: poller.said("polled 1 source") == 1, "serve's first round")
        process, output = await watch(tmp_path, "--format", "json", "--backlog", "1")
        backlog = await output.event()
        assert (backlog["title"], backlog["event"]) == ("alpha story one", "backlog")

        desk.desk("alpha").publish("alpha-2", "alpha story two")
        retitle(desk, "alpha", "alpha-1", "alpha story one, corrected")
        await headlines(tmp_path)  # asks serve for a round, and waits for it
        new, updated = await output.event(), await output.event()
        assert (new["title"], new["event"]) == ("alpha story two", "new")
        assert (updated["title"], updated["event"]) == ("alpha story one, corrected", "updated")
        assert "updated" in updated["badges"]

        # Two rounds, both serve's: neither the watch nor `headlines` fetched anything.
        assert desk.count("alpha") == 2 and poller.said("polled 1 source") == 2
        assert quiet(process)
    finally:
        await poller.stop()
        if process is not None:
            await process.stop()


async def test_when_the_poller_is_killed_the_watch_takes_over_and_prints_its_own_polls(
    desk: Newsdesk, tmp_path: Path
) -> None:
    write_config(tmp_path, news(desk, "alpha"), interval=10)
    poller = await start(tmp_path, "serve")
    process = None
    try:
        await until(lambda: poller.said("polled 1 source") == 1, "serve's first round")
        process, output = await watch(tmp_path, "--format", "json", "--backlog", "1")
        assert (await output.event())["event"] == "backlog"

        await poller.signal(signal.SIGKILL)
        assert await poller.exit_status() == 128 + signal.SIGKILL
        desk.desk("alpha").publish("alpha-2", "alpha story two")
        retitle(desk, "alpha", "alpha-1", "alpha story one, corrected")
        # Due an interval after serve's round (the schedule is in the store): only the watch
        # is alive to fetch it.
        new, updated = await output.event(), await output.event()
        assert (new["title"], new["event"]) == ("alpha story two", "new")
        assert (updated["title"], updated["event"]) == ("alpha story one, corrected", "updated")
        assert desk.count("alpha") == 2
    finally:
        await poller.stop()
        if process is not None:
            await process.stop()


async def test_when_the_reader_leaves_the_watch_exits_0_and_says_nothing(
    desk: Newsdesk, tmp_path: Path
) -> None:
    # A hostile title: a bidi override and what Rich would read as markup.
    desk.desk("alpha").publish("alpha-1", "alpha \u202eevil[/] [red]story[/red]")
    write_config(tmp_path, [("alpha", desk.feed_url("alpha"))])
    filled = await start(tmp_path, "serve", "--once")
    assert await filled.exit_status() == 0

    process, output = await watch(tmp_path, "--backlog", "1")  # plain, as for a status bar
    try:
        line = await output.line()
        assert "\u202e" not in line and "[red]story[/red]" in line
        assert line in (await headlines(tmp_path, "--offline")).splitlines()  # the same line
        output.close()  # `| head -1`: nothing more will be printed, and the watch sees it
        assert await process.exit_status() == 0
        assert quiet(process), process.lines
    finally:
        await process.stop()


async def test_sigterm_ends_a_watch_with_143_and_ctrl_c_with_130(
    desk: Newsdesk, tmp_path: Path
) -> None:
    write_config(tmp_path, news(desk, "alpha"))
    process, output = await watch(tmp_path, "--backlog", "3")
    try:
        assert "alpha story one" in await output.line()
        await process.signal(signal.SIGTERM)
        assert await process.exit_status() == 128 + signal.SIGTERM
        assert quiet(process), process.lines
    finally:
        await process.stop()

    # Not through the test shell: a shell starts a background job with SIGINT ignored.
    output = Output()
    interrupted = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "ticker", "watch", "--backlog", "1"),
        env=environment(tmp_path),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=output.fd,
        stderr=asyncio.subprocess.PIPE,
    )
    await output.open()
    try:
        assert "alpha story one" in await output.line()  # running, its handlers in place
        interrupted.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(interrupted.wait(), WAIT) == 128 + signal.SIGINT
        assert interrupted.stderr is not None
        assert await interrupted.stderr.read() == b""
    finally:
        if interrupted.returncode is None:
            interrupted.kill()
            await interrupted.wait()


async def test_backlog_and_named_sources_polled_by_the_watch_itself_beside_serve(
    desk: Newsdesk, tmp_path: Path
) -> None:
    write_config(tmp_path, news(desk, "beta"))
    poller = await start(tmp_path, "serve")
    process = None
    try:
        await until(lambda: poller.said("polled 1 source") == 1, "serve's first round")
        for n in range(1, 4):
            desk.desk("alpha").publish(f"alpha-{n}", f"alpha story {n}")
        await headlines(tmp_path, "--source", desk.feed_url("alpha"))  # stores alpha's three
        desk.desk("beta").publish("beta-2", "beta story two")
        await headlines(tmp_path)  # serve's round: beta's news is the newest stored

        named = ("--source", desk.feed_url("alpha"), "--source", news(desk, "gamma")[0][1])
        process, output = await watch(tmp_path, "--format", "json", "--backlog", "2", *named)
        backlog = [await output.event() for _ in range(2)]
        assert [(e["title"], e["event"]) for e in backlog] == [
            ("alpha story 2", "backlog"),
            ("alpha story 3", "backlog"),
        ]
        # gamma is no source of serve's: the watch polls it itself (alpha is not due yet).
        gamma = await output.event()
        assert (gamma["title"], gamma["event"]) == ("gamma story one", "new")
        assert desk.count("gamma") == 1 and desk.count("alpha") == 1

        # Another source's news is not printed; a named source's stored by another process is.
        desk.desk("beta").publish("beta-3", "beta story three")
        await headlines(tmp_path)
        desk.desk("alpha").publish("alpha-4", "alpha story 4")
        await headlines(tmp_path, "--source", desk.feed_url("alpha"))
        latest = await output.event()
        assert (latest["title"], latest["event"]) == ("alpha story 4", "new")
        assert desk.count("alpha") == 2 and poller.said("polled 1 source") == 3
    finally:
        await poller.stop()
        if process is not None:
            await process.stop()


async def test_watch_alerts_prints_only_what_fires_a_rule(desk: Newsdesk, tmp_path: Path) -> None:
    sources = news(desk, "alpha")
    write_config(tmp_path, sources)
    config_file = tmp_path / "config.toml"
    rule = '\n[[alerts]]\nname = "Quakes"\ntitle = "quake"\n'
    config_file.write_text(config_file.read_text() + rule)
    poller = await start(tmp_path, "serve")
    process = None
    try:
        await until(lambda: poller.said("polled 1 source") == 1, "serve's first round")
        process, output = await watch(tmp_path, "--format", "json", "--alerts", "--backlog", "1")
        assert (await output.event())["event"] == "backlog"  # it runs: what arrives is new
        desk.desk("alpha").publish("alpha-2", "Markets calm")
        desk.desk("alpha").publish("alpha-3", "Quake shakes the coast")
        await headlines(tmp_path)  # asks serve for a round, and waits for it
        desk.desk("alpha").publish("alpha-4", "Aftershock after the quake")
        await headlines(tmp_path)
        first, second = await output.event(), await output.event()
        assert [first["title"], second["title"]] == [
            "Quake shakes the coast",
            "Aftershock after the quake",
        ]
        assert quiet(process)
    finally:
        await poller.stop()
        if process is not None:
            await process.stop()


async def test_watch_on_the_demo_newsroom_prints_each_story_it_publishes(tmp_path: Path) -> None:
    """The demo server's live desks as the configured sources: the watch polls them, and each
    story the newsroom publishes afterwards comes through the pipe as a JSON line with badges."""
    from ticker.demo import DemoServer

    server = DemoServer(seed=5, tick_seconds=0)
    async with server:
        write_config(tmp_path, server.live_feeds(), interval=10)  # the config's floor
        await headlines(tmp_path)  # the newsroom's stories so far, stored
        process, output = await watch(tmp_path, "--format", "json", "--backlog", "3")
        try:
            backlog = [await output.event() for _ in range(3)]
            assert all(e["event"] == "backlog" for e in backlog)
            published = server.advance(2)
            titles = {story.title for story in published}
            arrived = [await output.event(within=30) for _ in range(2)]
            assert {e["title"] for e in arrived} == titles
            assert all(e["event"] == "new" and "badges" in e for e in arrived)
            assert quiet(process)
        finally:
            await process.stop()
